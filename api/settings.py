"""Meute's configuration, read from ``MEUTE_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.factory import open_store
from graph.store import GraphStore
from matcher.propose import MatchOptions
from scoring.consortium import ObjectiveWeights

__all__ = ["Settings", "WeightSettings"]


class WeightSettings(BaseModel):
    """Objective weights, e.g. ``MEUTE_WEIGHTS__COHESION=0.3``."""

    coverage: float = Field(0.1, ge=0)
    fit: float = Field(0.5, ge=0)
    cohesion: float = Field(0.2, ge=0)
    complementarity: float = Field(0.1, ge=0)
    size: float = Field(0.1, ge=0)


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

    def match_options(self, top: int = 10) -> MatchOptions:
        """Matching options with the configured weights."""
        return MatchOptions(top=top, weights=ObjectiveWeights(**self.weights.model_dump()))
