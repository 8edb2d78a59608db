"""Drive the simulator from the real Coinbase Advanced Trade recording in ../shared/data (skipped if absent).

The few frames needed are parsed inline: ``l2_data`` snapshot/update (side ``bid``/``offer``,
``price_level``, ``new_quantity``) and ``market_trades`` updates, whose ``side`` is the
*maker* side (see the fill-model notes), so the aggressor is the opposite side.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from sim_helpers import BUY, LIMIT, MARKET, SELL, order

from jtrader.model import ATOMS_PER_UNIT, BookDelta, BookSnapshot, Instrument, OrderFilled, Side, Trade
from jtrader.sim import SimulatedExchange

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
FILE = DATA / "coinbase" / "advanced_trade_btc_eth_2026-08-09.jsonl.zst"
BTC = Instrument("BTC-USD", "BTC", "USD", "0.01", "0.00000001", venue="coinbase")

pytestmark = pytest.mark.shared_data


def messages() -> list[Any]:
    if not FILE.exists():
        pytest.skip(f"../shared/data not present: {FILE} is missing")
    import zstandard

    out: list[Any] = []
    last_ts = 0
    with FILE.open("rb") as raw:
        for line in io.TextIOWrapper(zstandard.ZstdDecompressor().stream_reader(raw), encoding="utf-8"):
            rec = orjson.loads(line)
            if rec.get("t") != "recv":
                continue
            frame = orjson.loads(rec["data"])
            ts = max(last_ts, int(Decimal(str(rec["ts"])) * 10**9))
            last_ts = ts
            channel = frame.get("channel")
            for event in frame.get("events", []):
                if channel == "l2_data" and event.get("product_id") == "BTC-USD":
                    bids, asks = [], []
                    for u in event["updates"]:
                        level = (BTC.price_to_ticks(u["price_level"]), BTC.size_to_lots(u["new_quantity"]))
                        (bids if u["side"] == "bid" else asks).append(level)
                    cls = BookSnapshot if event["type"] == "snapshot" else BookDelta
                    out.append(cls(ts, 0, "BTC-USD", tuple(bids), tuple(asks)))
                elif channel == "market_trades" and event.get("type") == "update":
                    for t in event["trades"]:
                        if t["product_id"] == "BTC-USD":
                            maker = Side(t["side"])
                            price, size = BTC.price_to_ticks(t["price"]), BTC.size_to_lots(t["size"])
                            out.append(Trade(ts, 0, "BTC-USD", price, size, maker.opposite, t["trade_id"]))
    first = next(i for i, m in enumerate(out) if isinstance(m, BookSnapshot))
    return out[first:]


def test_orders_on_the_recorded_btc_book_fill_only_within_displayed_sizes_and_trades() -> None:
    msgs = messages()
    assert isinstance(msgs[0], BookSnapshot)
    ex = SimulatedExchange([BTC], balances={"USD": 10**6 * ATOMS_PER_UNIT, "BTC": 10 * ATOMS_PER_UNIT})
    cut = len(msgs) // 3
    for msg in msgs[:cut]:
        ex.on_market(msg)
    book = ex.book("BTC-USD")
    ts = msgs[cut - 1].ts
    asks_before = dict(book.asks.top(50))
    best_bid, best_ask = book.best_bid, book.best_ask
    assert best_bid is not None and best_ask is not None and best_bid < best_ask
    size = book.best_ask_size + book.asks.top(2)[1][1] // 2  # walks into the second level
    ex.submit(order(ts, "take", BUY, MARKET, size, symbol="BTC-USD"))
    ex.submit(order(ts, "bid", BUY, LIMIT, 10**6, price=best_bid, symbol="BTC-USD"))
    ex.submit(order(ts, "ask", SELL, LIMIT, 10**6, price=best_ask + 100, symbol="BTC-USD"))
    events = ex.advance(ts)
    taken = [e for e in events if isinstance(e, OrderFilled) and e.order_id == "take"]
    assert [e.price for e in taken] == sorted(asks_before)[:2]
    assert all(e.size <= asks_before[e.price] for e in taken)
    assert sum(e.size for e in taken) == size
    # replay the rest: resting fills happen at our own price, as maker, within what traded or crossed
    # upper bounds of what may fill us: eligible trades at or through our price, plus crossed displayed size
    eligible = {"bid": 0, "ask": 0}
    our_ask = best_ask + 100
    for msg in msgs[cut:]:
        ex.on_market(msg)
        if isinstance(msg, Trade):
            if msg.aggressor is not Side.BUY and msg.price <= best_bid:
                eligible["bid"] += msg.size
            if msg.aggressor is not Side.SELL and msg.price >= our_ask:
                eligible["ask"] += msg.size
        else:
            eligible["bid"] += sum(size for price, size in book.asks.top(20) if price <= best_bid)
            eligible["ask"] += sum(size for price, size in book.bids.top(20) if price >= our_ask)
        events += ex.advance(msg.ts)
    resting = [e for e in events if isinstance(e, OrderFilled) and e.order_id in ("bid", "ask")]
    for e in resting:
        assert e.liquidity.value == "MAKER"
        assert e.price == (best_bid if e.order_id == "bid" else best_ask + 100)
    for oid in ("bid", "ask"):
        assert sum(e.size for e in resting if e.order_id == oid) <= eligible[oid]
    assert [e.fill_id for e in events if isinstance(e, OrderFilled)] == sorted(
        e.fill_id for e in events if isinstance(e, OrderFilled)
    )
    for ccy in ("USD", "BTC"):
        bal = ex.balance(ccy)
        assert 0 <= bal.locked <= bal.total
    assert ex.ignored_messages == 0
