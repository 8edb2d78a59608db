"""Binance stream payloads -> messages: pure parsers whose results the adapter commits.

Each parser reads one payload (the ``data`` of a combined-stream frame, or a raw frame) and
returns messages; instruments are read through an
:class:`~jtrader.venues.instruments.InstrumentRegistry` (a fallback for an unknown symbol goes
into the caller's ``new`` dict) and price/size strings through its conversion memos (caches).
Nothing else changes: sync state, trade ids and closed klines are the adapter's to commit. Bad
content raises one of ``PARSE_ERRORS``.

Times: ``ts`` is the receive time (ns). Venue times are ms ints: ``E`` (event time) and ``T``
(trade time) must be within a day of ``ts``; a kline's open time ``t`` is only range-checked
(a month bar opens up to a month before it closes).
"""

from __future__ import annotations

from typing import NamedTuple

from jtrader.errors import MalformedMessageError
from jtrader.model import NS_PER_MS, Bar, BookDelta, Instrument, Quote, Side, Trade, check_ts
from jtrader.model.messages import make_quote, make_trade
from jtrader.venues._common import remember, volume_lots
from jtrader.venues.binance.rest import depth_levels
from jtrader.venues.instruments import InstrumentRegistry

__all__ = ["Kline", "ms_time", "parse_book_ticker", "parse_diff", "parse_kline", "parse_trade"]


def ms_time(value: object, what: str) -> int:
    """A venue time in int ms -> ns, range-checked (2000..2200); MalformedMessageError/TimestampError."""
    if type(value) is not int:
        raise MalformedMessageError(f"{what} {value!r} is not an int of ms")
    return check_ts(value * NS_PER_MS, what)


def parse_diff(
    ts: int, data: dict, registry: InstrumentRegistry, new: dict[str, Instrument], skipped: list[int]
) -> BookDelta:
    """``depthUpdate`` -> BookDelta (``first_update_id=U``, ``update_id=u``, ``ts_exchange=E``).

    Off-grid levels are left out and counted in ``skipped[0]`` (see ``depth_levels``).
    """
    first, last = data["U"], data["u"]
    if type(first) is not int or type(last) is not int or not 0 < first <= last:
        raise MalformedMessageError(f"depthUpdate ids U={first!r} u={last!r}")
    bids, asks = data["b"], data["a"]
    if type(bids) is not list or type(asks) is not list:
        raise MalformedMessageError("depthUpdate b/a are not lists")
    inst = registry.lookup(data["s"], (row[0] for row in (*bids, *asks)), new)
    memo = registry.memo(inst)
    return BookDelta(
        ts,
        registry.clock.check(ts, ms_time(data["E"], "E"), "E"),
        inst.symbol,
        depth_levels(inst, bids, skipped, memo),
        depth_levels(inst, asks, skipped, memo),
        last,
        first,
    )


def parse_trade(
    ts: int, data: dict, event: str, registry: InstrumentRegistry, new: dict[str, Instrument]
) -> tuple[Trade, int]:
    """``trade``/``aggTrade`` -> (Trade, its id as an int) (``m`` true: the buyer made, so the
    aggressor SELLs; the id is ``t`` for trades, ``a`` for aggTrades)."""
    symbol = data["s"]
    price = data["p"]
    inst = registry.lookup(symbol, (price,), new)
    trade_id = data["t"] if event == "trade" else data["a"]
    maker = data["m"]
    if type(trade_id) is not int or type(maker) is not bool:
        raise MalformedMessageError(f"{event} id {trade_id!r} / m {maker!r}")
    memo = registry.memo(inst)
    trade = make_trade(
        (
            ts,
            registry.clock.check(ts, ms_time(data["T"], "T"), "T"),
            inst.symbol,
            remember(memo.prices, inst.price_to_ticks, price, memo.limit),
            remember(memo.sizes, inst.size_to_lots, data["q"], memo.limit),
            Side.SELL if maker else Side.BUY,
            str(trade_id),
        )
    )
    if trade.price <= 0 or trade.size <= 0:
        raise MalformedMessageError(f"{event} {trade_id} has a zero price or size")
    return trade, trade_id


def parse_book_ticker(ts: int, data: dict, registry: InstrumentRegistry, new: dict[str, Instrument]) -> Quote:
    """``bookTicker`` -> Quote with ``update_id=u`` (spot bookTickers carry no venue time: ``ts_exchange`` 0)."""
    update_id = data["u"]
    if type(update_id) is not int or update_id < 0:
        raise MalformedMessageError(f"bookTicker u {update_id!r}")
    symbol = data["s"]
    bid, ask = data["b"], data["a"]
    inst = registry.instruments.get(symbol) if type(symbol) is str else None
    if inst is None:
        inst = registry.lookup(symbol, (bid, ask), new)
    memo = registry.memo(inst)
    prices, sizes, limit = memo.prices, memo.sizes, memo.limit
    p2t, s2l = inst.price_to_ticks, inst.size_to_lots
    return make_quote(
        (
            ts,
            0,
            inst.symbol,
            remember(prices, p2t, bid, limit),
            remember(sizes, s2l, data["B"], limit),
            remember(prices, p2t, ask, limit),
            remember(sizes, s2l, data["A"], limit),
            update_id,
        )
    )


class Kline(NamedTuple):
    """One parsed kline: the candle (``ts`` = receive time), its interval name and whether it is final."""

    bar: Bar
    interval: str
    closed: bool


def parse_kline(ts: int, data: dict, registry: InstrumentRegistry, new: dict[str, Instrument]) -> Kline:
    """``kline`` -> :class:`Kline` (only ``x`` true is a final bar; the adapter decides what to emit)."""
    k = data["k"]
    if type(k) is not dict:
        raise MalformedMessageError("kline k is not an object")
    registry.clock.check(ts, ms_time(data["E"], "E"), "E")
    inst = registry.lookup(data["s"], (k["o"], k["h"], k["l"], k["c"]), new)
    p2t = inst.price_to_ticks
    bar = Bar(
        ts,
        inst.symbol,
        p2t(k["o"]),
        p2t(k["h"]),
        p2t(k["l"]),
        p2t(k["c"]),
        volume_lots(inst, k["v"]),
        ms_time(k["t"], "kline t"),
    )
    if not bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high:
        raise MalformedMessageError(f"kline {inst.symbol}: open/close outside low..high")
    closed = k["x"]
    if type(closed) is not bool:
        raise MalformedMessageError(f"kline x {closed!r} is not true or false")
    return Kline(bar, str(k.get("i", "")), closed)
