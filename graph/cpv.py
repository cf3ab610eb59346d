"""The CPV 2008 taxonomy: code normalisation, labels and hierarchy helpers.

A CPV code is 8 digits plus a check digit (``45215140-0``). The digits read as a tree: division
(2 digits), group (3), class (4), category (5) and finer levels; trailing zeros mean "this
level". Codes are handled here in their *normalised* form: the 8 digits, without check digit.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources

from meute.graph.errors import InvalidInput, Problem

__all__ = [
    "CpvEntry",
    "Taxonomy",
    "ancestors",
    "distance",
    "format_code",
    "label",
    "level",
    "normalise",
    "parent",
    "significant",
    "taxonomy",
]

_SPACES_AND_DOTS = re.compile(r"[\s.]")
_CODE = re.compile(r"^(\d{8})(?:-?(\d))?$")


@dataclass(frozen=True)
class CpvEntry:
    """One code of the vocabulary with its check digit and labels."""

    code: str
    check_digit: str
    label_fr: str
    label_en: str


class Taxonomy:
    """The CPV 2008 main vocabulary, loaded from the fixture shipped with Meute."""

    def __init__(self, entries: list[CpvEntry]) -> None:
        self.entries = {entry.code: entry for entry in entries}

    @classmethod
    def load(cls) -> Taxonomy:
        """Read ``fixtures/cpv_2008.csv`` (EU CPV 2008, see ``fixtures/SOURCES.md``)."""
        text = (
            resources.files("meute.fixtures").joinpath("cpv_2008.csv").read_text(encoding="utf-8")
        )
        rows = csv.DictReader(text.splitlines())
        entries = [
            CpvEntry(row["code"][:8], row["code"][9], row["label_fr"], row["label_en"])
            for row in rows
        ]
        return cls(entries)

    def __contains__(self, code: object) -> bool:
        return code in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def normalise(self, raw: str) -> str:
        """Return the 8-digit code for ``raw`` (``45215140``, ``45215140-0``, ``45215140 - 0``).

        Raises :class:`InvalidInput` when the code is ill-formed, unknown, or carries a wrong
        check digit.
        """
        cleaned = _SPACES_AND_DOTS.sub("", str(raw))
        match = _CODE.match(cleaned)
        if not match:
            raise InvalidInput(
                "ill-formed CPV code",
                [Problem("cpv", raw, "a CPV code is 8 digits, optionally '-' and a check digit")],
            )
        code, check = match.groups()
        entry = self.entries.get(code)
        if entry is None:
            raise InvalidInput(
                "unknown CPV code", [Problem("cpv", raw, "not a code of the CPV 2008 vocabulary")]
            )
        if check is not None and check != entry.check_digit:
            raise InvalidInput(
                "wrong CPV check digit",
                [Problem("cpv", raw, f"check digit should be {entry.check_digit}")],
            )
        return code

    def label(self, code: str, lang: str = "en") -> str:
        """Label of a normalised code in ``fr`` or ``en``."""
        entry = self.entries[code]
        return entry.label_fr if lang == "fr" else entry.label_en

    def format_code(self, code: str) -> str:
        """The display form with check digit, ``45215140-0``."""
        return f"{code}-{self.entries[code].check_digit}"

    @cached_property
    def _sizes(self) -> Counter[str]:
        """How many codes lie under each significant prefix (the code itself included)."""
        sig = [significant(code) for code in self.entries]
        return Counter(s[:n] for s in sig for n in range(2, len(s) + 1))

    def size(self, code: str) -> int:
        """How many codes of the vocabulary lie under ``code``, itself included."""
        return self._sizes[significant(code)]

    def parent(self, code: str) -> str | None:
        """The nearest coarser code present in the vocabulary, or None for a division."""
        sig = significant(code)
        while len(sig) > 2:
            sig = sig[:-1]
            candidate = sig.ljust(8, "0")
            if candidate in self.entries:
                return candidate
        return None

    def ancestors(self, code: str) -> list[str]:
        """Coarser codes from the parent up to the division."""
        chain = []
        current = self.parent(code)
        while current is not None:
            chain.append(current)
            current = self.parent(current)
        return chain

    def distance(self, a: str, b: str) -> int:
        """Number of tree edges between two codes (0 when equal)."""
        path_a = [a, *self.ancestors(a)]
        path_b = [b, *self.ancestors(b)]
        common = set(path_a) & set(path_b)
        if not common:
            return len(path_a) + len(path_b)  # different divisions: joined by the virtual root
        lca_steps_a = next(i for i, code in enumerate(path_a) if code in common)
        lca_steps_b = path_b.index(path_a[lca_steps_a])
        return lca_steps_a + lca_steps_b


def significant(code: str) -> str:
    """The digits that carry meaning (trailing zeros stripped, at least the 2-digit division)."""
    stripped = code.rstrip("0")
    return stripped if len(stripped) >= 2 else code[:2]


def level(code: str) -> int:
    """Depth of a code: 2 for a division, 3 for a group, ... up to 8."""
    return len(significant(code))


@cache
def taxonomy() -> Taxonomy:
    """The process-wide CPV taxonomy (loaded once)."""
    return Taxonomy.load()


def normalise(raw: str) -> str:
    """Shortcut for ``taxonomy().normalise``."""
    return taxonomy().normalise(raw)


def label(code: str, lang: str = "en") -> str:
    """Shortcut for ``taxonomy().label``."""
    return taxonomy().label(code, lang)


def format_code(code: str) -> str:
    """Shortcut for ``taxonomy().format_code``."""
    return taxonomy().format_code(code)


def parent(code: str) -> str | None:
    """Shortcut for ``taxonomy().parent``."""
    return taxonomy().parent(code)


def ancestors(code: str) -> list[str]:
    """Shortcut for ``taxonomy().ancestors``."""
    return taxonomy().ancestors(code)


def distance(a: str, b: str) -> int:
    """Shortcut for ``taxonomy().distance``."""
    return taxonomy().distance(a, b)
