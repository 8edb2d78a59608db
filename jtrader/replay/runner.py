"""Replay a recorded websocket session through the engine, risk manager and simulated exchange.

The runner only wires things together: it opens the recording (any supported format), picks the
venue adapter, builds the same :class:`~jtrader.trading.Engine` a backtest or a paper session
uses, and feeds it the adapter's messages. Books live in the simulated exchange; the runner reads
them at the end for the summary.

Instruments are not known before the data says so (a REST body in the recording, or the grid
inferred from the first snapshot), so the runner reads ahead a short *pre-roll* (until every
product has sent a message, at most :data:`PREROLL_NS` of data or :data:`PREROLL_MESSAGES`
messages), builds the engine with the instruments found, then replays the buffered messages and
the rest in order. Messages of products first seen after the pre-roll are counted as
``unknown`` by the engine and skipped.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jtrader.errors import ConfigError
from jtrader.model import (
    BookDelta,
    BookResync,
    BookSnapshot,
    Heartbeat,
    Instrument,
    MarketMessage,
    Quote,
    SequenceGap,
    VenueNotice,
    format_atoms,
    to_atoms,
)
from jtrader.recording import Record, open_source
from jtrader.replay.problems import adapter_fields, data_problems, source_fields
from jtrader.replay.source import Pacer, RecordCounts, messages_from_records, observed
from jtrader.risk import EmergencyLimits, RiskLimits
from jtrader.trading import (
    DEFAULT_EMERGENCY_LIMITS,
    DEFAULT_RISK_LIMITS,
    Engine,
    EngineSettings,
    RunResult,
    Strategy,
    build_engine,
    events_to_records,
)
from jtrader.venues import BinanceAdapter, BookTickerCheck, CoinbaseAdapter

__all__ = [
    "PREROLL_MESSAGES",
    "PREROLL_NS",
    "Preroll",
    "ReplayConfig",
    "ReplayOutcome",
    "ReplayState",
    "default_emergency_limits",
    "default_risk_limits",
    "engine_for",
    "make_adapter",
    "replay",
    "run_replay",
]

log = logging.getLogger(__name__)

#: how much data the runner reads ahead to learn the instruments (ns of receive time)
PREROLL_NS = 30 * 1_000_000_000
PREROLL_MESSAGES = 200_000
_NO_SYMBOL = (Heartbeat, SequenceGap, VenueNotice)


@dataclass(slots=True)
class ReplayConfig:
    """Everything a replay needs besides the file. Money as decimal strings, latencies in ns."""

    format: str = "auto"
    venue: str = "auto"
    strategy: Strategy | None = None
    speed: float | None = None  # None = as fast as possible
    top: int = 5
    cash: str = "100000"
    maker_bps: str = "0"
    taker_bps: str = "0"
    entry_latency_ns: int = 50_000_000
    response_latency_ns: int = 50_000_000
    #: pre-trade limits; None: the defaults every mode shares (:data:`jtrader.trading.DEFAULT_RISK_LIMITS`)
    risk_limits: RiskLimits | None = None
    #: emergency triggers; None: :data:`jtrader.trading.DEFAULT_EMERGENCY_LIMITS`
    emergency_limits: EmergencyLimits | None = None
    record_events: bool = True
    #: the simulated exchange's options (see :class:`jtrader.trading.EngineSettings`): self-trade
    #: prevention (None: each venue's default), stop trigger, fee asset, bar volume cap (percent)
    stp_mode: str | None = None
    stop_trigger: str = "trade"
    fee_asset: str = "quote"
    volume_cap: str | None = None
    sleep: Callable[[float], None] = field(default=time.sleep)
    monotonic: Callable[[], float] = field(default=time.monotonic)
    #: wraps the recording's records before the adapter (the CLI's progress bar and Ctrl-C stop:
    #: when it ends early, the replay finishes as if the recording ended there)
    record_hook: Callable[[Iterator[Record]], Iterator[Record]] | None = None
    #: wraps the market messages right before the engine, which it is given (book sampling for --out)
    message_hook: Callable[[Iterator[MarketMessage], Engine], Iterator[MarketMessage]] | None = None


@dataclass(slots=True)
class ReplayOutcome:
    """The summary (the ``--json`` object) and the engine's events as JSON-able records."""

    summary: dict[str, Any]
    events: list[dict[str, Any]]
    #: the instruments the replay traded on, by symbol (empty when none was found)
    instruments: dict[str, Instrument] = field(default_factory=dict)
    #: the engine's own result (events as objects with integer fields, counters, the portfolio);
    #: None when no instrument was found and so no engine ran
    run: RunResult | None = None


def default_risk_limits() -> RiskLimits:
    """The pre-trade limits of every mode (:data:`jtrader.trading.DEFAULT_RISK_LIMITS`)."""
    return DEFAULT_RISK_LIMITS


def default_emergency_limits() -> EmergencyLimits:
    """The emergency triggers of every mode (:data:`jtrader.trading.DEFAULT_EMERGENCY_LIMITS`)."""
    return DEFAULT_EMERGENCY_LIMITS


def make_adapter(venue: str) -> Any:
    if venue == "coinbase":
        return CoinbaseAdapter()
    if venue == "binance":
        return BinanceAdapter()
    raise ConfigError(f"cannot replay venue {venue!r}: use --venue coinbase or --venue binance")


def _symbol_of(msg: MarketMessage) -> str | None:
    if isinstance(msg, _NO_SYMBOL):
        return None
    return msg.symbol  # type: ignore[union-attr]


class Preroll:
    """The pre-roll, push-style: :meth:`add` messages until it says the pre-roll is over.

    It is over once every product of ``products`` has sent a message with its symbol, or
    :data:`PREROLL_NS` of receive time after the first message, or after :data:`PREROLL_MESSAGES`
    messages, the message that ends it included. ``buffered`` holds the messages, ``symbols`` the
    symbols seen, in order of first appearance: the engine is built with the adapter's instruments
    of these symbols, in this order. A replay and a paper session both use this class, so they
    build the same engine at the same message.
    """

    __slots__ = ("buffered", "first_ts", "seen", "wanted")

    def __init__(self, products: tuple[str, ...] | list[str]) -> None:
        self.buffered: list[MarketMessage] = []
        self.seen: dict[str, None] = {}
        self.wanted = set(products)
        self.first_ts: int | None = None

    @property
    def symbols(self) -> list[str]:
        """The symbols seen so far, in order of first appearance."""
        return list(self.seen)

    def add(self, msg: MarketMessage) -> bool:
        """Buffer ``msg``; True when the pre-roll is over with it."""
        self.buffered.append(msg)
        symbol = _symbol_of(msg)
        if symbol is not None and symbol not in self.seen:
            self.seen[symbol] = None
        if self.first_ts is None:
            self.first_ts = msg.ts
        if self.wanted and self.wanted.issubset(self.seen):
            return True
        return msg.ts - self.first_ts >= PREROLL_NS or len(self.buffered) >= PREROLL_MESSAGES


def _preroll(messages: Iterator[MarketMessage], products: tuple[str, ...]) -> tuple[list[MarketMessage], list[str]]:
    """Read ahead until every product spoke, or the pre-roll limits; return (buffer, symbols in order)."""
    preroll = Preroll(products)
    for msg in messages:
        if preroll.add(msg):
            break
    return preroll.buffered, preroll.symbols


def engine_for(instruments: list[Instrument], config: ReplayConfig, strategy: Strategy | None = None) -> Engine:
    """The engine a replay (or a paper session) with ``config`` runs: ``config.cash`` in every quote
    currency of ``instruments``, its fees, latencies and limits (the shared defaults when None)."""
    cash = to_atoms(config.cash, "cash")
    balances = {quote: cash for quote in sorted({inst.quote for inst in instruments})}
    settings = EngineSettings(
        maker_bps=config.maker_bps,
        taker_bps=config.taker_bps,
        entry_latency_ns=config.entry_latency_ns,
        response_latency_ns=config.response_latency_ns,
        risk_limits=config.risk_limits if config.risk_limits is not None else DEFAULT_RISK_LIMITS,
        emergency_limits=(config.emergency_limits if config.emergency_limits is not None else DEFAULT_EMERGENCY_LIMITS),
        record_events=config.record_events,
        stp_mode=config.stp_mode,
        stop_trigger=config.stop_trigger,
        fee_asset=config.fee_asset,
        volume_cap=config.volume_cap,
    )
    chosen = strategy if strategy is not None else config.strategy
    return build_engine(instruments, chosen if chosen is not None else Strategy(), balances, settings)


class ReplayState:
    """What a replay keeps besides its source: the adapter, the record counts, the bookTicker check,
    the books and (after the pre-roll) the engine and its result; and the summary made from them.

    A paper session holds one too (:mod:`jtrader.paper`), so its summary has the replay's keys.
    """

    def __init__(self, venue: str, config: ReplayConfig, adapter: Any = None) -> None:
        self.config = config
        self.started = time.perf_counter()
        self.venue = venue
        self.adapter = adapter if adapter is not None else make_adapter(venue)
        self.counts = RecordCounts()
        self.check = BookTickerCheck() if venue == "binance" else None
        self.books: dict[str, Any] = {}
        self.engine: Engine | None = None
        self.result: Any = None

    def after_book(self, msg: BookSnapshot | BookDelta) -> None:
        """Check a book message against the bookTickers, after the engine applied it."""
        book = self.books.get(msg.symbol)
        if book is not None and self.check is not None:
            self.check.on_book(msg.symbol, msg.update_id, book)

    def before(self, msg: Quote | BookResync) -> None:
        """Give a quote (or a resync) to the bookTicker check before the engine sees it."""
        if self.check is None:
            return
        if type(msg) is Quote:
            if msg.update_id:
                self.check.on_quote(msg)
        else:
            self.check.reset(msg.symbol)

    def instruments_of(self, symbols: list[str]) -> list[Instrument]:
        """The adapter's instruments of ``symbols`` (the pre-roll's), in that order; unknown ones left out."""
        return [self.adapter.instruments[s] for s in symbols if s in self.adapter.instruments]

    def start_engine(self, instruments: list[Instrument]) -> Engine:
        """Build the engine of this run on ``instruments`` (see :func:`engine_for`) and keep its books."""
        engine = engine_for(instruments, self.config)
        for inst in instruments:
            self.books[inst.symbol] = engine.exchange.book(inst.symbol)
        self.engine = engine
        return engine

    def summary(self, format: str, damage: dict[str, Any]) -> dict[str, Any]:
        """The summary (``jtrader replay --json``): ``format`` of the source, ``damage`` its fields
        (:func:`~jtrader.replay.problems.source_fields`)."""
        counts, check, stats = self.counts, self.check, self.adapter.stats
        out: dict[str, Any] = {
            "venue": self.venue,
            "format": format,
            "records": counts.records,
            "messages": stats.frames,
            "market_messages": stats.messages,
            "malformed": stats.malformed,
            "unknown_channel": stats.unknown_channel,
            "duplicates": stats.duplicates,
            "gaps": stats.gaps,
            "resyncs": stats.resyncs,
            "book_checks": {
                "checked": check.checked if check is not None else 0,
                "mismatched": check.mismatched if check is not None else 0,
            },
            **damage,
            **adapter_fields(self.adapter),
            "start_ts": counts.first_ts,
            "end_ts": counts.last_ts,
            "duration_s": round((counts.last_ts - counts.first_ts) / 1e9, 3),
            "books": self._books(),
        }
        engine, result, strategy = self.engine, self.result, self.config.strategy
        if engine is not None and result is not None:
            if strategy is not None:
                out.update(self._trading(engine, result, strategy))
            out["late"] = result.late
            out["unknown_symbol"] = result.unknown
        out["adapter"] = stats.as_dict()
        out["data_problems"] = data_problems(out)
        out["elapsed_s"] = round(time.perf_counter() - self.started, 3)
        return out

    def _books(self) -> dict[str, Any]:
        top = self.config.top
        books: dict[str, Any] = {}
        for symbol in sorted(self.books):
            book = self.books[symbol]
            inst = self.adapter.instruments[symbol] if self.engine is None else self.engine.instrument(symbol)
            bids, asks = book.top(top)
            books[symbol] = {
                "bids": _levels(inst, bids),
                "asks": _levels(inst, asks),
                "crossed": book.crossed,
                "resyncing": self.adapter.is_resyncing(symbol),
            }
        return books

    def _trading(self, engine: Engine, result: Any, strategy: Strategy) -> dict[str, Any]:
        portfolio = engine.portfolio
        quotes = sorted({engine.instrument(s).quote for s in self.books})
        equity = {q: format_atoms(portfolio.equity(q)) for q in quotes}
        # the first product of the recording names the currency of ``final_equity`` (always a decimal
        # string); ``equity`` has every quote currency (they are not converted into each other)
        main_quote = next(iter(engine.instruments.values())).quote
        return {
            "strategy": type(strategy).name or type(strategy).__name__,
            "orders": result.orders,
            "fills": result.fills,
            "denials": result.denials,
            "rejections": result.rejections,
            "denials_by_reason": dict(sorted(result.denials_by_reason.items())),
            "rejections_by_reason": dict(sorted(result.rejections_by_reason.items())),
            "final_equity": equity[main_quote],
            "equity_currency": main_quote,
            "equity": equity,
            "fees": {q: format_atoms(portfolio.fees_paid(q)) for q in quotes},
            "positions": {s: engine.instrument(s).lots_to_size(portfolio.position(s)) for s in sorted(self.books)},
            "trading_state": result.trading_state.value,
            "emergency_triggers": list(result.emergency_triggers),
        }


class _Replay(ReplayState):
    """One replay run: the source, then :class:`ReplayState`'s parts."""

    def __init__(self, path: str | Path, config: ReplayConfig) -> None:
        started = time.perf_counter()
        source = open_source(path, config.format, config.venue)
        super().__init__(source.header.venue, config)
        self.started = started
        self.source = source

    def run(self) -> ReplayOutcome:
        config = self.config
        records: Iterator[Record] = iter(self.source)
        if config.record_hook is not None:
            records = config.record_hook(records)
        stream = messages_from_records(records, self.adapter, self.counts)
        buffered, symbols = _preroll(stream, tuple(self.source.header.products))
        instruments = self.instruments_of(symbols)
        if not instruments:
            return ReplayOutcome(self.summary(self.source.format, source_fields(self.source)), [])
        engine = self.start_engine(instruments)
        pacer = Pacer(config.speed, config.sleep, config.monotonic) if config.speed else None
        messages: Iterator[MarketMessage] = itertools.chain(buffered, stream)
        if pacer is None and self.check is not None:  # the Binance replay hot path: checks, no pacing
            messages = _checked(messages, self.check, self.books)
        elif pacer is not None or self.check is not None:  # else nothing to observe: no extra layer
            messages = observed(messages, pacer, self.before, self.after_book)
        if config.message_hook is not None:
            messages = config.message_hook(messages, engine)
        self.result = engine.run(messages)
        return ReplayOutcome(
            self.summary(self.source.format, source_fields(self.source)),
            events_to_records(self.result.events, engine.instruments),
            dict(engine.instruments),
            self.result,
        )


def _checked(
    messages: Iterator[MarketMessage], check: BookTickerCheck, books: dict[str, Any]
) -> Iterator[MarketMessage]:
    """``observed(messages, None, _Replay.before, _Replay.after_book)`` without the pacer, inlined.

    Each quote with an ``update_id`` goes to ``check`` before the engine sees it, a resync resets
    its symbol's check, and each book message is checked after the engine applied it.
    """
    on_quote, reset, on_book = check.on_quote, check.reset, check.on_book
    get_book = books.get
    for msg in messages:
        kind = type(msg)
        if kind is Quote:
            if msg.update_id:
                on_quote(msg)
            yield msg
        elif kind is BookDelta or kind is BookSnapshot:
            yield msg
            book = get_book(msg.symbol)
            if book is not None:
                on_book(msg.symbol, msg.update_id, book)
        else:
            if kind is BookResync:
                reset(msg.symbol)
            yield msg


def run_replay(path: str | Path, config: ReplayConfig | None = None) -> ReplayOutcome:
    """Replay ``path``; the outcome's ``summary`` is the ``--json`` output of ``jtrader replay``.

    A strategy callback that raises stops the replay with :class:`~jtrader.errors.StrategyError`.
    """
    return _Replay(path, config or ReplayConfig()).run()


#: the same function under its first name (``jtrader.replay.runner.replay``)
replay = run_replay


def _levels(inst: Instrument, levels: list[tuple[int, int]]) -> list[list[str]]:
    return [[inst.ticks_to_price(p), inst.lots_to_size(s)] for p, s in levels]
