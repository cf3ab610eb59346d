"""Firms as columns: what scoring reads about a list of firms, as arrays.

Reading pydantic models attribute by attribute costs microseconds a firm, and a tender meets
thousands of candidates, mostly the same from one tender to the next. So each firm's facts are
derived once and remembered by SIREN for as long as the store hands back the same object (stores
replace a changed firm, they never modify one in place), and a list of firms becomes arrays in a
few numpy calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from graph.model import Firm, HeadcountBand, Region
from scoring.text import firm_text

__all__ = [
    "BAND_TURNOVER_EUR",
    "FirmColumns",
    "FirmFacts",
    "Firms",
    "estimated_turnover",
    "firm_facts",
    "normalised_certifications",
]

# Typical turnover of a firm in each band (euros), used when a firm does not state its own.
BAND_TURNOVER_EUR = {
    HeadcountBand.MICRO: 600_000.0,
    HeadcountBand.SMALL: 5_000_000.0,
    HeadcountBand.MEDIUM: 25_000_000.0,
    HeadcountBand.INTERMEDIATE: 250_000_000.0,
    HeadcountBand.LARGE: 3_000_000_000.0,
}
# Firms whose facts are remembered (under 1 kB each); past this the memory is cleared.
FACTS_CACHE_LIMIT = 400_000


def estimated_turnover(firm: Firm) -> float:
    """The firm's turnover, or the typical turnover of its headcount band."""
    return firm.turnover_eur if firm.turnover_eur is not None else BAND_TURNOVER_EUR[firm.headcount]


def normalised_certifications(values: Iterable[str]) -> frozenset[str]:
    """Certification names as compared: upper case, dashes as spaces, spaces collapsed."""
    return frozenset(" ".join(v.upper().replace("-", " ").split()) for v in values)


@dataclass(frozen=True)
class FirmFacts:
    """One firm's facts in the form scoring reads them; CPV codes as 8-digit integers."""

    codes: NDArray[np.int64]
    strength: NDArray[np.float64]
    turnover: float
    is_sme: bool
    maturity: int
    region: Region
    certifications: frozenset[str]
    export_countries: frozenset[str]
    text: str

    @classmethod
    def of(cls, firm: Firm) -> FirmFacts:
        """Derive a firm's facts (see :func:`firm_facts` for the remembered ones)."""
        return cls(
            codes=np.array([int(c.cpv) for c in firm.capabilities], dtype=np.int64),
            strength=np.array([c.strength for c in firm.capabilities], dtype=np.float64),
            turnover=estimated_turnover(firm),
            is_sme=firm.is_sme,
            maturity=firm.maturity.rank,
            region=firm.region,
            certifications=normalised_certifications(firm.certifications),
            export_countries=frozenset(firm.export_countries),
            text=firm_text(firm),
        )


_facts: dict[str, tuple[Firm, FirmFacts]] = {}


def firm_facts(firm: Firm) -> FirmFacts:
    """A firm's facts, derived the first time this firm object is met."""
    known = _facts.get(firm.siren)
    if known is not None and known[0] is firm:
        return known[1]
    if len(_facts) >= FACTS_CACHE_LIMIT:
        _facts.clear()
    facts = FirmFacts.of(firm)
    _facts[firm.siren] = (firm, facts)
    return facts


@dataclass(frozen=True)
class FirmColumns:
    """The facts of a list of firms as arrays (row ``i`` is the ``i``-th firm).

    Capabilities are flattened, firm after firm: ``capability_owner`` gives each one's row.
    """

    facts: Sequence[FirmFacts]

    @classmethod
    def of(cls, firms: Firms) -> FirmColumns:
        """Columns of ``firms`` (returned as they are when they already are columns)."""
        if isinstance(firms, FirmColumns):
            return firms
        return cls([firm_facts(firm) for firm in firms])

    def __len__(self) -> int:
        return len(self.facts)

    def take(self, rows: Iterable[int]) -> FirmColumns:
        """The columns of a subset of the firms, in the order of ``rows``."""
        return FirmColumns([self.facts[i] for i in rows])

    def _flags(self, values: Iterable[bool]) -> NDArray[np.bool_]:
        return np.fromiter(values, dtype=np.bool_, count=len(self))

    @cached_property
    def turnover(self) -> NDArray[np.float64]:
        """Estimated turnover in euros (see :func:`estimated_turnover`)."""
        return np.fromiter((f.turnover for f in self.facts), dtype=np.float64, count=len(self))

    @cached_property
    def is_sme(self) -> NDArray[np.bool_]:
        """Whether each firm is an SME."""
        return self._flags(f.is_sme for f in self.facts)

    @cached_property
    def maturity(self) -> NDArray[np.intp]:
        """Export maturity rank (0 for a first-time exporter)."""
        return np.fromiter((f.maturity for f in self.facts), dtype=np.intp, count=len(self))

    @property
    def texts(self) -> list[str]:
        """Each firm's text for text matching (:func:`scoring.text.firm_text`)."""
        return [f.text for f in self.facts]

    @cached_property
    def capability_owner(self) -> NDArray[np.intp]:
        """The row of the firm holding each capability."""
        counts = np.fromiter((len(f.codes) for f in self.facts), dtype=np.intp, count=len(self))
        return np.repeat(np.arange(len(self.facts)), counts)

    @cached_property
    def capability_codes(self) -> NDArray[np.int64]:
        """Each capability's CPV code as an integer."""
        return np.concatenate([f.codes for f in self.facts] or [np.zeros(0, np.int64)])

    @cached_property
    def capability_strength(self) -> NDArray[np.float64]:
        """Each capability's evidence strength."""
        return np.concatenate([f.strength for f in self.facts] or [np.zeros(0, np.float64)])

    def in_regions(self, regions: Iterable[Region]) -> NDArray[np.bool_]:
        """Whether each firm is based in one of ``regions``."""
        wanted = set(regions)
        return self._flags(f.region in wanted for f in self.facts)

    def exports_to(self, country: str) -> NDArray[np.bool_]:
        """Whether each firm already exports to ``country``."""
        return self._flags(country in f.export_countries for f in self.facts)

    def certified(self, required: Iterable[str]) -> NDArray[np.bool_]:
        """Whether each firm holds every certification of ``required``."""
        needed = normalised_certifications(required)
        return self._flags(needed <= f.certifications for f in self.facts)


Firms = Sequence[Firm] | FirmColumns
