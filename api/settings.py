"""Meute's configuration, read from ``MEUTE_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.factory import open_store
from graph.store import GraphStore
from matcher.phrases import Lang
from matcher.propose import MatchOptions, Mode
from scoring.consortium import ObjectiveWeights
from scoring.fit import RELEVANCE_FLOOR

__all__ = ["SearchSettings", "Settings", "WeightSettings"]


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
    relevance_floor: float = Field(
        RELEVANCE_FLOOR,
        ge=0,
        lt=1,
        description="Least relevance for a firm to be proposed for a lot or pavilion theme.",
    )


class Settings(BaseSettings):
    """Where the graph lives and how consortia are scored."""

    model_config = SettingsConfigDict(env_prefix="MEUTE_", env_nested_delimiter="__")

    graph: Literal["embedded", "neo4j"] = "embedded"
    data_dir: Path = Field(default_factory=lambda: Path(user_data_dir("meute")))
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"
    weights: WeightSettings = Field(default_factory=WeightSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    programme_target: int = Field(
        3_000, ge=1, description="Firms the programme committed to accompany."
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
        )

    def match_options(
        self, top: int = 10, mode: Mode = Mode.FAST, lang: Lang = Lang.EN
    ) -> MatchOptions:
        """Matching options with the configured weights and search knobs, texts in ``lang``."""
        return MatchOptions(
            top=top,
            mode=mode,
            lang=lang,
            weights=ObjectiveWeights(**self.weights.model_dump()),
            **self.search.model_dump(),
        )
