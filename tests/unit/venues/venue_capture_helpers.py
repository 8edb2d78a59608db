"""Venue test helpers: read real captures in place and replay them into books.

The capture readers here are deliberately small and local (jtrader.recording has its own
importers); nothing read from ``../shared/data`` is ever written into the repository.
"""

from __future__ import annotations

import gzip
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import zstandard

from jtrader.book import OrderBook
from jtrader.model import BookDelta, BookResync, BookSnapshot, MarketMessage, Quote
from jtrader.venues import BookTickerCheck

COINBASE_CAPTURE = "coinbase/advanced_trade_btc_eth_2026-08-09.jsonl.zst"
BINANCE_CF_CAPTURE = "binance/cryptofeed_spot_4symbols_2021-10-12.jsonl.zst"
BINANCE_HFT_CAPTURE = "binance/spot_btcusdt_20240808.gz"


def read_cryptofeed(path: Path) -> list[tuple[str, int, dict]]:
    """cryptofeed JSONL (zstd): ``(kind, ts_ns, record)`` sorted by receive time (stable)."""
    with path.open("rb") as fh:
        raw = zstandard.ZstdDecompressor().stream_reader(fh).read()
    records = [orjson.loads(line) for line in raw.splitlines()[1:] if line.strip()]
    out = [(r["t"], int(round(r["ts"] * 1e9)), r) for r in records if r["t"] != "header"]
    out.sort(key=lambda item: item[1])
    return out


def read_hftbacktest(path: Path) -> list[tuple[int, str]]:
    """hftbacktest gz text: ``(local_ts_ns, raw_json)`` per line, file order."""
    out = []
    with gzip.open(path, "rt") as fh:
        for line in fh:
            ts, _, data = line.rstrip("\n").partition(" ")
            out.append((int(ts), data))
    return out


@dataclass
class Replay:
    """What replaying a capture through an adapter into OrderBooks produced."""

    books: dict[str, OrderBook] = field(default_factory=dict)
    check: BookTickerCheck = field(default_factory=BookTickerCheck)
    counts: Counter = field(default_factory=Counter)
    crossed_after: int = 0
    messages: list[MarketMessage] = field(default_factory=list)

    def feed(self, msgs: list[MarketMessage]) -> None:
        for msg in msgs:
            self.messages.append(msg)
            kind = type(msg)
            self.counts[kind.__name__] += 1
            if kind is BookSnapshot or kind is BookDelta:
                book = self.books.get(msg.symbol)
                if book is None:
                    book = self.books[msg.symbol] = OrderBook(msg.symbol)
                book.apply(msg)
                self.crossed_after += book.crossed
                self.check.on_book(msg.symbol, msg.update_id, book)
            elif kind is Quote and msg.update_id:
                self.check.on_quote(msg)
            elif kind is BookResync:
                self.check.reset(msg.symbol)
                self.books.pop(msg.symbol, None)


def replay_cryptofeed(adapter, records: list[tuple[str, int, dict]]) -> Replay:
    result = Replay()
    for kind, ts, rec in records:
        if kind == "recv":
            result.feed(adapter.on_frame(ts, rec["data"], rec["conn"]))
        elif kind == "http":
            result.feed(adapter.on_http(ts, rec["url"], rec["data"]))
        elif kind == "connect":
            result.feed(adapter.on_connect(ts, rec["conn"]))
    return result
