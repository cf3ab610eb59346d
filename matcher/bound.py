"""A true upper bound on the best consortium over any set of candidate firms.

It reads only the problem's term arrays, whatever computed them: ``gain[l, f]``, the linear
share of the objective firm ``f`` brings on lot ``l`` (:attr:`MatchProblem.lot_gain`, ``-inf``
where it may not take the lot), the collaboration strengths ``W`` as edges, and the weights.
With the notation of :mod:`scoring.consortium` (``w`` the weights normalised to sum to 1,
``E(l)`` the firms that may take lot ``l``, ``K[f]`` the number of lots ``f`` may take, 1 when
a firm may take one lot only, ``L >= 2``)::

    c       = (w_reg - w_size) / D                  what a member adds to regions and size, at most
    mu[f]   = c / K[f] if c <= 0 else c
    g[l, f] = gain[l, f] + mu[f];   M[l] = max_f g[l, f];   delta[l, f] = M[l] - g[l, f]
    best[f, l'] = max over g in E(l') of (t w_coh / 2D) W[f, g] - (1 - a) delta[l', g] / (L - 1)
    phi[l, f]   = -a delta[l, f] + sum_{l' != l} best[f, l']
    U(t, a)     = (1 - t) w_coh + w_comp + w_size (1 + 1 / D) - w_reg / D + sum_l M[l]
                  + sum_l max_f phi[l, f]

**Claim.** For all ``t`` and ``a`` in [0, 1], every consortium ``x`` (firm ``x_l`` on lot ``l``)
scores at most ``U(t, a)``, and at most ``U_lf(t, a)`` (``U`` with lot ``l``'s ``max_f phi[l,
f]`` replaced by ``phi[l, f]``) when ``x_l = f``. (With one lot, ``a = 1`` and no ``best``.)

**Proof.** Regions and size: ``w_reg (r - 1) / D + w_size (1 - (m - 1) / D)`` is
``w_size (1 + 1/D) - w_reg / D`` plus, for each of the ``m`` members, ``(w_reg [it brings a new
region] - w_size) / D <= c``; a member holding ``k <= K[f]`` lots spreads ``c`` over them, and
``c / k <= c / K[f]`` when ``c <= 0``, so the members add at most ``sum_l mu[x_l]``.
Complementarity is at most ``w_comp`` (overlaps are >= 0). Cohesion: ``min(1, y) <= (1 - t) +
t y`` (a mean of two numbers each >= the minimum), and two distinct members on lots ``l, l'``
appear as ``(l, l')`` and ``(l', l)`` in ``sum_l sum_{l' != l} W[x_l, x_l']``, whose other terms
are >= 0 (``W[f, f] = 0``), so ``w_coh min(1, B / D) <= (1 - t) w_coh + sum_l sum_{l' != l}
(t w_coh / 2D) W[x_l, x_l']``. The linear part is ``sum_l M[l] - sum_l delta[l, x_l]`` and
``sum_l delta[l, x_l] = a sum_l delta[l, x_l] + sum_l sum_{l' != l} (1 - a) delta[l', x_l'] /
(L - 1)``. Gathering the terms of each ordered pair ``(l, l')``, each is at most ``best[x_l,
l']`` since ``x_l'`` is in ``E(l')``; so ``score(x) <= U(t, a) - sum_l max_f phi[l, f] + sum_l
phi[l, x_l]``, and each ``phi[l, x_l]`` is at most its lot's maximum. Hard constraints only
remove consortia. QED.

The bounds are taken at the best of a grid of ``(t, a)`` (every pair gives a true bound).
``tests/unit/test_bound.py`` checks the claim against brute force on random problems.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from meute.scoring.consortium import ObjectiveWeights

__all__ = ["Relaxation", "cohesive_partners", "gap_bound"]

Floats = NDArray[np.float64]
Ints = NDArray[np.intp]
# The (t, a) pairs at which the bound is taken.
GRID = [(t, a) for t in (0.0, 0.5, 1.0) for a in (0.0, 0.5, 1.0)]


@dataclass(frozen=True)
class Relaxation:
    """The relaxation of the objective over a set of candidate firms (see the module):
    ``phi[k, l, f]`` and ``constant[k]`` for each pair ``(t, a)`` of the grid, so that
    ``U = constant + sum_l max_f phi``.
    """

    phi: Floats
    constant: Floats

    @classmethod
    def of(
        cls,
        gain: Floats,
        edges: tuple[Ints, Ints, Floats],
        weights: ObjectiveWeights,
        allow_multiple_lots: bool = True,
        cohesion: bool = True,
    ) -> Relaxation:
        """The relaxation of a problem given by its arrays: ``gain`` (``lots x firms``) and
        collaboration ``edges`` (first firms, second firms, strengths; each pair once or twice).

        Without ``cohesion`` the edges are not known: cohesion is taken at its most (``t = 0``).
        """
        n_lots, n_firms = gain.shape
        weight = weights.as_dict()
        total = sum(weight.values())
        w = {name: value / total for name, value in weight.items()}
        d = max(1, n_lots - 1)
        eligible = np.isfinite(gain)
        lots_able = eligible.sum(axis=0) if allow_multiple_lots else np.ones(n_firms)
        c = (w["regions"] - w["size"]) / d
        mu = c / np.maximum(lots_able, 1) if c <= 0 else np.full(n_firms, c)
        adjusted = gain + mu
        top = np.where(eligible.any(axis=1, keepdims=True), adjusted, 0.0).max(
            axis=1, initial=-np.inf
        )
        delta = np.where(eligible, top[:, None] - adjusted, np.inf)
        base = w["complementarity"] + w["size"] * (1 + 1 / d) - w["regions"] / d + top.sum()
        first, second, strength = _directed(edges)
        order = np.argsort(first, kind="stable")
        first, second, strength = first[order], second[order], strength[order]
        owners, starts = np.unique(first, return_index=True)
        # What taking partner g on lot l' costs that lot (inf where g may not take it).
        partner_cost = delta[:, second].T / max(1, n_lots - 1)
        strongest = np.zeros((n_firms, n_lots))  # W with the strongest partner for each lot
        if len(owners):
            partnered = np.where(np.isfinite(partner_cost), strength[:, None], 0.0)
            strongest[owners] = np.maximum.reduceat(partnered, starts, axis=0)
        grid = [(t, a) for t, a in GRID if cohesion or t == 0] if n_lots > 1 else [(0.0, 1.0)]
        phi = np.empty((len(grid), n_lots, n_firms))
        constant = np.empty(len(grid))
        for k, (t, a) in enumerate(grid):
            scale = t * w["cohesion"] / (2 * d)
            if t == 0 or n_lots == 1:  # no cohesion counted: the lot's best firm alone gives 0
                best = np.zeros((n_firms, n_lots))
            elif a == 1:  # partners cost nothing: the strongest one
                best = scale * strongest
            else:
                best = np.zeros((n_firms, n_lots))
                if len(owners):
                    value = scale * strength[:, None] - (1 - a) * partner_cost
                    best[owners] = np.maximum(np.maximum.reduceat(value, starts, axis=0), 0.0)
            with np.errstate(invalid="ignore"):  # inf * 0 where a = 1 and a firm is ineligible
                own = np.where(eligible, -a * delta, -np.inf)
            phi[k] = own + best.sum(axis=1)[None, :] - best.T
            constant[k] = (1 - t) * w["cohesion"] + base
        return cls(phi=phi, constant=constant)

    def upper_bound(self) -> float:
        """An upper bound on the score of every consortium of these firms (``-inf`` if none)."""
        maxima = self.phi.max(axis=2, initial=-np.inf)
        return float((self.constant + maxima.sum(axis=1)).min())

    def lot_firm_bounds(self) -> Floats:
        """For each lot and firm, an upper bound on every consortium giving that lot to that
        firm (``lots x firms``; ``-inf`` where it may not take the lot).
        """
        maxima = self.phi.max(axis=2, initial=-np.inf)
        n_lots = maxima.shape[1]
        besides = self.constant[:, None] + np.column_stack(
            [np.delete(maxima, lot, axis=1).sum(axis=1) for lot in range(n_lots)]
        ).reshape(len(maxima), n_lots)
        bounds: Floats = (besides[:, :, None] + self.phi).min(axis=0)
        return bounds


def _directed(edges: tuple[Ints, Ints, Floats]) -> tuple[Ints, Ints, Floats]:
    """Each edge in both directions, without loops."""
    first, second, strength = edges
    first, second = np.concatenate([first, second]), np.concatenate([second, first])
    strength = np.concatenate([strength, strength])
    apart = first != second
    return first[apart].astype(np.intp), second[apart].astype(np.intp), strength[apart]


def cohesive_partners(
    gain: Floats,
    edges: tuple[Ints, Ints, Floats],
    weights: ObjectiveWeights,
    kept: set[int],
    per_lot: int,
    rounds: int = 2,
) -> set[int]:
    """Firms to admit besides ``kept`` for the cohesion they bring: a past partner ``g`` of a
    kept firm joins when its gain on some lot plus what the pair adds to cohesion (``w_coh W /
    D``, before the cap) reaches that lot's ``per_lot``-th best gain, the weakest a firm admitted
    for its gain alone has. Repeated ``rounds`` times, so that chains of partners join.

    Cohesion pays only for pairs, so a firm a little weaker than each lot's best may make the
    best consortium with a partner; a cut by gain alone never sees it.
    """
    n_lots, n_firms = gain.shape
    if n_firms == 0 or not kept:
        return set()
    weight = weights.as_dict()
    bonus = weight["cohesion"] / sum(weight.values()) / max(1, n_lots - 1)
    ranked = np.sort(gain, axis=1)[:, ::-1]
    threshold = ranked[:, min(max(1, per_lot), n_firms) - 1]
    first, second, strength = _directed(edges)
    admitted: set[int] = set()
    frontier = np.array(sorted(kept), dtype=np.intp)
    for _ in range(rounds):
        chosen = np.isin(first, frontier)
        partner, paired = second[chosen], strength[chosen]
        alone = gain[:, partner]  # -inf where the partner may not take the lot
        reach = np.isfinite(alone) & (alone + bonus * paired >= threshold[:, None])
        found = {int(g) for g in partner[reach.any(axis=0)]}
        new = found - kept - admitted
        if not new:
            break
        admitted |= new
        frontier = np.array(sorted(new), dtype=np.intp)
    return admitted


def gap_bound(score: float, upper: float) -> float:
    """The most the best consortium may beat ``score`` by, as a share of the best: ``1 -
    score / upper`` (0 when the bound is reached). True when ``upper`` bounds the best.
    """
    if upper <= 0 or score >= upper:
        return 0.0
    return 1.0 - score / upper
