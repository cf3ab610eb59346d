"""Dates as French officers read them: Paris time, and the steering committee's quarters."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

__all__ = ["PARIS", "paris_time", "quarter", "quarter_label"]

PARIS = ZoneInfo("Europe/Paris")


def paris_time(moment: dt.datetime) -> dt.datetime:
    """``moment`` in Paris time (a naive moment is taken as UTC, as the stores keep them)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(PARIS)


def quarter(moment: dt.datetime) -> str:
    """The calendar quarter of ``moment`` in Paris time, sortable: ``2026-T4``."""
    local = paris_time(moment)
    return f"{local.year}-T{(local.month - 1) // 3 + 1}"


def quarter_label(key: str) -> str:
    """A quarter as written in French: ``2026-T4`` -> ``T4 2026``."""
    year, number = key.split("-")
    return f"{number} {year}"
