"""The fast and the exact solver against brute force, the evaluator, and infeasibility reports.

Small random tenders (2-5 lots, 4-10 synthetic firms, random collaborations and constraints)
are small enough to enumerate every assignment: brute force filters them with
:meth:`MatchProblem.violations` and scores them with :meth:`MatchProblem.score`, which gives the
true optimum and the true diverse top K to hold the solvers to.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meute.api.service import showcase_document
from meute.graph.errors import Infeasible
from meute.graph.model import (
    Collaboration,
    CollaborationKind,
    ExportMaturity,
    Firm,
    HeadcountBand,
    MatchResult,
    Region,
    Tender,
    TenderConstraints,
)
from meute.matcher import propose as propose_module
from meute.matcher import search as search_module
from meute.matcher.diversity import lot_changes, mean_pairwise_changes
from meute.matcher.exact import solve_exact
from meute.matcher.infeasibility import explain_infeasibility
from meute.matcher.problem import MatchProblem, build_problem
from meute.matcher.propose import MatchOptions, Mode, lot_codes, propose
from meute.matcher.search import Evaluator, beam_search, fast_solve
from meute.scoring.fit import fit_matrix
from meute.scoring.text import text_model
from tests.unit.factories import hospital_tender, make_firm, valid_siren

Assignment = tuple[int, ...]
Ranked = list[tuple[float, Assignment]]

# Lot code, and the codes firms may hold for it (the code itself, children, siblings).
FAMILIES = [
    ("45215140", ["45215140", "45215100", "45210000", "45215120"]),
    ("33100000", ["33111000", "33100000", "33192120", "33191000"]),
    ("80510000", ["80510000", "80500000", "80511000", "80530000"]),
    ("09332000", ["09332000", "09331200"]),
    ("72263000", ["72263000", "72317000"]),
    ("42912300", ["42912300", "42122000"]),
]
REGIONS = [Region.IDF, Region.BRETAGNE, Region.OCCITANIE, Region.GRAND_EST]
CERTIFICATE = "ISO 9001"
# per_lot = 20 >= 10 firms: the pool keeps every eligible firm. The random firms' codes are
# often siblings of the lots' with no shared words: no relevance floor, the search is tested.
OPTIONS = MatchOptions(relevance_floor=0.0)
SEEDS = range(36)
EVALUATOR_SEEDS = range(12)


def select_diverse(
    ranked: Sequence[tuple[float, tuple[int, ...]]], top: int, min_lot_changes: int = 1
) -> list[tuple[float, tuple[int, ...]]]:
    """Reference rule: keep, in rank order, each assignment far enough from every kept one."""
    kept: list[tuple[float, tuple[int, ...]]] = []
    for score, assignment in ranked:
        if all(lot_changes(assignment, other) >= min_lot_changes for _, other in kept):
            kept.append((score, assignment))
            if len(kept) == top:
                break
    return kept


@dataclass(frozen=True)
class Case:
    """A random tender with its candidates and their collaborations."""

    seed: int
    tender: Tender
    firms: list[Firm]
    collaborations: list[Collaboration]
    top: int
    min_lot_changes: int


def _random_case(seed: int) -> Case:
    """A small random tender that every lot can be covered in (constraints may still clash)."""
    rng = random.Random(seed)
    n_lots, n_firms = rng.randint(2, 5), rng.randint(4, 10)
    families = rng.sample(FAMILIES, n_lots)
    certified_lots = {i for i in range(n_lots) if rng.random() < 0.25}
    lots = [
        {
            "id": f"L{i + 1}",
            "title": f"Lot {i + 1}",
            "cpv": [code],
            "budget": rng.choice([None, 1e5, 1e6, 5e6]),
            "required_certifications": [CERTIFICATE] if i in certified_lots else [],
        }
        for i, (code, _) in enumerate(families)
    ]
    firms = []
    for k in range(n_firms):
        # Firm k covers lot k (mod the lots) for sure, so that no lot is left without a firm.
        own = [i for i in range(n_lots) if i % n_firms == k]
        extra = rng.sample(range(n_lots), rng.randint(0 if own else 1, min(2, n_lots)))
        codes = {families[i][0] for i in own} | {rng.choice(families[i][1]) for i in extra}
        certified = bool(certified_lots & set(own)) or rng.random() < 0.6
        firms.append(
            make_firm(
                siren=valid_siren(k + 1),
                name=f"Firme {k}",
                capabilities=[(code, round(rng.random(), 2)) for code in sorted(codes)],
                region=rng.choice(REGIONS),
                headcount=rng.choice(list(HeadcountBand)),
                turnover_eur=rng.choice([None, 2e5, 3e6, 4e7, 2e8]),
                certifications=[CERTIFICATE] if certified else [],
                export_countries=["SN"] if rng.random() < 0.4 else [],
                maturity=rng.choice(list(ExportMaturity)),
            )
        )
    sirens = [f.siren for f in firms]
    collaborations = [
        Collaboration(
            firm_a=a,
            firm_b=b,
            kind=rng.choice(list(CollaborationKind)),
            year=rng.randint(2008, 2026),
        )
        for a, b in itertools.combinations(sirens, 2)
        if rng.random() < 0.3
    ]
    covering = sirens[: min(n_lots, n_firms)]  # never excluded, so every lot stays coverable
    constraints = {
        "max_members": rng.choice([None, None, 1, 2, 3, n_lots]),
        "min_smes": rng.choice([0, 0, 1, 2]),
        "must_include": [rng.choice(covering)] if rng.random() < 0.3 else [],
        "exclude": [rng.choice(sirens[len(covering) :])]
        if len(sirens) > len(covering) and rng.random() < 0.3
        else [],
        "allow_multiple_lots": rng.random() < 0.6,
        "leader_min_turnover_share": rng.choice([0.0, 0.0, 0.0, 0.05, 0.5, 5.0]),
        "leader_min_maturity": rng.choice([None, None, "occasional", "regular", "accredited"]),
        "preferred_regions": rng.sample(REGIONS, rng.randint(0, 2)),
        "min_from_preferred_regions": rng.choice([0, 1, 1, 2]),
    }
    tender = Tender.model_validate(
        {
            "id": f"random-{seed}",
            "title": "Random tender",
            "buyer": "Buyer",
            "country": "SN",
            "budget": rng.choice([1e6, 1e7]),
            "deadline": "2027-01-01",
            "lots": lots,
            "constraints": constraints,
        }
    )
    return Case(seed, tender, firms, collaborations, rng.randint(1, 6), rng.randint(1, n_lots))


def _build(tender: Tender, firms: list[Firm], collaborations: list[Collaboration]) -> MatchProblem:
    return build_problem(
        tender,
        firms,
        collaborations,
        lot_codes(tender, OPTIONS),
        text_model(),
        OPTIONS.weights,
        OPTIONS.fit_weights,
        OPTIONS.per_lot,
        floor=OPTIONS.relevance_floor,
    )


def _brute_force(problem: MatchProblem) -> Ranked:
    """Every feasible assignment, best first (ties by assignment)."""
    eligible = [
        [f for f in range(len(problem.firms)) if problem.tables.eligible(lot, f)]
        for lot in range(problem.n_lots)
    ]
    found = [
        (problem.score(assignment), assignment)
        for assignment in itertools.product(*eligible)
        if not problem.violations(assignment)
    ]
    return sorted(found, key=lambda item: (-item[0], item[1]))


@cache
def _solved(seed: int) -> tuple[Case, MatchProblem, Ranked]:
    case = _random_case(seed)
    problem = _build(case.tender, case.firms, case.collaborations)
    return case, problem, _brute_force(problem)


def _assert_feasible_ranking(problem: MatchProblem, ranked: Ranked) -> None:
    """Complete, feasible, scored as the objective says, best first."""
    for score, assignment in ranked:
        assert len(assignment) == problem.n_lots and min(assignment) >= 0
        assert problem.violations(assignment) == []
        assert score == pytest.approx(problem.score(assignment), abs=1e-9)
    scores = [score for score, _ in ranked]
    assert scores == sorted(scores, reverse=True)


def _greedy_diverse_check(ranked: Ranked, brute: Ranked, top: int, min_changes: int) -> None:
    """Each solution is the best feasible one far enough from every earlier one."""
    chosen: list[Assignment] = []
    for _, assignment in ranked:
        rest = [
            score
            for score, other in brute
            if all(lot_changes(other, kept) >= min_changes for kept in chosen)
        ]
        assert rest, "a solution beyond the feasible diverse ones"
        assert assignment in {other for _, other in brute}
        assert all(lot_changes(assignment, kept) >= min_changes for kept in chosen)
        assert dict((a, s) for s, a in brute)[assignment] == pytest.approx(rest[0], abs=1e-9)
        chosen.append(assignment)
    if len(chosen) < top:  # stopped early: nothing diverse enough was left
        assert not [
            other
            for _, other in brute
            if all(lot_changes(other, kept) >= min_changes for kept in chosen)
        ]


# --- sanity of the random cases -----------------------------------------------------------------


def test_random_cases_mix_feasible_and_infeasible_tenders() -> None:
    outcomes = [bool(_solved(seed)[2]) for seed in SEEDS]
    assert sum(outcomes) >= len(SEEDS) // 3  # enough feasible tenders to compare optima
    assert not all(outcomes)  # and some where the constraints clash
    sizes = {(_solved(seed)[1].n_lots, len(_solved(seed)[1].firms)) for seed in SEEDS}
    assert {n_lots for n_lots, _ in sizes} == {2, 3, 4, 5}
    for seed in SEEDS:
        case, problem, _ = _solved(seed)
        usable = [f for f in case.firms if f.siren not in case.tender.constraints.exclude]
        assert problem.candidates_considered == len(usable)
        # The pool keeps every firm that can take a lot (per_lot exceeds the candidates), so
        # brute force over the pool is brute force over the tender.
        codes = lot_codes(case.tender, OPTIONS)
        fit = fit_matrix(
            case.tender,
            [codes[lot.id] for lot in case.tender.lots],
            usable,
            text_model(),
            floor=OPTIONS.relevance_floor,
        )
        able = [f.siren for f, ok in zip(usable, fit.eligible.any(axis=0), strict=True) if ok]
        assert sorted(f.siren for f in problem.firms) == sorted(able)


# --- Evaluator against MatchProblem --------------------------------------------------------------


@cache
def _evaluator(seed: int) -> tuple[MatchProblem, Evaluator]:
    problem = _solved(seed)[1]
    return problem, Evaluator(problem)


def _score(evaluator: Evaluator, assignment: Sequence[int]) -> float:
    return float(evaluator.scores(evaluator.batch(np.array([assignment], dtype=np.intp)))[0])


def _draw_consortium(problem: MatchProblem, data: st.DataObject) -> Assignment:
    return tuple(
        data.draw(st.sampled_from(problem.lot_candidates(lot)), label=f"lot {lot}")
        for lot in range(problem.n_lots)
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(list(EVALUATOR_SEEDS)), data=st.data())
def test_evaluator_score_equals_the_objective(seed: int, data: st.DataObject) -> None:
    problem, evaluator = _evaluator(seed)
    n_firms = len(problem.firms)
    assignment = tuple(
        data.draw(st.integers(-1, n_firms - 1), label=f"lot {lot}") for lot in range(problem.n_lots)
    )
    expected = problem.score(assignment)
    if all(f < 0 or problem.tables.eligible(lot, f) for lot, f in enumerate(assignment)):
        assert _score(evaluator, assignment) == pytest.approx(expected, abs=1e-12)
    else:  # an ineligible firm makes the objective -inf in both
        assert _score(evaluator, assignment) == expected == -np.inf


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(list(EVALUATOR_SEEDS)), data=st.data())
def test_extensions_score_and_prune_as_the_objective_and_constraints(
    seed: int, data: st.DataObject
) -> None:
    problem, evaluator = _evaluator(seed)
    consortium = _draw_consortium(problem, data)
    feasible = not problem.violations(consortium)
    order = data.draw(st.permutations(range(problem.n_lots)), label="order")
    partial = [-1] * problem.n_lots
    for filled, lot in enumerate(order):
        lots_left = problem.n_lots - filled - 1
        candidates = np.array(problem.lot_candidates(lot), dtype=np.intp)
        batch = evaluator.batch(np.array([partial], dtype=np.intp))
        scores, ok = evaluator.extensions(batch, lot, candidates, lots_left)
        for j, firm in enumerate(candidates):
            child = tuple(firm if i == lot else f for i, f in enumerate(partial))
            assert scores[0, j] == pytest.approx(problem.score(child), abs=1e-12)
            if lots_left == 0:
                assert ok[0, j] == (not problem.violations(child))
        # A feasible consortium never looks hopeless on the way.
        assert ok[0, list(candidates).index(consortium[lot])] or not feasible
        partial[lot] = consortium[lot]
        extended = evaluator.extend(
            batch, np.zeros(1, dtype=np.intp), lot, consortium[lot : lot + 1]
        )
        assert evaluator.scores(extended)[0] == pytest.approx(problem.score(partial), abs=1e-12)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(list(EVALUATOR_SEEDS)), data=st.data())
def test_changes_score_and_check_as_the_objective_and_constraints(
    seed: int, data: st.DataObject
) -> None:
    problem, evaluator = _evaluator(seed)
    consortium = _draw_consortium(problem, data)
    scores, ok = evaluator.changes(evaluator.batch(np.array([consortium], dtype=np.intp)))
    moves = evaluator.lot_moves
    changes = list(zip(moves.lot.tolist(), moves.firm.tolist(), strict=True))
    lots, firms = range(problem.n_lots), range(len(problem.firms))
    eligible = [(lot, f) for lot in lots for f in firms if problem.tables.eligible(lot, f)]
    assert changes == eligible  # every eligible firm of every lot, by lot then firm
    for (lot, firm), score, fine in zip(changes, scores, ok, strict=True):
        changed = tuple(firm if i == lot else f for i, f in enumerate(consortium))
        if firm == consortium[lot]:
            assert not fine
            continue
        assert score == pytest.approx(problem.score(changed), abs=1e-12)
        assert fine == (not problem.violations(changed))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(list(EVALUATOR_SEEDS)), data=st.data())
def test_pair_changes_score_and_check_as_the_objective_and_constraints(
    seed: int, data: st.DataObject
) -> None:
    problem, evaluator = _evaluator(seed)
    consortium = _draw_consortium(problem, data)
    n_firms = len(problem.firms)
    pairs = np.array(
        data.draw(
            st.lists(
                st.tuples(st.integers(0, n_firms - 1), st.integers(0, n_firms - 1)),
                min_size=1,
                max_size=4,
            ),
            label="pairs",
        ),
        dtype=np.intp,
    )
    batch = evaluator.batch(np.array([consortium], dtype=np.intp))
    lots = problem.n_lots
    grid = np.array(list(np.ndindex(len(pairs), lots, lots)), dtype=np.intp)
    moves = np.column_stack([pairs[grid[:, 0]], grid[:, 1:]])
    changes = evaluator.pair_changes(batch, evaluator.pair_facts(moves))
    scores, ok = (a.reshape(len(pairs), lots, lots) for a in changes)
    possible = {tuple(move) for move in evaluator.pair_moves(pairs).tolist()}
    for p, (f, g) in enumerate(pairs):
        for i in range(problem.n_lots):
            for j in range(problem.n_lots):
                changed = list(consortium)
                changed[i], changed[j] = int(f), int(g)
                usable = problem.tables.eligible(i, f) and problem.tables.eligible(j, g)
                assert ((int(f), int(g), i, j) in possible) == (usable and i != j)
                if i == j or not usable or tuple(changed) == consortium:
                    assert not ok[p, i, j]
                    continue
                assert scores[p, i, j] == pytest.approx(problem.score(changed), abs=1e-12)
                assert ok[p, i, j] == (not problem.violations(changed))


def test_double_and_hub_moves_are_every_eligible_one() -> None:
    for seed in EVALUATOR_SEEDS:
        problem, evaluator = _evaluator(seed)
        lots, firms = range(problem.n_lots), range(len(problem.firms))
        eligible = problem.tables.eligible
        doubles = [
            [f, f, i, j]
            for f in firms
            for i, j in itertools.combinations(lots, 2)
            if eligible(i, f) and eligible(j, f)
        ]
        assert evaluator.double_moves().tolist() == (
            doubles if problem.tender.constraints.allow_multiple_lots else []
        )
        partners = np.argwhere(np.triu(problem.tables.cohesion > 0, k=1))
        linked = {frozenset(pair) for pair in partners.tolist()}
        hubs = [
            [h, g, q, i, j, k]
            for h in firms
            for g, q in itertools.combinations(firms, 2)
            if {frozenset((h, g)), frozenset((h, q))} <= linked
            for i, j, k in itertools.permutations(lots, 3)
            if eligible(i, h) and eligible(j, g) and eligible(k, q)
        ]
        assert evaluator.hub_moves(partners).tolist() == hubs


@pytest.mark.parametrize("seed", SEEDS)
def test_kicks_never_leave_a_worse_or_infeasible_consortium(seed: int) -> None:
    _, problem, brute = _solved(seed)
    if not brute:
        return
    evaluator = Evaluator(problem)
    pairs = np.argwhere(np.triu(problem.tables.cohesion > 0, k=1))
    moves = evaluator.pair_facts(
        np.concatenate([evaluator.pair_moves(pairs), evaluator.double_moves()])
    )
    hubs = evaluator.hub_moves(pairs)
    priority = search_module._priority(problem)
    for _, state in brute[-3:]:  # the worst feasible consortia, far from any local optimum
        local = search_module._local_search(state, evaluator, priority, moves, [], 1)
        kicked = search_module._kicked(local, problem, evaluator, priority, moves, hubs)
        assert problem.violations(kicked) == []
        assert brute[0][0] + 1e-9 >= problem.score(kicked) >= problem.score(local) - 1e-12


@pytest.mark.parametrize("seed", SEEDS)
def test_stars_are_complete_eligible_consortia_around_a_hub(seed: int) -> None:
    _, problem, _ = _solved(seed)
    evaluator = Evaluator(problem)
    partners = (problem.tables.cohesion > 0).sum(axis=1)
    stars = search_module._stars(evaluator)
    assert len(stars) <= search_module.STARS
    assert len(set(stars)) == len(stars)
    for star in stars:
        assert len(set(star)) == problem.n_lots  # one firm per lot
        assert all(problem.tables.eligible(lot, firm) for lot, firm in enumerate(star))
        assert any(partners[firm] >= 2 for firm in star)
    scores = [problem.score(star) for star in stars]
    assert scores == sorted(scores, reverse=True)


def _star_case() -> MatchProblem:
    """Five lots; a hub and four past partners that can take one lot each, and as good a rival
    without partners for every lot.
    """
    codes = [code for code, _ in FAMILIES[:5]]
    tender = Tender.model_validate(
        {
            "id": "star",
            "title": "Star",
            "buyer": "Buyer",
            "country": "SN",
            "budget": 1e7,
            "deadline": "2027-01-01",
            "lots": [{"id": f"L{i}", "title": f"Lot {i}", "cpv": [c]} for i, c in enumerate(codes)],
        }
    )
    firms = [
        make_firm(siren=valid_siren(10 * team + i + 1), name=f"{name} {i}", capabilities=[code])
        for team, name in enumerate(["Équipe", "Rivale"])
        for i, code in enumerate(codes)
    ]
    hub = firms[0].siren
    collaborations = [
        Collaboration(firm_a=hub, firm_b=f.siren, kind=CollaborationKind.CO_AWARD, year=2025)
        for f in firms[1:5]
    ]
    return _build(tender, firms, collaborations)


def test_a_star_of_partners_is_built_and_reached_when_no_kick_reaches_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = _star_case()
    team = tuple(
        next(f for f, firm in enumerate(problem.firms) if firm.name == f"Équipe {i}")
        for i in range(5)
    )
    rivals = tuple(
        next(f for f, firm in enumerate(problem.firms) if firm.name == f"Rivale {i}")
        for i in range(5)
    )
    evaluator = Evaluator(problem)
    assert search_module._stars(evaluator) == [team]  # the hub is the only firm with partners
    assert problem.score(team) > problem.score(rivals)
    pairs = np.argwhere(np.triu(problem.tables.cohesion > 0, k=1))
    moves = evaluator.pair_facts(evaluator.pair_moves(pairs))
    hubs = evaluator.hub_moves(pairs)
    priority = search_module._priority(problem)
    monkeypatch.setattr(search_module, "_kicks", lambda *_: [])  # only the stars are left
    assert search_module._kicked(rivals, problem, evaluator, priority, moves, hubs) == team
    monkeypatch.setattr(search_module, "_stars", lambda _: [])
    assert search_module._kicked(rivals, problem, evaluator, priority, moves, hubs) == rivals


def test_evaluator_agrees_on_every_brute_force_consortium() -> None:
    for seed in EVALUATOR_SEEDS:
        _, evaluator = _evaluator(seed)
        brute = _solved(seed)[2]
        if brute:
            batch = evaluator.batch(np.array([a for _, a in brute], dtype=np.intp))
            expected = [score for score, _ in brute]
            assert evaluator.scores(batch).tolist() == pytest.approx(expected, abs=1e-12)


# --- the solvers against brute force ------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_exact_solver_finds_the_brute_force_optimum_and_diverse_top_k(seed: int) -> None:
    case, problem, brute = _solved(seed)
    result = solve_exact(problem, top=case.top, min_lot_changes=case.min_lot_changes)
    if not brute:
        assert result.infeasible
        assert result.solutions == []
        return
    assert not result.infeasible
    assert result.proven_optimal
    _assert_feasible_ranking(problem, result.solutions)
    best_score, _ = brute[0]
    first_score, first = result.solutions[0]
    assert problem.score(first) == pytest.approx(best_score, abs=1e-9)  # optimal
    assert first_score == pytest.approx(best_score, abs=1e-9)
    # The top K: the greedy diverse selection of the brute-force ranking, score by score.
    expected = select_diverse(brute, case.top, case.min_lot_changes)
    assert [s for s, _ in result.solutions] == pytest.approx([s for s, _ in expected], abs=1e-9)
    _greedy_diverse_check(result.solutions, brute, case.top, case.min_lot_changes)


@pytest.mark.parametrize("seed", SEEDS)
def test_fast_solver_never_beats_the_optimum_and_stays_close(seed: int) -> None:
    case, problem, brute = _solved(seed)
    beam = beam_search(problem)
    found = fast_solve(problem, case.top, case.min_lot_changes)
    if not brute:
        assert beam == found == []
        return
    assert found, "the fast solver missed a feasible tender"
    _assert_feasible_ranking(problem, beam)  # the beam keeps complete, feasible consortia only
    _assert_feasible_ranking(problem, found)
    assert len(found) <= case.top
    for i, (_, assignment) in enumerate(found):
        assert all(lot_changes(assignment, other) >= case.min_lot_changes for _, other in found[:i])
    best = brute[0][0]
    assert found[0][0] <= best + 1e-9
    assert found[0][0] >= best - 0.03 * abs(best)  # within a few percent of the optimum
    # Local search only improves on the beam's best.
    assert found[0][0] >= beam[0][0] - 1e-12


def _assignment(problem: MatchProblem, consortium: Any) -> Assignment:
    position = {firm.siren: i for i, firm in enumerate(problem.firms)}
    lot_firm = {lot: position[m.siren] for m in consortium.members for lot in m.lots}
    assert sorted(lot_firm) == sorted(lot.id for lot in problem.tender.lots)  # every lot, once
    assert sum(len(m.lots) for m in consortium.members) == problem.n_lots
    return tuple(lot_firm[lot.id] for lot in problem.tender.lots)


def _check_result(problem: MatchProblem, result: MatchResult, top: int, changes: int) -> Ranked:
    assert 1 <= len(result.consortia) <= top
    assert [c.rank for c in result.consortia] == list(range(1, len(result.consortia) + 1))
    ranked = []
    for consortium in result.consortia:
        assignment = _assignment(problem, consortium)
        assert problem.violations(assignment) == []
        assert consortium.score == pytest.approx(problem.score(assignment), abs=1e-12)
        assert consortium.breakdown == pytest.approx(problem.breakdown(assignment))
        assert sum(m.leader for m in consortium.members) == 1
        ranked.append((consortium.score, assignment))
    scores = [score for score, _ in ranked]
    assert scores == sorted(scores, reverse=True)
    for i, (_, a) in enumerate(ranked):
        assert all(lot_changes(a, b) >= changes for _, b in ranked[:i])
    assert result.diversity == pytest.approx(mean_pairwise_changes([a for _, a in ranked]))
    assert 0.0 <= result.diversity <= 1.0
    return ranked


@pytest.mark.parametrize("mode", [Mode.EXACT, Mode.FAST])
@pytest.mark.parametrize("seed", SEEDS)
def test_propose_honours_every_constraint_or_reports_infeasibility(seed: int, mode: Mode) -> None:
    case, problem, brute = _solved(seed)
    options = MatchOptions(
        mode=mode,
        top=case.top,
        min_lot_changes=case.min_lot_changes,
        relevance_floor=OPTIONS.relevance_floor,
    )
    if not brute:
        with pytest.raises(Infeasible) as raised:
            propose(case.tender, case.firms, case.collaborations, options)
        assert raised.value.problems
        assert all(p.field.startswith("constraints.") for p in raised.value.problems)
        return
    result = propose(case.tender, case.firms, case.collaborations, options)
    ranked = _check_result(problem, result, case.top, case.min_lot_changes)
    if mode is Mode.EXACT:
        assert ranked[0][0] == pytest.approx(brute[0][0], abs=1e-9)
    else:
        assert ranked[0][0] <= brute[0][0] + 1e-9


def test_fast_mode_never_reports_a_feasible_tender_as_infeasible() -> None:
    # Seed 27: five lots, nine firms, a required firm, a leader floor and two members needed
    # from the preferred regions. Brute force finds 14 feasible consortia; a beam narrower than
    # 16 loses them all: the fast mode then falls back on the exact solver.
    case, problem, brute = _solved(27)
    assert len(brute) == 14
    assert beam_search(problem, beam_width=8) == []
    assert fast_solve(problem, beam_width=8) == []
    options = MatchOptions(mode=Mode.FAST, beam_width=8, relevance_floor=OPTIONS.relevance_floor)
    result = propose(case.tender, case.firms, case.collaborations, options)
    assert result.consortia[0].score <= brute[0][0] + 1e-9


# What to change in a tender to drop the constraint a field of an Infeasible error names.
RELAXATIONS: dict[str, dict[str, Any]] = {
    "constraints.max_members": {"max_members": None},
    "constraints.min_smes": {"min_smes": 0},
    "constraints.must_include": {"must_include": []},
    "constraints.allow_multiple_lots": {"allow_multiple_lots": True},
    "constraints.leader_min_turnover_share": {
        "leader_min_turnover_share": 0.0,
        "leader_min_maturity": None,
    },
    "constraints.leader_min_maturity": {
        "leader_min_turnover_share": 0.0,
        "leader_min_maturity": None,
    },
    "constraints.min_from_preferred_regions": {"min_from_preferred_regions": 0},
}


def _relaxed(tender: Tender, field: str) -> Tender:
    data = tender.constraints.model_dump() | RELAXATIONS[field]
    return tender.model_copy(update={"constraints": TenderConstraints.model_validate(data)})


@pytest.mark.parametrize("seed", SEEDS)
def test_each_constraint_named_alone_is_a_true_culprit(seed: int) -> None:
    case, problem, brute = _solved(seed)
    if brute:
        return
    error = explain_infeasibility(problem)
    fields = [p.field for p in error.problems]
    assert fields and set(fields) <= set(RELAXATIONS)
    if "several" in error.detail:  # no single relaxation helps: check that it is so
        for field in fields:
            relaxed = _relaxed(case.tender, field)
            assert not _brute_force(_build(relaxed, case.firms, case.collaborations)), field
        return
    for field in fields:  # each named constraint, relaxed alone, makes the tender feasible
        relaxed = _relaxed(case.tender, field)
        assert _brute_force(_build(relaxed, case.firms, case.collaborations)), field


# --- the showcase ------------------------------------------------------------------------------


@cache
def _showcase() -> tuple[list[Tender], list[Firm], list[Collaboration]]:
    document = showcase_document()
    return document.tenders, document.firms, document.collaborations


@pytest.mark.parametrize(
    "tender_id",
    [
        "alexandria-light-rail",
        "bouake-hospital",
        "maan-solar-farm",
        "senegal-water-plant",
        "tunisia-hospital-is",
    ],
)
def test_fast_and_exact_agree_on_the_showcase(tender_id: str) -> None:
    tenders, firms, collaborations = _showcase()
    tender = next(t for t in tenders if t.id == tender_id)
    results = {
        mode: propose(tender, firms, collaborations, MatchOptions(mode=mode, top=2))
        for mode in ("exact", "fast")
    }
    for result in results.values():
        assert result.tender_id == tender_id
        assert 1 <= len(result.consortia) <= 2
        assert 0.0 <= result.diversity <= 1.0
        for consortium in result.consortia:
            lots = sorted(lot for m in consortium.members for lot in m.lots)
            assert lots == sorted(lot.id for lot in tender.lots)
        scores = [c.score for c in result.consortia]
        assert scores == sorted(scores, reverse=True)
    exact, fast = results["exact"].consortia[0].score, results["fast"].consortia[0].score
    assert fast <= exact + 1e-6  # the fast solver never beats the optimum
    assert fast >= exact - 0.03 * exact


def test_mode_given_as_a_string_selects_the_solver(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    original = propose_module.solve_exact

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(propose_module, "solve_exact", spy)
    assert MatchOptions(mode="exact").mode is Mode.EXACT  # type: ignore[arg-type]
    case = next(_solved(seed)[0] for seed in SEEDS if _solved(seed)[2])
    propose(case.tender, case.firms, case.collaborations, MatchOptions(mode="exact"))  # type: ignore[arg-type]
    assert calls
    calls.clear()
    propose(case.tender, case.firms, case.collaborations, MatchOptions(mode="fast"))  # type: ignore[arg-type]
    assert not calls
    with pytest.raises(ValueError):
        MatchOptions(mode="exhaustive")  # type: ignore[arg-type]


# --- explain_infeasibility on a hospital -------------------------------------------------------

BUILDER_BIG = make_firm(
    siren=valid_siren(101),
    name="Bâtir Ouest",
    capabilities=["45215140"],
    headcount="250-4999",
    turnover_eur=2e8,
    maturity="regular",
)
BUILDER_SME = make_firm(
    siren=valid_siren(102),
    name="Constructions du Sud",
    capabilities=["45210000"],
    headcount="50-249",
    turnover_eur=3e7,
    region=Region.BRETAGNE,
)
IMAGING = make_firm(
    siren=valid_siren(103),
    name="Imagerie Loire",
    capabilities=["33111000"],
    certifications=["ISO 13485"],
    region=Region.PDL,
)
MEDEQUIP = make_firm(
    siren=valid_siren(104),
    name="MedEquip",
    capabilities=["33100000", "33192120"],
    certifications=["ISO 13485"],
    headcount="50-249",
    turnover_eur=2e7,
    region=Region.OCCITANIE,
)
TRAINER = make_firm(siren=valid_siren(105), name="Formation Santé", capabilities=["80510000"])
CAMPUS = make_firm(
    siren=valid_siren(106),
    name="Campus Soins",
    capabilities=["80500000", "80510000"],
    region=Region.PDL,
)
HOSPITAL_FIRMS = [BUILDER_BIG, BUILDER_SME, IMAGING, MEDEQUIP, TRAINER, CAMPUS]


def _infeasible(mode: Mode, **constraints: Any) -> Infeasible:
    tender = hospital_tender(**constraints)
    problem = _build(tender, HOSPITAL_FIRMS, [])
    assert _brute_force(problem) == []  # truly infeasible
    with pytest.raises(Infeasible) as raised:
        propose(tender, HOSPITAL_FIRMS, [], MatchOptions(mode=mode))
    direct = explain_infeasibility(problem)
    assert [p.as_dict() for p in direct.problems] == [p.as_dict() for p in raised.value.problems]
    return raised.value


def test_the_hospital_is_feasible_without_constraints() -> None:
    problem = _build(hospital_tender(), HOSPITAL_FIRMS, [])
    brute = _brute_force(problem)
    assert len(brute) == 2 * 2 * 2  # two firms per lot, no firm delivers two lots
    assert solve_exact(problem).solutions[0][0] == pytest.approx(brute[0][0], abs=1e-9)


@pytest.mark.parametrize("mode", [Mode.EXACT, Mode.FAST])
def test_too_few_members_allowed(mode: Mode) -> None:
    error = _infeasible(mode, max_members=1)
    assert [p.field for p in error.problems] == ["constraints.max_members"]
    problem = error.problems[0]
    assert problem.value == 1
    assert problem.message.startswith("no single firm meets the other constraints")
    assert "the best consortium has 3 members" in problem.message  # what the best consortium needs
    assert "constraints.max_members" in str(error)


@pytest.mark.parametrize("mode", [Mode.EXACT, Mode.FAST])
def test_too_many_smes_required(mode: Mode) -> None:
    # Five SMEs among the candidates, but three lots: at most three SME members.
    error = _infeasible(mode, min_smes=4)
    assert [p.field for p in error.problems] == ["constraints.min_smes"]
    assert error.problems[0].value == 4
    assert "at most 3" in error.problems[0].message


@pytest.mark.parametrize("mode", [Mode.EXACT, Mode.FAST])
def test_no_firm_can_lead(mode: Mode) -> None:
    # The leader must turn over ten times the 45 M€ budget: no candidate does.
    error = _infeasible(mode, leader_min_turnover_share=10.0)
    assert [p.field for p in error.problems] == ["constraints.leader_min_turnover_share"]
    assert error.problems[0].value == 10.0
    assert "leader" in error.problems[0].message
    assert "0 candidate firm" in error.problems[0].message


@pytest.mark.parametrize("mode", [Mode.EXACT, Mode.FAST])
def test_no_firm_mature_enough_to_lead(mode: Mode) -> None:
    error = _infeasible(mode, leader_min_maturity="accredited")
    assert len(error.problems) == 1
    assert error.problems[0].field in {
        "constraints.leader_min_maturity",
        "constraints.leader_min_turnover_share",
    }
    assert "maturity" in error.problems[0].message


@pytest.mark.parametrize("mode", [Mode.EXACT, Mode.FAST])
@pytest.mark.parametrize(
    ("regions", "minimum"),
    [([Region.CORSE], 1), ([Region.IDF, Region.PDL], 4)],  # none there; more than 3 members
)
def test_preferred_regions_out_of_reach(mode: Mode, regions: list[Region], minimum: int) -> None:
    error = _infeasible(mode, preferred_regions=regions, min_from_preferred_regions=minimum)
    assert [p.field for p in error.problems] == ["constraints.min_from_preferred_regions"]
    assert error.problems[0].value == minimum
    assert "preferred regions" in error.problems[0].message


@pytest.mark.parametrize("mode", [Mode.EXACT, Mode.FAST])
def test_required_firms_that_compete_for_one_lot(mode: Mode) -> None:
    # Both builders are required, one firm per lot: only one of them can take the building lot.
    # Allowing several lots per firm would not help (neither builder can take another lot), so
    # only must_include is named.
    error = _infeasible(
        mode, must_include=[BUILDER_BIG.siren, BUILDER_SME.siren], allow_multiple_lots=False
    )
    assert [p.field for p in error.problems] == ["constraints.must_include"]
    assert error.problems[0].value == [BUILDER_BIG.siren, BUILDER_SME.siren]


@pytest.mark.parametrize("mode", [Mode.EXACT, Mode.FAST])
def test_several_constraints_at_fault_together(mode: Mode) -> None:
    # No one-firm consortium, and nobody in Corsica: no single relaxation is enough.
    error = _infeasible(mode, max_members=1, preferred_regions=[Region.CORSE])
    assert "several" in error.detail
    assert {p.field for p in error.problems} == {
        "constraints.max_members",
        "constraints.min_from_preferred_regions",
    }
