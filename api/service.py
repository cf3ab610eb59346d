"""The use cases shared by the CLI and the HTTP API: import, match, partners, showcase."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from graph.cpv import format_code, label
from graph.decp import DecpImport, read_decp
from graph.errors import InvalidInput, NotFound, Problem, problems_from_validation
from graph.model import (
    Collaboration,
    Consortium,
    Firm,
    MatchResult,
    PartnerResult,
    PavilionRequest,
    PavilionResult,
    Siren,
    Tender,
)
from graph.store import GraphStore, ImportReport
from matcher.partners import PartnerWeights, rank_partners
from matcher.pavilion import select_pavilion, theme_codes
from matcher.problem import MatchProblem, build_problem, shortlist
from matcher.propose import MatchOptions, lot_codes, present, solve
from scoring.complement import DivisionAffinity, division_profile
from scoring.suggest import cpv_suggester
from scoring.text import text_model

__all__ = [
    "ImportDocument",
    "decp_document",
    "find_partners",
    "import_document",
    "match_tender",
    "match_with_alternatives",
    "parse_json_file",
    "prepare_problem",
    "showcase_document",
    "showcase_tender",
    "suggest_cpv",
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


def prepare_problem(
    store: GraphStore, tender: Tender, options: MatchOptions
) -> tuple[MatchProblem, list[Collaboration]]:
    """Retrieve the tender's candidates, shortlist them, fetch their collaborations, score."""
    codes = lot_codes(tender, options)
    wanted = sorted({code for lot in codes.values() for code in lot})
    candidates = store.candidates(wanted, options.retrieval)
    candidates += store.get_firms(tender.constraints.must_include)
    short = shortlist(tender, candidates, codes, options.weights, options.shortlist, options.lang)
    collaborations = store.collaborations_among({firm.siren for firm in short})
    problem = build_problem(
        tender,
        short,
        collaborations,
        codes,
        text_model(),
        options.weights,
        options.fit_weights,
        options.per_lot,
        options.lang,
        options.relevance_floor,
    )
    return problem, collaborations


def match_tender(store: GraphStore, tender: Tender, options: MatchOptions) -> MatchResult:
    """Ranked, explained consortia for a tender, from the store's firms."""
    return match_with_alternatives(store, tender, options, 0)[0]


def match_with_alternatives(
    store: GraphStore, tender: Tender, options: MatchOptions, per_lot: int
) -> tuple[MatchResult, dict[str, list[Firm]]]:
    """Ranked consortia, and each lot's ``per_lot`` best candidate firms (to swap a member)."""
    problem, collaborations = prepare_problem(store, tender, options)
    result = present(problem, solve(problem, options), collaborations, options.lang)
    alternatives = {
        lot.id: [problem.firms[firm] for firm in problem.lot_candidates(index)[:per_lot]]
        for index, lot in enumerate(tender.lots)
    }
    return result, alternatives


def decp_document(paths: Sequence[Path]) -> tuple[ImportDocument, DecpImport]:
    """Read DECP award files into firms and co-winning collaborations, with what was done.

    A file that is not DECP raises :class:`InvalidInput` naming it; bad records are skipped and
    reported in the returned :class:`DecpImport`.
    """
    decp = read_decp(paths)
    return ImportDocument(firms=decp.firms, collaborations=decp.collaborations), decp


def suggest_cpv(text: str, top: int = 5) -> list[dict[str, Any]]:
    """The CPV codes likeliest for a free text, best first, with labels and probabilities.

    The model learnt on real awards (:func:`scoring.suggest.cpv_suggester`) gives its confident
    codes first (those it gives to a lot that comes without any), then its likeliest other
    codes; when it knows nothing of the words, the codes whose labels are closest. An empty text
    is refused.
    """
    if not text.strip():
        raise InvalidInput("nothing to suggest from", [Problem("text", text, "the text is empty")])
    found = [(s.code, s.probability) for s in cpv_suggester().alternatives(text, top)]
    return [
        {
            "code": format_code(code),
            "label_fr": label(code, "fr"),
            "label_en": label(code, "en"),
            "score": round(score, 4),
        }
        for code, score in found or text_model().suggest_cpv(text, top)
    ]


def _stored_firm(store: GraphStore, siren: str) -> Firm:
    try:
        valid = TypeAdapter(Siren).validate_python(siren)
    except ValidationError as error:
        problems = [Problem("siren", p.value, p.message) for p in problems_from_validation(error)]
        raise InvalidInput(f"{siren!r} is not a SIREN", problems) from None
    firm = store.get_firm(valid)
    if firm is None:
        raise NotFound(f"no firm {valid}", [Problem("siren", valid, "unknown SIREN")])
    return firm


def find_partners(
    store: GraphStore,
    siren: str,
    tender: Tender | None = None,
    top: int = 10,
    options: MatchOptions | None = None,
    weights: PartnerWeights | None = None,
) -> PartnerResult:
    """Firms that complement a stored firm, for a tender or in general, best first.

    Candidates are the firms two steps away in the collaboration graph plus, for a tender, the
    firms in the CPV divisions of its lots (a partner may come from a neighbouring class), or
    else the firms in the divisions that partners of the firm's divisions are most often in.
    The reasons are written in ``options.lang``.
    """
    firm = _stored_firm(store, siren)
    ring = store.collaborations_of([firm.siren])
    partners = {s for c in ring for s in (c.firm_a, c.firm_b)} - {firm.siren}
    collaborations = store.collaborations_of(partners) if partners else ring
    neighbours = {s for c in collaborations for s in (c.firm_a, c.firm_b)} - {firm.siren}
    affinity = DivisionAffinity.from_cooccurrence(store.division_cooccurrence())
    options = options or MatchOptions()
    codes = lot_codes(tender, options) if tender is not None else None
    if codes is not None:
        divisions = {code[:2] for lot in codes.values() for code in lot}
    else:
        divisions = set(affinity.partner_divisions(division_profile(firm)))
    wanted = sorted(f"{division}000000" for division in divisions)
    candidates = store.candidates(wanted) + store.get_firms(neighbours)
    return rank_partners(
        firm,
        candidates,
        collaborations,
        affinity,
        tender,
        codes,
        top,
        weights or PartnerWeights(),
        options.lang,
        options.relevance_floor,
    )


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


def stored_tender(store: GraphStore, tender_id: str) -> Tender:
    """The stored tender with this id; :class:`NotFound` naming ``id`` otherwise."""
    tender = store.get_tender(tender_id)
    if tender is None:
        raise NotFound(f"no tender {tender_id}", [Problem("id", tender_id, "unknown tender")])
    return tender


@dataclass(frozen=True)
class Proposals:
    """Consortia proposed for a stored tender, with their members' full records by SIREN."""

    tender: Tender
    result: MatchResult
    firms: dict[str, Firm]

    def consortium(self, rank: int) -> Consortium:
        """The consortium of this rank; :class:`NotFound` naming ``rank`` if there is none."""
        for consortium in self.result.consortia:
            if consortium.rank == rank:
                return consortium
        count = len(self.result.consortia)
        raise NotFound(
            f"no consortium of rank {rank}",
            [Problem("rank", rank, f"{count} consortia were proposed for this tender")],
        )


def tender_proposals(store: GraphStore, tender_id: str, options: MatchOptions) -> Proposals:
    """The ranked consortia of a stored tender (as ``match_tender``) and their members."""
    tender = stored_tender(store, tender_id)
    result = match_tender(store, tender, options)
    sirens = {member.siren for consortium in result.consortia for member in consortium.members}
    return Proposals(tender, result, {firm.siren: firm for firm in store.get_firms(sirens)})


def shortlist_pavilion(
    store: GraphStore, request: PavilionRequest, options: MatchOptions | None = None
) -> PavilionResult:
    """A France pavilion for a trade fair from the store's firms near its themes.

    Themes in words get CPV codes suggested as lots do; each code's neighbourhood brings its
    ``options.retrieval`` strongest firms, the required firms are added, then
    :func:`matcher.pavilion.select_pavilion` chooses.
    """
    options = options or MatchOptions()
    codes = theme_codes(request, options)
    wanted = sorted({code for theme in codes for code in theme})
    candidates = store.candidates(wanted, options.retrieval)
    candidates += store.get_firms(request.must_include)
    return select_pavilion(
        request,
        candidates,
        codes,
        text_model(),
        shortlist=options.shortlist,
        lang=options.lang,
        floor=options.relevance_floor,
    )


__all__ += ["Proposals", "shortlist_pavilion", "stored_tender", "tender_proposals"]
