"""Firms as columns: what scoring reads about a list of firms, as arrays.

Reading pydantic models attribute by attribute is slow next to numpy (all the more across the
heap of a national graph), and a tender meets thousands of candidates, mostly met before. So each
firm met is entered once in a :class:`FirmTable`, one row of growable arrays, and keeps its row
while the store hands back the same object: stores replace a changed firm, never modify one in
place, and a changed firm takes a new row. A list of firms becomes a list of rows, and its
columns are numpy gathers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from meute.graph.model import ExportMaturity, Firm, HeadcountBand, Region
from meute.scoring.text import firm_text

__all__ = [
    "BAND_TURNOVER_EUR",
    "FirmColumns",
    "FirmTable",
    "Firms",
    "estimated_turnover",
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
# Rows of the firm table (about 1 kB each, and the firm object each keeps alive); past this a
# new table is started (national scale is about 150,000 firms).
TABLE_LIMIT = 250_000

_REGION_ID = {region: i for i, region in enumerate(Region)}
_MATURITY_RANK = {stage: stage.rank for stage in ExportMaturity}


def estimated_turnover(firm: Firm) -> float:
    """The firm's turnover, or the typical turnover of its headcount band."""
    return firm.turnover_eur if firm.turnover_eur is not None else BAND_TURNOVER_EUR[firm.headcount]


def normalised_certifications(values: Iterable[str]) -> frozenset[str]:
    """Certification names as compared: upper case, dashes as spaces, spaces collapsed."""
    return frozenset(" ".join(v.upper().replace("-", " ").split()) for v in values)


class _Growing:
    """An append-only numpy array that doubles its capacity when full."""

    def __init__(self, dtype: type) -> None:
        self._data: NDArray[Any] = np.empty(1024, dtype=dtype)
        self._size = 0

    def extend(self, values: Sequence[Any] | NDArray[Any]) -> None:
        end = self._size + len(values)
        if end > len(self._data):
            grown = np.empty(max(end, 2 * len(self._data)), dtype=self._data.dtype)
            grown[: self._size] = self._data[: self._size]
            self._data = grown
        self._data[self._size : end] = values
        self._size = end

    @property
    def values(self) -> NDArray[Any]:
        return self._data[: self._size]


class _Lists:
    """A list of items per row, flattened: row ``r`` holds ``items[start[r]:][:count[r]]``."""

    def __init__(self, dtype: type) -> None:
        self.start = _Growing(np.intp)
        self.count = _Growing(np.intp)
        self.items = _Growing(dtype)

    def extend(self, lists: Sequence[Sequence[Any]]) -> None:
        counts = [len(items) for items in lists]
        self.start.extend(np.cumsum(counts) - counts + len(self.items.values))
        self.count.extend(counts)
        self.items.extend([item for items in lists for item in items])

    def gather(self, rows: NDArray[np.intp]) -> tuple[NDArray[np.intp], NDArray[Any]]:
        """The lists of ``rows`` flattened in their order: each one's length, and the items."""
        counts = self.count.values[rows]
        offsets = np.cumsum(counts) - counts
        index = np.arange(int(counts.sum())) + np.repeat(self.start.values[rows] - offsets, counts)
        return counts, self.items.values[index]


class _Names:
    """A set of names per row (certifications, export countries), names as integer ids."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.lists = _Lists(np.intp)

    def extend(self, sets: Sequence[Iterable[str]]) -> None:
        ids = self.ids
        self.lists.extend([[ids.setdefault(name, len(ids)) for name in names] for names in sets])

    def holding(self, rows: NDArray[np.intp], name: str) -> NDArray[np.bool_]:
        """Whether the set of each of ``rows`` holds ``name``."""
        if name not in self.ids:
            return np.zeros(len(rows), dtype=bool)
        counts, ids = self.lists.gather(rows)
        owners = np.repeat(np.arange(len(rows)), counts)
        hits = np.bincount(owners[ids == self.ids[name]], minlength=len(rows))
        return np.asarray(hits > 0)


class FirmTable:
    """The facts of every firm met, one row each; rows are only ever appended (under a lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # id() of each firm object entered -> its row: the table keeps every firm it enters
        # alive, so an id found here is still that object (and reading an id touches nothing).
        self._row: dict[int, int] = {}
        self.firms: list[Firm] = []
        self._texts: list[str | None] = []
        self.siren = _Growing(np.int64)
        self.turnover = _Growing(np.float64)
        self.is_sme = _Growing(np.bool_)
        self.maturity = _Growing(np.intp)
        self.region = _Growing(np.intp)
        self.codes = _Lists(np.int64)
        self.strength = _Lists(np.float64)
        self.contracts = _Lists(np.float64)
        self.amount = _Lists(np.float64)
        self.certifications = _Names()
        self.exports = _Names()

    def __len__(self) -> int:
        return len(self.firms)

    def rows(self, firms: Sequence[Firm]) -> NDArray[np.intp]:
        """The row of each firm, entering the firms not met yet (a changed firm is a new object)."""
        found: list[int | None] = list(map(self._row.get, map(id, firms)))
        stale = [i for i, row in enumerate(found) if row is None]
        if stale:
            with self._lock:
                first = len(self.firms)
                self._append([firms[i] for i in stale])
            for offset, i in enumerate(stale):
                found[i] = first + offset
        return np.array(found, dtype=np.intp)

    def _append(self, firms: list[Firm]) -> None:
        self.siren.extend([int(f.siren) for f in firms])
        self.turnover.extend([estimated_turnover(f) for f in firms])
        self.is_sme.extend([f.is_sme for f in firms])
        self.maturity.extend([_MATURITY_RANK[f.maturity] for f in firms])
        self.region.extend([_REGION_ID[f.region] for f in firms])
        self.codes.extend([[int(c.cpv) for c in f.capabilities] for f in firms])
        self.strength.extend([[c.strength for c in f.capabilities] for f in firms])
        self.contracts.extend([[c.contracts for c in f.capabilities] for f in firms])
        self.amount.extend([[c.amount_eur for c in f.capabilities] for f in firms])
        self.certifications.extend([normalised_certifications(f.certifications) for f in firms])
        self.exports.extend([f.export_countries for f in firms])
        self._texts.extend([None] * len(firms))
        first = len(self.firms)
        self.firms.extend(firms)  # rows are complete before they are published
        self._row.update((id(f), first + i) for i, f in enumerate(firms))

    def text(self, row: int) -> str:
        """The text of a row's firm for text matching (:func:`scoring.text.firm_text`)."""
        text = self._texts[row]
        if text is None:
            text = self._texts[row] = firm_text(self.firms[row])
        return text


_tables = [FirmTable()]


def _table() -> FirmTable:
    """The table in use: a new one once the current one is full (it stays valid for its users)."""
    if len(_tables[0]) > TABLE_LIMIT:
        _tables[0] = FirmTable()
    return _tables[0]


@dataclass(frozen=True)
class FirmColumns:
    """The facts of a list of firms as arrays (row ``i`` is the ``i``-th firm).

    Capabilities are flattened, firm after firm: the firm in row ``i`` holds
    ``capability_count[i]`` of them from ``capability_start[i]`` on.
    """

    table: FirmTable
    rows: NDArray[np.intp]

    @classmethod
    def of(cls, firms: Firms) -> FirmColumns:
        """Columns of ``firms`` (returned as they are when they already are columns)."""
        if isinstance(firms, FirmColumns):
            return firms
        table = _table()
        return cls(table, table.rows(firms))

    def __len__(self) -> int:
        return len(self.rows)

    def take(self, index: Sequence[int] | NDArray[np.intp]) -> FirmColumns:
        """The columns of some of the firms, in the order of ``index``."""
        return FirmColumns(self.table, self.rows[np.asarray(index, dtype=np.intp)])

    @property
    def firms(self) -> list[Firm]:
        """The firms themselves."""
        return [self.table.firms[row] for row in self.rows]

    @cached_property
    def siren(self) -> NDArray[np.int64]:
        """SIREN as an integer (9 digits: integers sort as the SIRENs do)."""
        sirens: NDArray[np.int64] = self.table.siren.values[self.rows]
        return sirens

    @cached_property
    def turnover(self) -> NDArray[np.float64]:
        """Estimated turnover in euros (see :func:`estimated_turnover`)."""
        turnover: NDArray[np.float64] = self.table.turnover.values[self.rows]
        return turnover

    @cached_property
    def is_sme(self) -> NDArray[np.bool_]:
        """Whether each firm is an SME."""
        sme: NDArray[np.bool_] = self.table.is_sme.values[self.rows]
        return sme

    @cached_property
    def maturity(self) -> NDArray[np.intp]:
        """Export maturity rank (0 for a first-time exporter)."""
        maturity: NDArray[np.intp] = self.table.maturity.values[self.rows]
        return maturity

    @property
    def texts(self) -> list[str]:
        """Each firm's text for text matching (:func:`scoring.text.firm_text`)."""
        return [self.table.text(row) for row in self.rows]

    @cached_property
    def _capabilities(self) -> tuple[NDArray[np.intp], NDArray[np.int64], NDArray[np.float64]]:
        counts, codes = self.table.codes.gather(self.rows)
        return counts, codes, self.table.strength.gather(self.rows)[1]

    @property
    def capability_count(self) -> NDArray[np.intp]:
        """How many capabilities each firm holds."""
        return self._capabilities[0]

    @cached_property
    def capability_start(self) -> NDArray[np.intp]:
        """Where each firm's capabilities start in the flattened ones."""
        start: NDArray[np.intp] = np.cumsum(self.capability_count) - self.capability_count
        return start

    @cached_property
    def capability_owner(self) -> NDArray[np.intp]:
        """The row of the firm holding each capability."""
        return np.repeat(np.arange(len(self.rows)), self.capability_count)

    @property
    def capability_codes(self) -> NDArray[np.int64]:
        """Each capability's CPV code as an integer."""
        return self._capabilities[1]

    @property
    def capability_strength(self) -> NDArray[np.float64]:
        """Each capability's evidence strength."""
        return self._capabilities[2]

    @property
    def capability_contracts(self) -> NDArray[np.float64]:
        """Each capability's number of past contracts."""
        return self.table.contracts.gather(self.rows)[1]

    @property
    def capability_amount(self) -> NDArray[np.float64]:
        """Each capability's total amount of past contracts in euros."""
        return self.table.amount.gather(self.rows)[1]

    @cached_property
    def distinct_codes(self) -> tuple[NDArray[np.int64], NDArray[np.intp]]:
        """The distinct capability codes, sorted, and each capability's index among them."""
        distinct, index = np.unique(self.capability_codes, return_inverse=True)
        return distinct, index

    def in_regions(self, regions: Iterable[Region]) -> NDArray[np.bool_]:
        """Whether each firm is based in one of ``regions``."""
        wanted = [_REGION_ID[region] for region in regions]
        return np.isin(self.table.region.values[self.rows], wanted)

    def exports_to(self, country: str) -> NDArray[np.bool_]:
        """Whether each firm already exports to ``country``."""
        return self.table.exports.holding(self.rows, country)

    def certified(self, required: Iterable[str]) -> NDArray[np.bool_]:
        """Whether each firm holds every certification of ``required``."""
        held = np.ones(len(self.rows), dtype=bool)
        for name in normalised_certifications(required):
            held &= self.table.certifications.holding(self.rows, name)
        return held


Firms = Sequence[Firm] | FirmColumns
