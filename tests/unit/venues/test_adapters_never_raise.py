"""Both adapters on mutated real-shaped frames: bad input is counted, never raised.

The frame-level error net catches only what data can raise (see ``jtrader.venues._common``):
``AttributeError`` is not in it, so every value of the wrong type must be checked before a method
is called on it. This property test replaces one value anywhere in a well-formed frame with a
value of another JSON type and feeds it to a primed adapter: nothing may escape ``on_frame``.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jtrader.model import Instrument
from jtrader.venues import BinanceAdapter, CoinbaseAdapter
from jtrader.venues._common import PARSE_ERRORS

T0 = 1_786_309_548_000_000_000
STAMP = "2026-08-09T21:05:48.228568804Z"
E = 1_786_309_548_100


def level(side: str, price: str, qty: str) -> dict:
    return {"side": side, "event_time": STAMP, "price_level": price, "new_quantity": qty}


def envelope(channel: str, events: list) -> dict:
    return {"channel": channel, "timestamp": STAMP, "sequence_num": 1, "events": events}


TRADE = {"product_id": "BTC-USD", "trade_id": "11", "price": "100.01", "size": "0.5", "time": STAMP, "side": "BUY"}
TICKER = {
    "type": "ticker",
    "product_id": "BTC-USD",
    "price": "100.01",
    "best_bid": "100.00",
    "best_bid_quantity": "1",
    "best_ask": "100.01",
    "best_ask_quantity": "2",
}
CANDLE = {"start": "1786309500", "high": "101", "low": "99", "open": "100", "close": "100.5", "volume": "1"}
STATUS = {"id": "SOL-USD", "base_increment": "0.001", "quote_increment": "0.01", "status": "online"}

COINBASE_FRAMES: list[Any] = [
    envelope("l2_data", [{"type": "update", "product_id": "BTC-USD", "updates": [level("bid", "99.00", "1")]}]),
    envelope("l2_data", [{"type": "update", "product_id": "BTC-USD", "updates": [level("bid", "99.00", "1")] * 9}]),
    envelope("l2_data", [{"type": "snapshot", "product_id": "ETH-USD", "updates": [level("offer", "5.00", "1")]}]),
    envelope("market_trades", [{"type": "update", "trades": [TRADE]}]),
    envelope("market_trades", [{"type": "snapshot", "trades": [TRADE]}]),
    envelope("ticker", [{"type": "update", "tickers": [TICKER]}]),
    envelope("candles", [{"type": "snapshot", "candles": [{**CANDLE, "product_id": "BTC-USD"}]}]),
    envelope("candles", [{"type": "update", "candles": [{**CANDLE, "product_id": "BTC-USD"}]}]),
    envelope("heartbeats", [{"current_time": STAMP, "heartbeat_counter": 3}]),
    envelope("status", [{"type": "snapshot", "products": [STATUS]}]),
    envelope("subscriptions", [{"subscriptions": {"level2": ["BTC-USD"]}}]),
    {"type": "error", "message": "too many L2 streams", "reason": "x"},
]

DEPTH = {"e": "depthUpdate", "E": E, "s": "BTCUSDT", "U": 101, "u": 101, "b": [["100.00", "1"]], "a": []}
KLINE = {"t": E - 60_000, "T": E, "s": "BTCUSDT", "i": "1m", "o": "100", "c": "101", "h": "102", "l": "99"}
BINANCE_FRAMES: list[Any] = [
    {"stream": "btcusdt@depth@100ms", "data": DEPTH},
    {
        "stream": "btcusdt@trade",
        "data": {"e": "trade", "E": E, "s": "BTCUSDT", "t": 7, "p": "1", "q": "1", "T": E, "m": True},
    },
    {
        "stream": "btcusdt@aggTrade",
        "data": {"e": "aggTrade", "E": E, "s": "BTCUSDT", "a": 7, "p": "1", "q": "1", "T": E, "m": False},
    },
    {"stream": "btcusdt@bookTicker", "data": {"u": 400, "s": "BTCUSDT", "b": "1.00", "B": "1", "a": "1.01", "A": "2"}},
    {"stream": "btcusdt@kline_1m", "data": {"e": "kline", "E": E, "s": "BTCUSDT", "k": {**KLINE, "v": "1", "x": True}}},
    {"stream": "btcusdt@depth5", "data": {"lastUpdateId": 200, "bids": [["1.00", "1"]], "asks": [["1.01", "1"]]}},
    {"lastUpdateId": 200, "bids": [["1.00", "1"]], "asks": [["1.01", "1"]]},
    {"code": 2, "msg": "Invalid request"},
    {"result": None, "id": 1},
    {"e": "serverShutdown", "E": E},
]

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
    st.sampled_from(["", "0", "-1", "1e3", "NaN", "bid", "offer", "update", "snapshot", "BTC-USD", "BTCUSDT"]),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=6,
)


def dumps(value: Any) -> bytes:
    """JSON text of ``value``; integers past 64 bits too (a venue can send them; orjson reads them as floats)."""
    return json.dumps(value).encode()


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside ``value`` (dict keys and list indexes), the root excluded."""
    out = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        out.append((*prefix, key))
        out += paths(child, (*prefix, key))
    return out


def replaced(frame: Any, path: tuple, new: Any) -> Any:
    frame = copy.deepcopy(frame)
    target = frame
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return frame


def primed_coinbase() -> CoinbaseAdapter:
    a = CoinbaseAdapter({"BTC-USD": Instrument("BTC-USD", "BTC", "USD", "0.01", "0.00000001", venue="coinbase")})
    a.on_frame(
        T0,
        orjson.dumps(
            {
                **envelope(
                    "l2_data", [{"type": "snapshot", "product_id": "BTC-USD", "updates": [level("bid", "99.00", "1")]}]
                ),
                "sequence_num": 0,
            }
        ),
        "c",
    )
    return a


def primed_binance() -> BinanceAdapter:
    a = BinanceAdapter()
    a.on_http(
        T0,
        "https://api.binance.com/api/v3/depth?symbol=BTCUSDT",
        b'{"lastUpdateId": 100, "bids": [["99.00", "1"]], "asks": []}',
    )
    return a


@pytest.mark.parametrize("frame", COINBASE_FRAMES + BINANCE_FRAMES, ids=range(len(COINBASE_FRAMES + BINANCE_FRAMES)))
def test_the_unmutated_templates_are_well_formed(frame: Any) -> None:
    adapter = primed_coinbase() if frame in COINBASE_FRAMES else primed_binance()
    adapter.on_frame(T0, orjson.dumps(frame), "c")
    assert adapter.stats.malformed == 0, adapter.stats.last_error


@settings(max_examples=600)
@given(data=st.data())
def test_one_value_of_another_type_anywhere_is_counted_never_raised(data: st.DataObject) -> None:
    venue = data.draw(st.sampled_from(["coinbase", "binance"]))
    frame = data.draw(st.sampled_from(COINBASE_FRAMES if venue == "coinbase" else BINANCE_FRAMES))
    path = data.draw(st.sampled_from(paths(frame)))
    mutated = replaced(frame, path, data.draw(json_value))
    adapter = primed_coinbase() if venue == "coinbase" else primed_binance()
    before = adapter.stats.frames
    try:
        adapter.on_frame(T0, dumps(mutated), "c")
    except PARSE_ERRORS as exc:  # pragma: no cover - the failure this test looks for
        pytest.fail(f"{type(exc).__name__} escaped on_frame for {mutated!r}: {exc}")
    assert adapter.stats.frames == before + 1


@settings(max_examples=200)
@given(value=json_value)
def test_any_json_document_is_counted_never_raised(value: Any) -> None:
    body = dumps(value)
    for adapter in (primed_coinbase(), primed_binance()):
        adapter.on_frame(T0, body, "c")
        adapter.on_http(T0, "https://api.binance.com/api/v3/depth?symbol=BTCUSDT", body)
        adapter.on_http(T0, "https://api.binance.com/api/v3/exchangeInfo", body)
        adapter.on_http(T0, "https://api.coinbase.com/api/v3/brokerage/market/products", body)
