"""Which firms complement a firm, learnt from who actually worked with whom (pure functions).

- :class:`DivisionAffinity`: from the CPV-division co-occurrence of past collaborations, how
  likely a partner of a firm active in division ``x`` is to be active in division ``y``;
- :func:`division_profile`: a firm's capability strength spread over CPV divisions;
- :func:`shared_partners`: Adamic-Adar proximity in the collaboration graph (partners of
  partners; a shared partner with few ties counts more than a hub).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from meute.graph.model import Collaboration, Firm
from meute.graph.store import DivisionCooccurrence
from meute.scoring.consortium import COLLABORATION_KIND_WEIGHT

__all__ = ["DivisionAffinity", "division_profile", "shared_partners"]

# Pseudo-count pulling a division with little evidence toward the overall partner mix.
SMOOTHING = 1.0


def division_profile(firm: Firm) -> dict[str, float]:
    """Share of the firm's capability strength in each CPV division (sums to 1, or empty)."""
    weights: dict[str, float] = defaultdict(float)
    for capability in firm.capabilities:
        weights[capability.cpv[:2]] += max(capability.strength, 0.05)
    total = sum(weights.values())
    return {division: weight / total for division, weight in weights.items()}


@dataclass(frozen=True)
class DivisionAffinity:
    """``P(partner active in y | firm active in x)`` over CPV divisions, kind-weighted.

    Joint bids count more than multi-supplier co-awards (:data:`COLLABORATION_KIND_WEIGHT`);
    each division's row is smoothed toward the overall partner mix by :data:`SMOOTHING` pairs.
    """

    conditional: Mapping[str, Mapping[str, float]]
    marginal: Mapping[str, float]
    pairs: Mapping[tuple[str, str], int]

    @classmethod
    def from_cooccurrence(cls, rows: Iterable[DivisionCooccurrence]) -> DivisionAffinity:
        """Learn the affinity from a store's :meth:`GraphStore.division_cooccurrence`."""
        counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        pairs: dict[tuple[str, str], int] = defaultdict(int)
        for row in rows:
            weight = COLLABORATION_KIND_WEIGHT[row.kind] * row.pairs
            counts[row.division][row.partner_division] += weight
            pairs[row.division, row.partner_division] += row.pairs
        totals: dict[str, float] = defaultdict(float)
        for partners in counts.values():
            for division, weight in partners.items():
                totals[division] += weight
        grand = sum(totals.values())
        marginal = (
            {division: weight / grand for division, weight in totals.items()} if grand else {}
        )
        conditional = {
            division: {
                other: (partners.get(other, 0.0) + SMOOTHING * share)
                / (sum(partners.values()) + SMOOTHING)
                for other, share in marginal.items()
            }
            for division, partners in counts.items()
        }
        return cls(conditional, marginal, dict(pairs))

    def partner_share(self, division: str, partner_division: str) -> float:
        """``P(y | x)``; the overall share of ``y`` when ``x`` was never seen collaborating."""
        row = self.conditional.get(division)
        if row is None:
            return self.marginal.get(partner_division, 0.0)
        return row.get(partner_division, 0.0)

    def score(self, profile: Mapping[str, float], partner: Mapping[str, float]) -> float:
        """How likely a partner of a firm with ``profile`` is to look like ``partner``."""
        return sum(
            weight * share * self.partner_share(division, other)
            for division, weight in profile.items()
            for other, share in partner.items()
        )

    def strongest_link(
        self, profile: Mapping[str, float], partner: Mapping[str, float]
    ) -> tuple[str, str, int] | None:
        """The division pair that contributes most to :meth:`score`, with its observed pairs."""
        links = [
            (weight * share * self.partner_share(division, other), division, other)
            for division, weight in profile.items()
            for other, share in partner.items()
            if self.pairs.get((division, other), 0) > 0
        ]
        if not links:
            return None
        _, division, other = max(links)
        return division, other, self.pairs[division, other]

    def partner_divisions(self, profile: Mapping[str, float], top: int = 3) -> list[str]:
        """The divisions that partners of a firm with ``profile`` are most often active in."""
        expected: dict[str, float] = defaultdict(float)
        for division, weight in profile.items():
            for other in self.marginal:
                expected[other] += weight * self.partner_share(division, other)
        return sorted(expected, key=lambda d: (-expected[d], d))[:top]


def _by_weight(item: tuple[float, str]) -> tuple[float, str]:
    return (-item[0], item[1])


def shared_partners(
    siren: str, collaborations: Sequence[Collaboration]
) -> dict[str, tuple[float, list[str]]]:
    """Firms two steps from ``siren`` in the collaboration graph: Adamic-Adar score in [0, 1).

    The raw score sums ``1 / log(1 + degree)`` over the partners shared with ``siren`` and is
    squashed by ``1 - exp(-raw)``; each firm also gets the shared partners, best first.
    """
    neighbours: dict[str, set[str]] = defaultdict(set)
    for collaboration in collaborations:
        neighbours[collaboration.firm_a].add(collaboration.firm_b)
        neighbours[collaboration.firm_b].add(collaboration.firm_a)
    raw: dict[str, float] = defaultdict(float)
    via: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for middle in sorted(neighbours.get(siren, ())):
        weight = 1.0 / math.log(1.0 + len(neighbours[middle]))
        for other in sorted(neighbours[middle]):
            if other != siren:
                raw[other] += weight
                via[other].append((weight, middle))
    return {
        other: (1.0 - math.exp(-value), [m for _, m in sorted(via[other], key=_by_weight)])
        for other, value in raw.items()
    }
