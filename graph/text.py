"""Text folded for comparison: what a search, a suggester and a ranker all compare words on."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case, accents and ligatures folded to ASCII: « Équipement d'Œuvre » → « equipement
    d'oeuvre ».
    """
    text = text.casefold().replace("œ", "oe").replace("æ", "ae")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
