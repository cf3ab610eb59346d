"""The exact solver: the objective of :mod:`scoring.consortium` as a mixed-integer program.

Variables (all binary except ``c``)::

    x[l,f]  firm f takes lot l             y[f]   f is a member
    z[f,g]  f and g are both members       r[k]   some member is based in region k
    c       cohesion, in [0, 1]

maximise   sum gain[l,f] x[l,f] - w_size/D sum y + w_coh c - w_comp/P sum O[f,g] z[f,g]
           + w_reg/D sum r  (+ constants)
subject to sum_f x[l,f] = 1;  x[l,f] <= y[f] <= sum_l x[l,f];
           z[f,g] <= y[f], z[f,g] <= y[g], z[f,g] >= y[f] + y[g] - 1;
           r[k] <= sum_{f in k} y[f];  c <= sum W[f,g] z[f,g] / D;
           and the hard constraints (one lot per firm, size, SMEs, leader, regions, required).

Solved by HiGHS through :func:`scipy.optimize.milp`, with a time limit. The top K are found by
solving again with a cut that forbids each solution found so far (and its near-duplicates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import coo_array

from meute.matcher.deadline import Deadline
from meute.matcher.problem import MatchProblem

if TYPE_CHECKING:  # scipy.optimize loads at the first exact solve, not with the server
    from scipy.optimize import LinearConstraint

__all__ = ["ExactResult", "solve_exact"]

Assignment = tuple[int, ...]


@dataclass
class ExactResult:
    """Solutions found, best first, whether each solve was proven optimal, and whether the
    overall deadline stopped the search before ``top`` solutions were found.
    """

    solutions: list[tuple[float, Assignment]] = field(default_factory=list)
    proven_optimal: bool = True
    infeasible: bool = False
    timed_out: bool = False


class _Builder:
    """Accumulates sparse constraint rows ``lower <= A v <= upper``."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []

    def add(self, terms: Sequence[tuple[int, float]], lower: float, upper: float) -> None:
        row = len(self.lower)
        for col, val in terms:
            self.rows.append(row)
            self.cols.append(col)
            self.vals.append(val)
        self.lower.append(lower)
        self.upper.append(upper)

    def constraint(self, n_vars: int) -> LinearConstraint:
        from scipy.optimize import LinearConstraint

        matrix = coo_array(
            (self.vals, (self.rows, self.cols)), shape=(len(self.lower), n_vars)
        ).tocsr()
        return LinearConstraint(matrix, np.array(self.lower), np.array(self.upper))


def solve_exact(
    problem: MatchProblem,
    top: int = 1,
    min_lot_changes: int = 1,
    time_limit: float = 10.0,
    relax: frozenset[str] = frozenset(),
    deadline: Deadline | None = None,
) -> ExactResult:
    """Up to ``top`` best consortia, each differing from the better ones in enough lots.

    ``relax`` names hard constraints to drop (``max_members``, ``min_smes``, ``must_include``,
    ``allow_multiple_lots``, ``leader``, ``regions``): used to explain infeasibility.
    ``deadline`` bounds the whole search: when it strikes, the solutions found so far are
    returned with ``timed_out`` set.
    """
    n_lots, n_firms = problem.n_lots, len(problem.firms)
    gain = problem.lot_gain
    weight = problem.weights.as_dict()
    total = sum(weight.values())
    w = {name: value / total for name, value in weight.items()}
    d = max(1, n_lots - 1)
    p = max(1, n_lots * (n_lots - 1) // 2)
    tables = problem.tables
    constraints = problem.tender.constraints

    x_index = {
        (lot, f): k
        for k, (lot, f) in enumerate(
            (lot, f) for lot in range(n_lots) for f in range(n_firms) if np.isfinite(gain[lot, f])
        )
    }
    n_x = len(x_index)
    y0 = n_x
    upper_pairs = np.triu((tables.cohesion > 0) | (tables.overlap > 0), k=1)
    pairs = [(int(f), int(g)) for f, g in zip(*np.nonzero(upper_pairs), strict=True)]
    z0 = y0 + n_firms
    region_ids = sorted(set(tables.region.tolist()))
    r0 = z0 + len(pairs)
    c = r0 + len(region_ids)
    n_vars = c + 1

    cost = np.zeros(n_vars)  # milp minimises: costs are negated gains
    for (lot, f), k in x_index.items():
        cost[k] = -gain[lot, f]
    cost[y0 : y0 + n_firms] = w["size"] / d
    for k, (f, g) in enumerate(pairs):
        cost[z0 + k] = w["complementarity"] * tables.overlap[f, g] / p
    cost[r0:c] = -w["regions"] / d
    cost[c] = -w["cohesion"]
    constant = w["size"] * (1 + 1 / d) + w["complementarity"] - w["regions"] / d

    rows = _Builder()
    by_firm: dict[int, list[int]] = {}
    for lot in range(n_lots):
        rows.add([(k, 1.0) for (l2, _), k in x_index.items() if l2 == lot], 1.0, 1.0)
    for (_, f), k in x_index.items():
        by_firm.setdefault(f, []).append(k)
        rows.add([(k, 1.0), (y0 + f, -1.0)], -np.inf, 0.0)
    for f in range(n_firms):
        rows.add([(y0 + f, 1.0)] + [(k, -1.0) for k in by_firm.get(f, [])], -np.inf, 0.0)
        if "allow_multiple_lots" not in relax and not constraints.allow_multiple_lots:
            rows.add([(k, 1.0) for k in by_firm.get(f, [])], -np.inf, 1.0)
    for k, (f, g) in enumerate(pairs):
        rows.add([(z0 + k, 1.0), (y0 + f, -1.0)], -np.inf, 0.0)
        rows.add([(z0 + k, 1.0), (y0 + g, -1.0)], -np.inf, 0.0)
        rows.add([(z0 + k, 1.0), (y0 + f, -1.0), (y0 + g, -1.0)], -1.0, np.inf)
    for k, region in enumerate(region_ids):
        members = np.flatnonzero(tables.region == region)
        rows.add([(r0 + k, 1.0)] + [(y0 + int(f), -1.0) for f in members], -np.inf, 0.0)
    rows.add(
        [(c, 1.0)]
        + [(z0 + k, -float(tables.cohesion[f, g]) / d) for k, (f, g) in enumerate(pairs)],
        -np.inf,
        0.0,
    )
    every_y = [(y0 + f, 1.0) for f in range(n_firms)]
    if "max_members" not in relax and constraints.max_members is not None:
        rows.add(every_y, -np.inf, constraints.max_members)
    if "min_smes" not in relax and constraints.min_smes:
        rows.add(
            [(y0 + int(f), 1.0) for f in np.flatnonzero(problem.is_sme)],
            constraints.min_smes,
            np.inf,
        )
    if "leader" not in relax:
        rows.add([(y0 + int(f), 1.0) for f in np.flatnonzero(problem.leader_ok)], 1.0, np.inf)
    if "regions" not in relax and problem.min_preferred:
        rows.add(
            [(y0 + int(f), 1.0) for f in np.flatnonzero(problem.preferred)],
            problem.min_preferred,
            np.inf,
        )

    lower = np.zeros(n_vars)
    upper = np.ones(n_vars)
    if "must_include" not in relax:
        for f in problem.required:
            lower[y0 + f] = 1.0
    integrality = np.ones(n_vars)
    integrality[c] = 0

    from scipy.optimize import Bounds, milp

    result = ExactResult()
    for _ in range(top):
        limit = time_limit
        if deadline is not None:
            if deadline.expired():
                result.timed_out = True
                break
            limit = min(time_limit, deadline.remaining())
        solution = milp(
            cost,
            integrality=integrality,
            bounds=Bounds(lower, upper),
            constraints=rows.constraint(n_vars),
            options={"time_limit": limit, "disp": False, "mip_rel_gap": 1e-9},
        )
        if solution.x is None:
            result.timed_out = deadline is not None and deadline.expired()
            if solution.status == 2:  # no (further) consortium satisfies the constraints
                result.infeasible = not result.solutions
            else:  # the time limit struck before any solution
                result.proven_optimal = False
            break
        result.proven_optimal = result.proven_optimal and solution.status == 0
        chosen = [key for key, k in x_index.items() if solution.x[k] > 0.5]
        assignment = tuple(f for _, f in sorted(chosen))
        result.solutions.append((constant - float(solution.fun), assignment))
        rows.add(
            [(x_index[(lot, f)], 1.0) for lot, f in enumerate(assignment)],
            -np.inf,
            n_lots - min_lot_changes,
        )
    return result
