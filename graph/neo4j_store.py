"""The Neo4j store: the capability graph on a Neo4j server (official ``neo4j`` driver).

Graph model::

    (:Firm {siren, name, name_key, naf, certification_keys, region, headcount, maturity,
            is_sme, turnover_eur, text, doc})
        -[:HAS_CAPABILITY {strength, contracts, amount_eur}]->(:Cpv {code, label_fr, label_en})
    (:Cpv)-[:BROADER]->(:Cpv)                      the CPV hierarchy
    (:Firm)-[:IN_SECTOR]->(:Naf {code, label})     the firm's NAF rév. 2 activity
    (:Firm)-[:COLLABORATED {key, kind, year, source}]->(:Firm)
    (:Tender {id, title, country, doc})-[:HAS_LOT]->(:Lot {uid, id, title})-[:REQUIRES]->(:Cpv)
    (:Generation {name: "firms", stamp})            renewed by every write of firms

``doc`` holds the validated model as JSON so that reads return exactly what was written. A
capability's award records (the contracts that prove it) live only there: they are read with
their firm and never queried across firms, so nodes or relationship properties for them would
cost every import writes (and keep a second copy to agree with the doc) for no query. A
store remembers the firms it has read and the firms of each CPV neighbourhood for as long as the
firms' generation stamp is the one it last read (one small query per retrieval): any process's
write of firms renews the stamp. Cypher
lives in constants and takes values only as ``$parameters``. Writes go through managed write
transactions (retried by the driver, so they are idempotent), one transaction per batch of
``UNWIND $rows``; reads through managed read transactions.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

from neo4j import GraphDatabase, ManagedTransaction
from neo4j.exceptions import (
    AuthError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from meute.graph import naf
from meute.graph.cpv import taxonomy
from meute.graph.errors import StoreUnavailable
from meute.graph.model import Collaboration, CollaborationKind, Firm, Tender
from meute.graph.records import readable
from meute.graph.store import (
    DivisionCooccurrence,
    FirmQuery,
    GraphStore,
    ImportReport,
    neighbourhood_prefix,
    reject_duplicate_keys,
    unknown_firms_reason,
)
from meute.graph.trusted import firm_json

__all__ = ["BATCH_SIZE", "WRITERS", "Neo4jStore", "firm_properties", "naf_rows"]

BATCH_SIZE = 1_000
# Write transactions an import runs side by side (the server overlaps one batch's commit with
# the next batches' work; batches never lock the same firm).
WRITERS = 2
# Parallel batches may still deadlock on the relationship records they both update (a firm's
# chain can start with a relationship to another batch's firm): the loser is retried.
DEADLOCK_ATTEMPTS = 8
# Parsed firms remembered by their stored document (a changed firm has a new document).
PARSED_CACHE_LIMIT = 200_000
T = TypeVar("T")

SCHEMA = [
    "CREATE CONSTRAINT firm_siren IF NOT EXISTS FOR (f:Firm) REQUIRE f.siren IS UNIQUE",
    "CREATE CONSTRAINT cpv_code IF NOT EXISTS FOR (c:Cpv) REQUIRE c.code IS UNIQUE",
    "CREATE CONSTRAINT naf_code IF NOT EXISTS FOR (n:Naf) REQUIRE n.code IS UNIQUE",
    "CREATE CONSTRAINT tender_id IF NOT EXISTS FOR (t:Tender) REQUIRE t.id IS UNIQUE",
    "CREATE CONSTRAINT lot_uid IF NOT EXISTS FOR (l:Lot) REQUIRE l.uid IS UNIQUE",
    "CREATE CONSTRAINT generation_name IF NOT EXISTS FOR (g:Generation) REQUIRE g.name IS UNIQUE",
    "CREATE INDEX firm_region IF NOT EXISTS FOR (f:Firm) ON (f.region)",
    "CREATE CONSTRAINT record_rid IF NOT EXISTS FOR (r:Record) REQUIRE r.rid IS UNIQUE",
    "CREATE INDEX record_kind IF NOT EXISTS FOR (r:Record) ON (r.kind)",
    "CREATE INDEX collaboration_key IF NOT EXISTS FOR ()-[r:COLLABORATED]-() ON (r.key)",
    # Eventually consistent: its Lucene updates run after the commit instead of within it
    # (they were a third of each firm batch's time). See FULLTEXT_SYNCHRONOUS.
    "CREATE FULLTEXT INDEX firm_text IF NOT EXISTS FOR (f:Firm) ON EACH [f.name, f.text]"
    " OPTIONS {indexConfig: {`fulltext.eventually_consistent`: true}}",
]

# A firm_text index created before it was eventually consistent is dropped, then recreated.
FULLTEXT_SYNCHRONOUS = """
SHOW FULLTEXT INDEXES YIELD name, options
WHERE name = 'firm_text'
  AND coalesce(options.indexConfig.`fulltext.eventually_consistent`, false) = false
RETURN name
"""
COUNT_CPV = "MATCH (c:Cpv) RETURN count(c) AS n"
MERGE_CPV = """
UNWIND $rows AS row
MERGE (c:Cpv {code: row.code})
SET c.label_fr = row.label_fr, c.label_en = row.label_en
"""
MERGE_BROADER = """
UNWIND $rows AS row
MATCH (c:Cpv {code: row.code}), (p:Cpv {code: row.parent})
MERGE (c)-[:BROADER]->(p)
"""

EXISTING_FIRMS = "MATCH (f:Firm) WHERE f.siren IN $sirens RETURN f.siren AS siren, f.doc AS doc"
# NAF nodes are shared by many firms: merged once per import, before the firms' transactions,
# and written only when new or relabelled, so that parallel firm batches only read them.
MERGE_NAF = """
UNWIND $rows AS row
MERGE (n:Naf {code: row.code})
WITH n, row
WHERE NOT n.label = row.label OR (n.label IS NULL) <> (row.label IS NULL)
SET n.label = row.label
"""
# A firm batch is three statements of one transaction: the firms (replacing their edges), then
# their sector and capability edges in the order of the shared node's code, so that parallel
# batches take the locks of shared NAF/CPV nodes in one global order (no deadlock).
UPSERT_FIRMS = """
UNWIND $rows AS row
MERGE (f:Firm {siren: row.siren})
SET f = row.props
WITH f
CALL (f) { MATCH (f)-[old:HAS_CAPABILITY|IN_SECTOR]->() DELETE old }
"""
CREATE_SECTORS = """
UNWIND $rows AS row
MATCH (f:Firm {siren: row.siren})
MATCH (n:Naf {code: row.code})
CREATE (f)-[:IN_SECTOR]->(n)
"""
CREATE_CAPABILITIES = """
UNWIND $rows AS row
MATCH (f:Firm {siren: row.siren})
MATCH (c:Cpv {code: row.cpv})
CREATE (f)-[:HAS_CAPABILITY {strength: row.strength, contracts: row.contracts,
                             amount_eur: row.amount_eur}]->(c)
"""
FIRM_DOCS = "MATCH (f:Firm) WHERE f.siren IN $sirens RETURN f.doc AS doc ORDER BY f.siren"
FIRM_PAGE = "MATCH (f:Firm) RETURN f.doc AS doc ORDER BY f.siren SKIP $offset LIMIT $limit"
# The same filters as graph.store.FirmQuery.matches; a null parameter accepts any firm.
FIRM_FILTER = """
MATCH (f:Firm)
WHERE ($region IS NULL OR f.region = $region)
  AND ($headcount IS NULL OR f.headcount = $headcount)
  AND ($sme IS NULL OR f.is_sme = $sme)
  AND ($maturity IS NULL OR f.maturity = $maturity)
  AND ($naf IS NULL OR f.naf STARTS WITH $naf)
  AND ($certification IS NULL OR $certification IN f.certification_keys)
  AND ($name IS NULL OR f.name_key CONTAINS $name)
  AND ($cpv IS NULL OR EXISTS {
    MATCH (f)-[:HAS_CAPABILITY]->(c:Cpv) WHERE c.code STARTS WITH $cpv
  })
"""
FILTERED_PAGE = FIRM_FILTER + "RETURN f.doc AS doc ORDER BY f.siren SKIP $offset LIMIT $limit"
FILTERED_COUNT = FIRM_FILTER + "RETURN count(f) AS n"
COUNT_FIRMS = "MATCH (f:Firm) RETURN count(f) AS n"
ALL_SIRENS = "MATCH (f:Firm) RETURN f.siren AS siren"
NEIGHBOURHOODS = """
UNWIND $prefixes AS prefix
CALL (prefix) {
  MATCH (f:Firm)-[:HAS_CAPABILITY]->(c:Cpv)
  WHERE c.code STARTS WITH prefix
  RETURN collect(DISTINCT f.siren) AS sirens
}
RETURN prefix, sirens
"""
STRONGEST_NEIGHBOURS = """
UNWIND $prefixes AS prefix
CALL (prefix) {
  MATCH (f:Firm)-[r:HAS_CAPABILITY]->(c:Cpv)
  WHERE c.code STARTS WITH prefix
  WITH f, max(r.strength) AS strength
  ORDER BY strength DESC, f.siren ASC
  LIMIT $limit
  RETURN collect(f.siren) AS sirens
}
RETURN prefix, sirens
"""
# Every write of firms gives them a new generation stamp: what a reader remembers about firms
# (neighbourhoods, parsed documents) holds while the stamp it read is unchanged.
FIRMS_GENERATION = "MATCH (g:Generation {name: 'firms'}) RETURN g.stamp AS stamp"
NEW_FIRMS_GENERATION = "MERGE (g:Generation {name: 'firms'}) SET g.stamp = randomUUID()"
FIRST_FIRMS_GENERATION = "MERGE (g:Generation {name: 'firms'}) ON CREATE SET g.stamp = randomUUID()"

KNOWN_SIRENS = "MATCH (f:Firm) WHERE f.siren IN $sirens RETURN f.siren AS siren"
MERGE_COLLABORATIONS = """
UNWIND $rows AS row
MATCH (a:Firm {siren: row.firm_a})
MATCH (b:Firm {siren: row.firm_b})
MERGE (a)-[r:COLLABORATED {key: row.key}]->(b)
SET r.kind = row.kind, r.year = row.year, r.source = row.source
"""
COLLABORATIONS_AMONG = """
MATCH (a:Firm)-[r:COLLABORATED]->(b:Firm)
WHERE a.siren IN $sirens AND b.siren IN $sirens
RETURN a.siren AS firm_a, b.siren AS firm_b, r.kind AS kind, r.year AS year, r.source AS source
"""
COLLABORATIONS_OF = """
UNWIND $sirens AS siren
MATCH (:Firm {siren: siren})-[r:COLLABORATED]-(:Firm)
WITH DISTINCT r
RETURN startNode(r).siren AS firm_a, endNode(r).siren AS firm_b, r.kind AS kind,
       r.year AS year, r.source AS source
"""
DIVISION_COOCCURRENCE = """
MATCH (a:Firm)-[r:COLLABORATED]->(b:Firm)
WITH a, b, collect(DISTINCT r.kind) AS kinds
CALL (a) {
  MATCH (a)-[:HAS_CAPABILITY]->(c:Cpv) RETURN collect(DISTINCT substring(c.code, 0, 2)) AS da
}
CALL (b) {
  MATCH (b)-[:HAS_CAPABILITY]->(c:Cpv) RETURN collect(DISTINCT substring(c.code, 0, 2)) AS db
}
UNWIND kinds AS kind
UNWIND da AS x
UNWIND db AS y
RETURN x, y, kind, count(*) AS n
"""

EXISTING_TENDERS = "MATCH (t:Tender) WHERE t.id IN $ids RETURN t.id AS id, t.doc AS doc"
UPSERT_TENDERS = """
UNWIND $rows AS row
MERGE (t:Tender {id: row.id})
SET t.title = row.title, t.country = row.country, t.doc = row.doc
WITH t, row
CALL (t) { MATCH (t)-[:HAS_LOT]->(old:Lot) DETACH DELETE old }
WITH t, row
UNWIND row.lots AS lot
CREATE (t)-[:HAS_LOT]->(l:Lot {uid: row.id + '/' + lot.id, id: lot.id, title: lot.title})
WITH l, lot
UNWIND lot.cpv AS code
MATCH (c:Cpv {code: code})
CREATE (l)-[:REQUIRES]->(c)
"""
COUNT_TENDERS = "MATCH (t:Tender) RETURN count(t) AS n"
TENDER_DOC = "MATCH (t:Tender {id: $id}) RETURN t.doc AS doc"
WIPE = """
MATCH (n) WHERE NOT n:Cpv AND NOT n:Generation
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS
"""
TENDER_PAGE = "MATCH (t:Tender) RETURN t.doc AS doc ORDER BY t.id SKIP $offset LIMIT $limit"

PUT_RECORD = """
MERGE (r:Record {rid: $kind + '/' + $key})
SET r.kind = $kind, r.key = $key, r.doc = $doc
"""
GET_RECORD = "MATCH (r:Record {rid: $kind + '/' + $key}) RETURN r.doc AS doc"
LIST_RECORDS = "MATCH (r:Record {kind: $kind}) RETURN r.doc AS doc ORDER BY r.key"
DELETE_RECORD = """
MATCH (r:Record {rid: $kind + '/' + $key})
DELETE r
RETURN count(*) AS n
"""


def firm_properties(firm: Firm) -> dict[str, Any]:
    """The properties of a firm's node (also what the bulk import writes)."""
    vocabulary = taxonomy()
    labels = " ".join(vocabulary.label(c.cpv, "fr") for c in firm.capabilities)
    sector = naf.label(firm.naf)
    return {
        "siren": firm.siren,
        "name": firm.name,
        "name_key": firm.name.casefold(),
        "naf": firm.naf,
        # No property rather than an empty list (neo4j-admin reads an empty cell as none).
        "certification_keys": [c.casefold() for c in firm.certifications] or None,
        "region": firm.region.value,
        "headcount": firm.headcount.value,
        "maturity": firm.maturity.value,
        "is_sme": firm.is_sme,
        "turnover_eur": firm.turnover_eur,
        "text": " ".join(part for part in (firm.description, sector, labels) if part),
        "doc": firm_json(firm),
    }


def collaboration_properties(collaboration: Collaboration) -> dict[str, Any]:
    """The properties of a collaboration's relationship, with its two firms' SIRENs."""
    return {
        "firm_a": collaboration.firm_a,
        "firm_b": collaboration.firm_b,
        "key": "|".join(map(str, collaboration.key)),
        "kind": collaboration.kind.value,
        "year": collaboration.year,
        "source": collaboration.source,
    }


def naf_rows(firms: Iterable[Firm]) -> list[dict[str, str | None]]:
    """The NAF nodes of ``firms`` (code and label), sorted by code."""
    codes = sorted({firm.naf for firm in firms if firm.naf})
    return [{"code": code, "label": naf.label(code)} for code in codes]


def _batches(items: Sequence[T], size: int = BATCH_SIZE) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Neo4jStore(GraphStore):
    """A :class:`GraphStore` on a Neo4j server; one driver for the store's life."""

    def __init__(
        self, uri: str, user: str, password: str, database: str = "neo4j", timeout: float = 1.0
    ) -> None:
        """Connect (StoreUnavailable when the server cannot be used).

        ``timeout`` (seconds) bounds each connection attempt and the retries of a transaction,
        so that a server that is down is reported in about that time, not after minutes.
        """
        if not uri:
            raise StoreUnavailable("no Neo4j URI configured: set MEUTE_NEO4J_URI")
        self.uri = uri
        self.database = database
        self._parsed: dict[str, Firm] = {}
        # Valid for the firms generation read last: (prefix, limit) -> SIRENs, SIREN -> firm.
        self._generation: str | None = None
        self._neighbourhoods: dict[tuple[str, int | None], list[str]] = {}
        self._known: dict[str, Firm] = {}
        auth = (user, password) if password else None
        try:
            self._driver = GraphDatabase.driver(
                uri, auth=auth, connection_timeout=timeout, max_transaction_retry_time=timeout
            )
        except (DriverError, ValueError) as error:
            raise StoreUnavailable(f"cannot use Neo4j at {uri}: {error}") from None
        try:
            with self._unavailable_as_error():
                self._driver.verify_connectivity()
            self._bootstrap()
        except BaseException:
            self._driver.close()
            raise

    # -- plumbing --------------------------------------------------------------------------

    @contextmanager
    def _unavailable_as_error(self) -> Iterator[None]:
        try:
            yield
        except AuthError as error:
            raise StoreUnavailable(
                f"Neo4j at {self.uri} refused the credentials: {error}"
            ) from None
        except (ServiceUnavailable, SessionExpired) as error:
            raise StoreUnavailable(f"Neo4j at {self.uri} is unreachable: {error}") from None
        except (DriverError, Neo4jError, OSError) as error:
            raise StoreUnavailable(f"Neo4j at {self.uri} failed: {error}") from None

    def _write(self, work: Callable[[ManagedTransaction], T]) -> T:
        with self._unavailable_as_error(), self._driver.session(database=self.database) as session:
            return session.execute_write(work)

    def _write_batch(self, work: Callable[[ManagedTransaction], T]) -> T:
        """Like ``_write``, also retrying a batch that lost a deadlock to a parallel batch."""
        for attempt in range(DEADLOCK_ATTEMPTS):
            try:
                with self._driver.session(database=self.database) as session:
                    return session.execute_write(work)
            except TransientError:
                if attempt == DEADLOCK_ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0.05, 0.2 * (attempt + 1)))
        raise AssertionError("unreachable")

    def _read(self, work: Callable[[ManagedTransaction], T]) -> T:
        with self._unavailable_as_error(), self._driver.session(database=self.database) as session:
            return session.execute_read(work)

    def _read_docs(self, query: str, **params: Any) -> list[str]:
        def work(tx: ManagedTransaction) -> list[str]:
            return [record["doc"] for record in tx.run(query, params)]

        return self._read(work)

    def _firms(self, query: str, **params: Any) -> list[Firm]:
        """Firms from their stored documents, parsing each distinct document only once."""
        firms = []
        for doc in self._read_docs(query, **params):
            firm = self._parsed.get(doc)
            if firm is None:
                if len(self._parsed) >= PARSED_CACHE_LIMIT:
                    self._parsed.clear()
                    self._known.clear()
                parsed = readable(Firm, [doc], "firm")
                if not parsed:
                    continue
                firm = self._parsed[doc] = parsed[0]
            firms.append(firm)
        return firms

    def _follow_generation(self) -> None:
        """Forget what was remembered about firms if they were written since."""
        stamp = self._read(lambda tx: tx.run(FIRMS_GENERATION).single())
        generation = None if stamp is None else stamp["stamp"]
        if generation != self._generation or generation is None:  # None: nothing to trust
            self._neighbourhoods.clear()
            self._known.clear()
            self._generation = generation

    def _firms_by_siren(self, sirens: list[str]) -> list[Firm]:
        """The readable firms of ``sirens`` (all stored), fetching only those not remembered.

        What is remembered is read into a local mapping first, as another thread may clear it.
        """
        found = {siren: firm for siren in sirens if (firm := self._known.get(siren)) is not None}
        unknown = [siren for siren in sirens if siren not in found]
        if len(self._parsed) + len(unknown) > PARSED_CACHE_LIMIT:
            self._parsed.clear()
            self._known.clear()
        if unknown:
            for firm in self._firms(FIRM_DOCS, sirens=unknown):
                found[firm.siren] = self._known[firm.siren] = firm
        return [found[siren] for siren in sirens if siren in found]

    def _bootstrap(self) -> None:
        """Create constraints, indexes and the firms' generation, and load the CPV tree once."""
        with self._unavailable_as_error():
            if self._driver.execute_query(FULLTEXT_SYNCHRONOUS, database_=self.database).records:
                self._driver.execute_query("DROP INDEX firm_text", database_=self.database)
        for statement in SCHEMA:
            with self._unavailable_as_error():
                self._driver.execute_query(statement, database_=self.database)
        self._write(lambda tx: tx.run(FIRST_FIRMS_GENERATION).consume())
        vocabulary = taxonomy()
        if self._read(lambda tx: tx.run(COUNT_CPV).single(strict=True)["n"]) == len(vocabulary):
            return
        rows = [
            {"code": e.code, "label_fr": e.label_fr, "label_en": e.label_en}
            for e in vocabulary.entries.values()
        ]
        links = [
            {"code": code, "parent": parent}
            for code in vocabulary.entries
            if (parent := vocabulary.parent(code)) is not None
        ]
        for batch in _batches(rows, 5_000):
            self._write(partial(_run, query=MERGE_CPV, rows=batch))
        for batch in _batches(links, 5_000):
            self._write(partial(_run, query=MERGE_BROADER, rows=batch))

    # -- writes ----------------------------------------------------------------------------

    def upsert_firms(self, firms: Sequence[Firm]) -> ImportReport:
        """Create or replace firms by SIREN, one transaction per batch, batches in parallel.

        A firm's node and its edges are written by one transaction: an interrupted import
        leaves each firm either as it was or fully written.
        """
        reject_duplicate_keys([f.siren for f in firms], "firms", "siren")
        if firms:
            nafs = naf_rows(firms)
            if nafs:
                self._write(partial(_run, query=MERGE_NAF, rows=nafs))
        report = ImportReport()
        for done in self._in_parallel(_upsert_firm_batch, list(_batches(firms))):
            report.merge(done)
        return report

    def _in_parallel(
        self,
        work: Callable[[ManagedTransaction, Sequence[T]], ImportReport],
        batches: Sequence[Sequence[T]],
    ) -> list[ImportReport]:
        """Write each batch in its own transaction, up to WRITERS at a time."""

        def write(batch: Sequence[T]) -> ImportReport:
            with self._unavailable_as_error():
                return self._write_batch(lambda tx: work(tx, batch))

        if len(batches) <= 1:
            return [write(batch) for batch in batches]
        with ThreadPoolExecutor(WRITERS) as pool:
            futures = [pool.submit(write, batch) for batch in batches]
            try:
                return [future.result() for future in futures]
            except BaseException:
                for future in futures:  # a failed batch (server gone): start no other
                    future.cancel()
                raise

    def upsert_tenders(self, tenders: Sequence[Tender]) -> ImportReport:
        """Create or replace tenders and their lots by id."""
        reject_duplicate_keys([t.id for t in tenders], "tenders", "id")
        report = ImportReport()
        for batch in _batches(tenders):
            report.merge(self._write(partial(_upsert_tender_batch, tenders=batch)))
        return report

    def upsert_collaborations(self, collaborations: Sequence[Collaboration]) -> ImportReport:
        """Add collaborations between stored firms; others are rejected with the reason.

        Batches run one after the other: parallel batches were measured slower (each new
        relationship updates the first relationship of both firms' chains, which parallel
        batches share through earlier collaborations: lock waits and deadlocks).
        """
        report = ImportReport()
        wanted = sorted({s for c in collaborations for s in (c.firm_a, c.firm_b)})
        stored: set[str] = set()
        for sirens in _batches(wanted, 50_000):
            stored |= self._read(partial(_known_sirens, sirens=sirens))
        rows: dict[str, dict[str, Any]] = {}
        for c in collaborations:
            missing = [s for s in (c.firm_a, c.firm_b) if s not in stored]
            if missing:
                report.rejected.append(unknown_firms_reason(c, missing))
                continue
            row = collaboration_properties(c)
            if row["key"] in rows:
                report.unchanged += 1  # the same collaboration twice in one call
            rows[row["key"]] = row
        for batch in _batches(list(rows.values())):
            report.merge(self._write(partial(_merge_collaboration_batch, rows=batch)))
        return report

    # -- reads -----------------------------------------------------------------------------

    def get_firm(self, siren: str) -> Firm | None:
        """The firm with this SIREN, or None."""
        firms = self._firms(FIRM_DOCS, sirens=[siren])
        return firms[0] if firms else None

    def get_firms(self, sirens: Iterable[str]) -> list[Firm]:
        """The stored firms among ``sirens``, sorted by SIREN."""
        return self._firms(FIRM_DOCS, sirens=sorted(set(sirens)))

    def find_firms(
        self, query: FirmQuery, offset: int = 0, limit: int = 100
    ) -> tuple[list[Firm], int]:
        """A page of the firms passing ``query``, and how many pass (filtered in Cypher)."""
        if query == FirmQuery():
            return self._firms(FIRM_PAGE, offset=offset, limit=limit), self.count_firms()
        params = {
            "region": query.region.value if query.region else None,
            "headcount": query.headcount.value if query.headcount else None,
            "sme": query.sme,
            "maturity": query.maturity.value if query.maturity else None,
            "naf": query.naf,
            "certification": query.certification,
            "name": query.name,
            "cpv": query.cpv_prefix,
        }
        page = self._firms(FILTERED_PAGE, offset=offset, limit=limit, **params)
        total: int = self._read(lambda tx: tx.run(FILTERED_COUNT, params).single(strict=True)["n"])
        return page, total

    def count_firms(self) -> int:
        """How many firms are stored."""
        count: int = self._read(lambda tx: tx.run(COUNT_FIRMS).single(strict=True)["n"])
        return count

    def sirens(self) -> set[str]:
        """The SIRENs of every stored firm."""
        found: set[str] = self._read(lambda tx: {record["siren"] for record in tx.run(ALL_SIRENS)})
        return found

    def get_tender(self, tender_id: str) -> Tender | None:
        """The tender with this id, or None."""
        tenders = readable(Tender, self._read_docs(TENDER_DOC, id=tender_id), "tender")
        return tenders[0] if tenders else None

    def list_tenders(self, offset: int = 0, limit: int = 100) -> list[Tender]:
        """A page of tenders sorted by id."""
        return readable(Tender, self._read_docs(TENDER_PAGE, offset=offset, limit=limit), "tender")

    def count_tenders(self) -> int:
        """How many tenders are stored."""
        count: int = self._read(lambda tx: tx.run(COUNT_TENDERS).single(strict=True)["n"])
        return count

    def candidates(self, cpv_codes: Iterable[str], limit: int | None = None) -> list[Firm]:
        """Firms holding a code in the neighbourhood of any of ``cpv_codes``."""
        prefixes = sorted({neighbourhood_prefix(code) for code in cpv_codes})
        if not prefixes:
            return []
        self._follow_generation()
        # Read the shared caches once into local names: another request's thread may clear
        # them at any moment (a write starts a new generation).
        held = {prefix: self._neighbourhoods.get((prefix, limit)) for prefix in prefixes}
        missing = [prefix for prefix, sirens in held.items() if sirens is None]
        if missing:
            query = NEIGHBOURHOODS if limit is None else STRONGEST_NEIGHBOURS

            def work(tx: ManagedTransaction) -> list[tuple[str, list[str]]]:
                rows = tx.run(query, prefixes=missing, limit=limit)
                return [(row["prefix"], row["sirens"]) for row in rows]

            for prefix, sirens in self._read(work):
                held[prefix] = self._neighbourhoods[prefix, limit] = sirens
        found = {siren for sirens in held.values() for siren in sirens or ()}
        return self._firms_by_siren(sorted(found))

    def collaborations_among(self, sirens: Iterable[str]) -> list[Collaboration]:
        """Collaborations between two firms of ``sirens``."""
        wanted = sorted(set(sirens))

        return self._read_collaborations(COLLABORATIONS_AMONG, wanted)

    def collaborations_of(self, sirens: Iterable[str]) -> list[Collaboration]:
        """Collaborations of at least one firm of ``sirens``."""
        return self._read_collaborations(COLLABORATIONS_OF, sorted(set(sirens)))

    def _read_collaborations(self, query: str, sirens: list[str]) -> list[Collaboration]:
        def work(tx: ManagedTransaction) -> list[Collaboration]:
            return [Collaboration.model_validate(dict(r)) for r in tx.run(query, sirens=sirens)]

        return sorted(self._read(work), key=lambda c: c.key)

    def division_cooccurrence(self) -> list[DivisionCooccurrence]:
        """CPV-division co-occurrence over every collaboration (one query, counted both ways)."""

        def work(tx: ManagedTransaction) -> list[tuple[str, str, str, int]]:
            return [(r["x"], r["y"], r["kind"], r["n"]) for r in tx.run(DIVISION_COOCCURRENCE)]

        counts: dict[tuple[str, str, CollaborationKind], int] = {}
        for x, y, kind, n in self._read(work):
            for pair in ((x, y), (y, x)):
                key = (*pair, CollaborationKind(kind))
                counts[key] = counts.get(key, 0) + n
        return [DivisionCooccurrence(x, y, kind, n) for (x, y, kind), n in sorted(counts.items())]

    def put_record(self, kind: str, key: str, document: str) -> None:
        """Create or replace a record, a ``:Record`` node apart from the graph."""
        self._write(lambda tx: tx.run(PUT_RECORD, kind=kind, key=key, doc=document).consume())

    def get_record(self, kind: str, key: str) -> str | None:
        """The record under ``kind`` and ``key``, or None."""
        docs = self._read_docs(GET_RECORD, kind=kind, key=key)
        return docs[0] if docs else None

    def list_records(self, kind: str) -> list[str]:
        """Every record of ``kind``, sorted by key."""
        return self._read_docs(LIST_RECORDS, kind=kind)

    def delete_record(self, kind: str, key: str) -> bool:
        """Delete a record; False when there was none."""
        deleted: int = self._write(
            lambda tx: tx.run(DELETE_RECORD, kind=kind, key=key).single(strict=True)["n"]
        )
        return deleted > 0

    def wipe(self) -> None:
        """Delete every firm, collaboration, tender and lot (the CPV tree stays)."""
        with self._unavailable_as_error(), self._driver.session(database=self.database) as session:
            session.run(WIPE).consume()
        self._write(lambda tx: tx.run(NEW_FIRMS_GENERATION).consume())

    def close(self) -> None:
        """Close the driver."""
        self._driver.close()


def _run(tx: ManagedTransaction, query: str, rows: Sequence[dict[str, Any]]) -> None:
    tx.run(query, rows=list(rows)).consume()


def _upsert_firm_batch(tx: ManagedTransaction, firms: Sequence[Firm]) -> ImportReport:
    rows = [firm_properties(f) for f in firms]
    known = {r["siren"]: r["doc"] for r in tx.run(EXISTING_FIRMS, sirens=[f.siren for f in firms])}
    report = ImportReport()
    for row in rows:
        doc = known.get(row["siren"])
        if doc is None:
            report.created += 1
        elif doc == row["doc"] or json.loads(doc) == json.loads(row["doc"]):  # key order aside
            report.unchanged += 1
        else:
            report.updated += 1
    sectors = sorted(({"siren": f.siren, "code": f.naf} for f in firms if f.naf), key=_by_code)
    capabilities = sorted(
        (
            {
                "siren": f.siren,
                "cpv": c.cpv,
                "strength": c.strength,
                "contracts": c.contracts,
                "amount_eur": c.amount_eur,
            }
            for f in firms
            for c in f.capabilities
        ),
        key=lambda row: (row["cpv"], row["siren"]),
    )
    tx.run(UPSERT_FIRMS, rows=[{"siren": row["siren"], "props": row} for row in rows]).consume()
    tx.run(CREATE_SECTORS, rows=sectors).consume()
    tx.run(CREATE_CAPABILITIES, rows=capabilities).consume()
    tx.run(NEW_FIRMS_GENERATION).consume()  # last: the lock on the stamp is held briefly
    return report


def _known_sirens(tx: ManagedTransaction, sirens: Sequence[str]) -> set[str]:
    return {record["siren"] for record in tx.run(KNOWN_SIRENS, sirens=list(sirens))}


def _by_code(row: dict[str, Any]) -> tuple[str, str]:
    return row["code"], row["siren"]


def _upsert_tender_batch(tx: ManagedTransaction, tenders: Sequence[Tender]) -> ImportReport:
    rows = [
        {
            "id": t.id,
            "title": t.title,
            "country": t.country,
            "doc": t.model_dump_json(),
            "lots": [{"id": lot.id, "title": lot.title, "cpv": lot.cpv} for lot in t.lots],
        }
        for t in tenders
    ]
    known = {r["id"]: r["doc"] for r in tx.run(EXISTING_TENDERS, ids=[t.id for t in tenders])}
    report = ImportReport()
    for row in rows:
        doc = known.get(row["id"])
        if doc is None:
            report.created += 1
        elif doc == row["doc"]:
            report.unchanged += 1
        else:
            report.updated += 1
    tx.run(UPSERT_TENDERS, rows=rows).consume()
    return report


def _merge_collaboration_batch(
    tx: ManagedTransaction, rows: Sequence[dict[str, Any]]
) -> ImportReport:
    created = tx.run(MERGE_COLLABORATIONS, rows=list(rows)).consume().counters.relationships_created
    return ImportReport(created=created, unchanged=len(rows) - created)
