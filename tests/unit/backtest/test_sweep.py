"""Sweeps: one row per point equal to a single backtest, the same rows on every executor."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import polars as pl
import pytest

from jtrader.backtest.grid import parse_grid
from jtrader.backtest.report import summarize
from jtrader.backtest.runner import run_backtest
from jtrader.backtest.sweep import (
    SweepConfig,
    evaluate_point,
    fixed_values,
    series_from_payload,
    series_payload,
    sweep,
)
from jtrader.backtest.synthetic import random_walk
from jtrader.errors import ConfigError
from jtrader.model import Instrument, to_atoms
from jtrader.strategies import SmaCross
from jtrader.trading import Strategy

INSTRUMENT = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.00000001")
SERIES = random_walk(INSTRUMENT, 3_000, seed=8)
CONFIG = SweepConfig("sma_cross", to_atoms("100000"), Decimal("10"))
GRID_SPECS = ["fast=5:15:5", "slow=10:30:10"]


def single_backtest_row(point: dict[str, int], fee: str = "10", fill: str = "next-open") -> dict[str, Any]:
    result = run_backtest(SERIES, SmaCross(**point), cash=to_atoms("100000"), fee_bps=fee, fill=fill)
    summary = summarize(result, "sma_cross", 0.0)
    params = summary.pop("params")
    del summary["elapsed_s"]
    # a parameter named like a summary key (sma_cross's symbol) has the column param_<name>
    params = {f"param_{k}" if k in summary else k: v for k, v in params.items()}
    return {**params, **summary, "error": None}


def test_each_row_equals_a_single_backtest_of_that_point_and_rows_follow_the_grid() -> None:
    grid = parse_grid(GRID_SPECS, SmaCross)
    result = sweep(SERIES, CONFIG, grid, workers=1)
    points = [(row["fast"], row["slow"]) for row in result.rows]
    assert points == [(f, s) for f in (5, 10, 15) for s in (10, 20, 30)]
    for row in result.rows:
        if row["fast"] < row["slow"]:
            assert row == single_backtest_row({"fast": row["fast"], "slow": row["slow"]})
    assert result.columns[:2] == ["fast", "slow"] and result.columns[-1] == "error"
    assert all(list(row) == result.columns for row in result.rows)


def test_invalid_points_are_reported_per_row_with_the_strategys_message() -> None:
    result = sweep(SERIES, CONFIG, parse_grid(GRID_SPECS, SmaCross), workers=1)
    invalid = [row for row in result.rows if row["error"] is not None]
    assert [(row["fast"], row["slow"]) for row in invalid] == [(10, 10), (15, 10)]
    assert invalid[0]["error"] == "sma_cross: need 1 <= fast < slow, got fast=10 slow=10"
    assert all(row[name] is None for row in invalid for name in ("bars", "final_equity", "sharpe"))
    assert result.errors == 2


def test_a_grid_without_any_valid_point_is_refused_up_front() -> None:
    with pytest.raises(ConfigError, match=r"no point of the grid is valid; the first \(fast=30, slow=10\): sma_cross"):
        sweep(SERIES, CONFIG, parse_grid(["fast=30,40", "slow=10"], SmaCross), workers=1)


def test_fixed_params_are_coerced_checked_and_shown_in_their_column() -> None:
    config = SweepConfig("sma_cross", to_atoms("100000"), fixed=("slow=25",))
    result = sweep(SERIES, config, parse_grid(["fast=3,5"], SmaCross), workers=1)
    assert [row["slow"] for row in result.rows] == [25, 25]
    assert result.rows[1] == single_backtest_row({"fast": 5, "slow": 25})
    with pytest.raises(ConfigError, match=r"--param speed=3: SmaCross has no parameter 'speed'"):
        fixed_values(SmaCross, SweepConfig("sma_cross", 1, fixed=("speed=3",)))
    with pytest.raises(ConfigError, match=r"parameter slow='x' is not a valid int"):
        sweep(SERIES, SweepConfig("sma_cross", 1, fixed=("slow=x",)), parse_grid(["fast=3"], SmaCross))


def test_fee_and_fill_reach_every_point() -> None:
    config = SweepConfig("sma_cross", to_atoms("100000"), Decimal("2.5"), fill="close")
    result = sweep(SERIES, config, parse_grid(["fast=5"], SmaCross, fixed=()), workers=1)
    assert result.rows[0] == single_backtest_row({"fast": 5, "slow": 30}, fee="2.5", fill="close")


class Explodes(Strategy):
    params: ClassVar[dict[str, object]] = {"at": 10}

    def on_bar(self, ctx: Any, bar: Any) -> None:
        if ctx.now >= SERIES.bar_ts(self.p.at):
            raise ZeroDivisionError("boom")


def test_a_point_whose_run_raises_becomes_an_error_row() -> None:
    row = evaluate_point(SERIES, CONFIG, {"at": 5}, cls=Explodes)
    assert row["error"].startswith("strategy 'Explodes' raised ZeroDivisionError in on_bar on BTC-USD at ")
    assert list(row) == ["error"] and row["error"].endswith(
        ": boom; the run stopped there and its results are incomplete"
    )


def test_the_payload_rebuilds_the_same_candles() -> None:
    assert series_from_payload(series_payload(SERIES)) == SERIES


def test_bad_executor_settings_are_config_errors() -> None:
    grid = parse_grid(["fast=5"], SmaCross)
    with pytest.raises(ConfigError, match=r"--executor must be one of local, dask"):
        sweep(SERIES, CONFIG, grid, executor="ray")
    with pytest.raises(ConfigError, match=r"--scheduler needs --executor dask"):
        sweep(SERIES, CONFIG, grid, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ConfigError, match=r"--workers must be at least 1"):
        sweep(SERIES, CONFIG, grid, workers=0)


def test_parameters_named_like_metric_columns_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "clash.py"
    path.write_text(
        "from jtrader.strategies import SmaCross\n\n"
        "class Clash(SmaCross):\n    params = {**SmaCross.params, 'sharpe': 1}\n"
    )
    config = SweepConfig(f"{path}:Clash", to_atoms("100000"))
    with pytest.raises(ConfigError, match=r"parameter\(s\) sharpe clash with the sweep's metric columns"):
        sweep(SERIES, config, parse_grid(["sharpe=1,2"], config.strategy_class()), workers=1)
    # a parameter that is not swept keeps its value in a column of its own, next to the metric
    result = sweep(SERIES, config, parse_grid(["fast=4,5"], config.strategy_class()), workers=1)
    assert "param_sharpe" in result.columns and "sharpe" in result.columns
    assert [row["param_sharpe"] for row in result.rows] == [1, 1]


def test_the_frame_has_one_typed_column_per_parameter_and_metric() -> None:
    result = sweep(SERIES, CONFIG, parse_grid(GRID_SPECS, SmaCross), workers=1)
    frame = result.frame()
    assert frame.columns == result.columns
    assert frame.schema["fast"] == pl.Int64 and frame.schema["sharpe"] == pl.Float64
    assert frame.schema["final_equity"] == pl.String and frame.schema["error"] == pl.String
    assert frame.height == 9


# -- executors: the same rows whatever runs them --------------------------------------------------
STRATEGY_FILE = '''
from typing import ClassVar
from jtrader.strategies import SmaCross

class Slower(SmaCross):
    """sma_cross under another name, loaded from a file in every worker."""
    name: ClassVar[str] = "slower"
'''


@pytest.fixture(scope="module")
def strategy_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("strategies") / "mine.py"
    path.write_text(textwrap.dedent(STRATEGY_FILE))
    return path


@pytest.fixture(scope="module")
def reference_rows() -> list[dict[str, Any]]:
    return sweep(SERIES, CONFIG, parse_grid(GRID_SPECS, SmaCross), workers=1).rows


def test_a_process_pool_gives_the_same_rows_as_one_process(reference_rows: list[dict[str, Any]]) -> None:
    rows = sweep(SERIES, CONFIG, parse_grid(GRID_SPECS, SmaCross), executor="local", workers=2).rows
    assert rows == reference_rows


def test_a_strategy_file_is_loaded_in_every_worker(
    strategy_file: Path, reference_rows: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(strategy_file.parent)  # a relative path, as a user types it: rows keep that name
    config = SweepConfig("mine.py:Slower", to_atoms("100000"), Decimal("10"))
    rows = sweep(SERIES, config, parse_grid(GRID_SPECS, SmaCross), executor="local", workers=2).rows
    strip = [{k: v for k, v in row.items() if k != "strategy"} for row in rows]
    assert strip == [{k: v for k, v in row.items() if k != "strategy"} for row in reference_rows]
    assert {row["strategy"] for row in rows if row["error"] is None} == {"mine.py:Slower"}


@pytest.mark.slow
def test_a_dask_local_cluster_on_loopback_gives_the_same_rows(
    strategy_file: Path, reference_rows: list[dict[str, Any]]
) -> None:
    pytest.importorskip("distributed", reason="dask.distributed is not installed (pip install 'jtrader[cluster]')")
    rows = sweep(SERIES, CONFIG, parse_grid(GRID_SPECS, SmaCross), executor="dask", workers=2).rows
    assert rows == reference_rows
    config = SweepConfig(f"{strategy_file}:Slower", to_atoms("100000"), Decimal("10"))
    one_worker = sweep(SERIES, config, parse_grid(GRID_SPECS, SmaCross), executor="dask", workers=1).rows
    assert [r["final_equity"] for r in one_worker] == [r["final_equity"] for r in reference_rows]


def test_an_unreachable_dask_scheduler_is_a_config_error() -> None:
    pytest.importorskip("distributed", reason="dask.distributed is not installed (pip install 'jtrader[cluster]')")
    import socket

    with socket.socket() as probe:  # a loopback port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    from jtrader.backtest import sweep_dask

    original = sweep_dask.CONNECT_TIMEOUT_S
    sweep_dask.CONNECT_TIMEOUT_S = 1
    try:
        with pytest.raises(ConfigError, match=r"--scheduler tcp://127.0.0.1:\d+: cannot reach the dask scheduler"):
            sweep(
                SERIES, CONFIG, parse_grid(["fast=5"], SmaCross), executor="dask", scheduler=f"tcp://127.0.0.1:{port}"
            )
    finally:
        sweep_dask.CONNECT_TIMEOUT_S = original


def test_a_dask_worker_rebuilds_the_candles_once_per_sweep() -> None:
    from jtrader.backtest import sweep_dask

    payload = {**series_payload(SERIES), "token": "sweep-1"}
    first = sweep_dask._evaluate_on_worker({"fast": 5, "slow": 20}, payload, CONFIG)
    cached = sweep_dask._worker_series(payload)
    assert sweep_dask._worker_series(payload) is cached  # the same object: not rebuilt per task
    assert first == evaluate_point(SERIES, CONFIG, {"fast": 5, "slow": 20})
    assert sweep_dask._worker_series({**payload, "token": "sweep-2"}) is not cached


class Picky(Strategy):
    params: ClassVar[dict[str, object]] = {"n": 1}

    def __init__(self, **overrides: object) -> None:
        super().__init__(**overrides)
        if self.p.n > 3:
            raise ValueError("n must be at most 3")


def test_a_strategy_refusing_a_value_with_value_error_gives_an_error_row() -> None:
    assert evaluate_point(SERIES, CONFIG, {"n": 5}, cls=Picky) == {
        "error": "strategy sma_cross: bad parameters: n must be at most 3"
    }


def test_a_ctrl_c_while_workers_start_is_raised_once_they_have_started() -> None:
    import os
    import signal
    import threading

    from jtrader.backtest.sweep import _sigint_deferred

    started = []
    with pytest.raises(KeyboardInterrupt), _sigint_deferred():
        os.kill(os.getpid(), signal.SIGINT)
        started.append("the pool")  # still reached: the interrupt waits
    assert started == ["the pool"]
    errors: list[BaseException] = []

    def elsewhere() -> None:
        try:
            with _sigint_deferred():  # off the main thread: no handler can be set, nothing is held
                started.append("thread")
        except BaseException as exc:  # pragma: no cover - would be a failure
            errors.append(exc)

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert started == ["the pool", "thread"] and not errors


@pytest.mark.parametrize("start_up", ["not a pickle", "a missing strategy file"])
def test_a_worker_start_up_that_fails_is_raised_by_its_first_task_not_by_the_initializer(
    start_up: str, tmp_path: Path
) -> None:
    # (in this process: the pool's own runs of the initializer are in subprocesses coverage does not trace)
    import pickle
    import signal

    from jtrader.backtest import sweep as sweep_module

    series = random_walk(Instrument("BTC-USD", "BTC", "USD"), 50, seed=1)
    missing = str(tmp_path / "gone.py") + ":Gone"
    if start_up == "not a pickle":
        data, expected = b"not a pickle", "a sweep worker could not start: UnpicklingError: "
    else:
        config = SweepConfig(missing, to_atoms("1000"), Decimal(0))
        data = pickle.dumps((sweep_module.series_payload(series), config))
        expected = f"a sweep worker could not start (strategy {missing}): strategy file {tmp_path / 'gone.py'} does not"
    previous = signal.getsignal(signal.SIGINT)
    try:
        sweep_module._init_worker(data)  # never raises: a pool would replace the worker for ever
        with pytest.raises(ConfigError) as caught:
            sweep_module._evaluate_in_worker({"fast": 3})
    finally:
        signal.signal(signal.SIGINT, previous)
        sweep_module._WORKER.clear()
    assert str(caught.value).startswith(expected)
