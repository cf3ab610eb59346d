"""The ``meute`` command line: demo, match, import, partners, pavilion, cpv, keys, serve, train,
synth.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from meute.api.keys import Role
from meute.api.scores import on_100
from meute.api.settings import Settings
from meute.graph.errors import (
    Infeasible,
    InvalidInput,
    MeuteError,
    NotFound,
    StoreUnavailable,
)
from meute.graph.model import (
    CollaborationKind,
    Fact,
    MatchResult,
    PartnerResult,
    PavilionRequest,
    Tender,
)
from meute.matcher.modes import Mode
from meute.matcher.phrases import Lang, phrase

if TYPE_CHECKING:  # the service, the matcher and the stores load in the commands that use them
    from meute.api.service import ImportDocument
    from meute.graph.decp import DecpImport, DecpReport
    from meute.graph.sirene import SireneReport
    from meute.graph.store import GraphStore, ImportReport
    from meute.graph.ted import TedImport
    from meute.matcher.propose import MatchOptions
    from meute.scoring.training import Example

__all__ = ["app"]

app = typer.Typer(
    name="meute",
    help="Meute: complementary consortia of French firms for foreign tenders.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)


def _print_version(wanted: bool) -> None:
    if wanted:
        sys.stdout.write(f"meute {version('meute')}\n")
        raise typer.Exit()


@app.callback()
def main(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Meute: complementary consortia of French firms for foreign tenders."""


LangOption = Annotated[
    Lang, typer.Option(help="Language of the reasons and infeasibility explanations: en or fr.")
]

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
        settings.configure_logging()
        errors.print(
            f"store: {settings.store_name()}", highlight=False, markup=False, soft_wrap=True
        )
        with settings.open_store() as store:
            yield store
    except MeuteError as error:
        errors.print(f"[bold red]error:[/] {error.detail}", highlight=False)
        for problem in error.problems:
            errors.print(f"  - {problem}", highlight=False, markup=False)
        code = next((code for kind, code in EXIT_CODES.items() if isinstance(error, kind)), 1)
        raise typer.Exit(code) from None


def _print_report(report: ImportReport) -> None:
    console.print(
        f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
        f"rejected {len(report.rejected)}"
    )
    for reason in report.rejected[:20]:
        console.print(f"  rejected: {reason}", markup=False)


def _out_of_100(score: float) -> str:
    """A score as the console and the exports show it, out of 100: 0.7236 -> ``72.4/100``."""
    return f"{on_100(score):.1f}/100"


def _print_consortia(tender: Tender, result: MatchResult) -> None:
    where = f" ({tender.region.value})" if tender.region else ""
    console.print(
        f"[bold]{tender.title}[/] — {tender.buyer}, country {tender.country}{where}, "
        f"{tender.budget:,.0f} {tender.currency}, {len(tender.lots)} lots; "
        f"{result.candidates_considered} candidate firms"
        + (
            f"; gap ≤ {100 * result.optimality_gap_bound:.1f} % (bound on the best)"
            if result.optimality_gap_bound is not None
            else ""
        )
    )
    if result.uncovered:
        console.print(
            f"[bold]Not covered[/] ({len(result.uncovered)} of {len(tender.lots)} lots: no firm "
            "of the graph may take them; the consortia cover the others):"
        )
        for lot in result.uncovered:
            console.print(f"  {lot.lot_id}: {lot.title} — {lot.reason}", markup=False)
    lot_titles = tender.lot_titles()
    for consortium in result.consortia:
        parts = ", ".join(f"{k} {on_100(v):.1f}" for k, v in consortium.breakdown.items())
        table = Table(
            title=f"#{consortium.rank}  score {_out_of_100(consortium.score)}  ({parts})",
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


def _print_suggested_codes(tender: Tender, options: MatchOptions, out: Console) -> None:
    """The codes each lot written in words is matched on, with the learnt model's probability,
    as the console shows them for confirmation; a lot with no confident code says so (its codes
    are then the closest labels', with their similarity).
    """
    from rich.markup import escape

    from meute.graph.cpv import label
    from meute.matcher.propose import confident_lot_codes, suggested_lot_codes

    for lot in tender.lots:
        if lot.cpv:
            continue
        codes = suggested_lot_codes(lot, options)
        confident = bool(confident_lot_codes(lot, options))
        kind = "probability" if confident else "label similarity"
        listed = "; ".join(
            f"{code} {escape(label(code, options.lang))} ({kind} {score:.2f})"
            for code, score in codes
        )
        warning = "" if confident else " [bold yellow]no confident code[/]:"
        said = (
            f"matched on codes suggested from its words:{warning} {listed}"
            if codes
            else "[bold yellow]no code could be read from its words[/] (the learnt model has "
            "no confident code and no label reads them): not matched"
        )
        out.print(f"{lot.id} '{escape(lot.title)}' has no CPV code; {said}", highlight=False)
    if any(not lot.cpv for lot in tender.lots):
        out.print('Give the lots their codes ("cpv") to match on codes you chose.\n')


@app.command()
def demo(top: Annotated[int, typer.Option(min=1, max=100)] = 5) -> None:
    """Load the synthetic showcase if the store is empty and match the Bouaké hospital tender."""
    from meute.api.service import import_document, match_tender, showcase_document, showcase_tender

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
    mode: Annotated[
        Mode, typer.Option(help="fast (beam and local search) or exact (MILP, slower).")
    ] = Mode.FAST,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    lang: LangOption = Lang.EN,
) -> None:
    """Propose ranked consortia for a tender file."""
    from meute.api.service import match_tender, parse_json_file

    with _store() as store:
        tender = parse_json_file(tender_file, Tender)
        options = Settings().match_options(top, mode, lang)
        _print_suggested_codes(tender, options, errors if as_json else console)
        result = match_tender(store, tender, options)
        if as_json:
            sys.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2) + "\n")
        else:
            _print_consortia(tender, result)


class _ImportGroup(TyperGroup):
    """``meute import FILE`` stands for ``meute import json FILE``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # Any: click's Context
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["json", *args]
        return super().parse_args(ctx, args)


import_app = typer.Typer(
    cls=_ImportGroup,
    help=(
        "Import a JSON document (meute import FILE), DECP award files, SIRENE registry files "
        "or TED notices."
    ),
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")


def _import(store: GraphStore, document: ImportDocument, what: str) -> None:
    from rich.progress import Progress

    from meute.api.service import import_document

    with Progress(console=errors, transient=True) as progress:
        task = progress.add_task(f"importing {what}", total=document.size())
        report = import_document(store, document, lambda n: progress.advance(task, n))
    _print_report(report)


@import_app.command("json")
def import_file(
    file: Annotated[Path, typer.Argument(help="JSON with firms, collaborations, tenders.")],
    bulk: Annotated[
        bool,
        typer.Option(
            "--bulk",
            help=(
                "Fill an EMPTY local Neo4j database with neo4j-admin (stops and restarts the "
                "server of MEUTE_NEO4J_HOME); refused otherwise."
            ),
        ),
    ] = False,
) -> None:
    """Import firms, collaborations and tenders from a JSON file (idempotent)."""
    from meute.api.service import ImportDocument, parse_json_file

    with _store() as store:
        document = parse_json_file(file, ImportDocument)
        if bulk:
            _bulk_import(store, document)
        else:
            _import(store, document, file.name)
    if bulk:
        with _store() as reopened:  # creates the constraints and indexes
            console.print(f"{reopened.count_firms()} firms in the store")


def _bulk_import(store: GraphStore, document: ImportDocument) -> None:
    import tempfile

    from meute.graph.neo4j_bulk import BulkImportRefused, bulk_import
    from meute.graph.neo4j_store import Neo4jStore

    if not isinstance(store, Neo4jStore):
        raise BulkImportRefused("--bulk needs the Neo4j store (MEUTE_GRAPH=neo4j)")
    with tempfile.TemporaryDirectory(prefix="meute-bulk-") as directory:
        files = bulk_import(
            store, Path(directory), document.firms, document.collaborations, document.tenders
        )
    console.print(
        f"bulk import: {files.nodes} nodes, {files.relationships} relationships (CPV tree included)"
    )
    _print_report(files.report)


def _say(text: str) -> None:
    console.print(text, highlight=False, markup=False, soft_wrap=True)


def _print_lines(title: str, lines: list[str]) -> None:
    """The first lines of a reading report's list, and how many more there are."""
    for line in lines[:DECP_SHOWN]:
        _say(f"  {title}: {line}")
    if len(lines) > DECP_SHOWN:
        _say(f"  ... and {len(lines) - DECP_SHOWN} more {title}")


def _print_decp_report(decp: DecpImport) -> None:
    def counts(report: DecpReport) -> str:
        return ", ".join(f"{key} {getattr(report, key)}" for key in DECP_COUNTS)

    _say(f"DECP records: {counts(decp.report)}")
    for report in decp.files:
        _say(f"  {report.source}: {counts(report)}")
    report = decp.report
    for title, lines in (
        ("rejected", report.rejections),
        ("dropped", report.warnings),
        ("repaired", report.repairs),
    ):
        _print_lines(title, lines)
    joint = sum(1 for c in decp.collaborations if c.kind == CollaborationKind.JOINT_BID)
    _say(
        f"read {len(decp.firms)} firms, {len(decp.collaborations)} co-winning collaborations "
        f"({joint} joint bids, {len(decp.collaborations) - joint} co-awards), "
        f"{len(decp.buyers)} buyers; {len(decp.unlocated)} firms without a located contract "
        "got the default region"
    )


# What ``meute import decp`` prints of the reading report.
DECP_COUNTS = ("read", "used", "rejected", "repaired")
DECP_SHOWN = 10


@import_app.command("decp")
def import_decp_files(
    files: Annotated[
        list[Path],
        typer.Argument(help="DECP files: .json, .zip holding one, or tabular .csv[.gz]."),
    ],
) -> None:
    """Import firms and co-winning from DECP award files (French public contracts).

    A fact the store holds from a stronger source (SIRENE, declared) is kept.
    """
    from rich.progress import Progress

    from meute.api.service import import_decp

    with _store() as store, Progress(console=errors, transient=True) as progress:
        task = progress.add_task(f"importing {', '.join(f.name for f in files)}", total=None)
        report, decp = import_decp(
            store,
            files,
            lambda n: progress.advance(task, n),
            lambda total: progress.update(task, total=total),
        )
    _print_decp_report(decp)
    _print_report(report)


def _print_sirene_report(report: SireneReport) -> None:
    console.print(
        f"SIRENE rows: read {report.rows_read}, not in store {report.rows_not_in_store}, "
        f"establishments other than the head office {report.rows_not_head_office}",
        highlight=False,
    )
    console.print(
        f"firms: matched {report.matched}, updated {report.updated}, "
        f"unchanged {report.unchanged}, created {report.created}, rejected {report.rejected}",
        highlight=False,
    )
    for reason in report.rejections[:DECP_SHOWN]:
        console.print(f"  rejected: {reason}", markup=False, highlight=False)
    if report.rejected > DECP_SHOWN:
        console.print(f"  ... and {report.rejected - DECP_SHOWN} more rejected", highlight=False)


@import_app.command("sirene")
def import_sirene_files(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="SIRENE stock files (StockUniteLegale, StockEtablissement): CSV, .gz or .zip."
        ),
    ],
    create_naf: Annotated[
        list[str] | None,
        typer.Option(
            "--create-naf", help="Also create the legal units of this NAF code or prefix (repeat)."
        ),
    ] = None,
    as_of: Annotated[
        dt.datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Date of the registry facts (default: today)."),
    ] = None,
) -> None:
    """Enrich the stored firms with their registry facts: name, NAF, headcount band, category,
    head-office region, creation date, active or ceased (streamed: memory stays flat).
    """
    from rich.progress import Progress

    from meute.api.service import import_sirene

    with _store() as store, Progress(console=errors, transient=True) as progress:
        task = progress.add_task("importing SIRENE", total=None)
        report = import_sirene(
            store,
            files,
            create_naf or [],
            as_of.date() if as_of else None,
            lambda n: progress.advance(task, n),
            lambda total: progress.update(task, total=total),
        )
    _print_sirene_report(report)


def _print_ted_report(ted: TedImport) -> None:
    total = ted.report
    _say(
        f"TED rows: read {total.rows} ({total.duplicate_rows} read twice, counted once); "
        f"notices {total.notices}: {total.tenders} tenders, {total.rejected} rejected, "
        f"{len(total.repairs)} repairs"
    )
    for report in ted.files:
        _say(f"  {report.source}: {report.rows} rows, {report.notices} notices")
    for title, lines in (("rejected", total.rejections), ("repaired", total.repairs)):
        _print_lines(title, lines)


@import_app.command("ted")
def import_ted(
    files: Annotated[list[Path], typer.Argument(help="TED award notice CSV files (or .csv.gz).")],
) -> None:
    """Import foreign tenders from TED award notices: one tender per notice (idempotent)."""
    from meute.api.service import ted_document

    with _store() as store:
        document, ted = ted_document(files)
        _print_ted_report(ted)
        _import(store, document, ", ".join(file.name for file in files))


def _print_partners(result: PartnerResult) -> None:
    subject = f"for tender {result.tender_id}" if result.tender_id else "in general"
    table = Table(
        title=f"Partners of {result.siren} {subject} ({result.candidates_considered} candidates)",
        title_justify="left",
        show_lines=True,
        expand=True,
    )
    table.add_column("#", no_wrap=True)
    table.add_column("Firm", ratio=3)
    table.add_column("Score", no_wrap=True)
    table.add_column("Why", ratio=8)
    for rank, partner in enumerate(result.partners, start=1):
        table.add_row(
            str(rank), f"{partner.name}\n{partner.siren}", _out_of_100(partner.score), partner.why
        )
    console.print(table)


@app.command()
def partners(
    siren: Annotated[str, typer.Argument(help="SIREN of the firm looking for partners.")],
    tender: Annotated[
        Path | None, typer.Option("--tender", help="Partners for this tender (JSON).")
    ] = None,
    top: Annotated[int, typer.Option(min=1, max=100, help="How many partners.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    lang: LangOption = Lang.EN,
) -> None:
    """Firms that complement a firm, for a tender or in general, ranked, each with why."""
    from meute.api.service import find_partners, parse_json_file
    from meute.matcher.propose import MatchOptions

    with _store() as store:
        parsed = parse_json_file(tender, Tender) if tender is not None else None
        result = find_partners(store, siren, parsed, top, MatchOptions(lang=lang))
        if as_json:
            sys.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2) + "\n")
        else:
            _print_partners(result)


@app.command()
def pavilion(
    request: Annotated[Path, typer.Argument(help="The fair: themes, country, stands (JSON).")],
    out: Annotated[
        Path | None, typer.Option(help="Also write the shortlist to this .csv or .xlsx file.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    lang: LangOption = Lang.EN,
) -> None:
    """Shortlist the firms of a France pavilion at a trade fair (see README)."""
    from meute.api.exports import pavilion_csv, pavilion_xlsx
    from meute.api.service import parse_json_file, shortlist_pavilion
    from meute.matcher.propose import MatchOptions

    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        errors.print(f"[bold red]error:[/] --out must end in .csv or .xlsx (got {out})")
        raise typer.Exit(2)
    with _store() as store:
        pavilion_request = parse_json_file(request, PavilionRequest)
        result = shortlist_pavilion(store, pavilion_request, MatchOptions(lang=lang))
    if out is not None:
        write = pavilion_csv if out.suffix.lower() == ".csv" else pavilion_xlsx
        out.write_bytes(write(result))
        errors.print(f"wrote {out}")
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    table = Table(title=f"{result.fair} ({result.country}): score {_out_of_100(result.score)}")
    for column in ("Stand", "Firm", "Region", "Themes", "Why"):
        table.add_column(column, overflow="fold")
    for firm in result.firms:
        region = firm.region.value
        if Fact.REGION in firm.estimated:
            region = phrase("firm.estimated", lang, fact=region)
        table.add_row(str(firm.stand), firm.name, region, ", ".join(firm.themes), firm.why)
    console.print(table)
    uncovered = [theme for theme in result.themes if theme.uncovered]
    if uncovered:
        console.print(
            f"[bold]Not covered[/] ({len(uncovered)} of {len(result.themes)} themes: no stand "
            "holds them):"
        )
        for theme in uncovered:
            console.print(f"  {theme.title} — {theme.uncovered}", markup=False)


cpv_app = typer.Typer(help="The CPV vocabulary.", no_args_is_help=True)
app.add_typer(cpv_app, name="cpv")


@cpv_app.command("suggest")
def cpv_suggest(
    text: Annotated[str, typer.Argument(help="What is bought, in words (French or English).")],
    top: Annotated[int, typer.Option(min=1, max=50, help="How many codes.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The CPV codes closest to a text, with labels and scores; the confident ones are those a
    lot without codes is matched on.

    Exits with code 1 when no code shares a word with the text.
    """
    from meute.api.service import suggest_cpv

    try:
        suggestions = suggest_cpv(text, top)
    except InvalidInput as error:
        errors.print(f"[bold red]error:[/] {error}", highlight=False)
        raise typer.Exit(2) from None
    if as_json:
        payload = {"text": text, "suggestions": suggestions}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    elif not suggestions:
        errors.print("No CPV label shares any words with this text.")
    if not suggestions:
        raise typer.Exit(1)  # nothing found, as grep does
    if as_json:
        return
    if not suggestions[0]["confident"]:
        console.print("No confident CPV code for this text; the likeliest are:")
    table = Table(show_header=True, expand=True)
    table.add_column("CPV", no_wrap=True)
    table.add_column("Label (FR)", ratio=1)
    table.add_column("Label (EN)", ratio=1)
    table.add_column("Score", no_wrap=True)
    table.add_column("Confident", no_wrap=True)
    for item in suggestions:
        table.add_row(
            item["code"],
            item["label_fr"],
            item["label_en"],
            f"{item['score']:.3f}",
            "yes" if item["confident"] else "no",
        )
    console.print(table)


keys_app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def keys_create(
    role: Annotated[Role, typer.Option(help="officer, sme or viewer.")],
    name: Annotated[str, typer.Option(help="Who holds the key (person or firm).")],
    siren: Annotated[str | None, typer.Option(help="The firm of an sme key.")] = None,
) -> None:
    """Create a key and print it once; only its hash is stored."""
    from meute.api.keys import create_key

    with _store() as store:
        key, token = create_key(store, role, name, siren)
    errors.print(f"created {key.role} key {key.id} for {key.name}; it is shown only once:")
    sys.stdout.write(token + "\n")


@keys_app.command("list")
def keys_list() -> None:
    """Every key with its role, holder and state (never the key itself)."""
    from meute.api.keys import list_keys

    with _store() as store:
        keys = list_keys(store)
    table = Table(show_header=True)
    for column in ("id", "role", "name", "siren", "created", "revoked"):
        table.add_column(column)
    for key in keys:
        revoked = key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else ""
        created = key.created_at.isoformat(timespec="seconds")
        table.add_row(key.id, key.role, key.name, key.siren or "", created, revoked)
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (see keys list).")],
) -> None:
    """Revoke a key: requests with it are refused from now on."""
    from meute.api.keys import revoke_key

    with _store() as store:
        key = revoke_key(store, key_id)
    console.print(f"revoked key {key.id} ({key.role}, {key.name})")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
) -> None:
    """Run the HTTP API (and its OpenAPI docs at /docs)."""
    import uvicorn

    # access_log off: Meute logs each request itself, with its id and latency
    uvicorn.run("meute.api.app:create_app", factory=True, host=host, port=port, access_log=False)


def _labelled_proposals(store: GraphStore) -> list[Example]:
    """Saved proposals that were won or lost, or whose members were replaced, as labelled
    examples (:func:`api.training.proposal_examples`).
    """
    from meute.api.proposals import list_proposals
    from meute.api.training import proposal_examples
    from meute.matcher.propose import lot_codes

    proposals = list_proposals(store)
    tenders = {p.tender_id: store.get_tender(p.tender_id) for p in proposals}
    sirens = {m.siren for p in proposals for m in p.members}
    return proposal_examples(
        proposals,
        {key: tender for key, tender in tenders.items() if tender is not None},
        {firm.siren: firm for firm in store.get_firms(sirens)},
        lot_codes,
    )


@app.command()
def train(
    decp: Annotated[
        list[Path] | None,
        typer.Option(help="DECP award files to learn from (default: the shipped fixtures)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Where to save the model (default: beside the data).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed (examples, negatives, folds).")] = 7,
    folds: Annotated[int, typer.Option(min=2, max=20, help="Cross-validation folds.")] = 5,
    max_awards: Annotated[int, typer.Option(min=10, help="Most awards used as examples.")] = 2_000,
    proposals: Annotated[
        bool,
        typer.Option(help="Also learn from saved proposals: won, lost, or with a replaced member."),
    ] = True,
) -> None:
    """Learn who wins which lot from real awards; print the cross-validated figures and the
    features' weights; save the model (JSON) that matching, partners and pavilions then use.
    """
    from rich.progress import Progress

    from meute.api.training import RANKER_FILE, fixture_decp_files, save_ranker, train_ranker

    extra: list[Example] = []
    if proposals:
        with _store() as store:
            extra = _labelled_proposals(store)
    target = out or Settings().data_dir / RANKER_FILE
    with Progress(console=errors, transient=True) as progress:

        def phase(label: str, total: int) -> Callable[[], None]:
            task = progress.add_task(label, total=total)
            return lambda: progress.advance(task)

        try:
            training = train_ranker(
                decp or fixture_decp_files(), extra, seed, folds, max_awards, phase
            )
        except InvalidInput as error:
            errors.print(f"[bold red]error:[/] {error.detail}", highlight=False)
            for problem in error.problems:
                errors.print(f"  - {problem}", highlight=False, markup=False)
            raise typer.Exit(2) from None
    ranker = training.ranker
    table = Table(
        title=f"Cross-validated ({folds} folds of consultations, {training.awards} awards): "
        "winners among each award's candidates",
        title_justify="left",
    )
    for column in ("method", "recall@10", "MRR"):
        table.add_column(column)
    rows = {
        "learnt": "learnt",
        "today": "today",
        "popularity": "popularity",
        "words unread": "learnt, lot's words unread",
        "codes-only": "codes-only model, words unread",
    }
    for method, label in rows.items():
        table.add_row(
            label,
            f"{ranker.figures.get(f'{method} recall@10', 0.0):.3f}",
            f"{ranker.figures.get(f'{method} MRR', 0.0):.3f}",
        )
    console.print(table)
    models = [("weights (standardised features)", ranker)]
    if ranker.codes_only is not None:
        models.append(("codes-only model (lots in a language not read)", ranker.codes_only))
    for title, model in models:
        console.print(
            f"{title}: "
            + ", ".join(f"{name} {value:+.2f}" for name, value in model.weights().items()),
            highlight=False,
            soft_wrap=True,
        )
    learnt = ranker.figures.get("partners learnt recall@10")
    today = ranker.figures.get("partners today recall@10")
    if learnt is not None and today is not None:
        kept = "learnt weights kept" if ranker.partner_weights else "today's weights kept"
        console.print(
            f"partners: real co-winners in the top 10 of their candidates, learnt weights "
            f"{learnt:.3f}, today's {today:.3f} ({kept})",
            highlight=False,
        )
    if ranker.partner_weights:
        console.print(
            "partner weights: "
            + ", ".join(f"{name} {value:.2f}" for name, value in ranker.partner_weights.items()),
            highlight=False,
            soft_wrap=True,
        )
    console.print(f"labelled examples from saved proposals: {training.proposals}", highlight=False)
    save_ranker(ranker, target)
    console.print(f"saved {target}", highlight=False, soft_wrap=True)


@app.command()
def synth(
    firms: Annotated[int, typer.Option(min=1, max=2_000_000, help="How many firms.")],
    out: Annotated[Path, typer.Option(help="Output directory.")],
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """Generate a plausible national-scale synthetic dataset (for benchmarks)."""
    from meute.graph.synth import generate, write_dataset

    generated_firms, collaborations = generate(firms, seed=seed)
    write_dataset(generated_firms, collaborations, out)
    console.print(
        f"wrote {len(generated_firms)} firms and {len(collaborations)} collaborations to {out}; "
        f"load them with: meute import {out / 'firms.json'}",
        highlight=False,
        soft_wrap=True,
    )
