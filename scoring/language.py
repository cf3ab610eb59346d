"""The language of a lot's words, and whether the text model can compare them.

The text model (:mod:`scoring.text`) is fitted on the French and English CPV labels: a lot
titled in German, Italian, Hungarian or Romanian shares few n-grams with a French firm's
description, so comparing them would only add noise. A lot's title and description are
identified with py3langid (the langid.py naive Bayes model over byte n-grams, shipped inside
the package, offline and deterministic). Short titles are ambiguous across all the world's
languages, so the candidates are French, English and the official languages of the buyer's
country when it is known (else every language the model knows). A language is retained when
the model gives it at least :data:`CONFIDENCE`; text similarity is left out only for a lot
whose words are confidently in a language the text model does not know.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

__all__ = [
    "CONFIDENCE",
    "OFFICIAL_LANGUAGES",
    "TEXT_LANGUAGES",
    "Detected",
    "detect_language",
    "text_comparable",
]

# Languages of the text model's vocabulary (the CPV labels it is fitted on).
TEXT_LANGUAGES = frozenset({"fr", "en"})
# Probability from which the most likely language is retained (below it: undetermined).
CONFIDENCE = 0.5

# Official languages of European countries (ISO 3166 alpha-2 -> ISO 639-1) that the model knows.
OFFICIAL_LANGUAGES: dict[str, tuple[str, ...]] = {
    "AT": ("de",),
    "BE": ("nl", "fr", "de"),
    "BG": ("bg",),
    "CH": ("de", "fr", "it"),
    "CY": ("el", "tr"),
    "CZ": ("cs",),
    "DE": ("de",),
    "DK": ("da",),
    "EE": ("et",),
    "ES": ("es", "ca", "eu", "gl"),
    "FI": ("fi", "sv"),
    "FR": ("fr",),
    "GB": ("en", "cy"),
    "GR": ("el",),
    "HR": ("hr",),
    "HU": ("hu",),
    "IE": ("en", "ga"),
    "IS": ("is",),
    "IT": ("it",),
    "LI": ("de",),
    "LT": ("lt",),
    "LU": ("lb", "fr", "de"),
    "LV": ("lv",),
    "MT": ("mt", "en"),
    "NL": ("nl",),
    "NO": ("no", "nn"),
    "PL": ("pl",),
    "PT": ("pt",),
    "RO": ("ro",),
    "SE": ("sv",),
    "SI": ("sl",),
    "SK": ("sk",),
}


@dataclass(frozen=True)
class Detected:
    """The most likely language of a text (ISO 639-1) and its probability among the candidates;
    ``language`` is None when no candidate reaches :data:`CONFIDENCE`.
    """

    language: str | None
    probability: float


@cache
def _model() -> LanguageIdentifier:
    """The model shipped with py3langid, loaded once (about 2 s)."""
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@cache
def _identifier(candidates: tuple[str, ...] | None) -> LanguageIdentifier:
    """An identifier choosing among ``candidates`` only (all languages when None)."""
    base = _model()
    identifier = LanguageIdentifier(
        base.nb_ptc,
        base.nb_pc,
        base.nb_classes,
        base.tk_nextmove,
        base.tk_output,
        norm_probs=True,
        tk_row=base.tk_row,
    )
    identifier.set_languages(list(candidates) if candidates is not None else None)
    return identifier


def _candidates(country: str | None) -> tuple[str, ...] | None:
    official = OFFICIAL_LANGUAGES.get(country or "")
    if official is None:
        return None
    return tuple(sorted(TEXT_LANGUAGES | set(official)))


@lru_cache(maxsize=65_536)
def detect_language(text: str, country: str | None = None) -> Detected:
    """The language of ``text``, chosen among French, English and ``country``'s languages."""
    if not any(char.isalpha() for char in text):
        return Detected(None, 0.0)
    language, probability = _identifier(_candidates(country)).classify(text)
    return Detected(str(language) if probability >= CONFIDENCE else None, float(probability))


def text_comparable(text: str, country: str | None = None) -> Detected | None:
    """None when the text model may compare ``text`` (French, English or undetermined);
    otherwise the foreign language detected, which text similarity must not be applied to.
    """
    detected = detect_language(text, country)
    if detected.language is None or detected.language in TEXT_LANGUAGES:
        return None
    return detected
