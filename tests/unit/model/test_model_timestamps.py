"""Integer-ns timestamps: range checks and RFC 3339 parsing, with typed errors for absurd input."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jtrader.errors import TimestampError
from jtrader.model import NS_PER_MS, NS_PER_S, NS_PER_US, check_ts, parse_rfc3339_ns
from jtrader.model.timestamps import MAX_TS_NS, MIN_TS_NS

TS_2026 = 1_786_309_548 * NS_PER_S


def test_ns_units_are_powers_of_a_thousand() -> None:
    assert (NS_PER_US, NS_PER_MS, NS_PER_S) == (10**3, 10**6, 10**9)


def test_bounds_are_the_years_2000_and_2200() -> None:
    assert calendar.timegm((2000, 1, 1, 0, 0, 0)) * NS_PER_S == MIN_TS_NS
    assert calendar.timegm((2200, 1, 1, 0, 0, 0)) * NS_PER_S == MAX_TS_NS


def test_check_ts_returns_a_plausible_ns_timestamp_unchanged() -> None:
    assert check_ts(TS_2026) == TS_2026
    assert check_ts(MIN_TS_NS) == MIN_TS_NS
    assert check_ts(MAX_TS_NS - 1) == MAX_TS_NS - 1


@pytest.mark.parametrize(
    "value",
    [
        1_786_309_548,  # seconds, not ns
        1_786_309_548_000,  # ms
        1_786_309_548_000_000,  # us
        0,
        -1,
        MIN_TS_NS - 1,
        MAX_TS_NS,
        10**30,
    ],
)
def test_check_ts_rejects_timestamps_outside_2000_to_2200(value: int) -> None:
    with pytest.raises(TimestampError, match="outside 2000..2200"):
        check_ts(value, "frame ts")


@pytest.mark.parametrize("value", [1.786e18, "1786309548000000000", None, True, float("nan")])
def test_check_ts_rejects_anything_but_an_int(value: object) -> None:
    with pytest.raises(TimestampError, match="must be an int of nanoseconds"):
        check_ts(value)


def test_timestamp_errors_are_value_errors() -> None:
    with pytest.raises(ValueError):
        check_ts(0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-08-09T21:05:48.228568804Z", TS_2026 + 228_568_804),
        ("2026-08-09T21:05:48Z", TS_2026),
        ("2026-08-09T21:05:48.5Z", TS_2026 + 500_000_000),
        ("2026-08-09T21:05:48.170326Z", TS_2026 + 170_326_000),
        ("2026-08-09T21:05:48.1234567891Z", TS_2026 + 123_456_789),  # beyond ns: truncated
        ("2026-08-09T21:05:48+00:00", TS_2026),
        ("2026-08-09T23:05:48+02:00", TS_2026),
        ("2026-08-09T16:35:48.25-04:30", TS_2026 + 250_000_000),
        ("2000-01-01T00:00:00Z", MIN_TS_NS),
        ("2024-02-29T00:00:00Z", calendar.timegm((2024, 2, 29, 0, 0, 0)) * NS_PER_S),
    ],
)
def test_parse_rfc3339_ns_reads_utc_and_offset_timestamps_exactly(text: str, expected: int) -> None:
    assert parse_rfc3339_ns(text) == expected


@given(
    moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2199, 12, 31)),  # noqa: DTZ001
    nanos=st.integers(0, 999),
)
def test_parse_rfc3339_ns_agrees_with_datetime(moment: datetime, nanos: int) -> None:
    aware = moment.replace(tzinfo=UTC)
    text = aware.strftime("%Y-%m-%dT%H:%M:%S.") + f"{aware.microsecond:06d}{nanos:03d}Z"
    expected = (aware - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1) * 1000 + nanos
    assert parse_rfc3339_ns(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Z",
        "garbage",
        "2026-08-09",
        "2026-08-09T21:05:48",  # no offset
        "2026-08-09 21:05:48Z",  # space instead of T
        "2026-08-09T21:05Z",
        "2026/08/09T21:05:48Z",
        "2026-08-09T21-05-48Z",
        "2026-8-09T21:05:48Z",
        "2026- 8-09T21:05:48Z",
        "2026-+8-09T21:05:48Z",
        "2026-08-09T21:05:48.Z",
        "2026-08-09T21:05:48.12aZ",
        "2026-08-09T21:05:48.-1Z",
        "2026-13-01T00:00:00Z",
        "2026-00-01T00:00:00Z",
        "2026-02-30T00:00:00Z",  # no such day: must not roll into March
        "2025-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2026-08-00T00:00:00Z",
        "2026-08-09T24:00:00Z",
        "2026-08-09T21:60:00Z",
        "2026-08-09T21:05:61Z",
        "2026-08-09T21:05:48+0a:00",
        "2026-08-09T21:05:48+25:00",
        "2026-08-09T21:05:48+01:60",
        "２０２６-08-09T21:05:48Z",  # full-width digits
    ],
)
def test_parse_rfc3339_ns_rejects_malformed_or_impossible_timestamps(text: str) -> None:
    with pytest.raises(TimestampError, match="not an RFC 3339 UTC timestamp"):
        parse_rfc3339_ns(text)


@pytest.mark.parametrize("text", ["1970-01-01T00:00:00Z", "1999-12-31T23:59:59.999999999Z", "2200-01-01T00:00:00Z"])
def test_parse_rfc3339_ns_rejects_absurd_years(text: str) -> None:
    with pytest.raises(TimestampError, match="outside 2000..2200"):
        parse_rfc3339_ns(text)


@pytest.mark.parametrize("value", [None, 1786309548, b"2026-08-09T21:05:48Z"])
def test_parse_rfc3339_ns_rejects_non_strings(value: object) -> None:
    with pytest.raises(TimestampError):
        parse_rfc3339_ns(value)  # type: ignore[arg-type]


def test_parse_rfc3339_ns_accepts_a_leap_second() -> None:
    assert parse_rfc3339_ns("2016-12-31T23:59:60Z") == calendar.timegm((2017, 1, 1, 0, 0, 0)) * NS_PER_S
