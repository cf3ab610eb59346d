"""The learnt firm-for-lot ranker on disk: training it (``meute train``), saving it beside the
data, and loading the one matching uses.

The model is a JSON document (numbers, words, provenance and figures: no code is loaded), read
by :meth:`scoring.learnt.LearntRanker.from_dict`, which refuses another format, version or
feature schema. Matching uses the store's model (``ranker.json`` in the data directory) when
there is a valid one, else the model shipped in ``fixtures/ranker.json`` (trained on the DECP
fixtures), else today's hand-set relevance; a refused model is logged, never used.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from meute.graph.decp import Contract, DecpImport, read_decp
from meute.graph.errors import InvalidInput, Problem
from meute.graph.model import Firm, MemberStatus, Proposal, ProposalStatus, Tender
from meute.scoring.learnt import LearntRanker, Vocabulary
from meute.scoring.text import text_model
from meute.scoring.training import (
    EASY_NEGATIVES,
    HARD_NEGATIVES,
    Example,
    Winners,
    award_examples,
    calibrated,
    consultations,
    contract_tender,
    cross_validate,
    example_features,
    fit_partner_weights,
    fit_ranker,
    partner_recall,
    winner_scores,
)

__all__ = [
    "RANKER_FILE",
    "Training",
    "active_ranker",
    "fixture_decp_files",
    "proposal_examples",
    "read_ranker",
    "save_ranker",
    "shipped_ranker_path",
    "train_ranker",
]

RANKER_FILE = "ranker.json"
# Candidates per (award, winner) whose partner terms are examples.
PARTNER_CANDIDATES = 50

logger = logging.getLogger("meute.training")


def fixture_decp_files() -> list[Path]:
    """The DECP award files shipped in ``fixtures/decp`` (the shipped model's training data)."""
    folder = resources.files("meute.fixtures").joinpath("decp")
    return sorted(Path(str(item)) for item in folder.iterdir() if item.name.endswith(".zip"))


def shipped_ranker_path() -> Path:
    """The model trained on the fixtures, used when the store has none."""
    return Path(str(resources.files("meute.fixtures").joinpath(RANKER_FILE)))


def read_ranker(path: Path) -> LearntRanker:
    """The model saved at ``path``; :class:`InvalidInput` naming the file and the problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return LearntRanker.from_dict(data)
    except (OSError, ValueError) as error:  # ModelMismatch and JSON errors are ValueErrors
        raise InvalidInput(
            f"cannot use the model {path}", [Problem("model", str(path), str(error))]
        ) from None


def save_ranker(ranker: LearntRanker, path: Path) -> None:
    """Write the model as JSON, atomically (a reader never sees half a model)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(ranker.as_dict(), ensure_ascii=False, indent=1) + "\n"
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
    ) as handle:
        handle.write(text)
    os.replace(handle.name, path)


@lru_cache(maxsize=4)
def _cached(path: Path, stamp: int) -> LearntRanker:
    del stamp  # part of the cache key: a retrained model is read again
    return read_ranker(path)


@lru_cache(maxsize=1)
def _configured_data_dir(environment: frozenset[tuple[str, str]]) -> Path:
    """The data directory the settings name, read again only when ``environment`` (the cache
    key, where the settings come from) changes: building them cost a millisecond a match.
    """
    del environment
    from meute.api.settings import Settings

    return Settings().data_dir


def active_ranker(data_dir: Path | None = None) -> LearntRanker | None:
    """The model matching uses: the store's (``data_dir/ranker.json``), else the shipped one;
    a model that cannot be used is logged and skipped. ``None``: hand-set relevance.
    """
    if data_dir is None:
        data_dir = _configured_data_dir(frozenset(os.environ.items()))
    for path in (data_dir / RANKER_FILE, shipped_ranker_path()):
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            continue
        try:
            return _cached(path, stamp)
        except InvalidInput as error:
            logger.warning("model refused: %s", error.problems[0].message)
    return None


def _proposal_labels(proposal: Proposal) -> dict[tuple[str, str], bool]:
    """Label of each (lot, firm) a saved proposal teaches: the members of a proposal that was
    won (True) or lost (False); a member replaced after declining (False for its lots), and the
    firm that took them once it accepted (True, unless the proposal was lost).
    """
    labels: dict[tuple[str, str], bool] = {}
    if proposal.status in (ProposalStatus.WON, ProposalStatus.LOST):
        won = proposal.status is ProposalStatus.WON
        for member in proposal.consortium.members:
            labels |= {(lot, member.siren): won for lot in member.lots}
    current = {m.siren: m for m in proposal.members if m.replaced_by is None}
    for gone in proposal.members:
        if gone.replaced_by is None:
            continue
        taker = current.get(gone.replaced_by)
        for lot in gone.lots:
            labels[(lot, gone.siren)] = False
            if taker is not None and taker.status is MemberStatus.ACCEPTED:
                labels.setdefault((lot, taker.siren), True)
    return labels


def proposal_examples(
    proposals: Sequence[Proposal],
    tenders: dict[str, Tender],
    firms: dict[str, Firm],
    codes: Callable[[Tender], dict[str, list[str]]],
) -> list[Example]:
    """Each (lot, firm) of a saved proposal labelled by what happened to it
    (:func:`_proposal_labels`): won or lost, replaced, or accepted in place of a replaced firm.
    """
    examples = []
    for n, proposal in enumerate(proposals):
        tender = tenders.get(proposal.tender_id)
        labels = _proposal_labels(proposal)
        if tender is None or not labels:
            continue
        lot_codes = codes(tender)
        index = {lot.id: i for i, lot in enumerate(tender.lots)}
        for (lot_id, siren), label in labels.items():
            firm = firms.get(siren)
            if firm is None or lot_id not in index:
                continue
            examples.append(
                Example(
                    tender=tender,
                    lot=index[lot_id],
                    codes=lot_codes[lot_id],
                    firms=[firm],
                    labels=[label],
                    group=-1 - n,
                )
            )
    return examples


def _learn_partner_weights(
    graphs: Sequence[DecpImport],
    awards: Sequence[Sequence[tuple[Contract, int]]],
    ranker: LearntRanker,
    progress: Callable[[], None] | None,
) -> tuple[dict[str, float], dict[str, float]]:
    """Weights of the partner terms learnt from real co-winners, and their figures.

    For each award of part ``k`` with several winners, each winner in the graph of the other
    parts asks for partners for the award (today's weights, the learnt fit): the terms of its
    best :data:`PARTNER_CANDIDATES` candidates, labelled by whether they really co-won, are
    the examples. Figures: recall@10 of the real co-winners among those candidates, learnt
    weights (fitted on the other parts) against today's; the learnt weights are kept only when
    they do better (else none: partner search keeps today's).
    """
    from meute.api.service import ImportDocument, find_partners, import_document
    from meute.graph.embedded import EmbeddedStore
    from meute.matcher.partners import PartnerWeights
    from meute.matcher.propose import MatchOptions

    names = list(PartnerWeights().active(True))
    hand = np.array([PartnerWeights().active(True)[n] for n in names])
    options = MatchOptions(ranker=ranker)
    terms: list[list[NDArray[np.float64]]] = []
    labels: list[list[NDArray[np.bool_]]] = []
    for graph, chosen in zip(graphs, awards, strict=True):
        store = EmbeddedStore(None)
        import_document(
            store, ImportDocument(firms=graph.firms, collaborations=graph.collaborations)
        )
        known = store.sirens()
        terms.append([])
        labels.append([])
        for n, (contract, _) in enumerate(chosen):
            if contract.cpv is None:
                continue
            tender = contract_tender(contract, n, contract.buyer)
            for seed in sorted(set(contract.winners) & known):
                found = find_partners(store, seed, tender, PARTNER_CANDIDATES, options).partners
                if found:
                    terms[-1].append(
                        np.array([[p.breakdown[name] for name in names] for p in found])
                    )
                    labels[-1].append(np.array([p.siren in contract.winners for p in found]))
        if progress is not None:
            progress()
    figures: dict[str, list[float]] = {
        "partners learnt recall@10": [],
        "partners today recall@10": [],
    }
    for k in range(len(graphs)):
        rows = [r for j, part in enumerate(terms) if j != k for r in part]
        truth = [t for j, part in enumerate(labels) if j != k for t in part]
        if not rows or not terms[k]:
            continue
        learnt = fit_partner_weights(np.vstack(rows), np.concatenate(truth), names)
        vector = np.array([learnt.get(name, 0.0) for name in names])
        figures["partners learnt recall@10"].append(partner_recall(terms[k], labels[k], vector))
        figures["partners today recall@10"].append(partner_recall(terms[k], labels[k], hand))
    every = [r for part in terms for r in part]
    if not every:
        return {}, {}
    summary = {name: round(float(np.mean(v)), 4) for name, v in figures.items() if v}
    if summary.get("partners learnt recall@10", 0.0) <= summary.get(
        "partners today recall@10", 0.0
    ):
        return {}, summary  # not better on held-out co-winners: today's weights stay
    weights = fit_partner_weights(
        np.vstack(every), np.concatenate([t for part in labels for t in part]), names
    )
    return weights, summary


@dataclass(frozen=True)
class Training:
    """A trained model and what it was trained on."""

    ranker: LearntRanker
    awards: int
    proposals: int


def train_ranker(
    decp_files: Sequence[Path],
    extra: Sequence[Example] = (),
    seed: int = 7,
    folds: int = 5,
    max_awards: int = 2_000,
    progress: Callable[[str, int], Callable[[], None]] | None = None,
    keep: Callable[[Contract], bool] | None = None,
    validate: bool = True,
    partner_awards: int = 400,
    negatives: tuple[int, int] = (HARD_NEGATIVES, EASY_NEGATIVES),
) -> Training:
    """Learn the firm-for-lot ranker from award files and labelled ``extra`` examples.

    The consultations are cut (seeded) into ``folds`` parts; the awards of each part are
    examples (at most ``max_awards`` in all) against the firms' profiles built from the other
    parts. Figures come from cross-validation over the same parts; then the model is fitted
    on every example and calibrated on the held-out winners' probabilities (on its own
    winners' without ``validate``). ``progress(label, total)`` returns the callback
    to call after each step of a phase. With ``keep``, only the contracts it accepts are read;
    without ``validate``, no figures are computed. Partner weights are learnt from up to
    ``partner_awards`` awards with several winners (:func:`_learn_partner_weights`).
    ``negatives``: how many per award from the same CPV division, and from anywhere.
    """
    read = read_decp(decp_files, keep=keep)
    contracts = [c for c in read.contracts if keep is None or keep(c)]
    groups = consultations(contracts)
    rng = random.Random(seed)
    ordered = sorted(set(groups))
    rng.shuffle(ordered)
    part = {group: i % folds for i, group in enumerate(ordered)}
    group_of = dict(zip(contracts, groups, strict=True))
    examples: list[Example] = []
    graphs: list[DecpImport] = []
    for k in range(folds):

        def outside(contract: Contract, k: int = k) -> bool:
            return contract in group_of and part[group_of[contract]] != k

        graphs.append(read_decp(decp_files, keep=outside))
        profiles = graphs[-1].firms
        awards = [
            (c, group_of[c]) for c in contracts if part[group_of[c]] == k and c.cpv and c.winners
        ]
        awards = rng.sample(awards, min(max_awards // folds, len(awards)))
        examples += award_examples(awards, profiles, rng, *negatives)
    if not examples:
        raise InvalidInput(
            "no award to learn from",
            [Problem("decp", [str(p) for p in decp_files], "no award with a CPV code and winner")],
        )
    vocabulary = Vocabulary.fit([firm.description for firm in read.firms])
    model = text_model()
    everything = [*examples, *extra]
    step = progress("features", len(everything)) if progress else None
    rows = []
    for example in everything:
        rows.append(example_features(example, model, vocabulary))
        if step is not None:
            step()
    figures: dict[str, float] = {}
    winners = Winners.joined([])
    if validate:
        figures, winners = cross_validate(
            rows[: len(examples)],
            examples,
            vocabulary,
            folds,
            seed,
            progress("cross-validation", folds) if progress else None,
            part,
        )
    labels = np.concatenate([e.labels for e in everything]).astype(bool)
    ranker = fit_ranker(np.vstack([features for features, _ in rows]), labels, vocabulary)
    if not len(winners.full):  # not validated: the final model's own winners calibrate it
        held = np.vstack([features for features, _ in rows[: len(examples)]])
        truth = np.concatenate([e.labels for e in examples]).astype(bool)
        scores = winner_scores(ranker, held)
        winners = Winners(scores.full[truth], scores.codes_only[truth])
    ranker = calibrated(ranker, winners)
    if partner_awards > 0:
        multi = [
            [(c, group_of[c]) for c in contracts if part[group_of[c]] == k and len(c.winners) > 1]
            for k in range(folds)
        ]
        chosen = [rng.sample(m, min(partner_awards // folds, len(m))) for m in multi]
        weights, partner_figures = _learn_partner_weights(
            graphs, chosen, ranker, progress("partners", len(graphs)) if progress else None
        )
        ranker = replace(ranker, partner_weights=weights)
        figures |= partner_figures if validate else {}
    sources = ", ".join(p.name for p in decp_files)
    ranker = replace(
        ranker,
        trained_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        source=f"{len(examples)} awards of {sources}; {len(extra)} saved proposal examples; "
        f"seed {seed}",
        figures=figures,
    )
    return Training(ranker, len(examples), len(extra))
