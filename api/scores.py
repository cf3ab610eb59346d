"""How scores are shown: one scale (out of 100), each term's French name, weight and meaning.

The single source of the score terms' names and meanings for the console, the exports and the
API's display fields; the weights are those the matcher uses (``MEUTE_WEIGHTS__<TERM>``).
Scores are computed in [0, 1] (the API keeps those raw fields for machines); people read them
out of 100, with one decimal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field

from meute.graph.model import Consortium, Evaluation, MatchResult
from meute.scoring.contributions import (
    RankReasons,
    contributions,
    on_100,
    rank_reasons,
    term_changes,
)
from meute.scoring.weights import Weights

__all__ = [
    "CONSORTIUM_TERMS",
    "PAVILION_TERMS",
    "TERM_LABELS",
    "ExplainedTerm",
    "LegendRow",
    "ShownConsortium",
    "ShownEvaluation",
    "ShownMatchResult",
    "Term",
    "TermLegend",
    "explained",
    "legend",
    "on_100",
    "rank_sentences",
    "shown_on_100",
]


@dataclass(frozen=True)
class Term:
    """A score term as people read it: its French name and what it measures, in one sentence."""

    label: str
    meaning: str


CONSORTIUM_TERMS = {
    "coverage": Term("Couverture", "Part des lots confiés à une entreprise : 100 si tous le sont."),
    "fit": Term(
        "Adéquation",
        "Pertinence de chaque titulaire pour son lot : codes CPV proches et mots en commun.",
    ),
    "evidence": Term(
        "Références",
        "Solidité des preuves : marchés déjà remportés par chaque titulaire dans ces codes.",
    ),
    "capacity": Term(
        "Capacité financière",
        "Chiffre d'affaires de chaque titulaire au regard du budget de son lot.",
    ),
    "cohesion": Term(
        "Cohésion (travaux communs)",
        "Travaux déjà menés ensemble par les membres (candidatures, marchés communs), "
        "les plus récents comptant davantage.",
    ),
    "complementarity": Term(
        "Complémentarité",
        "100 quand les savoir-faire des membres ne se recouvrent pas ; baisse avec les doublons.",
    ),
    "readiness": Term(
        "Préparation à l'export",
        "Maturité export des titulaires et expérience du pays de l'acheteur.",
    ),
    "sme": Term("Part des PME", "Part des lots tenus par des PME."),
    "regions": Term(
        "Diversité régionale",
        "Régions différentes parmi les membres : 0 quand tous viennent de la même région.",
    ),
    "size": Term(
        "Taille du groupement",
        "Moins de membres, moins d'interfaces : 100 quand une entreprise prend tous les lots, "
        "0 quand chaque lot a sa propre entreprise (par exemple 3 membres pour 3 lots).",
    ),
}
PAVILION_TERMS = {
    "coverage": Term(
        "Couverture",
        "Chance que chaque thème du salon soit bien représenté par au moins un exposant.",
    ),
    "readiness": Term(
        "Préparation à l'export",
        "Maturité export des exposants et expérience du pays hôte.",
    ),
    "regions": Term("Diversité régionale", "Régions différentes parmi les exposants."),
}
# French names of every term, consortium and pavilion alike, in the consortium's order.
TERM_LABELS = {name: term.label for name, term in (CONSORTIUM_TERMS | PAVILION_TERMS).items()}


def shown_on_100(value: float) -> str:
    """A score as French readers see it: ``72,4``."""
    return f"{on_100(value):.1f}".replace(".", ",")


@dataclass(frozen=True)
class LegendRow:
    """One line of a score's legend: the term, its share of the score in %, what it means."""

    name: str
    label: str
    weight: float
    meaning: str


def legend(weights: Weights, terms: Mapping[str, Term] = CONSORTIUM_TERMS) -> list[LegendRow]:
    """Each term of the score with its weight (% of the total) and meaning, in ``terms`` order."""
    given = weights.as_dict()
    total = sum(given.values())
    return [
        LegendRow(name, term.label, round(100.0 * given[name] / total, 1), term.meaning)
        for name, term in terms.items()
    ]


@dataclass(frozen=True)
class ExplainedTerm:
    """A term of one score: its legend, its value out of 100 and the points it adds to the
    score; ``change`` is the points gained or lost against a reference score, if any.
    """

    row: LegendRow
    value: float
    points: float
    change: float | None = None


def explained(
    breakdown: Mapping[str, float],
    weights: Weights,
    terms: Mapping[str, Term] = CONSORTIUM_TERMS,
    reference: Mapping[str, float] | None = None,
) -> list[ExplainedTerm]:
    """The terms of a score in ``terms`` order, each with its value, weight, meaning and points
    (the points add up to the score out of 100), and against ``reference`` what changed.
    """
    points = contributions(breakdown, weights.as_dict())
    changes = term_changes(reference, breakdown, weights.as_dict()) if reference else {}
    return [
        ExplainedTerm(row, on_100(breakdown[row.name]), points[row.name], changes.get(row.name))
        for row in legend(weights, terms)
        if row.name in breakdown
    ]


def _points(value: float) -> str:
    sign = "+" if value >= 0 else "\u2212"
    return f"{sign}{abs(value):.1f}".replace(".", ",")


def _named(items: Sequence[tuple[str, float]]) -> str:
    parts = [f"{TERM_LABELS[name].lower()} ({_points(points)})" for name, points in items]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]


def _sentence(rank: int, reasons: RankReasons) -> str:
    clauses = []
    if reasons.ahead:
        clauses.append(f"devant le n° {rank + 1} surtout par {_named(reasons.ahead)}")
    if reasons.behind:
        clauses.append(f"derrière le n° {rank - 1} surtout par {_named(reasons.behind)}")
    if not clauses:
        return ""
    return f"Classé n° {rank} : " + " ; ".join(clauses) + " (points sur 100)."


def rank_sentences(breakdowns: Sequence[Mapping[str, float]], weights: Weights) -> list[str]:
    """For each proposal in rank order, the French sentence naming the terms that decided its
    rank: « Classé n° 2 : devant le n° 3 surtout par cohésion (+4,2) … » ("" when none did).
    """
    reasons = rank_reasons(breakdowns, weights.as_dict())
    return [_sentence(rank, found) for rank, found in enumerate(reasons, start=1)]


class TermLegend(BaseModel):
    """A score term for people: its share of the score and what it measures (in French)."""

    name: str
    weight: float = Field(description="Share of the score, in % (the weights normalised).")
    label_fr: str
    meaning_fr: str


class ShownConsortium(Consortium):
    """A consortium with display fields beside the raw ones (``score`` and ``breakdown`` in
    [0, 1], for machines): the score and each term out of 100, and the terms that decided its
    rank among the consortia returned with it.
    """

    score_100: float = Field(description="The score out of 100, one decimal, as shown.")
    breakdown_100: dict[str, float] = Field(description="Each term out of 100, one decimal.")
    decisive_terms: list[str] = Field(
        default_factory=list,
        description="The terms (at most three) whose points put it ahead of the next "
        "consortium or behind the previous one, largest difference first.",
    )

    @classmethod
    def of(cls, consortium: Consortium, decisive: Sequence[str] = ()) -> ShownConsortium:
        """``consortium`` with its display fields."""
        return cls(
            **consortium.model_dump(),
            score_100=on_100(consortium.score),
            breakdown_100={name: on_100(value) for name, value in consortium.breakdown.items()},
            decisive_terms=list(decisive),
        )


def _legend_json(weights: Weights) -> list[TermLegend]:
    return [
        TermLegend(name=row.name, weight=row.weight, label_fr=row.label, meaning_fr=row.meaning)
        for row in legend(weights)
    ]


class ShownMatchResult(MatchResult):
    """Ranked consortia with their display fields and the legend of the score's terms."""

    consortia: list[ShownConsortium]  # type: ignore[assignment]  # the display fields added
    legend: list[TermLegend] = Field(description="Each term's weight and meaning.")

    @classmethod
    def of(cls, result: MatchResult, weights: Weights) -> ShownMatchResult:
        """``result`` with display fields, its consortia scored with ``weights``."""
        reasons = rank_reasons([c.breakdown for c in result.consortia], weights.as_dict())
        consortia = [
            ShownConsortium.of(c, [name for name, _ in found.ahead + found.behind])
            for c, found in zip(result.consortia, reasons, strict=True)
        ]
        fields = result.model_dump(exclude={"consortia"})
        return cls(**fields, consortia=consortia, legend=_legend_json(weights))


class ShownEvaluation(Evaluation):
    """A consortium scored as given, with its display fields and the legend of the terms."""

    consortium: ShownConsortium  # with the display fields
    legend: list[TermLegend] = Field(description="Each term's weight and meaning.")

    @classmethod
    def of(cls, evaluation: Evaluation, weights: Weights) -> ShownEvaluation:
        """``evaluation`` with display fields."""
        fields = evaluation.model_dump(exclude={"consortium"})
        return cls(
            **fields,
            consortium=ShownConsortium.of(evaluation.consortium),
            legend=_legend_json(weights),
        )
