"""Candle loading: formats, exact price conversion, and every bad-input case names the row."""

from __future__ import annotations

import json
import logging
import math
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from jtrader.backtest.candles import format_ts, load_candles
from jtrader.errors import CandleDataError
from jtrader.model import Bar, Instrument

T0_MS = 1_700_000_000_000  # 2023-11-14T22:13:20Z
MIN_MS = 60_000


def usd(tick: str = "0.01", lot: str = "0.00000001") -> Instrument:
    return Instrument("BTC-USD", "BTC", "USD", price_tick=tick, size_lot=lot)


def rows(n: int = 4, step_ms: int = MIN_MS) -> list[list[float]]:
    return [[T0_MS + i * step_ms, 100.0 + i, 101.5 + i, 99.25 + i, 100.5 + i, 1.5] for i in range(n)]


def write_json(tmp_path: Path, data: object, name: str = "c.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def write_csv(tmp_path: Path, header: str, lines: list[str], name: str = "c.csv") -> Path:
    path = tmp_path / name
    path.write_text(header + "\n" + "\n".join(lines) + "\n")
    return path


# -- formats ---------------------------------------------------------------------------------
def test_binance_json_becomes_integer_bars_closing_one_interval_after_they_open(tmp_path: Path) -> None:
    series = load_candles(write_json(tmp_path, rows(3)), usd())
    assert len(series) == 3
    assert series.interval_ns == MIN_MS * 1_000_000
    assert series.open == [10000, 10100, 10200]
    assert series.high == [10150, 10250, 10350]
    assert series.low == [9925, 10025, 10125]
    assert series.close == [10050, 10150, 10250]
    assert series.volume == [150_000_000] * 3
    bars = list(series.bars())
    assert bars[0] == Bar(
        ts=(T0_MS + MIN_MS) * 1_000_000,
        symbol="BTC-USD",
        open=10000,
        high=10150,
        low=9925,
        close=10050,
        volume=150_000_000,
        start=T0_MS * 1_000_000,
    )
    assert bars[-1].ts == bars[-1].start + series.interval_ns
    assert series.bar_ts(2) == bars[2].ts
    assert series.gaps == 0


def test_json_values_written_as_decimal_strings_are_parsed_exactly(tmp_path: Path) -> None:
    data = [
        [T0_MS + i * MIN_MS, "0.08939998", "0.08939998", "0.08909372", "0.08909374", "81.45320695"] for i in range(2)
    ]
    series = load_candles(write_json(tmp_path, data), usd(tick="0.00000001"))
    assert series.open == [8939998, 8939998]
    assert series.low == [8909372, 8909372]
    assert series.volume == [8145320695, 8145320695]


def test_json_list_of_objects_with_column_names_is_accepted(tmp_path: Path) -> None:
    data = [
        {"Timestamp": T0_MS + i * MIN_MS, "Open": 1, "High": 2, "Low": 1, "Close": 2, "Volume": 3} for i in range(3)
    ]
    series = load_candles(write_json(tmp_path, data), usd(tick="1", lot="1"))
    assert series.close == [2, 2, 2]
    assert series.volume == [3, 3, 3]


def test_csv_with_uppercase_names_and_integer_epoch_seconds(tmp_path: Path) -> None:
    t0 = T0_MS // 1000
    path = write_csv(
        tmp_path, "TS,OPEN,HIGH,LOW,CLOSE,VOLUME", [f"{t0 + 60 * i},7000.5,7001,7000,7000.5,2" for i in range(3)]
    )
    series = load_candles(path, usd(tick="0.5", lot="0.001"))
    assert series.start[0] == t0 * 1_000_000_000
    assert series.open == [14001] * 3
    assert series.high == [14002] * 3
    assert series.volume == [2000] * 3


@pytest.mark.parametrize(("scale", "name"), [(1, "s"), (1000, "ms"), (1_000_000, "us"), (1_000_000_000, "ns")])
def test_epoch_unit_is_detected_from_magnitude(tmp_path: Path, scale: int, name: str) -> None:
    t0 = T0_MS // 1000
    frame = pl.DataFrame(
        {
            "open_time": [(t0 + 60 * i) * scale for i in range(3)],
            "open": [1.0] * 3,
            "high": [1.0] * 3,
            "low": [1.0] * 3,
            "close": [1.0] * 3,
            "volume": [0.0] * 3,
        }
    )
    path = tmp_path / f"c_{name}.parquet"
    frame.write_parquet(path)
    series = load_candles(path, usd())
    assert series.start == [(t0 + 60 * i) * 1_000_000_000 for i in range(3)]


def test_parquet_datetime_column_with_time_zone(tmp_path: Path) -> None:
    times = [datetime(2024, 1, 1, 0, m, tzinfo=UTC) for m in range(0, 15, 5)]
    frame = pl.DataFrame(
        {"date": times, "open": [5, 6, 7], "high": [6, 7, 8], "low": [4, 5, 6], "close": [6, 7, 8], "volume": [1, 2, 3]}
    )
    path = tmp_path / "c.parquet"
    frame.write_parquet(path)
    series = load_candles(path, usd(tick="1", lot="1"))
    assert series.start[0] == int(times[0].timestamp()) * 1_000_000_000
    assert series.interval_ns == 300 * 1_000_000_000
    assert series.open == [5, 6, 7]


def test_csv_date_strings_are_read_as_utc(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path, "date,open,high,low,close,volume", ["2024-01-01 00:00:00,1,1,1,1,1", "2024-01-01 01:00:00,1,1,1,1,1"]
    )
    series = load_candles(path, usd())
    assert series.start[1] - series.start[0] == 3600 * 1_000_000_000
    assert format_ts(series.start[0]) == "2024-01-01T00:00:00Z"


def test_string_dates_in_json_objects_are_parsed(tmp_path: Path) -> None:
    data = [
        {"time": f"2024-01-01T00:0{i}:00Z", "open": 1, "high": 1, "low": 1, "close": 1, "volume": 1} for i in range(2)
    ]
    series = load_candles(write_json(tmp_path, data), usd())
    assert format_ts(series.start[1]) == "2024-01-01T00:01:00Z"


def test_float_times_that_are_whole_numbers_are_accepted(tmp_path: Path) -> None:
    data = [
        {"ts": float(T0_MS + i * MIN_MS), "open": 1, "high": 1, "low": 1, "close": 1, "volume": 1} for i in range(2)
    ]
    assert load_candles(write_json(tmp_path, data), usd()).start[0] == T0_MS * 1_000_000


def test_format_ts_shows_a_fraction_only_when_there_is_one() -> None:
    assert format_ts(1_700_000_000_500_000_000) == "2023-11-14T22:13:20.5Z"


# -- exact conversion --------------------------------------------------------------------------
def test_float_prices_use_their_shortest_repr_and_fine_ticks_work(tmp_path: Path) -> None:
    data = [[T0_MS + i * MIN_MS, 0.012345, 0.0123456, 0.012, 0.0123, 0.1] for i in range(2)]
    series = load_candles(write_json(tmp_path, data), usd(tick="0.0000001"))
    assert series.open == [123450, 123450]
    assert series.high == [123456, 123456]
    assert series.low == [120000, 120000]


def test_huge_prices_beyond_the_fast_path_are_still_exact(tmp_path: Path) -> None:
    data = [
        [T0_MS + i * MIN_MS, 12345678901234.5, 12345678901234.5, 12345678901234.5, 12345678901234.5, 1e20]
        for i in range(2)
    ]
    series = load_candles(write_json(tmp_path, data), usd(tick="0.5"))
    assert series.open == [24691357802469, 24691357802469]
    assert series.volume == [10**28, 10**28]


def test_volume_is_floored_to_the_lot(tmp_path: Path) -> None:
    data = [[T0_MS + i * MIN_MS, 1, 1, 1, 1, 1.23456789] for i in range(2)]
    assert load_candles(write_json(tmp_path, data), usd(lot="0.001")).volume == [1234, 1234]


def test_a_float_that_is_not_its_short_decimal_is_off_the_grid(tmp_path: Path) -> None:
    data = [[T0_MS + i * MIN_MS, 0.1 + 0.2, 1, 0.1, 0.5, 1] for i in range(2)]
    with pytest.raises(CandleDataError, match=r"row 1 .*open 0\.30000000000000004 .*--tick 0\.0+1"):
        load_candles(write_json(tmp_path, data), usd())


def test_off_grid_price_names_the_row_and_suggests_a_tick(tmp_path: Path) -> None:
    data = rows(4)
    data[2][4] = 102.505
    with pytest.raises(CandleDataError) as info:
        load_candles(write_json(tmp_path, data), usd())
    message = str(info.value)
    assert "row 3 (2023-11-14T22:15:20Z)" in message
    assert "close 102.505" in message
    assert "--tick 0.001" in message


def test_off_grid_for_a_tick_that_is_not_a_power_of_ten(tmp_path: Path) -> None:
    data = [[T0_MS + i * MIN_MS, 7000.5, 7001.0, 7000.0, 7000.25, 1] for i in range(2)]
    with pytest.raises(CandleDataError, match=r"row 1 .*close 7000\.25 is not a multiple of the tick 0\.5"):
        load_candles(write_json(tmp_path, data), usd(tick="0.5"))


# -- bad input -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("row", "col", "value", "pattern"),
    [
        (2, 2, 90.0, r"row 2 \(2023-11-14T22:14:20Z\): high is below low"),
        (3, 1, 50.0, r"row 3 .*open is outside \[low, high\]"),
        (1, 4, 200.0, r"row 1 .*close is outside \[low, high\]"),
        (2, 3, 0.0, r"row 2 .*low 0.0 must be positive"),
        (2, 1, -5.0, r"row 2 .*open -5.0 must be positive"),
        (4, 5, -1.0, r"row 4 .*volume -1.0 must not be negative"),
        (2, 4, math.nan, r"row 2 .*close is missing"),
        (3, 2, None, r"row 3 .*high is missing"),
        (3, 2, "abc", r"row 3 .*high 'abc' is not a number"),
        (3, 2, "Infinity", r"row 3 .*high 'Infinity' is not a finite number"),
    ],
)
def test_bad_values_name_the_row(tmp_path: Path, row: int, col: int, value: object, pattern: str) -> None:
    data: list[list[object]] = [list(r) for r in rows(4)]
    data[row - 1][col] = value
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data).replace("NaN", "NaN"))
    if value is not None and isinstance(value, float) and math.isnan(value):
        frame = pl.DataFrame(
            {
                "ts": [r[0] for r in data],
                **{
                    n: [float(r[k]) for r in data]
                    for k, n in enumerate(("open", "high", "low", "close", "volume"), 1)  # type: ignore[arg-type]
                },
            }
        )
        path = tmp_path / "c.parquet"
        frame.write_parquet(path)
    with pytest.raises(CandleDataError, match=pattern):
        load_candles(path, usd())


def test_infinite_float_price_is_rejected(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "ts": [T0_MS, T0_MS + MIN_MS],
            "open": [1.0, math.inf],
            "high": [1.0, 1.0],
            "low": [1.0, 1.0],
            "close": [1.0, 1.0],
            "volume": [1.0, 1.0],
        }
    )
    path = tmp_path / "c.parquet"
    frame.write_parquet(path)
    with pytest.raises(CandleDataError, match=r"row 2 .*open inf is not a finite number"):
        load_candles(path, usd())


def test_duplicate_timestamp_is_rejected(tmp_path: Path) -> None:
    data = rows(4)
    data[2][0] = data[1][0]
    with pytest.raises(CandleDataError, match=r"row 3 \(2023-11-14T22:14:20Z\): duplicate timestamp"):
        load_candles(write_json(tmp_path, data), usd())


def test_unordered_timestamp_is_rejected(tmp_path: Path) -> None:
    data = rows(4)
    data[3][0] = data[0][0] - MIN_MS
    with pytest.raises(CandleDataError, match=r"row 4 .*earlier than the row before"):
        load_candles(write_json(tmp_path, data), usd())


def test_missing_time_is_rejected(tmp_path: Path) -> None:
    data = [
        {"ts": None if i == 1 else T0_MS + i * MIN_MS, "open": 1, "high": 1, "low": 1, "close": 1, "volume": 1}
        for i in range(3)
    ]
    with pytest.raises(CandleDataError, match=r"row 2: the time is missing"):
        load_candles(write_json(tmp_path, data), usd())


def test_fractional_float_time_is_rejected(tmp_path: Path) -> None:
    data = [{"ts": T0_MS + i * MIN_MS + 0.5, "open": 1, "high": 1, "low": 1, "close": 1, "volume": 1} for i in range(2)]
    with pytest.raises(CandleDataError, match=r"row 1: time .* is not a whole number"):
        load_candles(write_json(tmp_path, data), usd())


def test_absurd_time_is_rejected(tmp_path: Path) -> None:
    data = rows(3)
    data[2][0] = 10**13 * 1000  # ms that would be after 2200
    with pytest.raises(CandleDataError, match=r"row 3: time .* outside 2000\.\.2200"):
        load_candles(write_json(tmp_path, data), usd())


def test_unparseable_time_strings_are_rejected(tmp_path: Path) -> None:
    data = [{"ts": "yesterday", "open": 1, "high": 1, "low": 1, "close": 1, "volume": 1} for _ in range(2)]
    with pytest.raises(CandleDataError, match="time column cannot be parsed"):
        load_candles(write_json(tmp_path, data), usd())


def test_boolean_time_column_is_rejected(tmp_path: Path) -> None:
    data = [{"ts": True, "open": 1, "high": 1, "low": 1, "close": 1, "volume": 1} for _ in range(2)]
    with pytest.raises(CandleDataError, match="time column has type"):
        load_candles(write_json(tmp_path, data), usd())


def test_boolean_price_column_is_rejected(tmp_path: Path) -> None:
    data = [{"ts": T0_MS + i, "open": True, "high": 1, "low": 1, "close": 1, "volume": 1} for i in range(2)]
    with pytest.raises(CandleDataError, match="column open has type"):
        load_candles(write_json(tmp_path, data), usd())


def test_missing_columns_are_listed_with_what_the_file_has(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "when,open,high,close", ["1,1,1,1", "2,1,1,1"])
    with pytest.raises(
        CandleDataError, match=r"missing column\(s\): a time column .*, low, volume; the file has: when"
    ):
        load_candles(path, usd())


def test_fewer_than_two_candles_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CandleDataError, match="at least 2"):
        load_candles(write_json(tmp_path, rows(1)), usd())


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "non-empty JSON list"),
        ('{"a": 1}', "non-empty JSON list"),
        ("[[1, 2, 3]]", r"row 1: expected \[ts_ms"),
        ('[{"a": [1]}, {"a": "x"}]', "cannot read the JSON objects"),
    ],
)
def test_malformed_json_files_are_rejected(tmp_path: Path, content: str, pattern: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(content)
    with pytest.raises(CandleDataError, match=pattern):
        load_candles(path, usd())


def test_unknown_suffix_and_missing_file_and_broken_parquet(tmp_path: Path) -> None:
    with pytest.raises(CandleDataError, match="no such candle file"):
        load_candles(tmp_path / "nope.csv", usd())
    (tmp_path / "c.txt").write_text("x")
    with pytest.raises(CandleDataError, match="unknown candle format"):
        load_candles(tmp_path / "c.txt", usd())
    (tmp_path / "c.parquet").write_text("not parquet")
    with pytest.raises(CandleDataError, match="cannot read parquet file"):
        load_candles(tmp_path / "c.parquet", usd())


# -- gaps ------------------------------------------------------------------------------------------
def test_gaps_are_counted_and_warned_about(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = rows(6)
    for r in data[3:]:
        r[0] += 3 * MIN_MS  # one gap of 3 missing bars
    with caplog.at_level(logging.WARNING, logger="jtrader"):
        series = load_candles(write_json(tmp_path, data), usd())
    assert (series.gaps, series.missing_bars) == (1, 3)
    assert series.interval_ns == MIN_MS * 1_000_000
    assert "1 gap(s) in time (3 missing bar(s) of 1m)" in caplog.text


def test_no_warning_without_gaps(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="jtrader"):
        load_candles(write_json(tmp_path, rows(5)), usd())
    assert caplog.text == ""
