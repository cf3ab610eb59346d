"""The relaxation of :mod:`matcher.bound` against brute force: its bounds are never below the
true best score, over the whole set and for each lot and firm.

Problems are drawn as term arrays (any source of relevance gives such arrays), small enough to
score every assignment with the real objective (:meth:`ScoreTables.breakdown`, :func:`objective`);
then whole random tenders go through the shortlist, the pool and both solvers.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from meute.graph.errors import Infeasible
from meute.matcher.bound import Relaxation, cohesive_partners, gap_bound
from meute.matcher.problem import build_problem, shortlist
from meute.matcher.propose import MatchOptions, Mode, lot_codes, present, solve
from meute.scoring.consortium import LINEAR_TERMS, ObjectiveWeights, ScoreTables, objective
from meute.scoring.text import text_model
from tests.unit.test_solvers import OPTIONS, _brute_force, _build, _random_case

TOLERANCE = 1e-9


@st.composite
def problems(draw: st.DrawFn) -> tuple[ScoreTables, ObjectiveWeights, bool, int | None]:
    """Random term arrays (some firms ineligible), collaborations, overlaps, regions, weights and
    member-count constraints.
    """
    n_lots = draw(st.integers(1, 4))
    n_firms = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    shape = (n_lots, n_firms)
    eligible = rng.random(shape) < 0.75
    eligible[np.arange(n_lots), rng.integers(0, n_firms, n_lots)] = True  # every lot coverable
    per_lot = {name: rng.random(shape) for name in LINEAR_TERMS[1:]}
    per_lot["coverage"] = np.full(shape, draw(st.sampled_from([1.0, 0.75, 0.5])))
    per_lot["fit"] = np.where(eligible, per_lot["fit"], -np.inf)
    strength = np.triu(np.where(rng.random((n_firms, n_firms)) < 0.5, rng.random(), 0.0), 1)
    overlap = np.triu(np.where(rng.random((n_firms, n_firms)) < 0.5, rng.random(), 0.0), 1)
    tables = ScoreTables(
        per_lot=per_lot,
        cohesion=strength + strength.T,
        overlap=overlap + overlap.T,
        region=rng.integers(0, 3, n_firms).astype(np.intp),
    )
    weights = ObjectiveWeights(  # the fit weighs something: they may not all be 0
        **{name: draw(st.floats(0.0, 1.0)) for name in ObjectiveWeights().as_dict()} | {"fit": 1.0}
    )
    allow_multiple = draw(st.booleans())
    max_members = draw(st.none() | st.integers(1, n_lots))
    return tables, weights, allow_multiple, max_members


def _gain(tables: ScoreTables, weights: ObjectiveWeights) -> NDArray[np.float64]:
    """Each lot and firm's share of the objective from the linear terms (as MatchProblem)."""
    weight = weights.as_dict()
    total = sum(weight.values()) * tables.n_lots
    gain = np.zeros_like(tables.per_lot["fit"])
    for name in LINEAR_TERMS:
        gain = gain + weight[name] / total * tables.per_lot[name]
    return gain


def _feasible_scores(
    tables: ScoreTables, weights: ObjectiveWeights, allow_multiple: bool, max_members: int | None
) -> list[tuple[float, tuple[int, ...]]]:
    """Every assignment of eligible firms meeting the member-count constraints, scored."""
    eligible = [
        [f for f in range(tables.n_firms) if tables.eligible(lot, f)]
        for lot in range(tables.n_lots)
    ]
    found = []
    for assignment in itertools.product(*eligible):
        members = len(set(assignment))
        if not allow_multiple and members < len(assignment):
            continue
        if max_members is not None and members > max_members:
            continue
        found.append((objective(tables.breakdown(assignment), weights), assignment))
    return found


@settings(max_examples=300, deadline=None)
@given(problems())
def test_bounds_are_never_below_the_true_scores(
    problem: tuple[ScoreTables, ObjectiveWeights, bool, int | None],
) -> None:
    tables, weights, allow_multiple, max_members = problem
    strength = np.triu(tables.cohesion, 1)
    first, second = np.nonzero(strength)
    relaxation = Relaxation.of(
        _gain(tables, weights),
        (first, second, strength[first, second]),
        weights,
        allow_multiple,
    )
    upper = relaxation.upper_bound()
    per_firm = relaxation.lot_firm_bounds()
    scored = _feasible_scores(tables, weights, allow_multiple, max_members)
    for score, assignment in scored:
        assert score <= upper + TOLERANCE
        for lot, firm in enumerate(assignment):
            assert score <= per_firm[lot, firm] + TOLERANCE
    if scored:
        best = max(score for score, _ in scored)
        for score, _ in scored:  # the measured gap never exceeds the reported one
            measured = 1.0 - score / best if best > 0 else 0.0
            assert measured <= gap_bound(score, upper) + TOLERANCE


def test_without_collaborations_the_bound_is_each_lots_best_plus_the_most_the_rest_gives() -> None:
    """One firm on both lots scores the best gains plus complementarity and size: the bound is
    reached; giving lot 1 to the second firm costs its gain and a member, bounded below the top.
    """
    gain = np.array([[0.3, 0.1], [0.2, -np.inf]])
    weights = ObjectiveWeights()  # weights summing to 1
    empty = np.zeros(0, dtype=np.intp)
    relaxation = Relaxation.of(gain, (empty, empty, np.zeros(0)), weights)
    alone = 0.3 + 0.2 + weights.complementarity + weights.size
    assert relaxation.upper_bound() == pytest.approx(alone)
    bounds = relaxation.lot_firm_bounds()
    pair = 0.1 + 0.2 + weights.complementarity  # two members in one region: size 0, regions 0
    assert pair <= bounds[0, 1] < alone
    assert bounds[1, 1] == -np.inf
    assert gap_bound(0.4, 0.5) == pytest.approx(0.2)
    assert gap_bound(0.5, 0.5) == 0.0


def test_partners_join_when_the_pair_beats_the_weakest_gain_kept() -> None:
    """Lot 0's best firm (0) is kept; its partner 2 is a little weaker on lot 1 than the kept
    firm 1 but the pair's cohesion lifts it over; 2's own partner 3 joins in the second round;
    4, as weak with no partner, and 5, a weak partner of 0 too far below, stay out. When fewer
    firms than ``per_lot`` may take a lot, every partner that may take one joins, but never 6,
    which may take none.
    """
    weights = ObjectiveWeights()  # weights summing to 1; three lots: a pair adds 0.15 W / 2
    gain = np.array(
        [
            [0.30, -np.inf, -np.inf, -np.inf, -np.inf, -np.inf, -np.inf],
            [-np.inf, 0.20, 0.15, -np.inf, 0.15, 0.05, -np.inf],
            [-np.inf, 0.20, -np.inf, 0.16, 0.15, -np.inf, -np.inf],
        ]
    )
    edges = (np.array([0, 2, 0, 6]), np.array([2, 3, 5, 0]), np.array([1.0, 0.8, 1.0, 1.0]))
    assert cohesive_partners(gain, edges, weights, {0, 1}, per_lot=1) == {2, 3}
    assert cohesive_partners(gain, edges, weights, {0, 1}, per_lot=1, rounds=1) == {2}
    assert cohesive_partners(gain, edges, weights, {1}, per_lot=1) == set()
    assert cohesive_partners(gain, edges, weights, {0, 1}, per_lot=10) == {2, 3, 5}
    # No firm retrieved (a tender nobody can take), or none kept: nobody to admit.
    nobody = (np.array([], dtype=np.intp), np.array([], dtype=np.intp), np.array([]))
    assert cohesive_partners(np.empty((3, 0)), nobody, weights, set(), per_lot=5) == set()
    assert cohesive_partners(gain, edges, weights, set(), per_lot=1) == set()


@pytest.mark.parametrize("mode", [Mode.FAST, Mode.EXACT])
def test_the_reported_gap_bound_covers_every_firm_retrieved(mode: Mode) -> None:
    """Random tenders matched from a shortlist of one firm per lot and a pool of one: the gap
    each answer reports is never below its gap to the best consortium of all the candidates
    (brute force), though most candidates were never scored in full.
    """
    checked = 0
    for seed in range(30):
        case = _random_case(seed)
        best = _brute_force(_build(case.tender, case.firms, case.collaborations))
        codes = lot_codes(case.tender, OPTIONS)
        short = shortlist(
            case.tender,
            case.firms,
            codes,
            OPTIONS.weights,
            1,
            fit_weights=OPTIONS.fit_weights,
            collaborations=case.collaborations,
        )
        kept = {firm.siren for firm in short.firms}
        among = [c for c in case.collaborations if c.firm_a in kept and c.firm_b in kept]
        options = MatchOptions(relevance_floor=0.0, per_lot=1, mode=mode, top=2)
        try:
            problem = build_problem(
                case.tender,
                short.firms,
                among,
                codes,
                text_model(),
                options.weights,
                options.fit_weights,
                options.per_lot,
                floor=options.relevance_floor,
                left_out_bound=short.outside_bound,
            )
            solved = solve(problem, options)
        except Infeasible:
            continue  # the few firms kept cannot meet the constraints
        assert best, "a consortium was found where brute force finds none"
        assert solved.upper_bound >= best[0][0] - TOLERANCE
        result = present(solved, among)
        assert result.optimality_gap_bound == gap_bound(
            result.consortia[0].score, solved.upper_bound
        )
        for consortium in result.consortia:  # any consortium's gap, as the first one's would be
            assert consortium.score <= best[0][0] + TOLERANCE
            measured = 1.0 - consortium.score / best[0][0]
            assert measured <= gap_bound(consortium.score, solved.upper_bound) + TOLERANCE
        checked += 1
    assert checked >= 10
