"""The ``GraphStore`` interface: what Meute needs from a capability graph.

Two implementations honour it and pass the same contract tests: the embedded networkx store
(:mod:`graph.embedded`, the default, persisted to a data directory) and the Neo4j store
(:mod:`graph.neo4j_store`). Candidate retrieval is defined once here so both return the same
firms for the same lot codes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from meute.graph.cpv import normalise, significant
from meute.graph.errors import InvalidInput, Problem
from meute.graph.model import (
    Collaboration,
    CollaborationKind,
    ExportMaturity,
    Firm,
    HeadcountBand,
    Region,
    Tender,
)

__all__ = [
    "DivisionCooccurrence",
    "FirmQuery",
    "GraphStore",
    "ImportReport",
    "neighbourhood_prefix",
    "reject_duplicate_keys",
    "unknown_firms_reason",
]

# A lot code reaches firms whose capability codes start with the same digits down to the class
# level (4 digits): a lot "33111000 X-ray devices" also reaches "33112000 echo imaging" firms,
# and a lot "33100000 medical equipments" every code of group 331.
NEIGHBOURHOOD_DIGITS = 4


def neighbourhood_prefix(code: str) -> str:
    """The prefix that a firm's 8-digit CPV code must start with to be a candidate for ``code``."""
    return code[: min(NEIGHBOURHOOD_DIGITS, len(significant(code)))]


@dataclass
class ImportReport:
    """What an import did: counts per outcome and the reason for every rejection."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """The report as JSON-ready data (an import job's report)."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }

    def merge(self, other: ImportReport) -> None:
        """Add another report's counts to this one."""
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected.extend(other.rejected)


@dataclass(frozen=True)
class DivisionCooccurrence:
    """How many ordered pairs of firms that worked together (in this way) join a firm active in
    one CPV division (2 digits) to a firm active in another; every pair counts both ways.
    """

    division: str
    partner_division: str
    kind: CollaborationKind
    pairs: int


@dataclass(frozen=True)
class FirmQuery:
    """Filters on firms; ``None`` accepts any value, and every filter given must hold.

    ``cpv``: a capability under this code (its significant digits, so ``33100000`` matches every
    code of group 331); ``naf``: a NAF code starting with this (``86`` or ``86.10Z``);
    ``certification``: held exactly, ignoring case; ``name``: a case-insensitive part of the name.
    """

    cpv: str | None = None
    naf: str | None = None
    region: Region | None = None
    headcount: HeadcountBand | None = None
    sme: bool | None = None
    maturity: ExportMaturity | None = None
    certification: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if self.cpv is not None:
            object.__setattr__(self, "cpv", normalise(self.cpv))
        if self.certification is not None:
            object.__setattr__(self, "certification", self.certification.strip().casefold())
        if self.name is not None:
            object.__setattr__(self, "name", self.name.strip().casefold())

    @property
    def cpv_prefix(self) -> str | None:
        """The digits a capability code must start with, if filtered by CPV."""
        return significant(self.cpv) if self.cpv is not None else None

    def matches(self, firm: Firm) -> bool:
        """Whether ``firm`` passes every filter (the reference semantics for every store)."""
        prefix = self.cpv_prefix
        return (
            (prefix is None or any(c.cpv.startswith(prefix) for c in firm.capabilities))
            and (self.naf is None or (firm.naf or "").startswith(self.naf))
            and (self.region is None or firm.region == self.region)
            and (self.headcount is None or firm.headcount == self.headcount)
            and (self.sme is None or firm.is_sme == self.sme)
            and (self.maturity is None or firm.maturity == self.maturity)
            and (
                self.certification is None
                or self.certification in {c.casefold() for c in firm.certifications}
            )
            and (self.name is None or self.name in firm.name.casefold())
        )


class GraphStore(ABC):
    """Firms, tenders and collaborations, with the graph queries the matcher needs.

    Writes are all-or-nothing per call: a call that fails leaves the store as it was.
    """

    @abstractmethod
    def upsert_firms(self, firms: Sequence[Firm]) -> ImportReport:
        """Create or replace firms by SIREN."""

    @abstractmethod
    def upsert_tenders(self, tenders: Sequence[Tender]) -> ImportReport:
        """Create or replace tenders (with their lots) by id."""

    @abstractmethod
    def upsert_collaborations(self, collaborations: Sequence[Collaboration]) -> ImportReport:
        """Add collaborations; one already stored (same firms, kind, year, source) is unchanged.

        Both firms must already be stored, otherwise the collaboration is rejected.
        """

    @abstractmethod
    def get_firm(self, siren: str) -> Firm | None:
        """The firm with this SIREN, or None."""

    @abstractmethod
    def get_firms(self, sirens: Iterable[str]) -> list[Firm]:
        """The stored firms among ``sirens``, sorted by SIREN."""

    @abstractmethod
    def find_firms(
        self, query: FirmQuery, offset: int = 0, limit: int = 100
    ) -> tuple[list[Firm], int]:
        """A page of the firms passing ``query``, sorted by SIREN, and how many pass in all."""

    def list_firms(self, offset: int = 0, limit: int = 100) -> list[Firm]:
        """A page of firms sorted by SIREN."""
        return self.find_firms(FirmQuery(), offset, limit)[0]

    @abstractmethod
    def count_firms(self) -> int:
        """How many firms are stored."""

    @abstractmethod
    def sirens(self) -> set[str]:
        """The SIRENs of every stored firm (what a registry import looks its rows up in)."""

    @abstractmethod
    def get_tender(self, tender_id: str) -> Tender | None:
        """The tender with this id, or None."""

    @abstractmethod
    def list_tenders(self, offset: int = 0, limit: int = 100) -> list[Tender]:
        """A page of tenders sorted by id."""

    @abstractmethod
    def count_tenders(self) -> int:
        """How many tenders are stored."""

    @abstractmethod
    def candidates(self, cpv_codes: Iterable[str], limit: int | None = None) -> list[Firm]:
        """Firms with a capability in the neighbourhood of any of ``cpv_codes``, by SIREN.

        With ``limit``, each neighbourhood brings only its ``limit`` firms whose capability in
        it has the strongest evidence (ties by SIREN): at national scale a neighbourhood holds
        thousands of firms.
        """

    @abstractmethod
    def collaborations_among(self, sirens: Iterable[str]) -> list[Collaboration]:
        """Every stored collaboration between two firms of ``sirens``, sorted by key."""

    @abstractmethod
    def collaborations_of(self, sirens: Iterable[str]) -> list[Collaboration]:
        """Every stored collaboration of at least one firm of ``sirens``, sorted by key."""

    @abstractmethod
    def division_cooccurrence(self) -> list[DivisionCooccurrence]:
        """CPV-division co-occurrence over every collaboration, sorted (see the dataclass)."""

    # -- records: small JSON documents kept beside the graph (keys, proposals, shortlists) ----

    @abstractmethod
    def put_record(self, kind: str, key: str, document: str) -> None:
        """Create or replace the JSON ``document`` stored under ``kind`` and ``key``."""

    @abstractmethod
    def get_record(self, kind: str, key: str) -> str | None:
        """The document stored under ``kind`` and ``key``, or None."""

    @abstractmethod
    def list_records(self, kind: str) -> list[str]:
        """Every document of ``kind``, sorted by key."""

    @abstractmethod
    def delete_record(self, kind: str, key: str) -> bool:
        """Delete a document; False when there was none."""

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release resources (connections); the store is unusable afterwards."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def reject_duplicate_keys(keys: list[str], collection: str, field: str) -> None:
    """Refuse a batch that names the same key twice, before anything is written."""
    seen: set[str] = set()
    problems = []
    for index, key in enumerate(keys):
        if key in seen:
            problems.append(Problem(f"{collection}[{index}].{field}", key, "appears twice"))
        seen.add(key)
    if problems:
        raise InvalidInput(f"duplicate {field} in {collection}", problems)


def unknown_firms_reason(collaboration: Collaboration, missing: Sequence[str]) -> str:
    """Why a collaboration naming firms that are not stored is rejected."""
    return (
        f"collaboration {collaboration.firm_a}-{collaboration.firm_b}: "
        f"unknown firm {', '.join(missing)}"
    )
