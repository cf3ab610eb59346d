"""Text similarity between lots and firms, and CPV suggestions from free text.

One TF-IDF model (scikit-learn, character n-grams within words, accents folded) is fitted on the
French and English labels of the CPV vocabulary. Fitting on the taxonomy rather than on the
stored firms keeps scores identical whatever the store holds, and the same model ranks CPV codes
for a lot described only in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer

from graph.cpv import Taxonomy, taxonomy
from graph.model import Firm, Lot

__all__ = ["TextModel", "firm_text", "lot_text", "text_model"]


class TextModel:
    """TF-IDF space of the CPV labels; ``similarity`` is the cosine of two texts in it."""

    def __init__(self, vocabulary: Taxonomy) -> None:
        self.vocabulary = vocabulary
        self.codes_ = sorted(vocabulary.entries)
        labels = [
            f"{vocabulary.label(code, 'fr')} {vocabulary.label(code, 'en')}" for code in self.codes_
        ]
        self.vectorizer_ = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(3, 5),
            strip_accents="unicode",
            lowercase=True,
            sublinear_tf=True,
            min_df=2,
            dtype=np.float32,
        )
        self.label_matrix_ = self.vectorizer_.fit_transform(labels)

    def similarity(self, left: Sequence[str], right: Sequence[str]) -> NDArray[np.float64]:
        """Cosine similarity of every text of ``left`` with every text of ``right``."""
        if not left or not right:
            return np.zeros((len(left), len(right)))
        a = self.vectorizer_.transform(left)
        b = self.vectorizer_.transform(right)
        return np.asarray((a @ b.T).toarray(), dtype=np.float64)

    def suggest_cpv(self, text: str, top: int = 5) -> list[tuple[str, float]]:
        """The CPV codes whose labels are closest to ``text``, best first, with their cosine."""
        if not text.strip():
            return []
        scores = np.asarray((self.vectorizer_.transform([text]) @ self.label_matrix_.T).toarray())[
            0
        ]
        order = np.lexsort((np.arange(len(scores)), -scores))[:top]
        return [(self.codes_[i], float(scores[i])) for i in order if scores[i] > 0]


@cache
def text_model() -> TextModel:
    """The process-wide text model, fitted on first use."""
    return TextModel(taxonomy())


def firm_text(firm: Firm) -> str:
    """What a firm says it does plus the FR/EN labels of the codes it delivers."""
    vocabulary = taxonomy()
    labels = " ".join(
        f"{vocabulary.label(c.cpv, 'fr')} {vocabulary.label(c.cpv, 'en')}"
        for c in firm.capabilities
    )
    return f"{firm.description} {labels}".strip()


def lot_text(lot: Lot) -> str:
    """A lot's title and description plus the FR/EN labels of its codes."""
    vocabulary = taxonomy()
    labels = " ".join(
        f"{vocabulary.label(code, 'fr')} {vocabulary.label(code, 'en')}" for code in lot.cpv
    )
    return f"{lot.title} {lot.description} {labels}".strip()
