"""A synthetic Coinbase Advanced Trade websocket session, frames as ``advanced-trade-ws.coinbase.com`` sends them.

Timeline: ``connect``; four ``subscribe`` frames (level2, market_trades, ticker, heartbeats);
for each channel its snapshots (``l2_data`` full book per product, recent ``market_trades``,
``ticker``) and a cumulative ``subscriptions`` ack; then ``l2_data`` updates (absolute
``new_quantity``, ``"0"`` deletes, sides ``bid``/``offer``), ``market_trades`` updates (``side``
is the **maker's** side, as in real captures) each followed by the ``l2_data`` update for the
level it hit and a ``ticker`` with the book's best bid and ask, and one ``heartbeats`` frame per
second with an integer ``heartbeat_counter``. ``sequence_num`` counts every frame of the
connection from 0. Server ``timestamp`` is a few ms before the local receive time.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from decimal import Decimal

import orjson

from jtrader.marketgen._book import Change, SynthBook
from jtrader.marketgen._text import ProductSpec, decimal_formatter, rfc3339_ns, rfc3339_us
from jtrader.recording import Direction

__all__ = ["CONN", "URL", "coinbase_session"]

CONN = "coinbase.ws.1"
URL = "wss://advanced-trade-ws.coinbase.com"
_MS = 1_000_000
_CHANNELS = ("level2", "market_trades", "ticker", "heartbeats")
_BOOK, _TRADE, _HEARTBEAT = 0, 1, 2

Out = tuple[int, Direction, str, bytes, str | None]


def _percent(price: int, open_: int) -> str:
    """(price - open) / open * 100 with 14 decimals, truncated toward zero, exact integer arithmetic."""
    num = (price - open_) * 100 * 10**14
    q = abs(num) // open_
    sign = "-" if num < 0 and q else ""
    return f"{sign}{q // 10**14}.{q % 10**14:014d}"


class _Product:
    def __init__(self, spec: ProductSpec, rng: random.Random, depth: int) -> None:
        self.spec = spec
        self.book = SynthBook(rng, spec.start_ticks, depth, spec.size_exp)
        places = max(-int(Decimal(spec.tick).normalize().as_tuple().exponent), 0)
        self.price = decimal_formatter(spec.tick, places)
        self.size = decimal_formatter(spec.lot, 8)
        start = spec.start_ticks
        self.last = start
        self.open = start - start // 500
        self.low = min(self.open, start) - start // 200
        self.high = max(self.open, start) + start // 300
        self.low_52w = start * 4 // 5
        self.high_52w = start * 19 // 10
        self.volume = 2_000 * int(1 / Decimal(spec.lot))
        self.trade_id = 1_000_000_000 + rng.randrange(100_000_000)

    def level(self, change: Change, event_time: str) -> dict[str, str]:
        is_bid, price, size = change
        return {
            "side": "bid" if is_bid else "offer",
            "event_time": event_time,
            "price_level": self.price(price),
            "new_quantity": self.size(size),
        }

    def ticker(self, kind: str) -> dict[str, object]:
        bid, bid_size, ask, ask_size = self.book.top()
        return {
            "type": kind,
            "tickers": [
                {
                    "type": "ticker",
                    "product_id": self.spec.symbol,
                    "price": self.price(self.last),
                    "volume_24_h": self.size(self.volume),
                    "low_24_h": self.price(self.low),
                    "high_24_h": self.price(self.high),
                    "low_52_w": self.price(self.low_52w),
                    "high_52_w": self.price(self.high_52w),
                    "price_percent_chg_24_h": _percent(self.last, self.open),
                    "best_bid": self.price(bid),
                    "best_ask": self.price(ask),
                    "best_bid_quantity": self.size(bid_size),
                    "best_ask_quantity": self.size(ask_size),
                }
            ],
        }

    def trade(self, buy: bool, price: int, size: int, time_text: str) -> dict[str, str]:
        self.trade_id += 1
        self.last = price
        self.volume += size
        self.low = min(self.low, price)
        self.high = max(self.high, price)
        return {
            "product_id": self.spec.symbol,
            "trade_id": str(self.trade_id),
            "price": self.price(price),
            "size": self.size(size),
            "time": time_text,
            "side": "SELL" if buy else "BUY",  # the maker's side: a buyer lifts resting sells
        }


def coinbase_session(
    specs: list[ProductSpec],
    *,
    start_ns: int,
    end_ns: int,
    rng: random.Random,
    levels_per_update: int | None,
    depth: int,
    stats: dict[str, int],
) -> Iterator[Out]:
    """Yield ``(ts_ns, direction, conn, payload, url)`` of one session from ``start_ns`` to ``end_ns``."""
    products = [_Product(spec, rng, depth) for spec in specs]
    symbols = [spec.symbol for spec in specs]
    recv = Direction.RECV
    state = {"seq": 0, "server": 0, "levels": 0}

    def frame(ts: int, channel: str, events: list[object]) -> Out:
        server = max(state["server"] + 1, ts - 3 * _MS - rng.randrange(12 * _MS))
        state["server"] = server
        body = {"channel": channel, "timestamp": rfc3339_ns(server), "sequence_num": state["seq"], "events": events}
        state["seq"] += 1
        return (ts, recv, CONN, orjson.dumps(body), None)

    ts = start_ns
    yield (ts, Direction.CONNECT, CONN, b"", URL)
    ts += 150 * _MS
    for channel in _CHANNELS:
        ts += rng.randrange(50_000, 400_000)
        body = {"type": "subscribe", "product_ids": symbols, "channel": channel}
        yield (ts, Direction.SEND, CONN, orjson.dumps(body), None)
    ts += 250 * _MS
    subscribed: dict[str, list[str]] = {}
    for channel in _CHANNELS:
        if channel == "level2":
            for p in products:
                ts += rng.randrange(200_000, 2 * _MS)
                event_time = rfc3339_us(ts - 300 * _MS)
                bids = [p.level((True, px, p.book.bids[px]), event_time) for px in reversed(p.book.bid_px)]
                asks = [p.level((False, px, p.book.asks[px]), event_time) for px in p.book.ask_px]
                state["levels"] += len(bids) + len(asks)
                yield frame(ts, "l2_data", [{"type": "snapshot", "product_id": p.spec.symbol, "updates": bids + asks}])
        elif channel == "market_trades":
            for p in products:
                ts += rng.randrange(100_000, _MS)
                trades = []
                for back in range(10, 0, -1):
                    price = p.book.best_ask if rng.getrandbits(1) else p.book.best_bid
                    trades.append(
                        p.trade(
                            price == p.book.best_ask, price, p.book.random_size(), rfc3339_us(ts - back * 700 * _MS)
                        )
                    )
                yield frame(ts, "market_trades", [{"type": "snapshot", "trades": trades[::-1]}])
        elif channel == "ticker":
            for p in products:
                ts += rng.randrange(100_000, _MS)
                yield frame(ts, "ticker", [p.ticker("snapshot")])
        subscribed[channel] = list(symbols) if channel != "heartbeats" else ["heartbeats"]
        ts += rng.randrange(50_000, 500_000)
        yield frame(ts, "subscriptions", [{"subscriptions": dict(subscribed)}])

    counter = 1_000 + rng.randrange(50_000)
    queue: list[tuple[int, int, int]] = [(ts + _MS + rng.randrange(_MS), _HEARTBEAT, -1)]
    for i in range(len(products)):
        queue.append((ts + rng.randrange(1, 30 * _MS), _BOOK, i))
        queue.append((ts + rng.randrange(50 * _MS, 500 * _MS), _TRADE, i))
    heapq.heapify(queue)
    last_ts = ts
    while queue:
        ts, kind, i = heapq.heappop(queue)
        if ts >= end_ns:
            break
        ts = max(ts, last_ts + 1)
        if kind == _HEARTBEAT:
            server = max(state["server"] + 1, ts - 2 * _MS)
            uptime = server - start_ns + 41_000 * 1_000_000_000
            clock = rfc3339_ns(server).replace("T", " ").rstrip("Z")
            current = f"{clock} +0000 UTC m=+{uptime // 10**9}.{uptime % 10**9:09d}"
            yield frame(ts, "heartbeats", [{"current_time": current, "heartbeat_counter": counter}])
            counter += 1
            heapq.heappush(queue, (ts + 1_000 * _MS + rng.randrange(-_MS, _MS), _HEARTBEAT, -1))
        elif kind == _BOOK:
            p = products[i]
            changes: list[Change] = []
            wanted = levels_per_update or rng.randrange(1, 5)
            while len(changes) < wanted:
                p.book.step(changes)
            event_time = rfc3339_us(ts - 20 * _MS - rng.randrange(20 * _MS))
            updates = [p.level(c, event_time) for c in changes]
            state["levels"] += len(updates)
            yield frame(ts, "l2_data", [{"type": "update", "product_id": p.spec.symbol, "updates": updates}])
            heapq.heappush(queue, (ts + rng.randrange(5 * _MS, 40 * _MS), _BOOK, i))
        else:
            p = products[i]
            buy, price, size, change = p.book.trade()
            event_time = rfc3339_us(ts - 30 * _MS - rng.randrange(20 * _MS))
            yield frame(ts, "market_trades", [{"type": "update", "trades": [p.trade(buy, price, size, event_time)]}])
            ts += rng.randrange(20_000, 300_000)
            state["levels"] += 1
            yield frame(
                ts,
                "l2_data",
                [{"type": "update", "product_id": p.spec.symbol, "updates": [p.level(change, event_time)]}],
            )
            ts += rng.randrange(20_000, 300_000)
            yield frame(ts, "ticker", [p.ticker("update")])
            heapq.heappush(queue, (ts + rng.randrange(80 * _MS, 900 * _MS), _TRADE, i))
        last_ts = ts
    stats["frames"] = state["seq"]
    stats["level_updates"] = state["levels"]
