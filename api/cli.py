"""The ``meute`` command line: demo, match, import, serve, synth."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from api.service import (
    ImportDocument,
    import_document,
    match_tender,
    parse_json_file,
    showcase_document,
    showcase_tender,
)
from api.settings import Settings
from graph.errors import Infeasible, InvalidInput, MeuteError, NotFound, StoreUnavailable
from graph.model import MatchResult, Tender
from graph.store import GraphStore, ImportReport

__all__ = ["app"]

app = typer.Typer(
    name="meute",
    help="Meute: complementary consortia of French firms for foreign tenders.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)

# Exit codes: 2 for bad input (like a usage error), 1 when no consortium exists, 3 when the
# store cannot be reached.
EXIT_CODES: dict[type[MeuteError], int] = {
    InvalidInput: 2,
    NotFound: 2,
    Infeasible: 1,
    StoreUnavailable: 3,
}


@contextmanager
def _store() -> Iterator[GraphStore]:
    """Open the configured store for one command and report Meute errors cleanly."""
    try:
        settings = Settings()
        with settings.open_store() as store:
            yield store
    except MeuteError as error:
        errors.print(f"[bold red]error:[/] {error.detail}", highlight=False)
        for problem in error.problems:
            errors.print(f"  - {problem}", highlight=False, markup=False)
        raise typer.Exit(EXIT_CODES.get(type(error), 1)) from None


def _print_report(report: ImportReport) -> None:
    console.print(
        f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
        f"rejected {len(report.rejected)}"
    )
    for reason in report.rejected[:20]:
        console.print(f"  rejected: {reason}", markup=False)


def _print_consortia(tender: Tender, result: MatchResult) -> None:
    console.print(
        f"[bold]{tender.title}[/] — {tender.buyer} ({tender.country}), "
        f"{tender.budget:,.0f} {tender.currency}, {len(tender.lots)} lots; "
        f"{result.candidates_considered} candidate firms"
    )
    lot_titles = {lot.id: lot.title for lot in tender.lots}
    for consortium in result.consortia:
        parts = ", ".join(f"{k} {v:.2f}" for k, v in consortium.breakdown.items())
        table = Table(
            title=f"#{consortium.rank}  score {consortium.score:.3f}  ({parts})",
            title_justify="left",
            show_lines=True,
            expand=True,
        )
        table.add_column("Lots", ratio=2)
        table.add_column("Firm", ratio=2)
        table.add_column("Why", ratio=6)
        for member in consortium.members:
            name = f"{member.name}\n{member.siren}" + ("\n★ leader" if member.leader else "")
            lots = "\n".join(f"{lot_id}: {lot_titles[lot_id]}" for lot_id in member.lots)
            table.add_row(lots, name, member.why)
        console.print(table)


@app.command()
def demo(top: Annotated[int, typer.Option(min=1, max=100)] = 5) -> None:
    """Load the synthetic showcase if the store is empty and match the Bouaké hospital tender."""
    with _store() as store:
        if store.count_firms() == 0:
            console.print("Empty store: loading the synthetic showcase dataset...")
            _print_report(import_document(store, showcase_document()))
        tender = store.get_tender("bouake-hospital") or showcase_tender()
        _print_consortia(tender, match_tender(store, tender, Settings().match_options(top)))


@app.command()
def match(
    tender_file: Annotated[Path, typer.Argument(help="A tender as JSON.")],
    top: Annotated[int, typer.Option(min=1, max=100, help="How many consortia.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Propose ranked consortia for a tender file."""
    with _store() as store:
        tender = parse_json_file(tender_file, Tender)
        result = match_tender(store, tender, Settings().match_options(top))
        if as_json:
            sys.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2) + "\n")
        else:
            _print_consortia(tender, result)


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="JSON with firms, collaborations, tenders.")],
) -> None:
    """Import firms, collaborations and tenders from a JSON file (idempotent)."""
    with _store() as store:
        document = parse_json_file(file, ImportDocument)
        with Progress(console=errors, transient=True) as progress:
            task = progress.add_task(f"importing {file.name}", total=document.size())
            report = import_document(store, document, lambda n: progress.advance(task, n))
        _print_report(report)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
) -> None:
    """Run the HTTP API (and its OpenAPI docs at /docs)."""
    import uvicorn

    uvicorn.run("api.app:create_app", factory=True, host=host, port=port)


@app.command()
def synth(
    firms: Annotated[int, typer.Option(min=1, max=2_000_000, help="How many firms.")],
    out: Annotated[Path, typer.Option(help="Output directory.")],
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """Generate a plausible national-scale synthetic dataset (for benchmarks)."""
    from graph.synth import generate, write_dataset

    generated_firms, collaborations = generate(firms, seed=seed)
    write_dataset(generated_firms, collaborations, out)
    console.print(
        f"wrote {len(generated_firms)} firms and {len(collaborations)} collaborations to {out}"
    )
