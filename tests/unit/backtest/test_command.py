"""The backtest and strategies commands in-process (the CLI subprocess tests cover the same paths end to end)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from jtrader.backtest.command import make_instrument
from jtrader.backtest.report import human_summary
from jtrader.backtest.synthetic import random_walk
from jtrader.cli import main
from jtrader.errors import ConfigError
from jtrader.model import Instrument


@pytest.fixture
def candles(tmp_path: Path) -> Path:
    s = random_walk(Instrument("BTC-USD", "BTC", "USD"), 400, seed=8)
    path = tmp_path / "c.parquet"
    pl.DataFrame(
        {
            "open_time": s.start,
            "open": [p / 100 for p in s.open],
            "high": [p / 100 for p in s.high],
            "low": [p / 100 for p in s.low],
            "close": [p / 100 for p in s.close],
            "volume": [v / 100 for v in s.volume],
        }
    ).write_parquet(path)
    return path


def test_backtest_json_in_process(candles: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", str(candles), "--json", "--param", "fast=4", "--param", "slow=12"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["bars"] == 400 and summary["fills"] > 0
    assert summary["interval_s"] == 60.0
    assert summary["initial_cash"] == "100000"


def test_backtest_human_output_and_out_dir(candles: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "deep" / "out"
    assert main(["backtest", str(candles), "--out", str(out), "--param", "fast=4", "--param", "slow=12"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("sma_cross on BTC-USD: 400 bars")
    summary = json.loads((out / "summary.json").read_text())
    assert pl.read_parquet(out / "trades.parquet").height == summary["fills"]
    assert pl.read_parquet(out / "equity.parquet").height == 400


def test_out_dir_that_cannot_be_created_is_a_config_error(candles: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = candles.parent / "file"
    blocker.write_text("x")
    assert main(["backtest", str(candles), "--out", str(blocker / "sub")]) == 1
    assert f"{blocker} is a file, not a directory" in capsys.readouterr().err


def test_errors_are_printed_on_stderr_with_exit_code_1(candles: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", str(candles.parent / "missing.csv")]) == 1
    assert "no such candle file" in capsys.readouterr().err
    assert main(["backtest", str(candles), "--fee-bps", "nan"]) == 1
    assert "--fee-bps 'nan' must be in [0, 10000)" in capsys.readouterr().err
    assert main(["backtest", str(candles), "--cash", "abc"]) == 1
    assert "--cash" in capsys.readouterr().err


def test_symbols_are_split_into_base_and_quote() -> None:
    assert (make_instrument("BTC-USD", "0.01", "0.001").base, make_instrument("eth/btc", "0.01", "1").quote) == (
        "BTC",
        "BTC",
    )
    inst = make_instrument("SOLUSDC", "0.01", "0.01")
    assert (inst.base, inst.quote, inst.symbol) == ("SOL", "USDC", "SOLUSDC")
    with pytest.raises(ConfigError, match="BASE-QUOTE"):
        make_instrument("USDT", "0.01", "0.01")
    with pytest.raises(ConfigError, match="--tick x"):
        make_instrument("BTC-USD", "x", "0.01")


def test_human_summary_formats_money_for_people() -> None:
    text = human_summary(
        {
            "strategy": "s",
            "symbol": "X-Y",
            "bars": 2,
            "start": "a",
            "end": "b",
            "gaps": 0,
            "orders": 1,
            "fills": 1,
            "round_trips": 0,
            "denials": 0,
            "rejections": 0,
            "initial_cash": "100000",
            "final_equity": "101234.5",
            "return_pct": 1.2345,
            "fees": "1.5",
            "max_drawdown_pct": 0.5,
            "sharpe": 1.0,
            "position": "0.1",
            "elapsed_s": 0.1,
        }
    )
    assert "100,000.00 -> 101,234.50 (+1.23%)" in text


def test_strategies_command_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["strategies"]) == 0
    assert "sma_cross:" in capsys.readouterr().out
    assert main(["strategies", "--json"]) == 0
    names = [s["name"] for s in json.loads(capsys.readouterr().out)["strategies"]]
    assert names == ["breakout", "market_maker", "sma_cross"]
