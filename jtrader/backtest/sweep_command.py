"""``jtrader sweep DATA --strategy NAME --grid fast=5:50:5 ...``: one backtest per grid point.

Prints a short ranking (or, with ``--json``, one JSON object with every row) and writes the rows
to ``--out FILE.parquet`` (or ``.csv``). Exit codes: 0 on success, 1 on bad input (a
:class:`~jtrader.errors.JTraderError` the CLI prints), 130 when interrupted with Ctrl-C (the
workers are stopped before the command returns).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from jtrader.errors import ConfigError

__all__ = ["add_arguments", "run"]

#: rows shown by the human summary
TOP = 5
OUT_SUFFIXES = (".parquet", ".pq", ".csv")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The sweep's options (the backtest's, plus the grid and the executor)."""
    parser.add_argument("data", metavar="DATA", help="candle file: .csv, .parquet or .json")
    parser.add_argument("--symbol", default="BTC-USD", help="instrument symbol, BASE-QUOTE (default BTC-USD)")
    parser.add_argument(
        "--strategy", default="sma_cross", help="bundled strategy name or path/to/file.py:ClassName (default sma_cross)"
    )
    parser.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="K=SPEC",
        help="parameter values, repeatable: K=lo:hi:step (hi included when the step lands on it) or K=a,b,c",
    )
    parser.add_argument(
        "--param", action="append", default=[], metavar="K=V", help="a fixed strategy parameter, repeatable"
    )
    parser.add_argument("--cash", default="100000", help="starting quote balance (default 100000)")
    parser.add_argument("--fee-bps", default="10", help="fee in basis points per fill (default 10)")
    parser.add_argument("--fill", choices=["next-open", "close"], default="next-open", help="market-order fill price")
    parser.add_argument("--tick", default="0.01", help="price tick (default 0.01)")
    parser.add_argument("--lot", default="0.00000001", help="size lot (default 0.00000001)")
    parser.add_argument("--executor", choices=["local", "dask"], default="local", help="process pool or dask cluster")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: the number of cores)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="an existing dask scheduler (--executor dask)")
    parser.add_argument("--out", metavar="FILE", help="write every row to FILE.parquet (or .csv)")
    parser.add_argument("--json", action="store_true", help="print one JSON object with every row on stdout")


def run(args: argparse.Namespace) -> int:
    """Load the candles once, sweep the grid, report; 130 on Ctrl-C."""
    started = time.perf_counter()  # elapsed time for the report only; never used in decisions
    from jtrader.backtest.candles import load_candles
    from jtrader.backtest.command import make_instrument, parse_cash, parse_fee_bps
    from jtrader.backtest.grid import parse_grid
    from jtrader.backtest.sweep import SweepConfig, sweep
    from jtrader.strategies import parse_params

    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in OUT_SUFFIXES:
        raise ConfigError(f"--out {out}: write rows to a .parquet or .csv file")
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    instrument = make_instrument(args.symbol, args.tick, args.lot)
    config = SweepConfig(
        strategy=args.strategy,
        cash=parse_cash(args.cash),
        fee_bps=parse_fee_bps(args.fee_bps),
        fill=args.fill,
        fixed=tuple(args.param),
    )
    grid = parse_grid(args.grid, config.strategy_class(), fixed=tuple(parse_params(args.param)))
    series = load_candles(args.data, instrument)
    try:
        result = sweep(series, config, grid, executor=args.executor, workers=workers, scheduler=args.scheduler)
    except KeyboardInterrupt:
        sys.stderr.write("jtrader sweep: interrupted; the workers were stopped\n")
        return 130
    if out is not None:
        _write(result.frame(), out)
    elapsed = time.perf_counter() - started
    header = {
        "strategy": args.strategy,
        "symbol": instrument.symbol,
        "bars": len(series),
        "grid": {name: [_plain(v) for v in values] for name, values in zip(grid.names, grid.values, strict=True)},
        "points": len(result.rows),
        "errors": result.errors,
        "executor": args.executor,
        "workers": workers if not args.scheduler else None,
        "elapsed_s": round(elapsed, 3),
    }
    if args.json:
        sys.stdout.write(json.dumps({**header, "rows": result.rows}) + "\n")
    else:
        sys.stdout.write(_human(header, result.rows, grid.names, out) + "\n")
    return 0


def _plain(value: object) -> Any:
    return value if isinstance(value, bool | int | float | str) else str(value)


def _write(frame: Any, out: Path) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix.lower() == ".csv":
            frame.write_csv(out)
        else:
            frame.write_parquet(out)
    except OSError as exc:
        raise ConfigError(f"--out {out}: cannot write: {exc}") from exc


def _human(header: dict[str, Any], rows: list[dict[str, Any]], names: tuple[str, ...], out: Path | None) -> str:
    """A few lines: what ran, and the best points by return (ties keep grid order)."""
    where = f"{header['executor']}" + (f" x{header['workers']}" if header["workers"] else "")
    lines = [
        f"sweep {header['strategy']} on {header['symbol']}: {header['points']} points "
        f"({header['errors']} invalid) on {header['bars']} bars, {where}, {header['elapsed_s']:.2f}s"
    ]
    valid = [row for row in rows if row["error"] is None]
    ranked = sorted(valid, key=lambda row: -row["return_pct"])[:TOP]
    if ranked:
        lines.append(f"best {len(ranked)} by return:")
    for row in ranked:
        point = " ".join(f"{name}={row[name]}" for name in names)
        lines.append(
            f"  {point}: return {row['return_pct']:+.2f}%, max drawdown {row['max_drawdown_pct']:.2f}%, "
            f"sharpe {row['sharpe']:.2f}, round trips {row['round_trips']}"
        )
    if out is not None:
        lines.append(f"rows written to {out}")
    return "\n".join(lines)
