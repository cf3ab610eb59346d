"""The network picture of a consortium: lots and firms as nodes, who takes what, who knows whom.

Only coordinates are computed here; the console template draws them as inline SVG. Lots sit in
a column on the left, members in a column on the right; a member is joined to each lot it takes,
and two members who have worked together are joined by an arc labelled with how and when.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from meute.graph.model import Collaboration, Consortium, Tender
from meute.matcher.phrases import Lang, collaboration_words

__all__ = ["Network", "network"]

WIDTH = 800
ROW = 56
TOP = 34
LOT_X = 200
FIRM_X = 470


@dataclass(frozen=True)
class Node:
    """A lot or a firm, where it is drawn and what it says."""

    key: str
    label: str
    x: float
    y: float
    kind: str
    leader: bool = False
    sme: bool = False


@dataclass(frozen=True)
class Edge:
    """A member taking a lot (``assignment``), or two members' past work (``collaboration``)."""

    source: Node
    target: Node
    kind: str
    label: str = ""

    @property
    def path(self) -> str:
        """SVG path data: a straight line, or an arc bulging left for a collaboration."""
        a, b = self.source, self.target
        if self.kind == "assignment":
            return f"M{a.x:.0f},{a.y:.0f} L{b.x:.0f},{b.y:.0f}"
        bulge = a.x - 30 - 0.45 * abs(b.y - a.y)
        controls = f"C{bulge:.0f},{a.y:.0f} {bulge:.0f},{b.y:.0f}"
        return f"M{a.x:.0f},{a.y:.0f} {controls} {b.x:.0f},{b.y:.0f}"


@dataclass(frozen=True)
class Network:
    """Everything the template needs to draw one consortium."""

    width: int
    height: int
    lots: list[Node]
    firms: list[Node]
    edges: list[Edge]


def network(
    tender: Tender, consortium: Consortium, collaborations: Sequence[Collaboration]
) -> Network:
    """Nodes and edges of a consortium; ``collaborations`` may hold pairs of non-members too."""
    rows = max(len(tender.lots), len(consortium.members))
    height = TOP * 2 + ROW * (rows - 1)

    def row_y(index: int, count: int) -> float:
        return TOP + index * ROW + (rows - count) * ROW / 2

    lots = {
        lot.id: Node(lot.id, f"{lot.id} · {lot.title}", LOT_X, row_y(i, len(tender.lots)), "lot")
        for i, lot in enumerate(tender.lots)
    }
    firms = {
        member.siren: Node(
            member.siren,
            member.name,
            FIRM_X,
            row_y(i, len(consortium.members)),
            "firm",
            leader=member.leader,
            sme=member.is_sme,
        )
        for i, member in enumerate(consortium.members)
    }
    edges = [
        Edge(firms[member.siren], lots[lot_id], "assignment")
        for member in consortium.members
        for lot_id in member.lots
    ]
    ways: dict[tuple[str, str], list[str]] = {}
    for collaboration in collaborations:
        if collaboration.firm_a in firms and collaboration.firm_b in firms:
            word = collaboration_words(collaboration.kind, Lang.FR)
            ways.setdefault((collaboration.firm_a, collaboration.firm_b), []).append(
                f"{word} {collaboration.year}"
            )
    edges += [
        Edge(firms[a], firms[b], "collaboration", ", ".join(sorted(set(labels))))
        for (a, b), labels in sorted(ways.items())
    ]
    return Network(WIDTH, int(height), list(lots.values()), list(firms.values()), edges)
