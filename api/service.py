"""The use cases shared by the CLI and the HTTP API: import, match, partners, showcase."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from itertools import compress
from operator import attrgetter
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from meute.api.logs import Timings, log_if_slow
from meute.api.training import active_ranker
from meute.graph.collector import collector_paused
from meute.graph.cpv import format_code, label
from meute.graph.decp import DecpImport, read_decp
from meute.graph.errors import (
    InvalidInput,
    NotFound,
    Problem,
    Uncoverable,
    problems_from_validation,
)
from meute.graph.facts import merge_firm, with_facts
from meute.graph.model import (
    MAX_NAME,
    TEXTS_CHECKED,
    Collaboration,
    Consortium,
    FactDeclaration,
    FactSource,
    Firm,
    MatchResult,
    PartnerResult,
    PavilionRequest,
    PavilionResult,
    Provenance,
    Siren,
    Tender,
    UncoveredLot,
    json_texts_storable,
)
from meute.graph.sirene import SireneReport, read_sirene
from meute.graph.store import GraphStore, ImportReport
from meute.graph.ted import TedImport, read_ted
from meute.matcher.partners import PARTNER_DIVISIONS, PartnerWeights, rank_partners
from meute.matcher.pavilion import select_pavilion, theme_codes
from meute.matcher.problem import MatchProblem, build_problem, shortlist
from meute.matcher.propose import MatchOptions, lot_codes, present, solve
from meute.scoring.complement import DivisionAffinity, division_profile
from meute.scoring.fit import Ranker
from meute.scoring.learnt import LearntRanker
from meute.scoring.suggest import cpv_suggester
from meute.scoring.text import text_model

__all__ = [
    "ImportDocument",
    "Prepared",
    "active_firms",
    "declare_facts",
    "decp_document",
    "find_partners",
    "import_decp",
    "import_document",
    "import_sirene",
    "learnt",
    "match_tender",
    "match_with_alternatives",
    "parse_json_file",
    "partner_weights",
    "prepare_problem",
    "showcase_document",
    "showcase_tender",
    "store_decp_document",
    "stored_firm",
    "suggest_cpv",
    "ted_document",
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
    """Read and validate a JSON file; every problem names the field and the value.

    When the text spells no unstorable escape (:func:`json_texts_storable`), pydantic
    validates the bytes directly, without building Python's tree of the whole document first
    (a third less time and memory for a national import); any problem then sends the file
    through :func:`json.loads` and Python validation, which report it as they always did.
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise _unreadable(path, error) from None
    if json_texts_storable(raw):
        try:
            with collector_paused():
                return model.model_validate_json(raw, context={TEXTS_CHECKED: True})
        except ValidationError:
            pass
    return _parse_json_text(path, raw, model)


def _unreadable(path: Path, error: Exception) -> InvalidInput:
    return InvalidInput(f"cannot read {path}", [Problem("file", str(path), str(error))])


def _parse_json_text(path: Path, raw: bytes, model: type[M]) -> M:
    """:func:`parse_json_file` through :func:`json.loads`: the errors name the problem."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _unreadable(path, error) from None
    try:
        with collector_paused():
            data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"{path} is not JSON",
            [Problem("file", str(path), f"not JSON: {error.msg} at line {error.lineno}")],
        ) from None
    context = {TEXTS_CHECKED: json_texts_storable(raw)}
    try:
        with collector_paused():
            return model.model_validate(data, context=context)
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


def learnt(options: MatchOptions) -> MatchOptions:
    """``options`` with the learnt ranker in use (:func:`api.training.active_ranker`) when
    they name none.
    """
    if options.ranker is not None:
        return options
    return replace(options, ranker=active_ranker())


def partner_weights(ranker: Ranker | None, with_tender: bool = True) -> PartnerWeights:
    """The partner weights a learnt model brings (:attr:`LearntRanker.partner_weights`, over
    today's for a term it does not weigh), else today's.

    They are learnt on partners for a tender, where the fit to its lots carries the trade, so
    partners in general (``with_tender`` false) keep today's: without the fit, the learnt
    weights (no affinity, no evidence) ranked same-region firms of any trade alike.
    """
    default = PartnerWeights()
    if not with_tender or not isinstance(ranker, LearntRanker) or not ranker.partner_weights:
        return default
    known = default.as_dict()
    return PartnerWeights(
        **(known | {k: v for k, v in ranker.partner_weights.items() if k in known})
    )


@dataclass(frozen=True)
class Prepared:
    """A tender's problem over the lots some firm may take, the collaborations among its
    firms, and the lots no firm may take (with why).
    """

    problem: MatchProblem
    collaborations: list[Collaboration]
    uncovered: list[UncoveredLot]


def prepare_problem(
    store: GraphStore, tender: Tender, options: MatchOptions, timings: Timings | None = None
) -> Prepared:
    """Retrieve the tender's candidates and their collaborations, shortlist them, score; the
    lots no candidate may take are set aside (the problem covers the others: a French pack for
    what French firms can do, the rest said).

    Raises :class:`Uncoverable` naming every lot when no lot can be taken.
    """
    timings = timings or Timings()
    options = learnt(options)
    order = [lot.id for lot in tender.lots]
    problems: dict[str, Problem] = {}
    while True:
        try:
            coverage = len(tender.lots) / len(order)
            problem, collaborations = _prepare(store, tender, options, timings, coverage)
        except Uncoverable as error:
            problems.update(zip(error.lots, error.problems, strict=True))
            if len(error.lots) < len(tender.lots):
                tender = tender.without_lots(error.lots)
                continue
            lots = [lot for lot in order if lot in problems]
            raise Uncoverable(error.detail, [problems[lot] for lot in lots], lots) from None
        uncovered = [
            UncoveredLot(lot_id=lot, title=str(problems[lot].value), reason=problems[lot].message)
            for lot in order
            if lot in problems
        ]
        return Prepared(problem, collaborations, uncovered)


def _prepare(
    store: GraphStore, tender: Tender, options: MatchOptions, timings: Timings, coverage: float
) -> tuple[MatchProblem, list[Collaboration]]:
    """:func:`prepare_problem` for every lot of ``tender``, which holds the share ``coverage``
    of the lots asked for (raises :class:`Uncoverable`).
    """
    if any(not lot.cpv for lot in tender.lots):
        with timings.part("cpv_suggester", warm_up=True):  # fitted by the process's first use
            cpv_suggester()
    with timings.part("codes"):
        codes = lot_codes(tender, options)
    wanted = sorted({code for lot in codes.values() for code in lot})
    with timings.part("retrieval"):
        candidates = store.candidates(wanted, options.retrieval)
        candidates = active_firms(candidates + store.get_firms(tender.constraints.must_include))
    with timings.part("collaborations"):
        among = store.collaborations_among(set(map(attrgetter("siren"), candidates)))
    with timings.part("shortlist"):
        short = shortlist(
            tender,
            candidates,
            codes,
            options.weights,
            options.shortlist,
            options.lang,
            options.fit_weights,
            among,
            learnt=options.ranker is not None,
            coverage=coverage,
        )
        kept = {firm.siren for firm in short.firms}
        collaborations = [c for c in among if c.firm_a in kept and c.firm_b in kept]
    with timings.part("text_model", warm_up=True):  # fitted by the process's first match
        model = text_model()
    with timings.part("problem"):
        problem = build_problem(
            tender,
            short.firms,
            collaborations,
            codes,
            model,
            options.weights,
            options.fit_weights,
            options.per_lot,
            options.lang,
            options.relevance_floor,
            short.outside_bound,
            ranker=options.ranker,
            coverage=coverage,
        )
    return problem, collaborations


def match_tender(store: GraphStore, tender: Tender, options: MatchOptions) -> MatchResult:
    """Ranked, explained consortia for a tender, from the store's firms."""
    return match_with_alternatives(store, tender, options, 0)[0]


def match_with_alternatives(
    store: GraphStore, tender: Tender, options: MatchOptions, per_lot: int
) -> tuple[MatchResult, dict[str, list[Firm]]]:
    """Ranked consortia, and each lot's ``per_lot`` best candidate firms (to swap a member).

    A match slower than the configured threshold is logged with where its time went.
    """
    timings = Timings()
    prepared = prepare_problem(store, tender, options, timings)
    with timings.part("solve"):
        solved = solve(prepared.problem, options)
    problem = solved.problem
    with timings.part("explain"):
        result = present(solved, prepared.collaborations, options.lang, prepared.uncovered)
    alternatives = {
        lot.id: [problem.firms[firm] for firm in problem.lot_candidates(index)[:per_lot]]
        for index, lot in enumerate(problem.tender.lots)
    }
    log_if_slow(
        "match",
        timings,
        tender=tender.id,
        lots=len(tender.lots),
        mode=options.mode.value,
        candidates=result.candidates_considered,
    )
    return result, alternatives


def active_firms(firms: Iterable[Firm]) -> list[Firm]:
    """The firms the registry does not say have ceased: the only ones ever proposed."""
    firms = list(firms)
    return list(compress(firms, map(attrgetter("active"), firms)))


def _merged_with_store(store: GraphStore, firms: Sequence[Firm]) -> list[Firm]:
    """``firms`` keeping the stored facts that come from stronger sources (see graph.facts)."""
    merged: list[Firm] = []
    for start in range(0, len(firms), IMPORT_BATCH):
        batch = firms[start : start + IMPORT_BATCH]
        stored = {firm.siren: firm for firm in store.get_firms(f.siren for f in batch)}
        merged.extend(merge_firm(stored.get(firm.siren), firm) for firm in batch)
    return merged


def import_decp(
    store: GraphStore,
    paths: Sequence[Path],
    progress: Callable[[int], None] | None = None,
    expect: Callable[[int], None] | None = None,
) -> tuple[ImportReport, DecpImport]:
    """Read DECP files and import their firms and co-winning; a fact the store holds from a
    stronger source (registry, declared) is kept, never replaced by an inferred one.
    """
    document, decp = store_decp_document(store, paths)
    if expect is not None:
        expect(document.size())
    return import_document(store, document, progress), decp


def store_decp_document(
    store: GraphStore, paths: Sequence[Path]
) -> tuple[ImportDocument, DecpImport]:
    """DECP files as a document to import into ``store``: each firm keeps the facts the store
    holds from a stronger source (see graph.facts).
    """
    document, decp = decp_document(paths)
    document.firms = _merged_with_store(store, document.firms)
    return document, decp


def import_sirene(
    store: GraphStore,
    paths: Sequence[Path],
    create_naf: Sequence[str] = (),
    as_of: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
    expect: Callable[[int], None] | None = None,
) -> SireneReport:
    """Enrich the stored firms with their SIRENE registry facts (and, with ``create_naf``,
    create the legal units of those activities), in batches written atomically.

    Registry facts replace inferred ones and are never put over declared ones (see
    graph.facts); ``as_of`` (default today) dates them. The files are read in full before
    anything is written, so a malformed file leaves the store untouched; ``expect`` is then
    told how many firms the files hold, ``progress`` how many each written batch held.
    """
    known = store.sirens()
    registry, report = read_sirene(paths, known.__contains__, create_naf)
    origin = Provenance(source=FactSource.SIRENE, date=as_of or dt.date.today())
    found = [registry[siren] for siren in sorted(registry)]
    if expect is not None:
        expect(len(found))
    for start in range(0, len(found), IMPORT_BATCH):
        batch = found[start : start + IMPORT_BATCH]
        stored = {firm.siren: firm for firm in store.get_firms(r.siren for r in batch)}
        changed: list[Firm] = []
        for facts in batch:
            firm = stored.get(facts.siren)
            if firm is None:
                created = facts.new_firm(origin)
                if isinstance(created, str):
                    report.reject(created)
                else:
                    report.created += 1
                    changed.append(created)
                continue
            report.matched += 1
            updated = with_facts(firm, facts.facts(origin))
            if updated == firm:
                report.unchanged += 1
            else:
                report.updated += 1
                changed.append(updated)
        if changed:
            store.upsert_firms(changed)
        if progress is not None:
            progress(len(batch))
    return report


def declare_facts(
    store: GraphStore, siren: str, declaration: FactDeclaration, author: str, on: dt.date
) -> Firm:
    """Set the facts ``author`` declares about a stored firm (kept with author and date, never
    overwritten by an import); a value the model refuses raises InvalidInput naming it.
    """
    firm = stored_firm(store, siren)
    facts = declaration.facts()
    if not facts:
        problem = Problem("body", None, "declare at least one fact")
        raise InvalidInput("nothing to declare", [problem])
    origin = Provenance(source=FactSource.DECLARED, date=on, author=author[:MAX_NAME])
    try:
        declared = with_facts(firm, {fact: (values, origin) for fact, values in facts.items()})
    except ValidationError as error:
        raise InvalidInput("invalid declaration", problems_from_validation(error)) from None
    if declared != firm:
        store.upsert_firms([declared])
    return declared


def decp_document(paths: Sequence[Path]) -> tuple[ImportDocument, DecpImport]:
    """Read DECP award files into firms and co-winning collaborations, with what was done.

    A file that is not DECP raises :class:`InvalidInput` naming it; bad records are skipped and
    reported in the returned :class:`DecpImport`.
    """
    decp = read_decp(paths)
    return ImportDocument(firms=decp.firms, collaborations=decp.collaborations), decp


def ted_document(paths: Sequence[Path]) -> tuple[ImportDocument, TedImport]:
    """Read TED award notice files (CSV, plain or gzip) into one tender per notice.

    A file that is not in TED's layout raises :class:`InvalidInput` naming it; notices that
    cannot be used are skipped and reported in the returned :class:`TedImport`.
    """
    ted = read_ted(paths)
    return ImportDocument(tenders=ted.tenders), ted


def suggest_cpv(text: str, top: int = 5) -> list[dict[str, Any]]:
    """The CPV codes likeliest for a free text, best first, with labels and probabilities.

    The model learnt on real awards (:func:`scoring.suggest.cpv_suggester`) gives its confident
    codes first (those it gives to a lot that comes without any: ``confident``), then its
    likeliest other codes; when it knows nothing of the words, the codes whose labels are
    closest. An empty text is refused.
    """
    if not text.strip():
        raise InvalidInput("nothing to suggest from", [Problem("text", text, "the text is empty")])
    found = [(s.code, s.probability, s.confident) for s in cpv_suggester().alternatives(text, top)]
    return [
        {
            "code": format_code(code),
            "label_fr": label(code, "fr"),
            "label_en": label(code, "en"),
            "score": round(score, 4),
            "confident": confident,
        }
        for code, score, confident in found
        or [(code, score, False) for code, score in text_model().suggest_cpv(text, top)]
    ]


def stored_firm(store: GraphStore, siren: str) -> Firm:
    """The stored firm with this SIREN: InvalidInput if it is not one, NotFound if unknown."""
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

    Candidates are the firms two steps away in the collaboration graph plus the firms in the
    divisions that partners of the firm's divisions are most often in and, for a tender, the
    firms in the CPV divisions of its lots (a partner may come from a neighbouring class).
    The reasons are written in ``options.lang``; without ``weights``, those of the learnt
    model are used for a tender, today's in general (:func:`partner_weights`).
    """
    firm = stored_firm(store, siren)
    ring = store.collaborations_of([firm.siren])
    partners = {s for c in ring for s in (c.firm_a, c.firm_b)} - {firm.siren}
    collaborations = store.collaborations_of(partners) if partners else ring
    neighbours = {s for c in collaborations for s in (c.firm_a, c.firm_b)} - {firm.siren}
    affinity = DivisionAffinity.from_cooccurrence(store.division_cooccurrence())
    options = learnt(options or MatchOptions())
    codes = lot_codes(tender, options) if tender is not None else None
    divisions = set(affinity.partner_divisions(division_profile(firm), PARTNER_DIVISIONS))
    if codes is not None:
        divisions |= {code[:2] for lot in codes.values() for code in lot}
    wanted = sorted(f"{division}000000" for division in divisions)
    candidates = active_firms(store.candidates(wanted) + store.get_firms(neighbours))
    return rank_partners(
        firm,
        candidates,
        collaborations,
        affinity,
        tender,
        codes,
        top,
        weights or partner_weights(options.ranker, tender is not None),
        options.lang,
        options.relevance_floor,
        options.ranker,
    )


def _showcase_file(*parts: str) -> Path:
    return Path(str(resources.files("meute.fixtures").joinpath("showcase", *parts)))


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
    options = learnt(options or MatchOptions())
    codes = theme_codes(request, options)
    wanted = sorted({code for theme in codes for code in theme})
    candidates = store.candidates(wanted, options.retrieval)
    candidates = active_firms(candidates + store.get_firms(request.must_include))
    return select_pavilion(
        request,
        candidates,
        codes,
        text_model(),
        shortlist=options.shortlist,
        lang=options.lang,
        floor=options.relevance_floor,
        ranker=options.ranker,
    )


__all__ += ["Proposals", "shortlist_pavilion", "stored_tender", "tender_proposals"]
