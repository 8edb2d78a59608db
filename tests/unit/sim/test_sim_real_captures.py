"""The simulator on real captures in ../shared/data, read the way ``jtrader replay`` reads them (skipped if absent).

* Binance spot BTCUSDT (depth every 100 ms, trades and bookTickers in real time): after every
  print, a probe market order never fills better than the print; after every bookTicker newer
  than the depth, never better than the ticker's best bid/ask. Before prints consumed the book
  they traded through, 5,596 of the 19,512 probe fills after a print were better than it.
* Coinbase Advanced Trade BTC-USD: the ``candles`` channel's in-progress buckets cover prices
  that traded before our orders existed; on an instrument with a book they fill, trigger and
  price nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jtrader.model import (
    ATOMS_PER_UNIT,
    Bar,
    BookSnapshot,
    OrderFilled,
    OrderTriggered,
    OrderType,
    Quote,
    Side,
    SubmitOrder,
    Trade,
)
from jtrader.recording import open_source
from jtrader.replay.source import RecordCounts, messages_from_records
from jtrader.sim import SimulatedExchange
from jtrader.venues import BinanceAdapter, CoinbaseAdapter

pytestmark = pytest.mark.shared_data


def replayed(path: Path, adapter: Any) -> tuple[list[Any], Any]:
    """The adapter's messages from the first book snapshot on, and the adapter (its instruments)."""
    messages = list(messages_from_records(open_source(path), adapter, RecordCounts()))
    first = next(i for i, m in enumerate(messages) if type(m) is BookSnapshot)
    return messages[first:], adapter


def probe(ex: SimulatedExchange, ts: int, symbol: str, n: int) -> list[OrderFilled]:
    """A one-lot market BUY and SELL at ``ts``; their fills (the book's consumption is theirs too)."""
    for side in (Side.BUY, Side.SELL):
        ex.submit(SubmitOrder(ts, f"probe{n}{side.value}", symbol, side, OrderType.MARKET, 1))
    return [e for e in ex.advance(ts) if type(e) is OrderFilled]


def test_on_the_binance_capture_a_probe_never_fills_better_than_the_last_print_or_book_ticker(
    shared_data: Path,
) -> None:
    messages, adapter = replayed(shared_data / "binance" / "spot_btcusdt_20240808.gz", BinanceAdapter())
    ex = SimulatedExchange(
        adapter.instruments.values(), {"USDT": 10**9 * ATOMS_PER_UNIT, "BTC": 10**4 * ATOMS_PER_UNIT}
    )
    after_print = after_ticker = better = tickers = 0
    for n, msg in enumerate(messages):
        ex.on_market(msg)
        if type(msg) is Trade:
            fills = probe(ex, msg.ts, msg.symbol, n)
            after_print += len(fills)
            better += sum(f.price < msg.price if f.side is Side.BUY else f.price > msg.price for f in fills)
        elif type(msg) is Quote and msg.update_id > ex.book(msg.symbol).update_id and n % 4 == 0:
            tickers += 1
            fills = probe(ex, msg.ts, msg.symbol, n)
            after_ticker += len(fills)
            better += sum(f.price < msg.ask if f.side is Side.BUY else f.price > msg.bid for f in fills)
        else:
            ex.advance(msg.ts)
    assert after_print == 2 * sum(type(m) is Trade for m in messages) > 19_000
    assert tickers > 5_000 and after_ticker == 2 * tickers
    assert better == 0


def test_on_the_coinbase_capture_candles_never_fill_trigger_or_price_an_instrument_with_a_book(
    shared_data: Path,
) -> None:
    messages, adapter = replayed(
        shared_data / "coinbase" / "advanced_trade_btc_eth_2026-08-09.jsonl.zst", CoinbaseAdapter()
    )
    btc = "BTC-USD"
    ex = SimulatedExchange(adapter.instruments.values(), {"USD": 10**6 * ATOMS_PER_UNIT, "BTC": ATOMS_PER_UNIT})
    ex.on_market(messages[0])
    snapshot_ts = messages[0].ts
    book = ex.book(btc)
    assert messages[0].symbol == btc and book.best_bid is not None and book.best_ask is not None
    prints = [m.price for m in messages if type(m) is Trade and m.symbol == btc]
    # the adapter turns the capture's candles into history and one unfinished bucket (never a Bar),
    # so the candles a venue might send are put into the stream: each spans far beyond every print
    high, low = max(prints) + 5_000, min(prints) - 5_000
    step = (messages[-1].ts - snapshot_ts) // 4
    candles = [Bar(snapshot_ts + i * step, btc, prints[0], high, low, prints[0], 10**9, snapshot_ts) for i in (1, 2, 3)]
    messages = sorted([*messages, *candles], key=lambda m: m.ts)
    # prices the candles reach after our orders exist, and no print does
    sell_at, buy_at = high - 100, low + 5
    assert book.best_ask < sell_at <= high and low <= buy_at < book.best_bid
    assert max(prints) < sell_at and min(prints) > buy_at
    lot = 10**6  # 0.01 BTC
    orders = [
        SubmitOrder(snapshot_ts, "sell", btc, Side.SELL, OrderType.LIMIT, lot, price=sell_at),
        SubmitOrder(snapshot_ts, "buy", btc, Side.BUY, OrderType.LIMIT, lot, price=buy_at),
        SubmitOrder(snapshot_ts, "buy_stop", btc, Side.BUY, OrderType.STOP, lot, stop_price=sell_at),
        SubmitOrder(snapshot_ts, "sell_stop", btc, Side.SELL, OrderType.STOP, lot, stop_price=buy_at),
    ]
    for cmd in orders:
        ex.submit(cmd)
    events = ex.advance(snapshot_ts)
    for msg in messages[1:]:
        ex.on_market(msg)
        events += ex.advance(msg.ts)
        if type(msg) is Trade and msg.symbol == btc:
            assert ex.last_price(btc) == msg.price
    assert ex.bars_on_book == sum(1 for m in messages[1:] if type(m) is Bar) >= 2
    assert [e for e in events if type(e) in (OrderFilled, OrderTriggered)] == []
    assert sorted(o.order_id for o in ex.open_orders()) == ["buy", "buy_stop", "sell", "sell_stop"]
    assert ex.last_price(btc) == prints[-1]
