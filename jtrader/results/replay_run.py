"""``jtrader.replay(...)``: a replay of a recording in one call, returning a :class:`ReplayRun`.

It runs what ``jtrader replay`` runs, with the same parameters and defaults:
:func:`jtrader.replay.run_replay` (the one engine builder, 50 ms latency, the default risk and
emergency limits), :func:`jtrader.replay.command.full_summary` for the summary, the book and
equity timelines of ``--out`` (:mod:`jtrader.replay.timeline`) and
:func:`jtrader.replay.command.write_outputs` for the files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from jtrader.results.commandline import choose_strategy, option_text
from jtrader.results.run import Run

if TYPE_CHECKING:
    from jtrader.cmdkit.outputs import OutputDir
    from jtrader.replay import ReplayOutcome
    from jtrader.replay.timeline import BookTimeline, EquityTimeline
    from jtrader.risk import EmergencyLimits, RiskLimits
    from jtrader.trading import Strategy

__all__ = ["ReplayRun", "replay"]


class ReplayRun(Run):
    """The results of :func:`jtrader.replay`. See :class:`~jtrader.results.Run` for what every run has.

    ``trades`` has one row per fill with the backtest's columns plus ``symbol``; ``equity`` each
    quote currency's equity (``ts``, ``currency``, ``equity``) sampled at most once per
    ``sample_ms`` of data time when it changed, plus a last row after the run; :attr:`book`
    the books over time (``book.parquet``). Without a strategy, ``trades`` and ``equity`` are
    empty and :meth:`save` writes neither, as ``jtrader replay --out`` does.
    """

    kind = "replay"

    def __init__(
        self,
        outcome: ReplayOutcome,
        summary: dict[str, Any],
        command_line: list[str] | None,
        book: BookTimeline,
        equity: EquityTimeline | None,
    ) -> None:
        super().__init__(summary, command_line)
        #: the runner's :class:`~jtrader.replay.ReplayOutcome` (summary, event records, instruments,
        #: and the engine's own result in integers as ``outcome.run``)
        self.outcome = outcome
        self._book = book
        self._equity = equity

    def _build_tables(self) -> dict[str, Any]:
        from jtrader.model import Instrument
        from jtrader.replay.command import trades_table
        from jtrader.replay.timeline import EquityTimeline
        from jtrader.trading.tables import fills_frame

        trades = trades_table(self.outcome)
        if trades is None:  # no product could be read: an empty table with the columns
            trades = fills_frame([], {"-": Instrument("-", "-", "-", price_tick="1", size_lot="1")})
        equity = (self._equity or EquityTimeline(1)).frame()
        return {"trades": trades, "equity": equity, "book": self._book.frame()}

    @property
    def book(self) -> Any:
        """The books over time, as ``book.parquet`` (a polars DataFrame; see :mod:`jtrader.replay.timeline`)."""
        return self._table("book")

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every order, risk and emergency event of the replay in order (the lines of ``events.jsonl``)."""
        return self.outcome.events

    def _write_files(self, out: OutputDir) -> None:
        from jtrader.replay.command import write_outputs

        write_outputs(out, self.summary, self.outcome, self._book, self._equity)

    def __str__(self) -> str:
        """The text ``jtrader replay`` prints without ``--json``."""
        from jtrader.replay.command import human_summary

        return human_summary(self.summary)

    def __repr__(self) -> str:
        s = self.summary
        trading = f", {s['orders']} orders, {s['fills']} fills" if "orders" in s else ""
        return f"<ReplayRun {s['venue']} {s['format']}: {s['records']} records, {s['duration_s']} s of data{trading}>"

    def _key_figures(self) -> list[tuple[str, str]]:
        from jtrader.cmdkit.display import format_money

        s = self.summary
        places = s.get("display_places") or {}
        rows = [
            ("recording", f"{s['venue']} {s['format']}, {s['records']:,} records, {s['duration_s']} s of data"),
            ("data", f"malformed {s['malformed']}, gaps {s['gaps']}, resyncs {s['resyncs']}"),
        ]
        for symbol, book in s["books"].items():
            bid = " @ ".join(reversed(book["bids"][0])) if book["bids"] else "-"
            ask = " @ ".join(reversed(book["asks"][0])) if book["asks"] else "-"
            rows.append((f"{symbol} at the end", f"bid {bid}, ask {ask}"))
        if "orders" in s:

            def money(text: str, currency: str) -> str:
                return f"{format_money(Decimal(text), places.get(currency, 2))} {currency}"

            fees = ", ".join(money(amount, currency) for currency, amount in s["fees"].items())
            rows += [
                ("strategy", s["strategy"]),
                ("orders / fills", f"{s['orders']} / {s['fills']}"),
                ("denied / rejected", f"{s['denials']} / {s['rejections']}"),
                ("final equity", money(s["final_equity"], s["equity_currency"])),
                ("fees", fees or "0"),
                ("trading state", s["trading_state"]),
            ]
        return rows

    def _problem_lines(self) -> list[str]:
        from jtrader.cmdkit.problems import problem_lines
        from jtrader.replay.problems import problem_lines as data_problem_lines

        return [line.strip() for line in data_problem_lines(self.summary)] + problem_lines(self.summary)


def replay(
    recording: str | os.PathLike[str],
    strategy: str | type[Strategy] | Strategy | None = None,
    *,
    params: Mapping[str, object] | None = None,
    format: str = "auto",
    venue: str = "auto",
    speed: str | float = "max",
    top: int = 5,
    cash: str | int | Decimal = "100000",
    maker_bps: str | int | Decimal = "0",
    taker_bps: str | int | Decimal = "0",
    latency_ms: str | int | Decimal = "50",
    sample_ms: int = 100,
    strict: bool = False,
    risk_limits: RiskLimits | None = None,
    emergency_limits: EmergencyLimits | None = None,
) -> ReplayRun:
    """Replay a recorded session through the simulated exchange; the Python twin of ``jtrader replay``.

    * ``recording``: a jtrader recording, a cryptofeed or an hftbacktest capture (``format``
      ``"auto"`` tells them apart; ``venue`` only fills in a venue a capture does not name).
    * ``strategy``: None (rebuild the books only), a bundled name (``"market_maker"``),
      ``"path/to/file.py:ClassName"``, a :class:`~jtrader.trading.Strategy` subclass or an
      instance; ``params`` as for :func:`jtrader.backtest`.
    * ``speed`` (``"max"``, or N times real time: the results do not depend on it), ``top``
      (book levels per side in the summary), ``cash`` (starting balance per quote currency),
      ``maker_bps``/``taker_bps`` (fees), ``latency_ms`` (order entry and response latency,
      each), ``sample_ms`` (the book and equity tables sample at most once per this many ms of
      data time): the command's options, with its defaults.
    * ``strict``: any data problem (damage, malformed frames, gaps...) raises
      :class:`~jtrader.errors.DataError` after the run, naming them, as ``--strict`` exits 1.
    * ``risk_limits``, ``emergency_limits``: as for :func:`jtrader.backtest`.
    """
    from jtrader.errors import ConfigError, DataError
    from jtrader.replay import ReplayConfig, run_replay
    from jtrader.replay.command import full_summary, parse_latency_ms, parse_speed
    from jtrader.replay.problems import strict_reason
    from jtrader.replay.timeline import BookTimeline, EquityTimeline, chain_hooks

    choice = choose_strategy(strategy, params) if strategy is not None else None
    if params and choice is None:
        raise ConfigError("params need a strategy")
    if top < 0:
        raise ConfigError("top must be >= 0")
    if type(sample_ms) is not int or sample_ms <= 0:
        raise ConfigError(f"sample_ms must be a positive number of ms, got {sample_ms!r}")
    latency_ns = parse_latency_ms(option_text(latency_ms))
    book = BookTimeline(sample_ms * 1_000_000)
    equity = EquityTimeline(sample_ms * 1_000_000) if choice is not None else None
    config = ReplayConfig(
        format=format,
        venue=venue,
        strategy=choice.strategy if choice is not None else None,
        speed=parse_speed(option_text(speed)),
        top=top,
        cash=option_text(cash),
        maker_bps=option_text(maker_bps),
        taker_bps=option_text(taker_bps),
        entry_latency_ns=latency_ns,
        response_latency_ns=latency_ns,
        risk_limits=risk_limits,
        emergency_limits=emergency_limits,
        message_hook=chain_hooks(book.hook, equity.hook if equity is not None else None),
    )
    outcome = run_replay(recording, config)
    if equity is not None:
        equity.finish()
    summary = full_summary(outcome, choice.strategy if choice is not None else None, False)
    if strict and summary["data_problems"]:
        raise DataError(f"strict: {strict_reason(summary['data_problems'])}")
    command = None
    if (choice is None or choice.spec is not None) and risk_limits is None and emergency_limits is None:
        command = [
            "replay",
            f"--format={format}",
            f"--venue={venue}",
            *(choice.arguments() if choice is not None else []),
            f"--speed={option_text(speed)}",
            f"--top={top}",
            f"--cash={option_text(cash)}",
            f"--maker-bps={option_text(maker_bps)}",
            f"--taker-bps={option_text(taker_bps)}",
            f"--latency-ms={option_text(latency_ms)}",
            f"--sample-ms={sample_ms}",
            *(["--strict"] if strict else []),
            "--",
            os.fspath(recording),
        ]
    return ReplayRun(outcome, summary, command, book, equity)
