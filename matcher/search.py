"""The fast solver: beam search, then local search, over a :class:`MatchProblem`.

Lots are filled one at a time, most constrained first; each partial consortium is scored with
the objective (an uncovered lot counts zero) and only the ``beam_width`` best survive each step.
Constraints a partial consortium already breaks, or can no longer meet with the lots left, prune
it. The best complete consortia are then improved by changing one lot's firm at a time, the best
change first; when no such change helps, by giving two lots at once to two firms that have worked
together (cohesion pays only once both are members, which one-lot changes cannot reach) or to one
firm, until nothing helps. The beam's best consortium is then kicked out of its local optimum
(the best changes of two lots to partners, or of three lots to a firm and two of its partners,
improving or not, each followed by local search) while a kick ends on a better consortium, and
when none does, replaced by a better consortium built around a hub of past partners, if any.

Both phases are vectorised: :class:`Evaluator` keeps, for a batch of assignments, the sums the
objective is made of (linear gains, cohesion and overlap over member pairs, members per region)
and scores every way of extending or changing them in a few numpy operations. What the moves of
local search need that depends on the problem only (each move's gains, regions, quota membership,
the partners' cohesion and overlap) is gathered once per problem (:class:`LotMoves`,
:class:`PairMoves`) and, for pair moves, what depends on the two lots only once per pair of
lots. Tests check it against :meth:`MatchProblem.score` and :meth:`MatchProblem.violations`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from meute.matcher.diversity import lot_changes
from meute.matcher.problem import MatchProblem

__all__ = [
    "CONSISTENT_TOP",
    "Batch",
    "Evaluator",
    "LotMoves",
    "PairMoves",
    "beam_search",
    "fast_solve",
]

Assignment = tuple[int, ...]
Floats = NDArray[np.float64]
Flags = NDArray[np.bool_]
Ints = NDArray[np.intp]

# A change must beat the current score by more than this to count as an improvement.
IMPROVEMENT = 1e-12


@dataclass(frozen=True)
class Batch:
    """Assignments (``-1`` marks a lot not filled yet) with the sums their objective is made of.

    ``lots_held[b, f]`` counts the lots firm ``f`` takes in assignment ``b``; ``backed`` and
    ``overlap`` add cohesion and overlap over member pairs, and ``cohesion_with[b, f]`` and
    ``overlap_with[b, f]`` what firm ``f`` adds with the members; ``per_region`` counts members.
    """

    assignment: Ints
    lots_held: Ints
    linear: Floats
    backed: Floats
    overlap: Floats
    cohesion_with: Floats
    overlap_with: Floats
    per_region: Ints

    @property
    def members(self) -> Flags:
        """Whether each firm is a member of each assignment."""
        return self.lots_held > 0

    def pairwise(self) -> tuple[Floats, Floats]:
        """The first assignment's cohesion and overlap over member pairs (``2``), and what each
        firm adds to them with its members (``2 x firms``).
        """
        sums = np.array([self.backed[0], self.overlap[0]])
        return sums, np.stack([self.cohesion_with[0], self.overlap_with[0]])


@dataclass(frozen=True)
class LotMoves:
    """Every change of one lot's firm to a firm that may take it, by lot then firm, with what
    scoring them needs that depends on the problem only (see :meth:`Evaluator.changes`).

    ``cell`` indexes each change in a raveled ``lots x firms`` array and ``region`` its firm's
    region in a raveled ``lots x regions`` one; ``counted``: whether its firm counts, for each of
    the evaluator's quotas.
    """

    lot: Ints
    firm: Ints
    cell: Ints
    region: Ints
    gain: Floats
    counted: tuple[Flags, ...]


@dataclass(frozen=True)
class PairMoves:
    """Moves ``(f, g, i, j)`` (a ``moves x 4`` array: lot ``i`` to firm ``f``, lot ``j`` to firm
    ``g``) with what scoring them needs that depends on the problem only, gathered once (see
    :meth:`Evaluator.pair_facts`).

    ``lots`` indexes each move's lot pair ``(i, j)`` in a raveled ``lots x lots`` array,
    ``f_region``/``g_region`` its partner's region in a raveled ``lots x lots x regions`` one, and
    ``f_at_i``, ``f_at_j``, ``g_at_i``, ``g_at_j`` a firm and a lot in a raveled ``firms x lots``
    one. ``pairwise``: the cohesion and overlap of ``f`` and ``g`` (``2 x moves``); ``usable``:
    both partners may take their lot and ``i != j``; ``distinct``: ``f != g``; ``counted``:
    whether ``f`` and ``g`` count, for each of the evaluator's quotas.
    """

    moves: Ints
    f: Ints
    g: Ints
    lots: Ints
    f_region: Ints
    g_region: Ints
    f_at_i: Ints
    f_at_j: Ints
    g_at_i: Ints
    g_at_j: Ints
    gain_f: Floats
    gain_g: Floats
    pairwise: Floats
    same_region: Flags
    distinct: Flags
    usable: Flags
    counted: tuple[tuple[Flags, Flags], ...]

    def __len__(self) -> int:
        """How many moves."""
        return len(self.moves)


class Evaluator:
    """The objective and the hard constraints, for many assignments at once."""

    def __init__(self, problem: MatchProblem) -> None:
        weight = problem.weights.as_dict()
        total = sum(weight.values())
        self.w = {name: value / total for name, value in weight.items()}
        self.n_lots, self.n_firms = problem.n_lots, len(problem.firms)
        self.d = max(1, self.n_lots - 1)
        self.p = max(1, self.n_lots * (self.n_lots - 1) // 2)
        self.gain = problem.lot_gain
        self.eligible = np.isfinite(self.gain)
        # Cohesion and overlap of each pair of firms, stacked where both are scored alike.
        self.pairwise = np.stack([problem.tables.cohesion, problem.tables.overlap])
        self.cohesion, self.overlap = self.pairwise
        self.region = problem.tables.region
        n_regions = int(self.region.max()) + 1 if self.n_firms else 0
        self.in_region = np.eye(n_regions, dtype=np.intp)[self.region]
        self.earlier = np.tri(self.n_lots, k=-1, dtype=bool)  # lot j < lot i
        required = np.zeros(self.n_firms, dtype=bool)
        required[list(problem.required)] = True
        constraints = problem.tender.constraints
        self.allow_multiple = constraints.allow_multiple_lots
        self.max_members = constraints.max_members or self.n_firms
        # Constraints that count members: (firms that count, how many are needed), those that
        # need any. A partial assignment can still meet one if the lots left can bring them.
        quotas = [
            (required, len(problem.required)),
            (problem.is_sme, constraints.min_smes),
            (problem.preferred, problem.min_preferred),
            (problem.leader_ok, 1),
        ]
        self.quotas = [(counted, needed) for counted, needed in quotas if needed > 0]
        # Every change of one lot's firm that may be made, for local search.
        lot, firm = np.nonzero(self.eligible)
        self.lot_moves = LotMoves(
            lot=lot,
            firm=firm,
            cell=lot * self.n_firms + firm,
            region=lot * n_regions + self.region[firm],
            gain=self.gain[lot, firm],
            counted=tuple(counted[firm] for counted, _ in self.quotas),
        )

    def objective(
        self, linear: Floats, backed: Floats, overlap: Floats, regions: Ints, members: Ints
    ) -> Floats:
        """The objective from its sums (``regions``: distinct member regions; element-wise)."""
        w = self.w
        score: Floats = (
            linear
            + w["cohesion"] * np.minimum(1.0, backed / self.d)
            + w["complementarity"] * (1.0 - overlap / self.p)
            + w["regions"] * np.where(members > 0, (regions - 1) / self.d, 0.0)
            + w["size"] * (1.0 - (np.maximum(members, 1) - 1) / self.d)
        )
        return score

    def batch(self, assignments: Ints) -> Batch:
        """The sums of assignments given whole (a ``batch x lots`` array)."""
        filled = assignments >= 0
        firms = np.maximum(assignments, 0)
        # Each member counts once, at its first lot. (Sums gather rows rather than multiply
        # matrices: these are small and multi-threaded BLAS costs more than it saves.)
        same = assignments[:, :, None] == assignments[:, None, :]
        first = filled & ~(same & self.earlier).any(axis=2)
        lots_held = _counts(filled, assignments, self.n_firms)
        per_region = _counts(first, self.region[firms], self.in_region.shape[1])
        joins = first[:, :, None]
        cohesion_with = (self.cohesion[firms] * joins).sum(axis=1)
        overlap_with = (self.overlap[firms] * joins).sum(axis=1)
        members = lots_held > 0
        gains = np.where(filled, self.gain[np.arange(self.n_lots), firms], 0.0)
        return Batch(
            assignment=assignments,
            lots_held=lots_held,
            linear=gains.sum(axis=1),
            backed=0.5 * (cohesion_with * members).sum(axis=1),
            overlap=0.5 * (overlap_with * members).sum(axis=1),
            cohesion_with=cohesion_with,
            overlap_with=overlap_with,
            per_region=per_region,
        )

    def scores(self, batch: Batch) -> Floats:
        """The objective value of each assignment of a batch."""
        members = batch.members
        regions = (batch.per_region > 0).sum(axis=1)
        return self.objective(
            batch.linear, batch.backed, batch.overlap, regions, members.sum(axis=1)
        )

    def extensions(
        self, batch: Batch, lot: int, firms: Ints, lots_left: int
    ) -> tuple[Floats, Flags]:
        """Score and feasibility of giving an empty ``lot`` to each of ``firms``, in each
        assignment of ``batch`` (``batch x firms`` arrays).
        """
        members = batch.members
        new = ~members[:, firms]
        count = members.sum(axis=1)[:, None] + new
        regions = (batch.per_region > 0).sum(axis=1)[:, None]
        regions = regions + (new & (batch.per_region[:, self.region[firms]] == 0))
        scores = self.objective(
            batch.linear[:, None] + self.gain[lot, firms],
            batch.backed[:, None] + new * batch.cohesion_with[:, firms],
            batch.overlap[:, None] + new * batch.overlap_with[:, firms],
            regions,
            count,
        )
        ok = count <= self.max_members
        if not self.allow_multiple:
            ok &= count == (batch.assignment >= 0).sum(axis=1)[:, None] + 1
        for counted, needed in self.quotas:
            have = (members & counted).sum(axis=1)[:, None] + (new & counted[firms])
            ok &= needed - have <= lots_left
        return scores, ok

    def extend(self, batch: Batch, parents: Ints, lot: int, firms: Ints) -> Batch:
        """The assignments ``parents`` of ``batch`` with ``lot`` given to ``firms`` (one each)."""
        rows = np.arange(len(parents))
        assignment = batch.assignment[parents]
        assignment[:, lot] = firms
        lots_held = batch.lots_held[parents]
        new = lots_held[rows, firms] == 0
        lots_held[rows, firms] += 1
        joins = new[:, None]
        return Batch(
            assignment=assignment,
            lots_held=lots_held,
            linear=batch.linear[parents] + self.gain[lot, firms],
            backed=batch.backed[parents] + new * batch.cohesion_with[parents, firms],
            overlap=batch.overlap[parents] + new * batch.overlap_with[parents, firms],
            cohesion_with=batch.cohesion_with[parents] + joins * self.cohesion[firms],
            overlap_with=batch.overlap_with[parents] + joins * self.overlap[firms],
            per_region=batch.per_region[parents] + joins * self.in_region[firms],
        )

    def changes(self, current: Batch) -> tuple[Floats, Flags]:
        """Score and feasibility of each change of :attr:`lot_moves` in one complete assignment
        (a batch of one): a lot given to another firm (giving it to its own firm is infeasible).
        """
        moves = self.lot_moves
        lot, firm = moves.lot, moves.firm
        assignment, held = current.assignment[0], current.lots_held[0]
        members = held > 0
        # For each lot, whether its firm would leave, and the sums without it.
        leaves = held[assignment] == 1
        sums, with_members = current.pairwise()  # cohesion and overlap, stacked
        sums = sums[:, None] - leaves * with_members.take(assignment, axis=1)
        per_region = current.per_region[0] - leaves[:, None] * self.in_region[assignment]
        gain_now = self.gain[np.arange(self.n_lots), assignment]
        # For each change, whether its firm joins, and what it brings.
        leaving = leaves[lot]
        on = firm == assignment[lot]
        new = ~members[firm] | (leaving & on)
        with_lots = self.pairwise.take(assignment, axis=1).reshape(2, -1)  # 2 x (lots x firms)
        brings = with_members.take(firm, axis=1) - leaving * with_lots.take(moves.cell, axis=1)
        backed, overlap = sums.take(lot, axis=1) + new * brings
        count = (members.sum() - leaves)[lot] + new
        empty = per_region.ravel()[moves.region] == 0
        regions = (per_region > 0).sum(axis=1)[lot] + (new & empty)
        scores = self.objective(
            (current.linear[0] - gain_now)[lot] + moves.gain, backed, overlap, regions, count
        )
        ok = ~on
        ok &= count <= self.max_members
        if not self.allow_multiple:
            ok &= count == self.n_lots
        for (counted, needed), firm_counts in zip(self.quotas, moves.counted, strict=True):
            have = (members & counted).sum() - leaves * counted[assignment]
            ok &= have[lot] + (new & firm_counts) >= needed
        return scores, ok

    def pair_changes(self, current: Batch, moves: PairMoves) -> tuple[Floats, Flags]:
        """Score and feasibility of each move ``(f, g, i, j)`` of ``moves``: in one complete
        assignment (a batch of one), lot ``i`` given to firm ``f`` and lot ``j`` to firm ``g`` at
        once (``i == j`` is infeasible; ``f == g`` gives one firm both lots).

        Collaboration pays only when both partners are members: one-lot changes alone cannot
        bring in a pair of new partners. What depends on the lots only is computed once per pair
        of lots (``lots x lots`` arrays), then taken for each move.
        """
        assignment, held = current.assignment[0], current.lots_held[0]
        members = held.astype(bool)
        # Firms now on lots i and j, and whether each leaves.
        now_i, now_j = assignment[:, None], assignment[None, :]
        same = now_i == now_j
        leaves_i = np.where(same, held[now_i] == 2, held[now_i] == 1)
        leaves_j = ~same & (held[now_j] == 1)
        both = leaves_i & leaves_j
        per_region = (
            current.per_region[0]
            - leaves_i[:, :, None] * self.in_region[now_i]
            - leaves_j[:, :, None] * self.in_region[now_j]
        )
        gain_now = self.gain[np.arange(self.n_lots), assignment]

        def by_move(grid: NDArray[Any]) -> NDArray[Any]:
            """The values of ``... x lots x lots`` arrays for each move's pair of lots."""
            return grid.reshape(*grid.shape[:-2], -1).take(moves.lots, axis=-1)

        leaving_i, leaving_j = by_move(leaves_i), by_move(leaves_j)
        # Whether each partner joins (the flags of firm f on lot i are on[f * n_lots + i]).
        on = (np.arange(self.n_firms)[:, None] == assignment).ravel()
        f, g = moves.f, moves.g
        f_joins = held[f] - on[moves.f_at_i] - on[moves.f_at_j] == 0
        g_joins = (held[g] - on[moves.g_at_i] - on[moves.g_at_j] == 0) & moves.distinct
        joint = f_joins & g_joins

        # Cohesion and overlap over member pairs (stacked): the sums without the firms that
        # leave, then with what each partner that joins brings.
        sums, with_members = current.pairwise()
        with_lots = self.pairwise.take(assignment, axis=2)  # 2 x firms x lots
        sums = by_move(
            sums[:, None, None]
            - leaves_i * with_members.take(now_i, axis=1)
            - leaves_j * with_members.take(now_j, axis=1)
            + both * with_lots.take(assignment, axis=1)
        )
        with_lots = with_lots.reshape(2, -1)
        f_brings = (
            with_members.take(f, axis=1)
            - leaving_i * with_lots.take(moves.f_at_i, axis=1)
            - leaving_j * with_lots.take(moves.f_at_j, axis=1)
        )
        g_brings = (
            with_members.take(g, axis=1)
            - leaving_i * with_lots.take(moves.g_at_i, axis=1)
            - leaving_j * with_lots.take(moves.g_at_j, axis=1)
        )
        backed, overlap = sums + f_joins * f_brings + g_joins * g_brings + joint * moves.pairwise
        empty = (per_region == 0).ravel()
        f_region = f_joins & empty[moves.f_region]
        g_region = g_joins & empty[moves.g_region]
        g_region &= ~(f_region & moves.same_region)
        regions = by_move((per_region > 0).sum(axis=2)) + f_region + g_region
        count = by_move(members.sum() - leaves_i - leaves_j) + f_joins + g_joins
        linear = by_move(current.linear[0] - gain_now[:, None] - gain_now[None, :])
        scores = self.objective(
            linear + moves.gain_f + moves.gain_g,
            backed,
            overlap,
            regions,
            count,
        )
        ok = moves.usable & ~(on[moves.f_at_i] & on[moves.g_at_j])
        ok &= count <= self.max_members
        if not self.allow_multiple:
            ok &= count == self.n_lots
        for (counted, needed), (f_counts, g_counts) in zip(self.quotas, moves.counted, strict=True):
            have = (members & counted).sum() - leaves_i * counted[now_i]
            have = by_move(have - leaves_j * counted[now_j])
            ok &= have + (f_joins & f_counts) + (g_joins & g_counts) >= needed
        return scores, ok

    def pair_facts(self, moves: Ints) -> PairMoves:
        """The moves ``(f, g, i, j)`` of a ``moves x 4`` array, with what scoring them needs that
        depends on the problem only.
        """
        f, g, i, j = (np.ascontiguousarray(column) for column in moves.T)
        lots = i * self.n_lots + j
        region_f, region_g = self.region[f], self.region[g]
        n_regions = self.in_region.shape[1]
        gain_f, gain_g = self.gain[i, f], self.gain[j, g]
        return PairMoves(
            moves=moves,
            f=f,
            g=g,
            lots=lots,
            f_region=lots * n_regions + region_f,
            g_region=lots * n_regions + region_g,
            f_at_i=f * self.n_lots + i,
            f_at_j=f * self.n_lots + j,
            g_at_i=g * self.n_lots + i,
            g_at_j=g * self.n_lots + j,
            gain_f=gain_f,
            gain_g=gain_g,
            pairwise=self.pairwise[:, f, g],
            same_region=region_f == region_g,
            distinct=g != f,
            usable=np.isfinite(gain_f) & np.isfinite(gain_g) & (i != j),
            counted=tuple((counted[f], counted[g]) for counted, _ in self.quotas),
        )

    def pair_moves(self, pairs: Ints) -> Ints:
        """Every move ``(f, g, i, j)`` giving lots ``i != j`` to a pair ``(f, g)`` of ``pairs``
        that may take them, by pair, then ``i``, then ``j`` (a ``moves x 4`` array).
        """
        first, second = pairs[:, 0], pairs[:, 1]
        able = self.eligible[:, first].T[:, :, None] & self.eligible[:, second].T[:, None, :]
        pair, i, j = np.nonzero(able & ~np.eye(self.n_lots, dtype=bool))
        return np.column_stack([first[pair], second[pair], i, j]).astype(np.intp)

    def double_moves(self) -> Ints:
        """Every move ``(f, f, i, j)`` giving two lots ``i < j`` to one firm that may take both,
        by firm, then ``i``, then ``j`` (none when a firm may take one lot only).
        """
        if not self.allow_multiple:
            return np.empty((0, 4), dtype=np.intp)
        able = self.eligible.T[:, :, None] & self.eligible.T[:, None, :]
        firm, i, j = np.nonzero(np.triu(able, k=1))
        return np.column_stack([firm, firm, i, j]).astype(np.intp)

    def hub_moves(self, pairs: Ints) -> Ints:
        """Every move ``(h, g, q, i, j, k)`` giving three distinct lots ``i, j, k`` to a firm
        ``h`` and two of its past partners ``g < q`` (``pairs``: each pair of partners once)
        that may take them, by hub, partners, then lots (a ``moves x 6`` array).
        """
        directed = np.concatenate([pairs, pairs[:, ::-1]])
        hub, partner = directed[np.lexsort((directed[:, 1], directed[:, 0]))].T
        # Stars (hub, g, q), g < q: each edge (hub, g) with every later edge of the same hub.
        later = np.searchsorted(hub, hub, side="right") - np.arange(len(hub)) - 1
        first = np.repeat(np.arange(len(hub)), later)
        second = first + 1 + np.arange(len(first)) - np.repeat(np.cumsum(later) - later, later)
        star = np.column_stack([hub[first], partner[first], partner[second]])
        able = self.eligible.T[star]  # stars x 3 x lots
        lots = np.arange(self.n_lots)
        # Lots i != j first, then k: a stars x lots**3 array would be mostly empty.
        which, i, j = np.nonzero(
            able[:, 0, :, None] & able[:, 1, None, :] & (lots[:, None] != lots)
        )
        third = able[which, 2] & (lots != i[:, None]) & (lots != j[:, None])
        row, k = np.nonzero(third)
        return np.column_stack([star[which[row]], i[row], j[row], k]).astype(np.intp)


def beam_search(problem: MatchProblem, beam_width: int = 64) -> list[tuple[float, Assignment]]:
    """Complete feasible consortia kept by the beam, best first, as ``(score, assignment)``."""
    evaluator = Evaluator(problem)
    steps = _steps(problem)
    beam = evaluator.batch(np.full((1, problem.n_lots), -1, dtype=np.intp))
    for done, (lot, candidates) in enumerate(steps, start=1):
        scores, ok = evaluator.extensions(beam, lot, candidates, len(steps) - done)
        parent, column = np.nonzero(ok)
        if not len(parent):
            return []
        value = scores[parent, column]
        if len(value) > beam_width:  # keep the ties of the last place, ordered below
            kept = value >= np.partition(value, len(value) - beam_width)[len(value) - beam_width]
            parent, column, value = parent[kept], column[kept], value[kept]
        children = beam.assignment[parent]
        children[:, lot] = candidates[column]
        order = np.lexsort((*children.T[::-1], -value))[:beam_width]  # best, then by firms
        beam = evaluator.extend(beam, parent[order], lot, candidates[column[order]])
    return _ranked(evaluator, beam.assignment)


# Answers of up to this many consortia improve the same beam consortia, so that a shorter answer
# is always the start of a longer one (the default top K).
CONSISTENT_TOP = 10


def fast_solve(
    problem: MatchProblem, top: int = 10, min_lot_changes: int = 1, beam_width: int = 64
) -> list[tuple[float, Assignment]]:
    """The default solver: up to ``top`` diverse consortia, best first.

    Starting from the beam's consortia in order, each one far enough from those already chosen
    is improved by local search, which never moves it closer than ``min_lot_changes`` lots to
    them (the first one, which has no such rivals, by local search and kicks: :func:`_kicked`);
    the best ``top`` of twice :data:`CONSISTENT_TOP` (or of twice ``top`` if more) are kept (any
    subset stays diverse). Up to :data:`CONSISTENT_TOP`, which consortia are improved does not
    depend on ``top``, so the first ``k`` of a top-``K`` answer are the top-``k`` answer.
    """
    evaluator = Evaluator(problem)
    priority = _priority(problem)
    # Each pair of past partners once: the moves give lots (i, j) and (j, i), both ways round.
    pairs = np.argwhere(np.triu(problem.tables.cohesion > 0, k=1))
    moves = evaluator.pair_facts(
        np.concatenate([evaluator.pair_moves(pairs), evaluator.double_moves()])
    )
    hubs = evaluator.hub_moves(pairs)
    chosen: list[Assignment] = []
    for _, state in beam_search(problem, beam_width):
        if len(chosen) == 2 * max(top, CONSISTENT_TOP):  # local search reorders them
            break
        if all(lot_changes(state, other) >= min_lot_changes for other in chosen):
            improved = _local_search(state, evaluator, priority, moves, chosen, min_lot_changes)
            if not chosen:  # the beam's best, free of rivals: escape its local optimum
                improved = _kicked(improved, problem, evaluator, priority, moves, hubs)
            chosen.append(improved)
    if not chosen:
        return []
    return _ranked(evaluator, np.array(chosen, dtype=np.intp))[:top]


def _steps(problem: MatchProblem) -> list[tuple[int, Ints]]:
    """Lots in search order (fewest candidates first), each with its candidates."""
    candidates = [
        np.array(problem.lot_candidates(lot), dtype=np.intp) for lot in range(problem.n_lots)
    ]
    order = sorted(range(problem.n_lots), key=lambda lot: (len(candidates[lot]), lot))
    return [(lot, candidates[lot]) for lot in order]


def _priority(problem: MatchProblem) -> Ints:
    """Among equally good changes of one lot (those of :attr:`Evaluator.lot_moves`: each lot's
    eligible firms, by lot then firm), the order in which to prefer them: lots in search order,
    then each lot's candidates best gain first.
    """
    n_firms = len(problem.firms)
    priority = np.zeros((problem.n_lots, n_firms), dtype=np.intp)
    for position, (lot, candidates) in enumerate(_steps(problem)):
        priority[lot, candidates] = position * n_firms + np.arange(len(candidates))
    eligible: Ints = priority[np.isfinite(problem.lot_gain)]
    return eligible


def _ranked(evaluator: Evaluator, assignments: Ints) -> list[tuple[float, Assignment]]:
    """Assignments with their scores, best first (ties by firms)."""
    scores = evaluator.scores(evaluator.batch(assignments))
    ranked = [
        (float(s), tuple(int(f) for f in a)) for s, a in zip(scores, assignments, strict=True)
    ]
    return sorted(ranked, key=lambda item: (-item[0], item[1]))


def _local_search(
    state: Assignment,
    evaluator: Evaluator,
    priority: Ints,
    moves: PairMoves,
    others: Sequence[Assignment],
    min_lot_changes: int,
) -> Assignment:
    """Best-improvement changes of one lot's firm; when none improves the score, the best
    change of two lots to a pair of past partners (``moves``, see :class:`PairMoves`), then
    one-lot changes again (``priority``: see :func:`_priority`). No change brings the assignment
    closer than ``min_lot_changes`` lots to ``others``.
    """
    current = evaluator.batch(np.array([state], dtype=np.intp))
    best = evaluator.scores(current)[0]
    rivals = np.array(others, dtype=np.intp).reshape(len(others), evaluator.n_lots)
    one_lot = evaluator.lot_moves
    while True:
        moved = current.assignment.copy()
        scores, ok = evaluator.changes(current)
        ok &= scores > best + IMPROVEMENT
        # Only the improving changes are checked against the rivals close enough to matter.
        near, differ = _near(rivals, current.assignment[0], min_lot_changes)
        if len(near):
            (improving,) = np.nonzero(ok)
            lots, firms = one_lot.lot[improving], one_lot.firm[improving]
            after = differ.sum(axis=1)[:, None] - differ[:, lots] + (firms != near[:, lots])
            ok[improving] = (after >= min_lot_changes).all(axis=0)
        if ok.any():
            best = scores[ok].max()
            tied = np.where(ok & (scores == best), priority, np.iinfo(np.intp).max)
            change = np.argmin(tied)
            moved[0, one_lot.lot[change]] = one_lot.firm[change]
            current = evaluator.batch(moved)
            continue
        if not len(moves):
            return tuple(int(f) for f in current.assignment[0])
        scores, ok = evaluator.pair_changes(current, moves)
        ok &= scores > best + IMPROVEMENT
        near, differ = _near(rivals, current.assignment[0], min_lot_changes + 1)
        if len(near):
            (improving,) = np.nonzero(ok)
            f, g, i, j = moves.moves[improving].T
            after = (
                differ.sum(axis=1)[:, None]
                - differ[:, i]
                - differ[:, j]
                + (f != near[:, i])
                + (g != near[:, j])
            )
            ok[improving] = (after >= min_lot_changes).all(axis=0)
        if not ok.any():
            return tuple(int(f) for f in current.assignment[0])
        best = scores[ok].max()
        f, g, i, j = moves.moves[np.argmax(ok & (scores == best))]
        moved[0, i], moved[0, j] = f, g
        current = evaluator.batch(moved)


# How many kicks of each kind (two lots to partners, three lots to a hub and two partners)
# are tried from each local optimum.
KICKS = 10


def _kicked(
    state: Assignment,
    problem: MatchProblem,
    evaluator: Evaluator,
    priority: Ints,
    moves: PairMoves,
    hubs: Ints,
) -> Assignment:
    """Iterated local search from a local optimum ``state`` (no rivals): each of its
    :func:`_kicks` is followed by local search, and the first that ends on a better feasible
    consortium replaces it and is kicked in turn. When none does, the best of the
    :func:`_stars`, each followed by local search, replaces it if better and is kicked in turn;
    otherwise it is returned, never worse than kicking without stars would end.

    The best consortia often hold chains and stars of past partners that replace several of
    the local optimum's members at once: no sequence of improving changes of one or two lots
    reaches them.
    """
    best = _score(evaluator, state)
    stars: list[tuple[float, Assignment]] | None = None  # they do not depend on the state
    searched: dict[Assignment, Assignment] = {}  # kicks met again in later rounds
    while True:
        for kick in _kicks(state, evaluator, moves, hubs):
            if kick not in searched:
                searched[kick] = _local_search(kick, evaluator, priority, moves, [], 0)
            found = searched[kick]
            score = _score(evaluator, found)
            if score > best + IMPROVEMENT and not problem.violations(found):
                state, best = found, score
                break
        else:
            if stars is None:
                ends = (
                    _local_search(star, evaluator, priority, moves, [], 0)
                    for star in _stars(evaluator)
                )
                stars = [
                    (_score(evaluator, end), end) for end in ends if not problem.violations(end)
                ]
            better = [(score, found) for score, found in stars if score > best + IMPROVEMENT]
            if not better:
                return state
            best, state = max(better)


def _kicks(
    state: Assignment, evaluator: Evaluator, moves: PairMoves, hubs: Ints
) -> list[Assignment]:
    """The :data:`KICKS` best feasible changes of two lots to a pair of past partners
    (``moves``), then the :data:`KICKS` best changes of three lots to a hub and two of its
    partners (``hubs``, see :meth:`Evaluator.hub_moves`; chosen by score among those whose
    linear gains and cohesion among the three promise most), improving or not.
    """
    current = evaluator.batch(np.array([state], dtype=np.intp))
    kicks = []
    if len(moves):
        scores, ok = evaluator.pair_changes(current, moves)
        (usable,) = np.nonzero(ok)
        for f, g, i, j in moves.moves[usable[np.argsort(-scores[usable], kind="stable")][:KICKS]]:
            kick = list(state)
            kick[i], kick[j] = int(f), int(g)
            kicks.append(tuple(kick))
    if len(hubs):
        now, gain, cohesion = current.assignment[0], evaluator.gain, evaluator.cohesion
        h, g, q, i, j, k = hubs.T
        promise = (
            gain[i, h]
            + gain[j, g]
            + gain[k, q]
            - gain[i, now[i]]
            - gain[j, now[j]]
            - gain[k, now[k]]
        ) + evaluator.w["cohesion"] / evaluator.d * (
            cohesion[h, g] + cohesion[h, q] + cohesion[g, q]
        )
        likely = hubs[np.argsort(-promise, kind="stable")[: 4 * KICKS]]
        tried = np.tile(now, (len(likely), 1))
        rows = np.arange(len(likely))
        for firm, lot in ((0, 3), (1, 4), (2, 5)):
            tried[rows, likely[:, lot]] = likely[:, firm]
        scores = evaluator.scores(evaluator.batch(tried))
        best = tried[np.argsort(-scores, kind="stable")[:KICKS]]
        kicks += [tuple(int(f) for f in kick) for kick in best]
    return kicks


# How many star consortia (see :func:`_stars`) are improved by local search.
STARS = 5


def _stars(evaluator: Evaluator) -> list[Assignment]:
    """The :data:`STARS` best consortia built around a hub of past partners: for each firm with
    two partners or more that may take a lot, the assignment of one firm to each lot maximising
    each firm's linear gain plus the cohesion it brings with the hub (which takes a lot), by
    score. Many members joined through one hub earn a cohesion that changes of a few lots at a
    time cannot reach.
    """
    from scipy.optimize import linear_sum_assignment  # loads at the first star, not with the server

    n_lots, cohesion, eligible = evaluator.n_lots, evaluator.cohesion, evaluator.eligible
    able = eligible.any(axis=0)
    hubs = np.flatnonzero(able & (((cohesion > 0) & able).sum(axis=1) >= 2))
    if evaluator.n_firms < n_lots or not len(hubs):
        return []
    # Finite stand-ins for ineligible cells, below any sum of real gains: never chosen if avoidable.
    never = -2.0 * n_lots
    linear = np.where(eligible, evaluator.gain, never)
    pull = evaluator.w["cohesion"] / evaluator.d
    built = []
    for hub in hubs:
        value = linear + pull * cohesion[hub]
        value[:, hub] += n_lots  # above any other firm's whole contribution: the hub is in
        lots, firms = linear_sum_assignment(value, maximize=True)
        if (linear[lots, firms] > never).all():
            built.append(firms)
    if not built:
        return []
    assignments = np.unique(np.array(built, dtype=np.intp), axis=0)
    scores = evaluator.scores(evaluator.batch(assignments))
    best = assignments[np.argsort(-scores, kind="stable")[:STARS]]
    return [tuple(int(f) for f in assignment) for assignment in best]


def _counts(where: Flags, values: Ints, n_values: int) -> Ints:
    """How many times each value is met in each row of ``values`` where ``where`` holds (a
    ``rows x n_values`` array).
    """
    rows, _ = np.nonzero(where)
    flat = np.bincount(rows * n_values + values[where], minlength=len(where) * n_values)
    counts: Ints = flat.reshape(len(where), n_values)
    return counts


def _score(evaluator: Evaluator, assignment: Assignment) -> float:
    """The objective value of one assignment."""
    return float(evaluator.scores(evaluator.batch(np.array([assignment], dtype=np.intp)))[0])


def _near(rivals: Ints, assignment: Ints, within: int) -> tuple[Ints, Flags]:
    """The rivals differing from ``assignment`` on at most ``within`` lots, and on which lots
    each differs: a change of one lot (two) moves an assignment at most one lot (two) closer, so
    the others stay far enough.
    """
    differ = rivals != assignment
    near = differ.sum(axis=1) <= within
    return rivals[near], differ[near]
