"""``jtrader backtest`` as a real subprocess: formats, JSON output, determinism, files, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from jtrader.backtest.synthetic import random_walk
from jtrader.model import Instrument

CLI = [sys.executable, "-m", "jtrader.cli"]
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
CANDLES = SHARED / "candles"

REQUIRED = {
    "bars": int,
    "orders": int,
    "fills": int,
    "round_trips": int,
    "final_equity": str,
    "fees": str,
    "return_pct": float,
    "max_drawdown_pct": float,
    "sharpe": float,
    "elapsed_s": float,
}


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, check=False, timeout=300)


def synthetic_frame(n: int = 600, seed: int = 5) -> pl.DataFrame:
    inst = Instrument("BTC-USD", "BTC", "USD")
    s = random_walk(inst, n, seed=seed)
    return pl.DataFrame(
        {
            "timestamp": [t // 1_000_000 for t in s.start],  # epoch ms
            # opens one tick above the previous close (inside the bar): next-open and close fills differ
            "open": [min(o + 1, h) / 100 for o, h in zip(s.open, s.high, strict=True)],
            "high": [h / 100 for h in s.high],
            "low": [x / 100 for x in s.low],
            "close": [c / 100 for c in s.close],
            "volume": [v / 1000 for v in s.volume],
        }
    )


@pytest.fixture
def parquet_file(tmp_path: Path) -> Path:
    path = tmp_path / "candles.parquet"
    synthetic_frame().write_parquet(path)
    return path


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "candles.csv"
    synthetic_frame().write_csv(path)
    return path


def backtest_json(*args: str | Path) -> dict:
    proc = run_cli("backtest", *args, "--json")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, proc.stdout
    return json.loads(lines[0])


def test_parquet_backtest_prints_one_json_object_with_the_documented_fields(parquet_file: Path) -> None:
    summary = backtest_json(parquet_file, "--symbol", "BTC-USD", "--param", "fast=5", "--param", "slow=20")
    for key, kind in REQUIRED.items():
        assert isinstance(summary[key], kind), key
    assert summary["bars"] == 600
    assert summary["fills"] > 4
    assert summary["round_trips"] >= 2
    assert summary["params"] == {"fast": 5, "slow": 20, "symbol": ""}
    assert summary["symbol"] == "BTC-USD" and summary["strategy"] == "sma_cross"
    assert summary["gaps"] == 0
    assert summary["start"].endswith("Z") and summary["end"] > summary["start"]


def test_csv_and_parquet_of_the_same_candles_give_the_same_result(parquet_file: Path, csv_file: Path) -> None:
    a = backtest_json(parquet_file, "--param", "fast=5", "--param", "slow=20")
    b = backtest_json(csv_file, "--param", "fast=5", "--param", "slow=20")
    for key in ("fills", "final_equity", "fees", "round_trips", "sharpe", "max_drawdown_pct"):
        assert a[key] == b[key]


def test_two_runs_print_byte_identical_output_apart_from_elapsed_time(parquet_file: Path) -> None:
    outputs = []
    for _ in range(2):
        proc = run_cli("backtest", parquet_file, "--json", "--param", "fast=5", "--param", "slow=20")
        assert proc.returncode == 0, proc.stderr
        data = json.loads(proc.stdout)
        del data["elapsed_s"]
        outputs.append(json.dumps(data))
        assert '"elapsed_s"' in proc.stdout
    assert outputs[0] == outputs[1]


def test_human_summary_without_json(csv_file: Path) -> None:
    proc = run_cli("backtest", csv_file, "--param", "fast=5", "--param", "slow=20")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("sma_cross on BTC-USD: 600 bars")
    assert "round trips" in proc.stdout and "max drawdown" in proc.stdout


def test_out_dir_gets_summary_trades_and_equity(parquet_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = backtest_json(parquet_file, "--out", out, "--param", "fast=5", "--param", "slow=20", "--fee-bps", "7.5")
    assert json.loads((out / "summary.json").read_text())["final_equity"] == summary["final_equity"]
    trades = pl.read_parquet(out / "trades.parquet")
    assert trades.height == summary["fills"]
    assert trades.columns[:6] == ["ts", "order_id", "side", "price", "size", "notional"]
    assert set(trades["side"].to_list()) == {"BUY", "SELL"}
    assert str(sum(trades["fee"].to_list())).rstrip("0").rstrip(".") == summary["fees"]
    equity = pl.read_parquet(out / "equity.parquet")
    assert equity.height == summary["bars"]
    assert equity.columns == ["ts", "close", "equity"]
    assert str(equity["equity"][-1]).rstrip("0").rstrip(".") == summary["final_equity"]


def test_close_fill_mode_and_other_strategies_run(parquet_file: Path) -> None:
    close = backtest_json(parquet_file, "--fill", "close", "--param", "fast=5", "--param", "slow=20")
    opened = backtest_json(parquet_file, "--param", "fast=5", "--param", "slow=20")
    assert close["fills"] > 0 and close["final_equity"] != opened["final_equity"]
    breakout = backtest_json(parquet_file, "--strategy", "breakout", "--param", "entry=10", "--param", "exit=5")
    assert breakout["strategy"] == "breakout" and breakout["fills"] > 0


def test_a_strategy_from_a_file(parquet_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "mine.py"
    path.write_text(
        "from jtrader.trading import Strategy\n"
        "class BuyOnce(Strategy):\n"
        "    params = {'lots': 1000}\n"
        "    def on_bar(self, ctx, bar):\n"
        "        if ctx.position(bar.symbol) == 0 and not ctx.open_orders():\n"
        "            ctx.buy(bar.symbol, self.p.lots)\n"
    )
    summary = backtest_json(parquet_file, "--strategy", f"{path}:BuyOnce", "--param", "lots=2000")
    assert summary["fills"] == 1 and summary["position"] == "0.00002000"
    assert summary["round_trips"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--strategy", "nope"], "unknown strategy 'nope'"),
        (["--param", "fast=30", "--param", "slow=10"], "need 1 <= fast < slow"),
        (["--param", "speed=3"], "unknown parameter 'speed'"),
        (["--cash", "-5"], "--cash"),
        (["--cash", "0"], "must be positive"),
        (["--fee-bps", "abc"], "--fee-bps 'abc' is not a number"),
        (["--fee-bps", "-1"], "must be in [0, 10000)"),
        (["--symbol", "BTC"], "write it as BASE-QUOTE"),
        (["--tick", "0"], "--tick 0"),
        (["--tick", "0.001"], None),
    ],
)
def test_bad_arguments_exit_1_with_a_message(parquet_file: Path, args: list[str], message: str | None) -> None:
    proc = run_cli("backtest", parquet_file, "--json", *args)
    if message is None:
        assert proc.returncode == 0, proc.stderr
        return
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.startswith("jtrader backtest: error:")
    assert message in proc.stderr


def test_bad_candle_rows_exit_1_naming_the_row(tmp_path: Path) -> None:
    frame = synthetic_frame(50)
    bad = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 6).then(pl.col("low") * 2).otherwise(pl.col("low")).alias("high")
    )
    path = tmp_path / "bad.csv"
    bad.write_csv(path)
    proc = run_cli("backtest", path)
    assert proc.returncode == 1
    assert "row 1 " in proc.stderr or "row 7 " in proc.stderr
    assert "Traceback" not in proc.stderr
    unordered = frame.reverse()
    path2 = tmp_path / "unordered.parquet"
    unordered.write_parquet(path2)
    proc = run_cli("backtest", path2)
    assert proc.returncode == 1
    assert "row 2 (" in proc.stderr and "earlier than the row before" in proc.stderr


def test_symbol_without_separator_uses_a_known_quote(tmp_path: Path) -> None:
    path = tmp_path / "c.parquet"
    synthetic_frame(100).write_parquet(path)
    summary = backtest_json(path, "--symbol", "BTCUSDT", "--param", "fast=3", "--param", "slow=9")
    assert summary["symbol"] == "BTCUSDT"


# -- real Binance candles from ../shared/data (skipped when absent) ---------------------------------
def shared(name: str) -> Path:
    path = CANDLES / name
    if not path.is_file():
        pytest.skip(f"../shared/data not present: {path}")
    return path


@pytest.mark.shared_data
def test_real_btc_minutes_with_gaps(tmp_path: Path) -> None:
    path = shared("binance_1m_btc_2017-11.json")
    proc = run_cli("backtest", path, "--symbol", "BTC-USD", "--tick", "0.00000001", "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["bars"] == 13_681
    assert summary["gaps"] == 538
    assert summary["missing_bars"] > summary["gaps"]
    assert summary["fills"] > 10
    assert "538 gap(s) in time" in proc.stderr


@pytest.mark.shared_data
def test_real_btc_minutes_with_the_default_tick_explain_how_to_fix_it() -> None:
    proc = run_cli("backtest", shared("binance_1m_btc_2017-11.json"), "--json")
    assert proc.returncode == 1
    assert "row 1 (2017-11-04T23:02:00Z)" in proc.stderr
    assert "--tick 0.00000001" in proc.stderr


@pytest.mark.shared_data
def test_real_ethbtc_needs_an_eight_decimal_tick_and_says_so() -> None:
    path = shared("binance_1m_ethbtc_2018-01.json")
    proc = run_cli("backtest", path, "--symbol", "ETH-BTC", "--tick", "0.000001", "--cash", "10", "--json")
    assert proc.returncode == 1
    assert "is not a multiple of the tick 0.000001" in proc.stderr
    assert "--tick 0.00000001" in proc.stderr
    proc = run_cli(
        "backtest", path, "--symbol", "ETH-BTC", "--tick", "0.00000001", "--lot", "0.001", "--cash", "10", "--json"
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["bars"] == 14_397
    assert summary["gaps"] == 1
    assert summary["fills"] > 10
    assert float(summary["final_equity"]) > 0
