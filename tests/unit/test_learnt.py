"""The learnt firm-for-lot ranker as a saved model: format, refusal, fallback, training."""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from meute.api.cli import app
from meute.api.keys import Principal, Role
from meute.api.proposals import (
    follow_member,
    replace_member,
    replacement_candidates,
    save_proposal,
)
from meute.api.service import match_tender, partner_weights, showcase_tender
from meute.api.training import (
    RANKER_FILE,
    active_ranker,
    proposal_examples,
    read_ranker,
    save_ranker,
    shipped_ranker_path,
)
from meute.graph.embedded import EmbeddedStore
from meute.graph.errors import InvalidInput
from meute.graph.model import (
    Consortium,
    ConsortiumMember,
    Lot,
    MemberStatus,
    Proposal,
    ProposalStatus,
    Region,
    Tender,
)
from meute.matcher.partners import PartnerWeights
from meute.matcher.propose import MatchOptions
from meute.scoring.fit import fit_matrix
from meute.scoring.learnt import (
    CALIBRATION_LEVELS,
    FEATURES,
    MODEL_VERSION,
    LearntRanker,
    ModelMismatch,
)
from meute.scoring.text import text_model
from meute.scoring.training import fit_partner_weights, partner_recall, winner_scores
from tests.unit.factories import hospital_tender, make_firm, valid_siren

runner = CliRunner()


def _training_tender() -> Tender:
    lot = Lot(id="L1", title="Formation du personnel soignant", cpv=["80510000"], budget=200_000)
    return hospital_tender().model_copy(update={"lots": [lot], "budget": 200_000})


def _trainer_and_temp_agency() -> list[Any]:
    trainer = make_firm(
        valid_siren(1),
        [{"cpv": "80510000", "strength": 0.8, "contracts": 12, "amount_eur": 2_400_000}],
        description="Formation du personnel soignant ; formation continue des infirmiers",
    )
    agency = make_firm(
        valid_siren(2),
        [{"cpv": "79620000", "strength": 0.8, "contracts": 40, "amount_eur": 8_000_000}],
        description="Mise à disposition de personnel intérimaire",
    )
    return [trainer, agency]


def _scores(ranker: LearntRanker) -> np.ndarray[Any, np.dtype[np.float64]]:
    tender = _training_tender()
    firms = _trainer_and_temp_agency()
    fit = fit_matrix(tender, [["80510000"]], firms, text_model())
    return ranker.relevance(tender, [["80510000"]], firms, fit)[0]


def test_the_shipped_model_loads_and_prefers_the_firm_that_trained_nurses() -> None:
    ranker = read_ranker(shipped_ranker_path())
    assert "decp" in ranker.source and ranker.examples > 100
    assert ranker.figures["learnt MRR"] > ranker.figures["today MRR"]
    scores = _scores(ranker)
    assert 0.0 < scores[1] < scores[0] < 1.0


def test_a_model_survives_saving_and_reading(tmp_path: Path) -> None:
    ranker = read_ranker(shipped_ranker_path())
    save_ranker(ranker, tmp_path / RANKER_FILE)
    again = read_ranker(tmp_path / RANKER_FILE)
    assert again.weights() == ranker.weights()
    assert again.codes_only is not None and ranker.codes_only is not None
    assert again.codes_only.weights() == ranker.codes_only.weights()
    np.testing.assert_allclose(_scores(again), _scores(ranker), rtol=1e-6)
    np.testing.assert_allclose(_foreign_scores(again), _foreign_scores(ranker), rtol=1e-6)


def _foreign_scores(ranker: LearntRanker) -> np.ndarray[Any, np.dtype[np.float64]]:
    """A German lot (words the text model cannot compare) and the same lot in French."""
    german = Lot(id="L1", title="Schulung des Pflegepersonals im Krankenhaus", cpv=["80510000"])
    french = Lot(id="L2", title="Formation du personnel soignant", cpv=["80510000"])
    tender = _training_tender().model_copy(update={"lots": [german, french], "country": "DE"})
    firms = _trainer_and_temp_agency()
    codes = [["80510000"], ["80510000"]]
    fit = fit_matrix(tender, codes, firms, text_model())
    assert fit.foreign == ("de", None)
    return ranker.relevance(tender, codes, firms, fit)


def test_a_lot_whose_words_are_not_read_is_ranked_by_the_codes_only_model() -> None:
    ranker = read_ranker(shipped_ranker_path())
    assert ranker.codes_only is not None
    # Without the words, the model learnt on codes, wins and size weighs the CPV match more.
    assert ranker.codes_only.weights()["cpv"] > 2 * ranker.weights()["cpv"]
    scores = _foreign_scores(ranker)
    assert scores[0, 0] > scores[0, 1]  # the trainer first, on its code
    shifted = replace(ranker.codes_only, intercept=ranker.codes_only.intercept + 1.0)
    moved = _foreign_scores(replace(ranker, codes_only=shifted))
    assert (moved[0] > scores[0]).all()  # the German lot follows the codes-only model
    np.testing.assert_array_equal(moved[1], scores[1])  # the French lot does not
    unread = _foreign_scores(replace(ranker, codes_only=None))
    np.testing.assert_array_equal(unread[1], scores[1])
    assert not np.array_equal(unread[0], scores[0])


def test_the_fit_is_the_share_of_real_winners_given_less() -> None:
    ranker = read_ranker(shipped_ranker_path())
    knots = ranker.calibration
    assert len(knots) == len(CALIBRATION_LEVELS) and (np.diff(knots) > 0).all()
    # The knots are the held-out real winners' probabilities: the median one reads 50/100.
    np.testing.assert_allclose(ranker.calibrated(knots), CALIBRATION_LEVELS)
    probabilities = np.linspace(0.0, 1.0, 1001)
    fits = ranker.calibrated(probabilities)
    assert fits[0] == 0.0 and fits[-1] == 1.0 and (np.diff(fits) > 0).all()
    raw = replace(ranker, calibration=np.zeros(0))
    np.testing.assert_array_equal(raw.calibrated(probabilities), probabilities)
    assert _scores(ranker).tolist() == ranker.calibrated(_scores(raw)).tolist()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"version": MODEL_VERSION + 1}, "version"),
        ({"features": [*FEATURES, "region"]}, "features"),
        ({"format": "pickle"}, "format"),
        ({"coef": [1.0]}, "coef"),
        ({"scale": [0.0] * len(FEATURES)}, "scale"),
        ({"idf": []}, "idf"),
        ({"calibration": [0.5] * 18}, "calibration"),
        ({"calibration": [0.5, 0.4, *[0.6] * 17]}, "calibration"),
        ({"codes_only": [1.0]}, "codes_only"),
        ({"codes_only": {"features": list(FEATURES)}}, "features"),
    ],
)
def test_a_model_of_another_version_or_schema_is_refused(
    change: dict[str, Any], named: str
) -> None:
    data = read_ranker(shipped_ranker_path()).as_dict() | change
    with pytest.raises(ModelMismatch, match=named):
        LearntRanker.from_dict(data)


def test_a_refused_store_model_falls_back_to_the_shipped_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shipped = read_ranker(shipped_ranker_path())
    data = shipped.as_dict() | {"version": MODEL_VERSION + 1}
    (tmp_path / RANKER_FILE).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InvalidInput, match="cannot use the model"):
        read_ranker(tmp_path / RANKER_FILE)
    with caplog.at_level(logging.WARNING, logger="meute.training"):
        used = active_ranker(tmp_path)
    assert used is not None and used.source == shipped.source
    assert "model version" in caplog.text


def test_the_store_model_is_used_when_valid(tmp_path: Path) -> None:
    shipped = read_ranker(shipped_ranker_path())
    save_ranker(
        LearntRanker(
            shipped.mean, shipped.scale, -shipped.coef, 0.0, shipped.vocabulary, source="mine"
        ),
        tmp_path / RANKER_FILE,
    )
    used = active_ranker(tmp_path)
    assert used is not None and used.source == "mine"


def test_without_a_directory_the_configured_one_is_followed_as_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = read_ranker(shipped_ranker_path())
    mine = LearntRanker(
        shipped.mean, shipped.scale, -shipped.coef, 0.0, shipped.vocabulary, source="mine"
    )
    save_ranker(mine, tmp_path / "trained" / RANKER_FILE)
    monkeypatch.setenv("MEUTE_DATA_DIR", str(tmp_path / "trained"))
    first = active_ranker()
    monkeypatch.setenv("MEUTE_DATA_DIR", str(tmp_path / "empty"))
    second = active_ranker()
    monkeypatch.setenv("MEUTE_DATA_DIR", str(tmp_path / "trained"))
    third = active_ranker()
    assert first is not None and first.source == "mine"
    assert second is not None and second.source == shipped.source
    assert third is not None and third.source == "mine"


def _proposal(status: ProposalStatus, n: int) -> Proposal:
    member = ConsortiumMember(
        siren=valid_siren(1),
        name="Formateur",
        lots=["L1"],
        leader=True,
        is_sme=True,
        region=Region.IDF,
        why="",
    )
    consortium = Consortium(rank=1, score=0.5, breakdown={}, members=[member])
    # Read as a stored record: its members' follow-up follows the consortium's status.
    return Proposal.model_validate(
        {
            "id": f"p{n}",
            "tender_id": "bouake",
            "tender_title": "Hospital",
            "consortium": consortium.model_dump(mode="json"),
            "status": status,
            "created_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            "created_by": "officer",
        }
    )


def test_won_and_lost_proposals_become_labelled_examples() -> None:
    tender = _training_tender().model_copy(update={"id": "bouake"})
    firm = _trainer_and_temp_agency()[0]
    examples = proposal_examples(
        [_proposal(s, n) for n, s in enumerate(ProposalStatus)],
        {"bouake": tender},
        {firm.siren: firm},
        lambda t: {lot.id: list(lot.cpv) for lot in t.lots},
    )
    assert [e.labels for e in examples] == [[True], [False]]
    assert all(e.firms == [firm] and e.codes == ["80510000"] for e in examples)


def test_meute_train_prints_figures_and_weights_and_saves_a_model(data_dir: Path) -> None:
    result = runner.invoke(app, ["train", "--max-awards", "60", "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert "recall@10" in result.output and "learnt" in result.output
    assert all(name in result.output for name in FEATURES)
    assert "codes-only model (lots in a language not read)" in result.output
    saved = read_ranker(data_dir / RANKER_FILE)
    assert saved.examples > 0 and saved.trained_at.startswith(str(dt.date.today().year))
    assert saved.codes_only is not None and len(saved.codes_only.calibration) > 0
    assert {"codes-only MRR", "words unread MRR"} <= set(saved.figures)
    used = active_ranker(data_dir)
    assert used is not None and (used.source, used.trained_at) == (saved.source, saved.trained_at)


def test_meute_train_refuses_a_file_that_is_not_decp(data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "awards.json"
    bad.write_text('{"hello": 1}', encoding="utf-8")
    result = runner.invoke(app, ["train", "--decp", str(bad), "--no-proposals"])
    assert result.exit_code == 2
    assert "awards.json" in result.output
    assert not (data_dir / RANKER_FILE).exists()


def test_partner_weights_are_learnt_non_negative_and_favour_what_predicts_co_winning() -> None:
    rng = np.random.default_rng(3)
    terms = rng.random((600, 3))
    won = terms[:, 1] + 0.1 * rng.random(600) > 0.9  # only the second term predicts
    weights = fit_partner_weights(terms, won, ["fit", "region", "cohesion"])
    assert all(w >= 0 for w in weights.values())
    assert max(weights, key=lambda name: weights[name]) == "region"
    assert sum(weights.values()) == pytest.approx(1.0, abs=1e-3)
    ranked = [terms[i : i + 30] for i in range(0, 600, 30)]
    truth = [won[i : i + 30] for i in range(0, 600, 30)]
    learnt = np.array([weights["fit"], weights["region"], weights["cohesion"]])
    assert partner_recall(ranked, truth, learnt, 3) > partner_recall(
        ranked, truth, np.array([1.0, 0.0, 0.0]), 3
    )


def test_a_model_brings_its_partner_weights_to_partner_search() -> None:
    shipped = read_ranker(shipped_ranker_path())
    assert partner_weights(None) == PartnerWeights()
    mine = replace(shipped, partner_weights={"region": 0.7, "fit": 0.3})
    weights = partner_weights(mine)
    assert (weights.region, weights.fit, weights.cohesion) == (0.7, 0.3, PartnerWeights().cohesion)
    # Learnt for a tender: partners in general keep today's.
    assert partner_weights(mine, with_tender=False) == PartnerWeights()


def test_a_replaced_member_and_the_firm_that_accepted_its_lots_become_labelled_examples(
    showcase_store: EmbeddedStore,
) -> None:
    from meute.api.cli import _labelled_proposals

    def labels() -> dict[tuple[str, str], list[bool]]:
        examples = _labelled_proposals(showcase_store)
        return {(e.tender.lots[e.lot].id, e.firms[0].siren): e.labels for e in examples}

    tender = showcase_tender()
    showcase_store.upsert_tenders([tender])
    options = MatchOptions()
    best = match_tender(showcase_store, tender, options).consortia[0]
    officer = Principal(key_id="k", name="officer", role=Role.OFFICER)
    saved = save_proposal(
        showcase_store,
        tender,
        {lot: m.siren for m in best.members for lot in m.lots},
        options,
        officer,
    )
    gone = next(m for m in saved.consortium.members if "L3" in m.lots)
    follow_member(showcase_store, saved.id, gone.siren, officer, MemberStatus.DECLINED, None)
    assert _labelled_proposals(showcase_store) == []  # declined, not yet replaced: nothing learnt
    taker = replacement_candidates(showcase_store, saved, gone.siren, options)[0]
    replace_member(showcase_store, saved.id, gone.siren, taker.siren, options, officer)
    assert labels() == {(lot, gone.siren): [False] for lot in gone.lots}
    follow_member(showcase_store, saved.id, taker.siren, officer, MemberStatus.ACCEPTED, None)
    assert labels() == {(lot, gone.siren): [False] for lot in gone.lots} | {
        (lot, taker.siren): [True] for lot in gone.lots
    }


def _place_scores(
    ranker: LearntRanker, country: str, region: Region | None
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The same trainer based in Brittany and in Provence, for a tender's only lot."""
    trainer = _trainer_and_temp_agency()[0]
    firms = [
        trainer.model_copy(update={"siren": valid_siren(n), "region": place})
        for n, place in ((1, Region.BRETAGNE), (2, Region.PACA))
    ]
    tender = _training_tender().model_copy(update={"country": country, "region": region})
    fit = fit_matrix(tender, [["80510000"]], firms, text_model())
    return ranker.relevance(tender, [["80510000"]], firms, fit)[0]


def test_a_firm_based_where_a_french_tender_is_done_ranks_higher() -> None:
    ranker = read_ranker(shipped_ranker_path())
    assert ranker.weights()["place"] > 0 and ranker.codes_only is not None
    assert ranker.codes_only.weights()["place"] > 0
    here, away = _place_scores(ranker, "FR", Region.BRETAGNE)
    assert here > away
    # Where the place is unknown (a foreign tender, a French one without its region), it is
    # weighed at its mean: both firms alike, between the local and the distant one.
    for country in ("CI", "FR"):
        unknown = _place_scores(ranker, country, None)
        assert unknown[0] == unknown[1] and away < unknown[0] < here


def test_only_a_tender_in_france_has_a_french_region() -> None:
    data = _training_tender().model_dump() | {"region": Region.BRETAGNE}
    with pytest.raises(ValidationError) as error:
        Tender.model_validate(data)
    assert error.value.errors()[0]["loc"] == ("region",)
    assert "country FR" in str(error.value)
    assert Tender.model_validate(data | {"country": "fr"}).region is Region.BRETAGNE


def test_winners_calibrate_the_fit_with_their_place_unknown() -> None:
    ranker = read_ranker(shipped_ranker_path())
    rows = np.zeros((2, len(FEATURES)))
    rows[0, FEATURES.index("place")] = rows[0, FEATURES.index("local")] = 1.0
    placed = winner_scores(ranker, rows, placed=True)
    assert placed.full[0] > placed.full[1] and placed.codes_only[0] > placed.codes_only[1]
    unknown = winner_scores(ranker, rows)
    assert unknown.full[0] == unknown.full[1] and unknown.codes_only[0] == unknown.codes_only[1]
    assert placed.full[1] < unknown.full[0] < placed.full[0]
