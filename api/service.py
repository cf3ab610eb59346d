"""The use cases shared by the CLI and the HTTP API: import, match, showcase."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import TypeVar

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


class ImportDocument(BaseModel):
    """A file for ``meute import``: any of firms, collaborations and tenders."""

    model_config = ConfigDict(extra="forbid")

    comment: str = Field("", alias="_comment")
    firms: list[Firm] = Field(default_factory=list)
    collaborations: list[Collaboration] = Field(default_factory=list)
    tenders: list[Tender] = Field(default_factory=list)


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


def import_document(store: GraphStore, document: ImportDocument) -> ImportReport:
    """Store a validated document: firms first, then collaborations, then tenders."""
    report = ImportReport()
    report.merge(store.upsert_firms(document.firms))
    report.merge(store.upsert_collaborations(document.collaborations))
    report.merge(store.upsert_tenders(document.tenders))
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
