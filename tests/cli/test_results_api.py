"""``jtrader.backtest(...)`` and ``jtrader.replay(...)``: the CLI's results, tables and files, from Python."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import orjson
import polars as pl
import pytest

import jtrader
from jtrader.errors import ConfigError, DataError, JTraderError
from jtrader.trading import Strategy
from tests.cli.clikit import RECORDINGS, run_cli, write_candles

SAMPLE = RECORDINGS / "coinbase_btcusd_sample.jtrec"


@pytest.fixture(scope="module")
def candles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_candles(tmp_path_factory.mktemp("candles") / "c.parquet", 3000)


def cli_json(*args: str | Path) -> dict:
    done = run_cli(*args, "--json")
    assert done.returncode == 0, done.stderr
    summary = orjson.loads(done.stdout)
    summary.pop("elapsed_s")
    return summary


def without_timing(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k != "elapsed_s"}


def assert_same_dirs(cli_dir: Path, api_dir: Path, deterministic: set[str]) -> None:
    assert {p.name for p in cli_dir.iterdir()} == {p.name for p in api_dir.iterdir()}
    for name in sorted(deterministic):
        assert (cli_dir / name).read_bytes() == (api_dir / name).read_bytes(), name


def test_backtest_gives_the_cli_summary_tables_and_out_files_byte_for_byte(candles: Path, tmp_path: Path) -> None:
    run = jtrader.backtest(candles, "sma_cross", params={"fast": 5, "slow": 20})
    assert without_timing(run.summary) == cli_json("backtest", candles, "--param", "fast=5", "--param", "slow=20")
    assert run.summary["fills"] > 0 and isinstance(run.summary["elapsed_s"], float)

    assert run.trades.height == run.summary["fills"]
    assert run.trades["price"].dtype == pl.Decimal(38, 2)
    assert run.equity.height == run.summary["bars"]
    assert str(run.equity["equity"][-1].normalize()) == str(Decimal(run.summary["final_equity"]).normalize())
    assert list(run.trades.to_pandas().columns) == run.trades.columns
    assert run.events and run.events[0]["type"]

    cli_out = tmp_path / "cli"
    done = run_cli("backtest", candles, "--param", "fast=5", "--param", "slow=20", "--out", cli_out, "--report")
    assert done.returncode == 0, done.stderr
    api_out = run.save(tmp_path / "api", report=True)
    # the manifest holds the output directory and the versions: everything else is equal byte for byte
    assert_same_dirs(cli_out, api_out, {"summary.json", "trades.parquet", "equity.parquet"})
    for name in ("trades.parquet", "equity.parquet"):
        assert pl.read_parquet(api_out / name).equals(getattr(run, name.split(".")[0]))
    cli_manifest = json.loads((cli_out / "manifest.json").read_text())
    api_manifest = json.loads((api_out / "manifest.json").read_text())
    assert api_manifest["config"] == cli_manifest["config"]
    assert api_manifest["outputs"] == cli_manifest["outputs"]
    assert api_manifest["inputs"] == cli_manifest["inputs"]

    verified = run_cli("verify", api_out)
    assert verified.returncode == 0, verified.stderr + verified.stdout


def test_the_same_run_saved_twice_gives_identical_files(candles: Path, tmp_path: Path) -> None:
    run = jtrader.backtest(candles, params={"fast": 5, "slow": 20})
    first, second = run.save(tmp_path / "a"), run.save(tmp_path / "b")
    assert_same_dirs(first, second, {"summary.json", "trades.parquet", "equity.parquet"})


def test_replay_gives_the_cli_summary_and_out_files_byte_for_byte(tmp_path: Path) -> None:
    mm = ("--strategy", "market_maker", "--param", "half_spread_ticks=1")
    run = jtrader.replay(SAMPLE, "market_maker", params={"half_spread_ticks": 1})
    assert without_timing(run.summary) == cli_json("replay", SAMPLE, *mm)
    assert run.summary["fills"] > 0
    assert run.trades.height == run.summary["fills"] and "symbol" in run.trades.columns
    assert run.equity.height > 0 and run.book.height > 0
    assert [e for e in run.events if e["type"] == "OrderFilled"]

    cli_out = tmp_path / "cli"
    done = run_cli("replay", SAMPLE, *mm, "--out", cli_out)
    assert done.returncode == 0, done.stderr
    api_out = run.save(tmp_path / "api")
    files = {"summary.json", "events.jsonl", "book.parquet", "trades.parquet", "equity.parquet"}
    assert_same_dirs(cli_out, api_out, files)
    assert run_cli("verify", api_out).returncode == 0


def test_a_replay_without_strategy_rebuilds_the_books_only() -> None:
    run = jtrader.replay(SAMPLE)
    assert "orders" not in run.summary and run.summary["records"] > 0
    assert run.trades.height == 0 and run.equity.height == 0 and run.book.height > 0
    assert "ReplayRun" in repr(run) and "records" in str(run)


def test_the_html_repr_shows_the_key_figures_escaped(candles: Path) -> None:
    run = jtrader.backtest(candles, params={"fast": 5, "slow": 20})
    page = run._repr_html_()
    assert page.startswith("<table>") and "sma_cross(fast=5, slow=20)" in page
    assert run.summary["symbol"] in page and "max drawdown" in page
    assert "BacktestRun sma_cross" in repr(run) and "max drawdown" in str(run)


class BuyOnce(Strategy):
    """Buys one lot on the first bar (a class defined here: it has no command line)."""

    name = "buy_once_test"

    def __init__(self) -> None:
        super().__init__()
        self.done = False

    def on_bar(self, ctx, bar) -> None:  # noqa: ANN001
        if not self.done:
            self.done = True
            ctx.buy(bar.symbol, 1_000_000)  # lots: 0.01 BTC


def test_a_strategy_class_or_instance_runs_but_has_no_command_line(candles: Path, tmp_path: Path) -> None:
    by_class = jtrader.backtest(candles, BuyOnce)
    by_instance = jtrader.backtest(candles, BuyOnce())
    assert by_class.summary["fills"] == by_instance.summary["fills"] == 1
    assert by_class.command_line is None
    saved = by_class.save(tmp_path / "out")
    assert not (saved / "manifest.json").exists() and (saved / "summary.json").exists()
    named = jtrader.backtest(candles, "sma_cross")
    assert named.command_line is not None and named.command_line[0] == "backtest"


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda c: jtrader.backtest(c, "no_such_strategy"), "no_such_strategy"),
        (lambda c: jtrader.backtest(c, "sma_cross", params={"fast": "x"}), "fast"),
        (lambda c: jtrader.backtest(c, "sma_cross", params={"nope": 1}), "nope"),
        (lambda c: jtrader.backtest(c, 42), "strategy must be"),
        (lambda c: jtrader.backtest(c, BuyOnce(), params={"a": 1}), "params given with a strategy instance"),
        (lambda c: jtrader.backtest(c, fill="later"), "later"),
        (lambda c: jtrader.backtest(c, cash="lots"), "lots"),
        (lambda c: jtrader.backtest(c.parent / "missing.csv"), "missing.csv"),
        (lambda c: jtrader.replay(c.parent / "missing.jtrec"), "missing.jtrec"),
        (lambda c: jtrader.replay(SAMPLE, params={"a": 1}), "params need a strategy"),
        (lambda c: jtrader.replay(SAMPLE, top=-1), "top"),
        (lambda c: jtrader.replay(SAMPLE, sample_ms=0), "sample_ms"),
        (lambda c: jtrader.replay(SAMPLE, latency_ms="soon"), "soon"),
    ],
)
def test_bad_arguments_raise_a_typed_error_naming_the_problem(call, needle: str, candles: Path) -> None:  # noqa: ANN001
    with pytest.raises(JTraderError, match=needle):
        call(candles)


def test_a_file_that_is_not_candles_is_a_data_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("this,is\nnot,candles\n")
    with pytest.raises((DataError, ConfigError)):
        jtrader.backtest(bad)
