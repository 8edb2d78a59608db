"""The ``jtrader`` command: parse arguments, call one runner. Nothing else lives here.

Each subcommand's runner is imported only when that subcommand runs, so ``jtrader --help`` and
``jtrader replay`` never pay for pandas or polars.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from jtrader._version import __version__
from jtrader.errors import JTraderError

__all__ = ["build_parser", "main"]

#: subcommand -> "module:function" taking the parsed namespace and returning an exit code
RUNNERS = {
    "backtest": "jtrader.backtest.command:run",
    "replay": "jtrader.replay.command:run",
    "generate": "jtrader.marketgen.command:run",
    "convert": "jtrader.recording.command:run_convert",
    "strategies": "jtrader.strategies.command:run",
}


def _add_strategy_args(parser: argparse.ArgumentParser, default: str | None) -> None:
    parser.add_argument(
        "--strategy",
        default=default,
        help="bundled strategy name (see `jtrader strategies`) or path/to/file.py:ClassName",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="K=V",
        help="strategy parameter, repeatable (--param fast=10 --param slow=30)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jtrader",
        description="Backtest, replay and paper-trade crypto strategies on one exact trading core.",
    )
    parser.add_argument("--version", action="version", version=f"jtrader {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    bt = sub.add_parser("backtest", help="run a strategy on candles (CSV, Parquet or Binance/freqtrade JSON)")
    bt.add_argument("data", metavar="DATA", help="candle file: .csv, .parquet or .json")
    bt.add_argument("--symbol", default="BTC-USD", help="instrument symbol, BASE-QUOTE (default BTC-USD)")
    _add_strategy_args(bt, "sma_cross")
    bt.add_argument("--cash", default="100000", help="starting quote balance (default 100000)")
    bt.add_argument("--fee-bps", default="10", help="fee in basis points per fill (default 10)")
    bt.add_argument("--fill", choices=["next-open", "close"], default="next-open", help="market-order fill price")
    bt.add_argument(
        "--volume-cap", metavar="PCT", help="fills take at most PCT%% of a bar's volume (the rest stays open)"
    )
    bt.add_argument("--tick", default="0.01", help="price tick (default 0.01)")
    bt.add_argument("--lot", default="0.00000001", help="size lot (default 0.00000001)")
    bt.add_argument("--out", metavar="DIR", help="write summary.json, trades.parquet and equity.parquet here")
    bt.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    rp = sub.add_parser("replay", help="replay a recorded websocket session through the simulated exchange")
    rp.add_argument("recording", metavar="RECORDING", help="jtrader, cryptofeed or hftbacktest recording")
    rp.add_argument("--format", choices=["auto", "jtrader", "cryptofeed", "hftbacktest"], default="auto")
    rp.add_argument("--venue", choices=["auto", "coinbase", "binance"], default="auto")
    _add_strategy_args(rp, None)
    rp.add_argument("--speed", default="max", help="max (as fast as possible), 1 (real time) or N (N x real time)")
    rp.add_argument("--top", type=int, default=5, help="book levels per side in the output (default 5)")
    rp.add_argument("--cash", default="100000", help="starting quote balance per quote currency (default 100000)")
    rp.add_argument("--maker-bps", default="0", help="maker fee in basis points (default 0)")
    rp.add_argument("--taker-bps", default="0", help="taker fee in basis points (default 0)")
    rp.add_argument("--latency-ms", default="50", help="order entry and response latency, each, in ms (default 50)")
    rp.add_argument("--out", metavar="DIR", help="write summary.json and events.jsonl here")
    rp.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    gen = sub.add_parser("generate", help="write a seeded synthetic recording (jtrader format)")
    gen.add_argument("--venue", choices=["coinbase", "binance"], default="coinbase")
    gen.add_argument("--seconds", type=float, default=60.0, help="length of the session in seconds")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--symbol", action="append", default=[], help="product (repeatable); venue default if absent")
    gen.add_argument("--out", required=True, metavar="FILE")

    cv = sub.add_parser("convert", help="convert a cryptofeed or hftbacktest capture into a jtrader recording")
    cv.add_argument("input", metavar="IN")
    cv.add_argument("output", metavar="OUT")
    cv.add_argument("--format", choices=["auto", "cryptofeed", "hftbacktest", "jtrader"], default="auto")
    cv.add_argument("--venue", choices=["auto", "coinbase", "binance"], default="auto")

    st = sub.add_parser("strategies", help="list the bundled strategies with their parameters")
    st.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    from jtrader._logging import configure_logging

    configure_logging(args.verbose)
    module_name, _, function_name = RUNNERS[args.command].partition(":")
    runner = getattr(importlib.import_module(module_name), function_name)
    try:
        return int(runner(args) or 0)
    except JTraderError as exc:
        print(f"jtrader {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # pragma: no cover - `jtrader ... | head`
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
