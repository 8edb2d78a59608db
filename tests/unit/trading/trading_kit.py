"""Helpers for the trading and risk tests: instruments, synthetic messages, a scripted strategy.

Everything is built from integers in the test; nothing is read from ../shared/data.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence

from jtrader.model import NS_PER_S, Bar, BookDelta, BookSnapshot, Instrument, Trade, to_atoms
from jtrader.trading import Context, Engine, EngineSettings, Strategy, build_engine

BTC = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.0001")
T0 = 1_700_000_000 * NS_PER_S
MINUTE = 60 * NS_PER_S
ONE = 10_000  # lots in 1 BTC
USD_100K = to_atoms("100000")


def bars(closes: Sequence[int], symbol: str = "BTC-USD", start: int = T0, step: int = MINUTE) -> list[Bar]:
    """Bars closing at ``closes`` (ticks); each opens at the previous close."""
    out = []
    prev = closes[0]
    for i, close in enumerate(closes):
        out.append(
            Bar(start + (i + 1) * step, symbol, prev, max(prev, close), min(prev, close), close, ONE, start + i * step)
        )
        prev = close
    return out


def random_walk(n: int, seed: int = 7, start: int = 10_000_000) -> list[int]:
    """A seeded random walk of ``n`` prices in ticks (never below 1)."""
    rng = random.Random(seed)
    price = start
    out = []
    for _ in range(n):
        price = max(1, price + rng.randint(-2_000, 2_000))
        out.append(price)
    return out


def snapshot(ts: int, bids: Iterable[tuple[int, int]], asks: Iterable[tuple[int, int]], symbol: str = "BTC-USD"):
    return BookSnapshot(ts, ts, symbol, tuple(bids), tuple(asks))


def delta(ts: int, bids=(), asks=(), symbol: str = "BTC-USD"):
    return BookDelta(ts, ts, symbol, tuple(bids), tuple(asks))


def trade(ts: int, price: int, size: int, aggressor=None, symbol: str = "BTC-USD"):
    return Trade(ts, ts, symbol, price, size, aggressor)


def make_engine(
    strategy: Strategy,
    *,
    balances: dict[str, int] | None = None,
    risk=None,
    emergency=None,
    taker_bps: str = "0",
    latency_ns: int = 0,
    bar_fill: str = "next_open",
    instruments: Sequence[Instrument] = (BTC,),
    record_events: bool = True,
) -> Engine:
    """The one builder with the kit's settings: no limits and no emergency manager unless given."""
    balances = {"USD": USD_100K} if balances is None else balances
    settings = EngineSettings(
        taker_bps=taker_bps,
        entry_latency_ns=latency_ns,
        response_latency_ns=latency_ns,
        bar_fill=bar_fill,
        risk_limits=None,
        emergency_limits=None,
        record_events=record_events,
    )
    return build_engine(instruments, strategy, balances, settings, risk=risk, emergency=emergency)


class Script(Strategy):
    """Runs ``actions[i](ctx)`` on the i-th market message (0-based) and records what it saw."""

    name = "script"

    def __init__(self, actions: dict[int, Callable[[Context], object]] | None = None) -> None:
        super().__init__()
        self.actions = actions or {}
        self.count = 0
        self.seen: list[object] = []
        self.risk_seen: list[object] = []
        self.returned: list[object] = []
        self.started = self.stopped = False

    def _step(self, ctx: Context) -> None:
        action = self.actions.get(self.count)
        self.count += 1
        if action is not None:
            self.returned.append(action(ctx))

    def on_start(self, ctx: Context) -> None:
        self.started = True

    def on_bar(self, ctx: Context, bar: Bar) -> None:
        self._step(ctx)

    def on_book(self, ctx: Context, msg) -> None:
        self._step(ctx)

    def on_trade(self, ctx: Context, msg) -> None:
        self._step(ctx)

    def on_order_event(self, ctx: Context, event) -> None:
        self.seen.append(event)

    def on_risk_event(self, ctx: Context, event) -> None:
        self.risk_seen.append(event)

    def on_stop(self, ctx: Context) -> None:
        self.stopped = True


def kinds(events: Iterable[object]) -> list[str]:
    return [type(e).__name__ for e in events]
