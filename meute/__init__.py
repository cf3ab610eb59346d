"""Meute: complementary consortia of French firms for foreign tenders.

``meute.graph`` (domain model and stores), ``meute.scoring`` (scores), ``meute.matcher``
(consortia), ``meute.api`` (HTTP API, CLI and web console), ``meute.fixtures`` (data).
"""

from importlib.metadata import version

__all__ = ["__version__"]

__version__ = version("meute")  # the one version: pyproject.toml's
