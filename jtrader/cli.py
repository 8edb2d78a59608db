"""The ``jtrader`` command: parse arguments, call one runner. Nothing else lives here.

Each subcommand's runner is imported only when that subcommand runs, so ``jtrader --help`` and
``jtrader replay`` never pay for pandas or polars. What every command gets from here, with no code
of its own (see "Adding a command" in ``docs/architecture.md``):

* ``--config FILE`` (TOML), ``--log-level``, ``--quiet``, ``-v``, before or after the subcommand;
* Ctrl-C / SIGTERM handled: the runner's :meth:`Job.track` source stops between items, the runner
  reports what ran, the exit code is 130;
* outputs declared with :func:`~jtrader.cmdkit.options.add_out_dir` / ``add_out_file`` are checked
  before the run; an output directory gets ``manifest.json`` and, with ``--report``, ``report.html``.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from jtrader._variant import variant
from jtrader._version import __version__
from jtrader.cmdkit.options import add_input, add_out_dir, add_out_file, mark, subcommands
from jtrader.errors import JTraderError

__all__ = ["GLOBAL_DESTS", "RUNNERS", "build_parser", "main"]

#: subcommand -> "module:function" taking (args) or (args, job) and returning an exit code
RUNNERS = {
    "backtest": "jtrader.backtest.command:run",
    "sweep": "jtrader.backtest.sweep_command:run",
    "replay": "jtrader.replay.command:run",
    "generate": "jtrader.marketgen.command:run",
    "convert": "jtrader.recording.command:run_convert",
    "strategies": "jtrader.strategies.command:run",
    "record": "jtrader.live.commands:run_record",
    "serve": "jtrader.live.commands:run_serve",
    "download-candles": "jtrader.live.commands:run_download_candles",
    "paper": "jtrader.paper.command:run_paper",
    "parity": "jtrader.paper.command:run_parity",
    "report": "jtrader.report.command:run",
    "verify": "jtrader.cmdkit.verify:run",
}

#: options every command accepts (before or after its name); not part of a run's manifest
GLOBAL_DESTS = ("config", "log_level", "quiet", "verbose")


def _add_strategy_args(parser: argparse.ArgumentParser, default: str | None) -> None:
    mark(
        parser.add_argument(
            "--strategy",
            default=default,
            help="bundled strategy name (see `jtrader strategies`) or path/to/file.py:ClassName",
        ),
        "strategy",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="K=V",
        help="strategy parameter, repeatable (--param fast=10 --param slow=30)",
    )


def _add_global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The options of every command; on subcommands their defaults are suppressed (the root's count)."""
    from jtrader.cmdkit.logs import LEVELS

    default: Any = argparse.SUPPRESS if suppress else None
    parser.add_argument("--config", metavar="FILE", default=default, help="read options from a TOML file")
    parser.add_argument("--log-level", choices=LEVELS, default=default, help="log level on stderr (default warning)")
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="no progress bars, errors only on stderr",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS if suppress else 0,
        help="more log output on stderr (-v info, -vv debug)",
    )


def _add_sweep_args(parser: argparse.ArgumentParser) -> None:
    from jtrader.backtest.sweep_command import add_arguments  # argparse setup only: no pandas/polars

    add_arguments(parser)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jtrader",
        description="Backtest, replay and paper-trade crypto strategies on one exact trading core.",
    )
    parser.add_argument("--version", action="version", version=f"jtrader {__version__} ({variant()})")
    _add_global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    bt = sub.add_parser("backtest", help="run a strategy on candles (CSV, Parquet or Binance/freqtrade JSON)")
    add_input(bt, "data", metavar="DATA", help="candle file: .csv, .parquet or .json")
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
    add_out_dir(bt, help="write summary.json, trades.parquet, equity.parquet and manifest.json here")
    bt.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    bt.add_argument("--strict", action="store_true", help="exit 1 if the candles have gaps or other data problems")

    sw = sub.add_parser("sweep", help="run a strategy over a parameter grid (one backtest per point, in parallel)")
    _add_sweep_args(sw)

    rp = sub.add_parser("replay", help="replay a recorded websocket session through the simulated exchange")
    add_input(rp, "recording", metavar="RECORDING", help="jtrader, cryptofeed or hftbacktest recording")
    rp.add_argument("--format", choices=["auto", "jtrader", "cryptofeed", "hftbacktest"], default="auto")
    rp.add_argument("--venue", choices=["auto", "coinbase", "binance"], default="auto")
    _add_strategy_args(rp, None)
    rp.add_argument("--speed", default="max", help="max (as fast as possible), 1 (real time) or N (N x real time)")
    rp.add_argument("--top", type=int, default=5, help="book levels per side in the output (default 5)")
    rp.add_argument("--cash", default="100000", help="starting quote balance per quote currency (default 100000)")
    rp.add_argument("--maker-bps", default="0", help="maker fee in basis points (default 0)")
    rp.add_argument("--taker-bps", default="0", help="taker fee in basis points (default 0)")
    rp.add_argument("--latency-ms", default="50", help="order entry and response latency, each, in ms (default 50)")
    rp.add_argument(
        "--sample-ms",
        type=int,
        default=100,
        help="with --out: book.parquet samples each book at most once per this many ms of data time (default 100)",
    )
    add_out_dir(
        rp,
        help="write summary.json, events.jsonl, book.parquet, manifest.json (with a strategy also trades.parquet, "
        "equity.parquet) here",
    )
    rp.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    rp.add_argument("--strict", action="store_true", help="exit 1 on any data problem (damage, malformed, gaps...)")

    gen = sub.add_parser("generate", help="write a seeded synthetic recording (jtrader format)")
    gen.add_argument("--venue", choices=["coinbase", "binance"], default="coinbase")
    gen.add_argument("--seconds", type=float, default=60.0, help="length of the session in seconds")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--symbol", action="append", default=[], help="product (repeatable); venue default if absent")
    add_out_file(gen, "--out", required=True, help="the recording to write (FILE.partial until it is complete)")

    cv = sub.add_parser("convert", help="convert a cryptofeed or hftbacktest capture into a jtrader recording")
    add_input(cv, "input", metavar="IN", help="the capture to read")
    add_out_file(cv, "output", help="the jtrader recording to write (OUT.partial until it is complete)")
    cv.add_argument("--format", choices=["auto", "cryptofeed", "hftbacktest", "jtrader"], default="auto")
    cv.add_argument("--venue", choices=["auto", "coinbase", "binance"], default="auto")
    cv.add_argument("--strict", action="store_true", help="exit 1 if the input is damaged (the copy is still written)")

    st = sub.add_parser("strategies", help="list the bundled strategies with their parameters")
    st.add_argument("--json", action="store_true")

    rep = sub.add_parser("report", help="write an HTML report of a result directory or a sweep file")
    rep.add_argument(
        "result",
        metavar="RESULT",
        help="a --out directory (backtest, replay), a sweep .parquet or a paper recording .jtrec",
    )
    rep.add_argument("-o", "--output", metavar="FILE", help="the HTML file (default RESULT/report.html or SWEEP.html)")
    rep.add_argument("--metric", help="sweeps: the metric of the heatmap (default sharpe)")
    rep.add_argument("--x", dest="x_param", metavar="PARAM", help="sweeps: the parameter across (default the first)")
    rep.add_argument("--y", dest="y_param", metavar="PARAM", help="sweeps: the parameter down (default the second)")
    rep.add_argument("--max-points", type=int, default=2000, help="points per line after downsampling (default 2000)")

    ver = sub.add_parser("verify", help="re-run a result directory from its manifest.json and compare the outputs")
    ver.add_argument("directory", metavar="DIR", help="an output directory with a manifest.json")
    ver.add_argument("--keep", metavar="DIR", help="keep the re-run's outputs here (default: a temporary directory)")

    _add_live_parsers(sub)
    _add_paper_parsers(sub)

    for subparser in sub.choices.values():
        _add_global_options(subparser, suppress=True)
    return parser


def _runner(command: str) -> Callable[..., Any]:
    module_name, _, function_name = RUNNERS[command].partition(":")
    return getattr(importlib.import_module(module_name), function_name)  # type: ignore[no-any-return]


def _takes_job(runner: Callable[..., Any]) -> bool:
    params = [p for p in inspect.signature(runner).parameters.values() if p.kind is not p.VAR_KEYWORD]
    return len(params) >= 2


def _write_report(result: Path, html: Path) -> Path:
    """``--report``: the HTML report of ``result`` (imported only when asked for)."""
    from jtrader.report import write_report

    return write_report(result, html)


def _add_live_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``record``, ``serve`` and ``download-candles`` (jtrader.live; see docs/live-data.md)."""
    rec = sub.add_parser("record", help="record a live market-data session (no strategy) to a .jtrec file")
    rec.add_argument("--venue", choices=["coinbase", "binance"], required=True)
    rec.add_argument(
        "--products", required=True, metavar="P[,P]", help="BTC-USD,ETH-USD (Coinbase) or BTCUSDT (Binance)"
    )
    rec.add_argument(
        "--channels",
        metavar="C[,C]",
        help="Coinbase channels (default level2,market_trades,ticker; heartbeats always) or Binance streams "
        "(default depth@100ms,trade,bookTicker)",
    )
    rec.add_argument(
        "--url", help="websocket endpoint (default: the venue's public one; ws://HOST:PORT for jtrader serve)"
    )
    rec.add_argument("--rest-url", help="REST root (default: the venue's, or the --url host and port)")
    stop = rec.add_mutually_exclusive_group()
    stop.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    stop.add_argument("--max-messages", type=int, metavar="N", help="stop after N websocket frames received")
    rec.add_argument(
        "--settle-timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="after --duration, wait up to S seconds for a resync under way to finish (default 10)",
    )
    rec.add_argument("--stall-timeout", type=float, metavar="S", help="reconnect when no frame comes for S seconds")
    rec.add_argument("--connect-timeout", type=float, default=10.0, metavar="S", help="connect timeout (default 10 s)")
    rec.add_argument("--subscribe-frames", action="store_true", help="Binance: SUBSCRIBE frames instead of URL streams")
    rec.add_argument(
        "--depth-limit", type=int, default=5000, help="Binance: levels of REST depth snapshots (default 5000)"
    )
    rec.add_argument("--out", required=True, metavar="FILE.jtrec")
    rec.add_argument("--json", action="store_true", help="print one JSON summary on stdout")

    srv = sub.add_parser("serve", help="serve a recording as a local venue (Coinbase or Binance protocol) with faults")
    srv.add_argument("recording", metavar="RECORDING", help="jtrader, cryptofeed or hftbacktest recording")
    srv.add_argument("--format", choices=["auto", "jtrader", "cryptofeed", "hftbacktest"], default="auto")
    srv.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: loopback only)")
    srv.add_argument("--port", type=int, default=0, help="port (default 0: a free port; see the first line printed)")
    srv.add_argument("--speed", default="max", help="max (as fast as clients read), 1 (recorded pace) or N")
    srv.add_argument("--loop", action="store_true", help="start the recording again when it ends")
    srv.add_argument("--faults", metavar="SPEC", help="e.g. drop=0.01,dup=0.01,reorder=0.01,gap_every=500,stall_s=5")
    srv.add_argument("--seed", type=int, default=0, help="seed of the faults (default 0)")

    dl = sub.add_parser("download-candles", help="download candles over REST to a file `jtrader backtest` reads")
    dl.add_argument("--venue", choices=["coinbase", "binance"], required=True)
    dl.add_argument("--product", required=True, help="BTC-USD (Coinbase) or BTCUSDT (Binance)")
    dl.add_argument("--start", required=True, metavar="ISO", help="first open time, e.g. 2026-01-01T00:00:00Z")
    dl.add_argument("--end", required=True, metavar="ISO", help="end (exclusive)")
    dl.add_argument("--interval", default="1m", help="candle length: 1m, 5m, 15m, 1h, 1d... (default 1m)")
    dl.add_argument(
        "--url", help="REST root (default: the venue's; http://HOST:PORT or ws://HOST:PORT of jtrader serve)"
    )
    dl.add_argument("--out", required=True, metavar="FILE.parquet|.csv")
    dl.add_argument("--json", action="store_true", help="print one JSON summary on stdout")


def _add_paper_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``paper`` and ``parity`` (jtrader.paper; see docs/paper-trading.md)."""
    pp = sub.add_parser("paper", help="paper-trade a strategy on a live feed, recorded as it runs (resumable)")
    pp.add_argument("--venue", choices=["coinbase", "binance"])
    pp.add_argument("--products", metavar="P[,P]", help="BTC-USD,ETH-USD (Coinbase) or BTCUSDT (Binance)")
    pp.add_argument(
        "--url", help="websocket endpoint (default: the venue's public one; ws://HOST:PORT for jtrader serve)"
    )
    pp.add_argument("--rest-url", help="REST root (default: the venue's, or the --url host and port)")
    pp.add_argument("--channels", metavar="C[,C]", help="channels / streams (default as `jtrader record`)")
    _add_strategy_args(pp, None)
    pp.add_argument("--cash", default="100000", help="starting quote balance per quote currency (default 100000)")
    pp.add_argument("--fee-bps", help="maker and taker fee in basis points (or --maker-bps / --taker-bps)")
    pp.add_argument("--maker-bps", help="maker fee in basis points (default 0)")
    pp.add_argument("--taker-bps", help="taker fee in basis points (default 0)")
    pp.add_argument("--latency-ms", default="50", help="order entry and response latency, each, in ms (default 50)")
    pp.add_argument("--seed", type=int, default=0, help="seed kept in the header (reconnect jitter; default 0)")
    pp.add_argument("--stp-mode", help="self-trade prevention mode (default: the venue's)")
    pp.add_argument("--stop-trigger", default="trade", help="stops trigger on prints (trade) or also the touch (book)")
    pp.add_argument("--fee-asset", default="quote", help="fees in the quote asset (quote) or the received one")
    stop = pp.add_mutually_exclusive_group()
    stop.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    stop.add_argument("--max-messages", type=int, metavar="N", help="stop after N websocket frames received")
    pp.add_argument("--stall-timeout", type=float, metavar="S", help="reconnect when no frame comes for S seconds")
    pp.add_argument("--connect-timeout", type=float, default=10.0, metavar="S", help="connect timeout (default 10 s)")
    add_out_file(
        pp, "--record", help="the recording the session writes as it runs (required)", report=True
    ).metavar = "FILE.jtrec"
    add_out_file(
        pp, "--resume", help="continue a crashed session into its recording (config from its header)"
    ).metavar = "FILE.jtrec"
    pp.add_argument("--json", action="store_true", help="print one JSON summary on stdout")

    par = sub.add_parser("parity", help="replay a paper recording and compare every order and fill with the session")
    add_input(par, "recording", metavar="FILE", help="a recording made by `jtrader paper`")
    par.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def main(argv: Sequence[str] | None = None) -> int:
    from jtrader.cmdkit.config import apply_config, find_config_path, load_config, settle_lists

    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    config = None
    config_path = find_config_path(arguments)
    if config_path is not None:
        try:
            config = apply_config(parser, load_config(config_path), config_path)
        except JTraderError as exc:
            print(f"jtrader: error: {exc}", file=sys.stderr)
            return 1
    args = parser.parse_args(arguments)
    settle_lists(parser, args, config)
    if not args.command:
        parser.print_help()
        return 2
    return _run(parser, args)


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from jtrader.cmdkit import Job
    from jtrader.cmdkit.interrupt import EXIT_INTERRUPTED, stop_on_signals
    from jtrader.cmdkit.lifecycle import check_outputs, finish_outputs
    from jtrader.cmdkit.logs import configure_logging, resolve_level
    from jtrader.cmdkit.progress import progress_wanted, shared_console

    progress = progress_wanted(args.quiet)
    configure_logging(resolve_level(args.log_level, args.verbose, args.quiet), shared_console() if progress else None)
    job = Job(progress=progress)
    command = args.command
    subparser = subcommands(parser)[command]
    try:
        check_outputs(subparser, args)
        runner = _runner(command)
        if _takes_job(runner):  # it stops at its job's item boundaries: a signal only sets the flag
            with stop_on_signals(job.stop):
                code = int(runner(args, job) or 0)
                if code in (0, EXIT_INTERRUPTED):
                    finish_outputs(subparser, args, job, GLOBAL_DESTS, _write_report)
        else:  # it handles SIGINT itself (KeyboardInterrupt, or its event loop's handlers)
            code = int(runner(args) or 0)
            if code == 0:
                finish_outputs(subparser, args, job, GLOBAL_DESTS, _write_report)
    except JTraderError as exc:
        print(f"jtrader {command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"jtrader {command}: aborted by a second interrupt; outputs may be incomplete", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # pragma: no cover - `jtrader ... | head`
        return 0
    if job.interrupted and code == 0:
        return EXIT_INTERRUPTED
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
