"""NAF rév. 2, the French classification of activities: codes and their (French) labels.

A firm's NAF code (``"71.12B"``: division ``71``, group ``71.1``, class ``71.12``, subclass
``71.12B``) says what INSEE registered it for. Meute adds its label to the firm's text for text
matching and, in Neo4j, links the firm to a ``(:Naf)`` node. The vocabulary ships in
``fixtures/naf_rev2.json`` (see ``fixtures/SOURCES.md``); INSEE publishes French labels only.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

__all__ = ["label", "labels"]


@cache
def labels() -> dict[str, str]:
    """Every NAF code of the fixture (divisions to subclasses) with its label, loaded once."""
    text = resources.files("meute.fixtures").joinpath("naf_rev2.json").read_text(encoding="utf-8")
    return {str(entry["id"]): str(entry["label"]) for entry in json.loads(text)}


def label(code: str | None) -> str | None:
    """The label of a NAF code, or None for no code or a code absent from NAF rév. 2."""
    return labels().get(code) if code else None
