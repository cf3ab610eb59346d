"""Paris time and the steering committee's quarters."""

from __future__ import annotations

import datetime as dt

from meute.api.clock import paris_time, quarter, quarter_label


def test_paris_time_follows_summer_and_winter_time() -> None:
    assert paris_time(dt.datetime(2026, 7, 1, 10, tzinfo=dt.UTC)).hour == 12
    assert paris_time(dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)).hour == 11
    assert paris_time(dt.datetime(2026, 12, 1, 10)).hour == 11  # naive: taken as UTC


def test_a_quarter_is_counted_in_paris_time() -> None:
    new_year_in_paris = dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)
    assert quarter(new_year_in_paris) == "2027-T1"
    assert quarter(dt.datetime(2026, 9, 30, 21, 59, tzinfo=dt.UTC)) == "2026-T3"
    assert quarter(dt.datetime(2026, 9, 30, 22, 0, tzinfo=dt.UTC)) == "2026-T4"
    assert quarter_label("2027-T1") == "T1 2027"
