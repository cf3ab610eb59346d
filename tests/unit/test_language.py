"""Lots in a language the text model does not know are matched on their codes, and said so."""

from __future__ import annotations

import numpy as np
import pytest

from meute.graph.model import Tender
from meute.matcher.phrases import Lang
from meute.matcher.propose import MatchOptions, propose
from meute.scoring.fit import fit_matrix
from meute.scoring.language import detect_language, text_comparable
from meute.scoring.text import text_model
from tests.unit.factories import make_firm, valid_siren


@pytest.mark.parametrize(
    ("text", "country", "language"),
    [
        ("Heizung, Lüftung, Sanitär", "DE", "de"),
        ("Rohbauarbeiten", "AT", "de"),
        ("Lotto 3 - fornitura di dispositivi medici", "IT", "it"),
        ("Orvosi eszközök beszerzése", "HU", "hu"),
        ("Lucrari de constructii", "RO", "ro"),
        ("Construction du bâtiment principal", "DE", "fr"),
        ("Medical imaging equipment", "DE", "en"),
        ("Fourniture d'équipements médicaux", None, "fr"),
    ],
)
def test_languages_of_real_lot_titles(text: str, country: str | None, language: str) -> None:
    assert detect_language(text, country).language == language


def test_only_confident_foreign_words_are_kept_from_text_matching() -> None:
    assert text_comparable("Rohbauarbeiten", "DE") is not None
    assert text_comparable("Staff training", "DE") is None
    assert text_comparable("Lot 2", "RO") is None  # undetermined: compared
    assert text_comparable("12 / 2019", "DE") is None
    assert text_comparable("Medical imaging equipment", "CI") is None  # any language: unsure


def _tender(first_title: str) -> Tender:
    return Tender.model_validate(
        {
            "id": "ted-1",
            "title": "Krankenhaus",
            "buyer": "Vivantes",
            "country": "DE",
            "budget": 2e6,
            "lots": [
                {"id": "1", "title": first_title, "cpv": ["45215000"], "budget": 1e6},
                {"id": "2", "title": "Fourniture de lits médicalisés", "cpv": ["33192100"]},
            ],
        }
    )


def test_a_german_lot_is_matched_on_its_codes_alone() -> None:
    builders = make_firm(valid_siren(1), ["45215000"], description="Construction d'hôpitaux")
    beds = make_firm(valid_siren(2), ["33192100"], description="Lits médicalisés")
    tender = _tender("OP-Wand- und Deckenelemente; OP-Türen")
    codes = [lot.cpv for lot in tender.lots]
    fit = fit_matrix(tender, codes, [builders, beds], text_model())
    assert fit.foreign == ("de", None)
    assert fit.text[0].tolist() == [0.0, 0.0] and fit.text[1, 1] > 0
    np.testing.assert_allclose(fit.relevance[0, 0], fit.cpv[0, 0])
    assert fit.relevance[1, 1] < fit.cpv[1, 1]  # mixed with a text similarity below 1


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (Lang.EN, "the words of lot 1 are in German, so they were not used for text matching"),
        (Lang.FR, "le lot 1 est rédigé en allemand : son texte n'a pas servi"),
    ],
)
def test_a_german_lots_member_says_its_title_was_not_used(lang: Lang, said: str) -> None:
    builders = make_firm(valid_siren(1), ["45215000"], name="Bâtisseurs")
    beds = make_firm(valid_siren(2), ["33192100"], name="Lits")
    tender = _tender("OP-Wand- und Deckenelemente; OP-Türen")
    result = propose(tender, [builders, beds], [], MatchOptions(top=1, lang=lang))
    why = {m.name: m.why for m in result.consortia[0].members}
    assert said in why["Bâtisseurs"]
    assert "text matching" not in why["Lits"] and "texte" not in why["Lits"]
    both = _tender("OP-Wand- und Deckenelemente; OP-Türen").model_copy()
    both.lots[1] = both.lots[1].model_copy(update={"title": "Krankenhausbetten, elektrisch"})
    lone = propose(both, [make_firm(valid_siren(3), ["45215000", "33192100"])], [], MatchOptions())
    assert "the words of lots 1, 2 are in German, so they were not used for text matching" in (
        lone.consortia[0].members[0].why
    )
    french = propose(_tender("Gros œuvre du bâtiment"), [builders, beds], [], MatchOptions(top=1))
    assert all("text matching" not in m.why for m in french.consortia[0].members)
