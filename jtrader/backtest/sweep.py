"""Parameter sweeps: one full backtest per grid point, on this machine's cores or on a dask cluster.

Each point runs exactly what ``jtrader backtest`` runs (same loader, engine, risk manager,
simulator, :func:`jtrader.backtest.report.summarize`), so a row equals the ``--json`` summary of
a single backtest of that point, without ``params`` (one column per parameter instead) and
``elapsed_s`` (the only value that changes between runs). Rows come back in grid order
(:mod:`jtrader.backtest.grid`) whatever the executor and the number of workers.

**Invalid points** (parameters the strategy refuses, such as ``fast >= slow`` for ``sma_cross``)
are found up front, in this process, and reported per row: every metric is null and ``error``
holds the strategy's message. A point whose run raises is reported the same way. When *no*
point is valid the sweep is refused with the first point's message.

**Executors**: ``local`` runs the points on a process pool (``spawn``; the candles are sent to
each worker once, in its initializer, as numpy arrays; one worker runs in this process);
``dask`` runs them on a dask.distributed cluster (:mod:`jtrader.backtest.sweep_dask`).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import pickle
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from jtrader.backtest.candles import CandleSeries
from jtrader.backtest.grid import Grid
from jtrader.errors import ConfigError, JTraderError
from jtrader.model import Instrument
from jtrader.strategies import parse_params, resolve_strategy
from jtrader.trading import Strategy, coerce_param

__all__ = [
    "EXECUTORS",
    "SweepConfig",
    "SweepResult",
    "build_point_strategy",
    "evaluate_point",
    "fixed_values",
    "series_from_payload",
    "series_payload",
    "sweep",
]

log = logging.getLogger(__name__)

EXECUTORS = ("local", "dask")
#: summary fields that are not metrics of the point: the parameters get their own columns, and
#: the elapsed time differs from run to run
_NOT_IN_ROWS = ("params", "elapsed_s")


@dataclass(frozen=True, slots=True)
class SweepConfig:
    """What every point shares: the strategy (as the user named it), fixed ``--param`` pairs,
    starting cash (quote atoms), fee (basis points) and the market-order fill mode."""

    strategy: str
    cash: int
    fee_bps: Decimal = Decimal(10)
    fill: str = "next-open"
    fixed: tuple[str, ...] = ()
    #: the strategy's name in the rows (``strategy`` as the user wrote it when that differs)
    label: str = ""

    @property
    def name(self) -> str:
        """How the rows name the strategy: as ``jtrader backtest --strategy`` would."""
        return self.label or self.strategy

    def strategy_class(self) -> type[Strategy]:
        """The strategy class (bundled name or ``path/to/file.py:ClassName``)."""
        return resolve_strategy(self.strategy)

    def for_workers(self) -> SweepConfig:
        """The same config with a strategy file given by its absolute path (workers may run elsewhere)."""
        path, colon, name = self.strategy.rpartition(":")
        if not colon or not path.endswith(".py"):
            return self
        absolute = str(Path(path).resolve()) + ":" + name
        return SweepConfig(absolute, self.cash, self.fee_bps, self.fill, self.fixed, label=self.name)


@dataclass(slots=True)
class SweepResult:
    """The rows of a sweep, in grid order, and the names of its columns in order."""

    grid: Grid
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def errors(self) -> int:
        """How many points have no metrics (their ``error`` is set)."""
        return sum(1 for row in self.rows if row["error"] is not None)

    def frame(self) -> Any:
        """The rows as a polars DataFrame (parameters first, ``error`` last; dicts and lists as JSON text)."""
        import polars as pl

        # nested values (counts by reason, display places, triggers) become JSON text: one typed column each
        rows = [
            [
                orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode() if isinstance(value, dict | list) else value
                for value in (row[name] for name in self.columns)
            ]
            for row in self.rows
        ]
        return pl.DataFrame(rows, schema=self.columns, infer_schema_length=None, orient="row")


# -- one point -------------------------------------------------------------------------------------
def fixed_values(cls: type[Strategy], config: SweepConfig) -> dict[str, object]:
    """Every parameter's value outside the grid: the ``--param`` ones coerced, the others' defaults."""
    values = dict(cls.params)
    for name, text in parse_params(list(config.fixed)).items():
        if name not in values:
            known = ", ".join(cls.params) or "none"
            raise ConfigError(f"--param {name}={text}: {cls.__name__} has no parameter {name!r} (known: {known})")
        values[name] = coerce_param(name, values[name], text)
    return values


def build_point_strategy(cls: type[Strategy], config: SweepConfig, point: dict[str, object]) -> Strategy:
    """The strategy of one point: ``--param`` values, then the grid values (ConfigError if refused)."""
    overrides: dict[str, object] = dict(parse_params(list(config.fixed)))
    overrides.update(point)
    try:
        return cls(**overrides)
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"strategy {config.strategy}: bad parameters: {exc}") from exc


def evaluate_point(
    series: CandleSeries, config: SweepConfig, point: dict[str, object], cls: type[Strategy] | None = None
) -> dict[str, Any]:
    """Backtest one point; its summary without ``params``/``elapsed_s``, or ``{"error": message}``."""
    from jtrader.backtest.report import summarize
    from jtrader.backtest.runner import run_backtest

    try:
        strategy = build_point_strategy(cls or config.strategy_class(), config, point)
        result = run_backtest(series, strategy, cash=config.cash, fee_bps=config.fee_bps, fill=config.fill)
    except JTraderError as exc:
        return {"error": str(exc)}
    except Exception as exc:  # a strategy's own bug must not lose the other points
        return {"error": f"{type(exc).__name__}: {exc}"}
    summary = summarize(result, config.name, 0.0)
    for key in _NOT_IN_ROWS:
        del summary[key]
    return summary


# -- candles to workers ----------------------------------------------------------------------------
def series_payload(series: CandleSeries) -> dict[str, Any]:
    """A compact, picklable copy of ``series`` (numpy int64 columns): what is sent to each worker."""
    import numpy as np

    payload: dict[str, Any] = {
        name: np.asarray(getattr(series, name), dtype=np.int64)
        for name in ("start", "open", "high", "low", "close", "volume")
    }
    payload.update(
        instrument=series.instrument,
        interval_ns=series.interval_ns,
        gaps=series.gaps,
        missing_bars=series.missing_bars,
    )
    return payload


def series_from_payload(payload: dict[str, Any]) -> CandleSeries:
    """Rebuild the :class:`CandleSeries` (lists of Python ints, as the engine wants them)."""
    instrument: Instrument = payload["instrument"]
    return CandleSeries(
        instrument=instrument,
        start=payload["start"].tolist(),
        open=payload["open"].tolist(),
        high=payload["high"].tolist(),
        low=payload["low"].tolist(),
        close=payload["close"].tolist(),
        volume=payload["volume"].tolist(),
        interval_ns=payload["interval_ns"],
        gaps=payload["gaps"],
        missing_bars=payload["missing_bars"],
    )


# -- the local process pool ------------------------------------------------------------------------
_WORKER: dict[str, Any] = {}


def _init_worker(start_up: bytes) -> None:
    """Pool initializer: rebuild the candles once; Ctrl-C is the parent's to handle.

    It never raises: a ``multiprocessing`` pool replaces a worker whose start-up failed, again and
    again, and the sweep would hang. So the candles and the config come pickled (an object that does
    not unpickle fails in here, not before), and a failure is kept and raised by the worker's first
    task instead, which ends the sweep with that message.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        payload, config = pickle.loads(start_up)
        _WORKER["config"] = config
        _WORKER["series"] = series_from_payload(payload)
        _WORKER["class"] = config.strategy_class()
    except BaseException as exc:  # even SystemExit: a worker that exits is replaced, again and again
        why = str(exc) if isinstance(exc, JTraderError) else f"{type(exc).__name__}: {exc}"
        config = _WORKER.get("config")
        of = f" (strategy {config.strategy})" if config is not None else ""
        _WORKER["failed"] = f"a sweep worker could not start{of}: {why}"
        return
    gc.collect()
    gc.freeze()  # the candles live as long as the worker: keep them out of the collector's scans


def _evaluate_in_worker(point: dict[str, object]) -> dict[str, Any]:
    failed = _WORKER.get("failed")
    if failed is not None:
        raise ConfigError(failed)
    return evaluate_point(_WORKER["series"], _WORKER["config"], point, _WORKER["class"])


def _run_local(
    series: CandleSeries, config: SweepConfig, points: list[dict[str, object]], workers: int
) -> list[dict[str, Any]]:
    cls = config.strategy_class()
    if workers <= 1 or len(points) <= 1:
        return [evaluate_point(series, config, point, cls) for point in points]
    context = multiprocessing.get_context("spawn")  # never fork a process that may hold polars' threads
    pool = None
    try:
        with _sigint_deferred():  # a Ctrl-C while the pool starts waits until it is ours to stop
            start_up = pickle.dumps((series_payload(series), config), protocol=pickle.HIGHEST_PROTOCOL)
            pool = context.Pool(min(workers, len(points)), initializer=_init_worker, initargs=(start_up,))
        results = list(pool.imap(_evaluate_in_worker, points, chunksize=1))
    except BaseException:
        if pool is not None:
            pool.terminate()
            pool.join()
        raise
    pool.close()
    pool.join()
    return results


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold a Ctrl-C back while the worker processes start, then raise it.

    Interrupting the parent while it writes a worker's start-up data (the candles) would leave
    that worker half started and unreaped; held back, the interrupt arrives once the pool exists
    and the caller terminates it. Only the main thread can set signal handlers.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


# -- the sweep -------------------------------------------------------------------------------------
Runner = Callable[[CandleSeries, SweepConfig, list[dict[str, object]], int], list[dict[str, Any]]]


def sweep(
    series: CandleSeries,
    config: SweepConfig,
    grid: Grid,
    *,
    executor: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
) -> SweepResult:
    """Run every point of ``grid`` on ``series``; rows in grid order (see the module docstring).

    ``workers``: processes of the local pool (1 runs in this process) or of the dask
    LocalCluster; ``scheduler`` (``tcp://HOST:PORT``) runs on an existing dask cluster instead.
    """
    if executor not in EXECUTORS:
        raise ConfigError(f"--executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    if scheduler and executor != "dask":
        raise ConfigError("--scheduler needs --executor dask")
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {workers}")
    cls = config.strategy_class()
    fixed_values(cls, config)  # an unknown or malformed --param is refused before anything runs
    points = list(grid.points())
    refused: dict[int, str] = {}
    for i, point in enumerate(points):
        try:
            build_point_strategy(cls, config, point)
        except ConfigError as exc:
            refused[i] = str(exc)
    if len(refused) == len(points):
        first = ", ".join(f"{k}={v}" for k, v in points[0].items())
        raise ConfigError(f"no point of the grid is valid; the first ({first}): {refused[0]}")
    if refused:
        log.info("%d of %d grid points are invalid and reported as errors", len(refused), len(points))
    todo = [point for i, point in enumerate(points) if i not in refused]
    worker_config = config.for_workers()
    if executor == "dask":
        from jtrader.backtest.sweep_dask import run_on_dask

        done = run_on_dask(series, worker_config, todo, workers=workers, scheduler=scheduler)
    else:
        done = _run_local(series, worker_config, todo, workers)
    return _assemble(grid, cls=cls, config=config, points=points, refused=refused, done=done)


def _assemble(
    grid: Grid,
    *,
    cls: type[Strategy],
    config: SweepConfig,
    points: Sequence[dict[str, object]],
    refused: dict[int, str],
    done: list[dict[str, Any]],
) -> SweepResult:
    fixed = fixed_values(cls, config)
    others = [name for name in cls.params if name not in grid.names]
    param_names = [*grid.names, *others]
    metric_names = next((list(m) for m in done if "error" not in m), [])
    taken = {*metric_names, "error"}
    clash = sorted(set(grid.names) & taken)
    if clash:
        raise ConfigError(f"grid parameter(s) {', '.join(clash)} clash with the sweep's metric columns")
    # a fixed parameter named like a metric (sma_cross's ``symbol``) gets the column ``param_<name>``
    columns = {name: f"param_{name}" if name in taken else name for name in param_names}
    results = iter(done)
    rows = []
    for i, point in enumerate(points):
        metrics = {"error": refused[i]} if i in refused else next(results)
        row: dict[str, Any] = {}
        for name in param_names:
            value = point[name] if name in point else fixed[name]
            row[columns[name]] = str(value) if isinstance(value, Decimal) else value
        for name in metric_names:
            row[name] = metrics.get(name)
        row["error"] = metrics.get("error")
        rows.append(row)
    return SweepResult(grid, [*columns.values(), *metric_names, "error"], rows)
