"""Sweep points on a dask.distributed cluster (``jtrader sweep --executor dask``).

dask is imported here only, when this executor is asked for (``pip install 'jtrader[cluster]'``).
With ``--scheduler tcp://HOST:PORT`` the points run on that cluster (its workers need jtrader
installed, and a strategy file at the same absolute path); without it on a ``LocalCluster`` of
``--workers`` processes, one thread each, that listens on 127.0.0.1 only and stops with the sweep.

The candles go to every worker **once**: they are scattered with ``broadcast=True`` before any
task is submitted, every task takes that one future, and each worker process rebuilds the
:class:`~jtrader.backtest.candles.CandleSeries` from it once (cached by a token per sweep).
Results are gathered in submission order, so rows come back in grid order on any cluster.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Any

from jtrader.backtest.candles import CandleSeries
from jtrader.backtest.sweep import SweepConfig, evaluate_point, series_from_payload, series_payload
from jtrader.errors import ConfigError

__all__ = ["run_on_dask"]

#: seconds to wait for an existing scheduler to answer
CONNECT_TIMEOUT_S = 20

_CACHE: dict[str, Any] = {}
_CACHE_LOCK = threading.Lock()


def _worker_series(payload: dict[str, Any]) -> CandleSeries:
    """The candles of this sweep in this worker process, rebuilt on the first task only."""
    token = payload["token"]
    with _CACHE_LOCK:
        if _CACHE.get("token") != token:
            _CACHE.clear()
            _CACHE["series"] = series_from_payload(payload)
            _CACHE["token"] = token
        series: CandleSeries = _CACHE["series"]
    return series


def _evaluate_on_worker(point: dict[str, object], payload: dict[str, Any], config: SweepConfig) -> dict[str, Any]:
    return evaluate_point(_worker_series(payload), config, point)


def run_on_dask(
    series: CandleSeries,
    config: SweepConfig,
    points: list[dict[str, object]],
    *,
    workers: int,
    scheduler: str | None,
) -> list[dict[str, Any]]:
    """Evaluate ``points`` on a dask cluster (see the module docstring); results in ``points`` order."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError("--executor dask needs dask.distributed: pip install 'jtrader[cluster]'") from None
    payload = series_payload(series)
    payload["token"] = uuid.uuid4().hex  # names this sweep's candles in the workers' cache; no decision uses it
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise ConfigError(f"--scheduler {scheduler}: cannot reach the dask scheduler: {exc}") from exc
    else:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.WARNING,
        )
        client = Client(cluster)
    futures: list[Any] = []
    try:
        [data] = client.scatter([payload], broadcast=True, hash=False)
        futures = client.map(_evaluate_on_worker, points, payload=data, config=config, pure=False)
        results: list[dict[str, Any]] = client.gather(futures)
        return results
    except BaseException:
        if futures:
            client.cancel(futures)
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
