"""The local venue's view of the market: the source recording through the venue adapter into books.

:class:`MarketState` is fed the source's records in order (the server's timeline) and keeps what
a venue knows at that moment: one :class:`~jtrader.book.OrderBook` per product (from the adapter's
messages, so exactly what a replay builds), the last update id (Binance), recent trades and the
last ticker and candle (Coinbase, for the snapshots a late subscriber gets). For each received
frame of the source it returns a :class:`Delivery`: the frame and where it goes (channel or
stream kind, products). Frames the adapter refuses (malformed, duplicates, updates of a book that
lost data upstream) are not delivered: the venue's market is what the adapter accepted, so a
faulty source does not leak its faults into clients' books. Binance frames are all delivered when
well-formed (stale diffs and repeated trades are normal on that venue; clients drop them).

:class:`Prescan` reads the whole source once when the server starts: instruments (REST bodies in
the recording, else inferred by the adapter), the raw product objects, the Coinbase session's
own subscribe requests, and per-second trade aggregates for the candle endpoints. No I/O besides
reading the recording; no asyncio.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson

from jtrader.book import OrderBook
from jtrader.errors import BookError
from jtrader.model import BookDelta, BookResync, BookSnapshot, Instrument, Side, Trade
from jtrader.recording import Direction, Record
from jtrader.venues import BinanceAdapter, CoinbaseAdapter

__all__ = ["Delivery", "MarketState", "Prescan", "binance_stream_kind", "coinbase_request_key"]

_NS_PER_S = 1_000_000_000
#: trades a late ``market_trades`` subscriber gets in its snapshot (the venue sends about 50)
RECENT_TRADES = 50


def binance_stream_kind(name: str) -> str:
    """``depth@100ms``, ``depth`` -> ``depth``; ``depth5@100ms`` -> ``depth5``; others unchanged."""
    head, _, speed = name.partition("@")
    if speed in ("100ms", "1000ms", ""):
        return head
    return name


def coinbase_request_key(msg: dict[str, Any]) -> tuple[str, str, tuple[str, ...]]:
    """A subscribe/unsubscribe request, normalized: ``(type, channel, sorted products)`` (JWT ignored)."""
    products = msg.get("product_ids") or ()
    return (str(msg.get("type")), str(msg.get("channel")), tuple(sorted(str(p) for p in products)))


@dataclass(slots=True)
class Delivery:
    """One source frame to route: ``channel`` (Coinbase subscribe name or Binance stream kind) and
    ``products`` (empty: every subscriber of the channel). ``seq`` is the Coinbase ``sequence_num``
    recorded; ``stream`` and ``data`` the Binance combined-stream name and raw payload;
    ``ack_index`` marks the Coinbase session's ``k``-th recorded subscriptions ack.
    """

    channel: str
    products: tuple[str, ...]
    payload: bytes
    seq: int | None = None
    stream: str | None = None
    data: bytes | None = None
    diff: bool = False
    ack_index: int | None = None


def _data_bytes(frame: bytes, obj: dict[str, Any]) -> bytes:
    """The raw ``data`` of a combined-stream frame, sliced out when the layout allows (no re-encoding)."""
    marker = frame.find(b',"data":')
    if frame.startswith(b'{"stream":"') and marker > 0 and frame.endswith(b"}"):
        return frame[marker + 8 : -1]
    return orjson.dumps(obj["data"])


def _combined(payload: bytes) -> Delivery | None:
    """``{"stream":"<name>","data":{...}}`` -> its Delivery by slicing, or None when the layout differs."""
    end = payload.find(b'"', 11)
    if end < 0 or not payload.startswith(b',"data":', end + 1) or not payload.endswith(b"}"):
        return None
    name = payload[11:end].decode()
    symbol, _, rest = name.partition("@")
    if not symbol or not rest:
        return None
    kind = binance_stream_kind(rest)
    return Delivery(kind, (symbol.upper(),), payload, stream=name, data=payload[end + 9 : -1], diff=kind == "depth")


class MarketState:
    """The market at the timeline's position (see the module docstring); ``venue`` is its name."""

    def __init__(self, venue: str, instruments: dict[str, Instrument], recorded_conn: str | None = None) -> None:
        self.venue = venue
        self.adapter: Any = CoinbaseAdapter(instruments) if venue == "coinbase" else BinanceAdapter(instruments)
        self.books: dict[str, OrderBook] = {}
        self._snapshotted: set[str] = set()
        #: source receive time of the last record processed (ns)
        self.now_ts = 0
        self.records = 0
        #: Coinbase: latest ticker row, recent trade rows, latest candle row per product
        self.tickers: dict[str, dict[str, Any]] = {}
        self.trades: dict[str, deque[dict[str, Any]]] = {}
        self.candles: dict[str, dict[str, Any]] = {}
        self.heartbeat_counter = 0
        #: Binance: last trade per symbol (``ticker/price``)
        self.last_trade: dict[str, Trade] = {}
        self.recorded_conn = recorded_conn
        #: recorded acks of the Coinbase session seen so far
        self.acks_seen = 0
        #: recorded subscribe requests of the Coinbase session seen so far
        self.requests_seen = 0
        self.skipped = 0

    # -- what the server reads ------------------------------------------------------------------
    def known(self, symbol: str) -> bool:
        """True when the book of ``symbol`` is right: it had a snapshot and lost nothing since."""
        return symbol in self._snapshotted and not self.adapter.is_resyncing(symbol)

    def update_id(self, symbol: str) -> int:
        """The venue update id the book of ``symbol`` stands at (Binance ``u``; 0 if none)."""
        book = self.books.get(symbol)
        return book.update_id if book is not None else 0

    # -- feeding ----------------------------------------------------------------------------------
    def process(self, record: Record) -> Delivery | None:
        """Apply one source record; return the frame to deliver, if it is one."""
        ts, direction, conn, payload, url = record
        self.now_ts = ts
        self.records += 1
        adapter = self.adapter
        if direction == Direction.RECV:
            stats = adapter.stats
            before = (stats.malformed, stats.duplicates, stats.skipped_resyncing)
            messages = adapter.on_frame(ts, payload, conn)
            self._apply(messages)
            if stats.malformed != before[0] or (
                self.venue == "coinbase" and (stats.duplicates, stats.skipped_resyncing) != before[1:]
            ):
                self.skipped += 1
                return None
            if self.venue == "binance" and payload.startswith(b'{"stream":"'):
                fast = _combined(payload)  # the common Binance frame: routed without parsing it again
                if fast is not None:
                    return fast
            try:
                obj = orjson.loads(payload)
            except orjson.JSONDecodeError:
                return None
            if self.venue == "coinbase":
                return self._coinbase(obj, payload, conn)
            return self._binance(obj, payload)
        if direction == Direction.HTTP:
            self._apply(adapter.on_http(ts, url or "", payload))
        elif direction == Direction.CONNECT:
            self._apply(adapter.on_connect(ts, conn))
        elif direction == Direction.DISCONNECT:
            self._apply(adapter.on_disconnect(ts, conn))
        elif direction == Direction.SEND and conn == self.recorded_conn:
            self.requests_seen += 1
        return None

    def _apply(self, messages: Iterable[Any]) -> None:
        for msg in messages:
            kind = type(msg)
            if kind is BookDelta or kind is BookSnapshot:
                book = self.books.get(msg.symbol)
                if book is None:
                    book = self.books[msg.symbol] = OrderBook(msg.symbol)
                try:
                    book.apply(msg)
                except BookError:
                    self._snapshotted.discard(msg.symbol)
                    continue
                if kind is BookSnapshot:
                    self._snapshotted.add(msg.symbol)
            elif kind is BookResync:
                self._snapshotted.discard(msg.symbol)
            elif kind is Trade:
                self.last_trade[msg.symbol] = msg

    def _coinbase(self, obj: dict[str, Any], payload: bytes, conn: str) -> Delivery | None:
        channel = obj.get("channel")
        if not isinstance(channel, str):
            return None  # error frames answered the recorded session's requests: not market data
        seq = obj.get("sequence_num")
        events = obj.get("events") or []
        if channel == "subscriptions":
            if conn != self.recorded_conn:
                return None
            self.acks_seen += 1
            return Delivery("subscriptions", (), payload, seq, ack_index=self.acks_seen - 1)
        products: list[str] = []
        if channel == "l2_data":
            channel = "level2"
            products = [ev.get("product_id") for ev in events]
        elif channel == "market_trades":
            for ev in events:
                for row in ev.get("trades", ()):
                    products.append(row.get("product_id"))
                    self.trades.setdefault(row.get("product_id"), deque(maxlen=RECENT_TRADES)).append(row)
        elif channel in ("ticker", "ticker_batch"):
            for ev in events:
                for row in ev.get("tickers", ()):
                    products.append(row.get("product_id"))
                    self.tickers[row.get("product_id")] = row
        elif channel == "candles":
            for ev in events:
                for row in ev.get("candles", ()):
                    products.append(row.get("product_id"))
                    self.candles[row.get("product_id")] = row
        elif channel == "status":
            products = [row.get("id") for ev in events for row in ev.get("products", ())]
        elif channel == "heartbeats":
            for ev in events:
                counter = ev.get("heartbeat_counter")
                if type(counter) is int:
                    self.heartbeat_counter = counter
        names = tuple(dict.fromkeys(p for p in products if isinstance(p, str)))
        return Delivery(channel, names, payload, seq if type(seq) is int else None)

    def _binance(self, obj: dict[str, Any], payload: bytes) -> Delivery | None:
        stream = obj.get("stream")
        data = obj["data"] if isinstance(stream, str) else obj
        if not isinstance(data, dict):
            return None
        if isinstance(stream, str):
            symbol, _, rest = stream.partition("@")
            kind = binance_stream_kind(rest)
            data_bytes = _data_bytes(payload, obj)
        else:
            event = data.get("e")
            symbol = data.get("s") or ""
            if event == "depthUpdate":
                kind = "depth"
            elif event in ("trade", "aggTrade"):
                kind = event
            elif event == "kline":
                kind = f"kline_{data.get('k', {}).get('i')}"
            elif event is None and "u" in data and "A" in data:
                kind = "bookTicker"
            elif event == "24hrTicker":
                kind = "ticker"
            elif event == "24hrMiniTicker":
                kind = "miniTicker"
            else:
                return None  # acks, errors, shutdown notices, raw partial depth without a symbol
            data_bytes = payload
            stream = None
        if not symbol:
            return None
        return Delivery(kind, (symbol.upper(),), payload, stream=stream, data=data_bytes, diff=kind == "depth")


@dataclass(slots=True)
class Prescan:
    """What the server learns from one pass over the source at start (see the module docstring)."""

    venue: str
    products: tuple[str, ...]
    instruments: dict[str, Instrument] = field(default_factory=dict)
    #: raw product (Coinbase) / symbol (Binance) objects from REST bodies in the recording
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the Coinbase session whose subscribe requests the recording holds (first one with a ``send``)
    recorded_conn: str | None = None
    recorded_requests: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    #: symbol -> second (unix s) -> trade aggregates (see ``_add_trade``) in ticks, lots, tick x lot
    seconds: dict[str, dict[int, list[int]]] = field(default_factory=dict)
    first_ts: int = 0
    last_ts: int = 0
    records: int = 0
    frames: int = 0

    @classmethod
    def scan(cls, venue: str, products: Iterable[str], records: Iterable[Record]) -> Prescan:
        """Read ``records`` once (see the class docstring)."""
        scan = cls(venue, tuple(products))
        adapter: Any = CoinbaseAdapter() if venue == "coinbase" else BinanceAdapter()
        seconds = scan.seconds
        for record in records:
            ts, direction, conn, payload, url = record
            if scan.records == 0:
                scan.first_ts = ts
            scan.records += 1
            scan.last_ts = ts
            if direction == Direction.RECV:
                scan.frames += 1
                messages = adapter.on_frame(ts, payload, conn)
            elif direction == Direction.HTTP:
                messages = adapter.on_http(ts, url or "", payload)
                scan._keep_objects(url or "", payload)
            elif direction == Direction.SEND:
                if venue == "coinbase" and scan.recorded_conn in (None, conn):
                    scan._keep_request(conn, payload)
                continue
            elif direction == Direction.CONNECT:
                messages = adapter.on_connect(ts, conn)
            else:
                messages = adapter.on_disconnect(ts, conn)
            for msg in messages:
                if type(msg) is Trade:
                    _add_trade(seconds.setdefault(msg.symbol, {}), msg)
        scan.instruments = dict(adapter.instruments)
        return scan

    def _keep_request(self, conn: str, payload: bytes) -> None:
        try:
            msg = orjson.loads(payload)
        except orjson.JSONDecodeError:
            return
        if isinstance(msg, dict) and msg.get("type") in ("subscribe", "unsubscribe"):
            self.recorded_conn = conn
            self.recorded_requests.append(coinbase_request_key(msg))

    def _keep_objects(self, url: str, body: bytes) -> None:
        path = urlsplit(url).path
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return
        if not isinstance(data, dict):
            return
        if self.venue == "coinbase" and "/products" in path and "/candles" not in path and "/ticker" not in path:
            rows = data.get("products") if isinstance(data.get("products"), list) else [data]
            for row in rows:
                if isinstance(row, dict) and isinstance(row.get("product_id"), str):
                    self.objects[row["product_id"]] = row
        elif self.venue == "binance" and path.endswith("/exchangeInfo"):
            for row in data.get("symbols") or ():
                if isinstance(row, dict) and isinstance(row.get("symbol"), str):
                    self.objects[row["symbol"]] = row

    def symbols(self) -> list[str]:
        """Every product the recording names or trades, header products first."""
        return list(dict.fromkeys([*self.products, *self.instruments]))

    def candles(self, symbol: str, start_s: int, end_s: int, step_s: int) -> list[tuple[int, ...]]:
        """Buckets of ``step_s`` seconds with trades in ``[start_s, end_s)``, oldest first:
        ``(start_s, open, high, low, close, volume, notional, trades, taker_buy_volume, taker_buy_notional)``
        with prices in ticks, volumes in lots and notionals in tick x lot units."""
        out: list[tuple[int, ...]] = []
        rows = self.seconds.get(symbol, {})
        current: list[int] | None = None
        bucket = 0
        for second in sorted(s for s in rows if start_s <= s < end_s):
            row = rows[second]
            start = second - second % step_s
            if current is None or start != bucket:
                if current is not None:
                    out.append((bucket, *current))
                bucket, current = start, list(row)
            else:
                current[1] = max(current[1], row[1])
                current[2] = min(current[2], row[2])
                current[3] = row[3]
                for i in range(4, len(row)):
                    current[i] += row[i]
        if current is not None:
            out.append((bucket, *current))
        return out


def _add_trade(seconds: dict[int, list[int]], trade: Trade) -> None:
    """Add ``trade`` to its second: ``[open, high, low, close, volume, notional, trades, buy volume, buy notional]``."""
    second = (trade.ts_exchange or trade.ts) // _NS_PER_S
    price, size = trade.price, trade.size
    buy = trade.aggressor is Side.BUY
    row = seconds.get(second)
    if row is None:
        seconds[second] = [
            price,
            price,
            price,
            price,
            size,
            price * size,
            1,
            size if buy else 0,
            price * size if buy else 0,
        ]
        return
    row[1] = max(row[1], price)
    row[2] = min(row[2], price)
    row[3] = price
    row[4] += size
    row[5] += price * size
    row[6] += 1
    if buy:
        row[7] += size
        row[8] += price * size
