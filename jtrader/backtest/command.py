"""``jtrader backtest DATA ...``: load candles, run a strategy through the core, report.

Exit codes: 0 on success; bad input (data, parameters, arguments) raises a
:class:`~jtrader.errors.JTraderError` that the CLI prints on stderr with exit code 1. With
``--strict``, candles the loader finds suspicious but usable (gaps in time, so missing bars) are
bad input too: exit code 1 with a one-line reason, before the run.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import sys
import time
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from jtrader.cmdkit import Job
from jtrader.errors import ConfigError, DataError, InstrumentError, ValueFormatError
from jtrader.model import Instrument, to_atoms

__all__ = ["KNOWN_QUOTES", "make_instrument", "parse_cash", "parse_fee_bps", "run"]

log = logging.getLogger(__name__)

#: quote currencies tried, in this order, on a symbol without a separator (``BTCUSDT``)
KNOWN_QUOTES = ("USDT", "USDC", "BUSD", "USD", "BTC", "ETH", "EUR")


def make_instrument(symbol: str, tick: str, lot: str) -> Instrument:
    """``BTC-USD``/``BTC/USD``/``BTCUSDT`` -> an Instrument with that tick and lot (ConfigError if unusable)."""
    text = symbol.strip().upper()
    base = quote = ""
    for sep in ("-", "/"):
        if sep in text:
            base, _, quote = text.partition(sep)
            break
    else:
        for suffix in KNOWN_QUOTES:
            if text.endswith(suffix) and len(text) > len(suffix):
                base, quote = text[: -len(suffix)], suffix
                break
    if not base or not quote:
        raise ConfigError(f"--symbol {symbol!r}: write it as BASE-QUOTE, for example BTC-USD")
    try:
        return Instrument(symbol, base, quote, price_tick=tick, size_lot=lot)
    except InstrumentError as exc:
        raise ConfigError(f"--tick {tick} / --lot {lot}: {exc}") from exc


def _fee_bps(text: str) -> Decimal:
    try:
        fee = Decimal(str(text).strip())
    except InvalidOperation:
        raise ConfigError(f"--fee-bps {text!r} is not a number") from None
    if not fee.is_finite() or not 0 <= fee < 10_000:
        raise ConfigError(f"--fee-bps {text!r} must be in [0, 10000)")
    return fee


def _cash(text: str) -> int:
    try:
        cash = to_atoms(str(text).strip(), "--cash")
    except ValueFormatError as exc:
        raise ConfigError(str(exc)) from None
    if cash <= 0:
        raise ConfigError(f"--cash {text!r} must be positive")
    return cash


def run(args: argparse.Namespace, job: Job | None = None) -> int:
    """Run the backtest the arguments describe; print JSON (``--json``) or a short summary.

    Returns 0, or 130 when ``job`` was stopped (Ctrl-C): the summary and ``--out`` then cover
    the bars that ran and say ``"interrupted": true``.
    """
    started = time.perf_counter()  # elapsed time for the report only; never used in decisions
    from jtrader.backtest.candles import load_candles
    from jtrader.backtest.report import human_summary, summarize, write_outputs
    from jtrader.backtest.runner import run_backtest
    from jtrader.strategies import build_strategy

    job = job if job is not None else Job()

    instrument = make_instrument(args.symbol, args.tick, args.lot)
    cash = _cash(args.cash)
    fee = _fee_bps(args.fee_bps)
    strategy = build_strategy(args.strategy, args.param)
    log.info("backtest: loading %s", args.data)
    series = load_candles(args.data, instrument)
    if getattr(args, "strict", False) and series.gaps:
        raise DataError(
            f"--strict: {args.data} has {series.gaps} gap(s) in time ({series.missing_bars} missing bar(s))"
        )
    # The candles live to the end of this one-shot process: take them out of the garbage
    # collector's view so the run does not rescan them (measured: 6-12% faster on sma_cross).
    gc.collect()
    gc.freeze()
    log.info("backtest: %d bars of %s loaded; running %s", len(series), instrument.symbol, args.strategy)

    def source(bars: Iterator[Any]) -> Iterator[Any]:  # bars, or bar positions (see run_backtest)
        return job.track(bars, label="backtest", total=len(series), unit="bars")

    result = run_backtest(
        series, strategy, cash=cash, fee_bps=fee, fill=args.fill, source_hook=source, volume_cap=args.volume_cap
    )
    summary = summarize(result, args.strategy, time.perf_counter() - started, interrupted=job.interrupted)
    if args.out:
        write_outputs(result, summary, job.out_dir(args.out))
    if args.json:
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        sys.stdout.write(human_summary(summary) + "\n")
    return job.exit_code()


#: the same argument rules for the commands that run backtests (``jtrader sweep``)
parse_cash = _cash
parse_fee_bps = _fee_bps
