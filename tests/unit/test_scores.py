"""Score explanations: points per term, what decided each rank, the legend from one table."""

from __future__ import annotations

import pytest

from meute.api.scores import (
    CONSORTIUM_TERMS,
    PAVILION_TERMS,
    explained,
    legend,
    on_100,
    rank_sentences,
    shown_on_100,
)
from meute.matcher.pavilion import PavilionWeights
from meute.scoring.consortium import ObjectiveWeights, objective
from meute.scoring.contributions import contributions, rank_reasons, term_changes

TERMS = {
    "coverage": 1.0,
    "fit": 0.8,
    "evidence": 0.6,
    "capacity": 1.0,
    "cohesion": 0.5,
    "complementarity": 0.9,
    "readiness": 0.55,
    "sme": 1 / 3,
    "regions": 1.0,
    "size": 0.0,
}


def test_points_add_up_to_the_score_out_of_100() -> None:
    weights = ObjectiveWeights(cohesion=0.3)  # not summing to 1: points are normalised
    points = contributions(TERMS, weights.as_dict())
    assert sum(points.values()) == pytest.approx(100 * objective(TERMS, weights))
    assert points["size"] == 0.0
    assert points["cohesion"] == pytest.approx(100 * 0.3 * 0.5 / sum(weights.as_dict().values()))


def test_every_weighted_term_has_a_name_and_a_meaning() -> None:
    assert set(CONSORTIUM_TERMS) == set(ObjectiveWeights().as_dict())
    assert set(PAVILION_TERMS) == set(PavilionWeights().as_dict())
    rows = legend(ObjectiveWeights())
    assert [row.name for row in rows] == list(CONSORTIUM_TERMS)
    assert sum(row.weight for row in rows) == pytest.approx(100, abs=0.1)
    assert {row.name: row.weight for row in rows}["fit"] == 35.0
    assert all(row.meaning.endswith(".") for row in rows)


def test_a_swap_says_what_each_term_gained_or_lost() -> None:
    after = TERMS | {"cohesion": 0.0, "fit": 0.9}
    changes = term_changes(TERMS, after, ObjectiveWeights().as_dict())
    assert changes["cohesion"] == pytest.approx(-7.5)
    assert changes["fit"] == pytest.approx(3.5)
    assert changes["size"] == 0.0
    rows = explained(after, ObjectiveWeights(), reference=TERMS)
    assert {row.row.name: row.change for row in rows}["cohesion"] == pytest.approx(-7.5)
    assert {row.row.name: row.value for row in rows}["fit"] == 90.0


def test_the_rank_is_explained_by_the_terms_that_differ_most() -> None:
    second = TERMS | {"cohesion": 0.1, "fit": 0.78}
    third = second | {"fit": 0.5, "evidence": 0.5, "capacity": 0.9}
    weights = ObjectiveWeights().as_dict()
    first_reasons, second_reasons, third_reasons = rank_reasons([TERMS, second, third], weights)
    assert [name for name, _ in first_reasons.ahead] == ["cohesion", "fit"]
    assert first_reasons.behind == []
    # In the middle: ahead of the third by fit, evidence and capacity, behind the first by
    # cohesion; at most three terms named in all.
    assert [name for name, _ in second_reasons.ahead] == ["fit", "evidence"]
    assert [name for name, _ in second_reasons.behind] == ["cohesion"]
    assert [name for name, _ in third_reasons.behind] == ["fit", "evidence", "capacity"]
    assert third_reasons.ahead == []
    sentences = rank_sentences([TERMS, second, third], ObjectiveWeights())
    assert sentences[0] == (
        "Classé n° 1 : devant le n° 2 surtout par cohésion (travaux communs) (+6,0) "
        "et adéquation (+0,7) (points sur 100)."
    )
    assert sentences[1].startswith("Classé n° 2 : devant le n° 3 surtout par adéquation (+9,8)")
    assert "derrière le n° 1 surtout par cohésion (travaux communs) (\u22126,0)" in sentences[1]


def test_equal_proposals_name_no_reason() -> None:
    assert rank_sentences([TERMS, dict(TERMS)], ObjectiveWeights()) == ["", ""]
    assert rank_sentences([TERMS], ObjectiveWeights()) == [""]


def test_one_scale_out_of_100() -> None:
    assert on_100(0.72361) == 72.4
    assert shown_on_100(0.72361) == "72,4"
    assert shown_on_100(1.0) == "100,0"
