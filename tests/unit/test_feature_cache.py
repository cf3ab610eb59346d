"""The learnt ranker's features computed from cached columns and word counts equal the same
features computed firm by firm, whatever was met before.
"""

from __future__ import annotations

import random

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from meute.graph.model import Firm
from meute.scoring.learnt import Vocabulary, _wins
from meute.scoring.suggest import fold_text
from tests.unit.factories import make_firm, valid_siren

CODES = ["45215140", "45215100", "33100000", "33120000", "80510000", "79620000", "45000000"]
WORDS = ["formation", "hôpital", "imagerie", "béton", "personnel", "soignant", "médical"]


def _firms(seed: int, n: int) -> list[Firm]:
    rng = random.Random(seed)
    return [
        make_firm(
            valid_siren(seed * 1_000 + i),
            [
                {
                    "cpv": code,
                    "strength": rng.random(),
                    "contracts": rng.randrange(20),
                    "amount_eur": rng.choice([0.0, rng.uniform(1e4, 1e7)]),
                }
                for code in rng.sample(CODES, rng.randrange(len(CODES)))
            ],
            description=" ".join(rng.choices(WORDS, k=rng.randrange(8))),
        )
        for i in range(n)
    ]


def _wins_firm_by_firm(
    firms: list[Firm], lot_codes: list[list[str]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The definition of :func:`scoring.learnt._wins`, one firm and capability at a time."""
    division = np.zeros((len(lot_codes), len(firms)))
    klass = np.zeros((len(lot_codes), len(firms)))
    total, mean = np.zeros(len(firms)), np.zeros(len(firms))
    for j, firm in enumerate(firms):
        for capability in firm.capabilities:
            total[j] += capability.contracts
            mean[j] += capability.amount_eur
            for i, lot in enumerate(lot_codes):
                if capability.cpv[:2] in {code[:2] for code in lot}:
                    division[i, j] += capability.contracts
                if capability.cpv[:4] in {code[:4] for code in lot}:
                    klass[i, j] += capability.contracts
        mean[j] = mean[j] / total[j] if total[j] > 0 else 0.0
    return division, klass, total, mean


def test_wins_from_columns_equal_the_firm_by_firm_definition() -> None:
    lot_codes = [["45215140"], ["33100000", "80510000"], ["79620000"]]
    met = _firms(1, 40)
    _wins(met, lot_codes)  # the firms' rows exist already: the next call reads them
    firms = _firms(2, 30) + met[::3] + _firms(3, 1)
    for got, expected in zip(
        _wins(firms, lot_codes), _wins_firm_by_firm(firms, lot_codes), strict=True
    ):
        np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_bm25_of_descriptions_met_before_equals_a_first_count() -> None:
    descriptions = [firm.description for firm in _firms(4, 60)]
    vocabulary = Vocabulary.fit(descriptions)
    queries = ["Formation du personnel soignant", "Imagerie médicale de l'hôpital", ""]
    first = Vocabulary(vocabulary.words, vocabulary.idf).bm25(queries, descriptions)
    vocabulary.bm25(queries, [*descriptions[:20], "béton armé"])  # some met, some new
    again = vocabulary.bm25(queries, descriptions)
    np.testing.assert_array_equal(again, first)
    counter = CountVectorizer(
        preprocessor=fold_text, vocabulary={w: i for i, w in enumerate(vocabulary.words)}
    )
    shuffled = [*descriptions[::-1], *descriptions[:5], "", "inconnu"]
    counted = vocabulary._document_counts(shuffled).toarray()
    np.testing.assert_array_equal(counted, counter.fit([""]).transform(shuffled).toarray())
    assert first.shape == (3, 60) and first.max() > 0
