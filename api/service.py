"""The use cases shared by the CLI and the HTTP API: import, match, showcase."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from graph.errors import InvalidInput, Problem, problems_from_validation
from graph.model import Collaboration, Firm, MatchResult, Tender
from graph.store import GraphStore, ImportReport
from matcher.propose import MatchOptions, lot_codes, propose

__all__ = [
    "ImportDocument",
    "import_document",
    "match_tender",
    "parse_json_file",
    "showcase_document",
    "showcase_tender",
]

SHOWCASE_TENDER = "bouake-hospital"
# Items per atomic write when importing.
IMPORT_BATCH = 10_000


class ImportDocument(BaseModel):
    """A file for ``meute import``: any of firms, collaborations and tenders."""

    model_config = ConfigDict(extra="forbid")

    comment: str = Field("", alias="_comment")
    firms: list[Firm] = Field(default_factory=list)
    collaborations: list[Collaboration] = Field(default_factory=list)
    tenders: list[Tender] = Field(default_factory=list)

    def size(self) -> int:
        """How many items the document holds."""
        return len(self.firms) + len(self.collaborations) + len(self.tenders)


M = TypeVar("M", bound=BaseModel)


def parse_json_file(path: Path, model: type[M]) -> M:
    """Read and validate a JSON file; every problem names the field and the value."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problem = Problem("file", str(path), str(error))
        raise InvalidInput(f"cannot read {path}", [problem]) from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"{path} is not JSON",
            [Problem("file", str(path), f"not JSON: {error.msg} at line {error.lineno}")],
        ) from None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidInput(
            f"{path} is not a valid {model.__name__}", problems_from_validation(error)
        ) from None


def import_document(
    store: GraphStore,
    document: ImportDocument,
    progress: Callable[[int], None] | None = None,
    batch_size: int = IMPORT_BATCH,
) -> ImportReport:
    """Store a validated document: firms first, then collaborations, then tenders.

    Items go to the store in batches, each written atomically; ``progress`` is told how many
    items each finished batch held. Re-importing the same document changes nothing.
    """
    report = ImportReport()
    writes: list[tuple[Callable[[Any], ImportReport], Sequence[Any]]] = [
        (store.upsert_firms, document.firms),
        (store.upsert_collaborations, document.collaborations),
        (store.upsert_tenders, document.tenders),
    ]
    for write, items in writes:
        for start in range(0, len(items), batch_size):
            batch = items[start : start + batch_size]
            report.merge(write(batch))
            if progress is not None:
                progress(len(batch))
    return report


def match_tender(store: GraphStore, tender: Tender, options: MatchOptions) -> MatchResult:
    """Retrieve the tender's candidates and their collaborations, then rank consortia."""
    codes = sorted({code for codes in lot_codes(tender, options).values() for code in codes})
    candidates = store.candidates(codes)
    candidates += store.get_firms(tender.constraints.must_include)
    collaborations = store.collaborations_among({firm.siren for firm in candidates})
    return propose(tender, candidates, collaborations, options)


def _showcase_file(*parts: str) -> Path:
    return Path(str(resources.files("fixtures").joinpath("showcase", *parts)))


def showcase_document() -> ImportDocument:
    """The synthetic showcase: firms, collaborations and every showcase tender."""
    document = parse_json_file(_showcase_file("firms.json"), ImportDocument)
    tender_dir = _showcase_file("tenders")
    document.tenders = [parse_json_file(p, Tender) for p in sorted(tender_dir.glob("*.json"))]
    return document


def showcase_tender(tender_id: str = SHOWCASE_TENDER) -> Tender:
    """One showcase tender by id (the Bouaké hospital by default)."""
    return parse_json_file(_showcase_file("tenders", f"{tender_id}.json"), Tender)
