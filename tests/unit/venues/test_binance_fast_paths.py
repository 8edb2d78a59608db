"""Binance depth lists parsed column by column give what the row-by-row rule gives, errors included."""

from __future__ import annotations

import pytest

from jtrader.errors import OffGridError
from jtrader.model import Instrument
from jtrader.venues._common import PARSE_ERRORS, LevelMemo
from jtrader.venues.binance_rest import depth_levels

BTC = Instrument("BTCUSDT", "BTC", "USDT", "0.01", "0.00001", venue="binance")


def reference(rows: list, skipped: list[int] | None = None) -> tuple[str, object]:
    out = []
    try:
        for price, qty in rows:
            try:
                out.append((BTC.price_to_ticks(price), BTC.size_to_lots(qty)))
            except OffGridError:
                if skipped is None:
                    raise
                skipped[0] += 1
    except PARSE_ERRORS as exc:
        return type(exc).__name__, str(exc)
    return "ok", tuple(out)


def _outcome(rows: object, skipped: list[int] | None, memo: LevelMemo | None) -> tuple[str, object]:
    try:
        return "ok", depth_levels(BTC, rows, skipped, memo)  # type: ignore[arg-type]
    except PARSE_ERRORS as exc:
        return type(exc).__name__, str(exc)


def outcome(rows: object, skipped: list[int] | None = None) -> tuple[str, object]:
    """``depth_levels`` without a memo; with an empty one, then with the one the first call filled
    (and a tiny one), the same outcome and the same count of skipped rows."""
    again = rows if isinstance(rows, list | tuple | str) or rows is None else list(rows)  # type: ignore[arg-type]
    start = None if skipped is None else skipped[0]
    got = _outcome(iter(again) if again is not rows else rows, skipped, None)
    for memo in (LevelMemo(BTC), LevelMemo(BTC, limit=3)):
        for _ in range(2):
            count = None if skipped is None else [start]
            assert _outcome(again, count, memo) == got
            assert count == (None if skipped is None else skipped)
            assert all(type(k) is str for k in memo.prices) and len(memo.prices) <= memo.limit
    return got


def rows(n: int) -> list[list[str]]:
    return [[f"{65000 + i}.{i % 100:02d}000000", f"0.{i:05d}000"] for i in range(n)]


@pytest.mark.parametrize("n", [0, 1, 7, 8, 500])
def test_depth_rows_with_zeros_past_the_grid_parse_like_the_row_loop(n: int) -> None:
    assert outcome(rows(n)) == reference(rows(n))
    assert outcome(iter(rows(n))) == reference(rows(n))
    assert outcome(tuple(tuple(r) for r in rows(n))) == reference(rows(n))


@pytest.mark.parametrize(
    "bad",
    [
        ["1.00", "1", "extra"],  # a row with three values
        ["1.00"],
        "ab",
        ["-1.00", "1"],
        ["1.00", "1e3"],
        [1.5, "1"],
        None,
    ],
)
def test_a_bad_row_in_a_long_depth_list_fails_like_the_row_loop(bad: object) -> None:
    data = rows(12)
    data.insert(5, bad)  # type: ignore[arg-type]
    got = outcome(data)
    assert got[0] != "ok"
    assert got == reference(data)


def test_every_row_with_three_values_is_refused_not_truncated() -> None:
    data = [[*r, "x"] for r in rows(10)]
    assert outcome(data)[0] == "ValueError"


def test_off_grid_rows_of_a_long_list_raise_or_are_skipped_and_counted() -> None:
    data = rows(20)
    data[3] = ["0.25974", "1"]
    data[11] = ["1.00", "0.000001"]
    assert outcome(data) == reference(data)
    with pytest.raises(OffGridError):
        depth_levels(BTC, data)
    counted, expected = [0], [0]
    assert outcome(data, counted) == reference(data, expected)
    assert counted == expected == [2]
