"""Meute's configuration, read from ``MEUTE_*`` environment variables."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit, urlunsplit

from platformdirs import user_data_dir
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from meute.api.logs import LogFormat, configure_logging
from meute.graph.factory import open_store
from meute.matcher.modes import Mode
from meute.matcher.phrases import Lang
from meute.scoring.weights import RELEVANCE_FLOOR

if TYPE_CHECKING:  # the matcher and the stores load only when a command needs them
    from meute.graph.store import GraphStore
    from meute.matcher.propose import MatchOptions

__all__ = ["Accompanied", "LimitSettings", "SearchSettings", "Settings", "WeightSettings"]


class Accompanied(StrEnum):
    """From which member status a firm counts as accompanied by the programme."""

    ACCEPTED = "accepted"
    CONTACTED = "contacted"


class WeightSettings(BaseModel):
    """Objective weights, e.g. ``MEUTE_WEIGHTS__COHESION=0.3`` (see README, "One objective")."""

    coverage: float = Field(0.05, ge=0)
    fit: float = Field(0.35, ge=0)
    evidence: float = Field(0.10, ge=0)
    capacity: float = Field(0.10, ge=0)
    cohesion: float = Field(0.15, ge=0)
    complementarity: float = Field(0.05, ge=0)
    readiness: float = Field(0.08, ge=0)
    sme: float = Field(0.05, ge=0)
    regions: float = Field(0.02, ge=0)
    size: float = Field(0.05, ge=0)


class SearchSettings(BaseModel):
    """Search knobs, e.g. ``MEUTE_SEARCH__MIN_LOT_CHANGES=2``."""

    retrieval: int | None = Field(
        1_000, ge=1, description="Firms per CPV neighbourhood retrieved (strongest evidence)."
    )
    shortlist: int = Field(
        150, ge=1, le=5_000, description="Firms per lot scored in full (text included)."
    )
    per_lot: int = Field(20, ge=1, le=200, description="Candidate firms searched per lot.")
    beam_width: int = Field(64, ge=1, le=10_000)
    min_lot_changes: int = Field(
        1, ge=1, description="Lots in which each proposal differs from every better one."
    )
    time_limit: float = Field(10.0, gt=0, description="Seconds per exact solve.")
    deadline: float = Field(
        60.0, gt=0, description="Seconds for a whole search (the best found so far is kept)."
    )
    relevance_floor: float = Field(
        RELEVANCE_FLOOR,
        ge=0,
        lt=1,
        description="Least relevance for a firm to be proposed for a lot or pavilion theme.",
    )


class LimitSettings(BaseModel):
    """Bounds on what one request may ask, e.g. ``MEUTE_LIMITS__BODY_BYTES=20000000``."""

    body_bytes: int = Field(10_000_000, ge=1_000, description="Largest JSON or form body.")
    import_bytes: int = Field(50_000_000, ge=1_000, description="Largest JSON import body.")
    upload_bytes: int = Field(
        500_000_000, ge=1_000, description="Largest file upload (streamed to disk)."
    )
    zip_bytes: int = Field(
        1_000_000_000, ge=1_000, description="Most bytes a zip upload may expand to."
    )
    zip_ratio: float = Field(
        200.0, ge=1, description="Highest expansion ratio of a zip member (a zip bomb's is ~1000)."
    )
    zip_members: int = Field(100, ge=1, description="Most members of a zip upload.")


class Settings(BaseSettings):
    """Where the graph lives and how consortia are scored."""

    model_config = SettingsConfigDict(env_prefix="MEUTE_", env_nested_delimiter="__")

    graph: Literal["embedded", "neo4j"] = "embedded"
    data_dir: Path = Field(default_factory=lambda: Path(user_data_dir("meute")))
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"
    neo4j_timeout: float = Field(
        1.0, gt=0, description="Seconds to reach Neo4j (and retry a transaction) before a 503."
    )
    weights: WeightSettings = Field(default_factory=WeightSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    programme_target: int = Field(
        3_000, ge=1, description="Firms the programme committed to accompany."
    )
    programme_accompanied: Accompanied = Field(
        Accompanied.ACCEPTED,
        description="A firm counts as accompanied once it accepted a proposal (or, with "
        "'contacted', once it was contacted).",
    )
    log_format: LogFormat = Field("text", description="Log lines as text or as JSON objects.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    slow_match_ms: float = Field(
        2_000.0, gt=0, description="Matches slower than this are logged with their timings."
    )

    def open_store(self) -> GraphStore:
        """Open the configured store; the caller closes it."""
        return open_store(
            self.graph,
            self.data_dir,
            self.neo4j_uri,
            self.neo4j_user,
            self.neo4j_password,
            self.neo4j_database,
            self.neo4j_timeout,
        )

    def configure_logging(self) -> None:
        """Set up the ``meute`` logger as configured (see :mod:`api.logs`)."""
        configure_logging(self.log_format, self.log_level, self.slow_match_ms)

    def store_name(self) -> str:
        """The store in use, for people: its data directory, or its URI without credentials."""
        if self.graph == "embedded":
            return f"embedded store at {self.data_dir}"
        parts = urlsplit(self.neo4j_uri or "")
        host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
        uri = urlunsplit(parts._replace(netloc=host))  # without user and password
        return f"Neo4j store at {uri or '(no MEUTE_NEO4J_URI)'}, database {self.neo4j_database}"

    def match_options(
        self, top: int = 10, mode: Mode = Mode.FAST, lang: Lang = Lang.EN
    ) -> MatchOptions:
        """Matching options with the configured weights and search knobs, texts in ``lang``."""
        from meute.matcher.propose import MatchOptions
        from meute.scoring.consortium import ObjectiveWeights

        return MatchOptions(
            top=top,
            mode=mode,
            lang=lang,
            weights=ObjectiveWeights(**self.weights.model_dump()),
            **self.search.model_dump(),
        )
