"""The Binance adapter remembers converted price and size strings: same results, same errors."""

from __future__ import annotations

import orjson

from jtrader.model import Quote, Side, Trade
from jtrader.venues import BinanceAdapter

T0 = 1_700_000_000 * 10**9


def book_ticker(u: int, bid: object, bid_size: object, ask: object, ask_size: object) -> bytes:
    return orjson.dumps({"u": u, "s": "BTCUSDT", "b": bid, "B": bid_size, "a": ask, "A": ask_size})


def trade(t: int, price: object, size: object) -> bytes:
    data = {"e": "trade", "E": 1, "s": "BTCUSDT", "t": t, "p": price, "q": size, "T": 1_700_000_000_000, "m": False}
    return orjson.dumps({"stream": "btcusdt@trade", "data": data})


def test_repeated_strings_give_the_same_messages_as_the_first_time() -> None:
    adapter = BinanceAdapter()
    first = adapter.on_frame(T0, book_ticker(1, "65000.01000000", "0.50000000", "65000.02000000", "1.00000000"))
    again = adapter.on_frame(T0 + 1, book_ticker(2, "65000.01000000", "0.50000000", "65000.02000000", "1.00000000"))
    assert first == [Quote(T0, 0, "BTCUSDT", 6500001, 50_000_000, 6500002, 100_000_000, 1)]
    assert again == [first[0]._replace(ts=T0 + 1, update_id=2)]
    assert type(again[0]) is Quote
    trades = adapter.on_frame(T0 + 2, trade(7, "65000.01000000", "0.50000000"))
    assert trades == [Trade(T0 + 2, 1_700_000_000_000_000_000, "BTCUSDT", 6500001, 50_000_000, Side.BUY, "7")]
    assert type(trades[0]) is Trade


def test_a_number_that_converted_does_not_let_an_equal_float_through() -> None:
    adapter = BinanceAdapter()
    adapter.on_frame(T0, book_ticker(1, "65000.01", "1", "65001.00", "1"))
    assert adapter.on_frame(T0 + 1, trade(1, 65001, "1")) != []  # an int price converts
    assert adapter.on_frame(T0 + 2, trade(2, 65001.0, "1")) == []  # its float twin is still malformed
    assert adapter.stats.malformed == 1
    assert "65001.0" in adapter.stats.last_error


def test_a_string_that_failed_to_convert_fails_again() -> None:
    adapter = BinanceAdapter()
    adapter.on_frame(T0, book_ticker(1, "65000.01", "1", "65001.00", "1"))
    for i in range(2):
        assert adapter.on_frame(T0 + 1 + i, book_ticker(2 + i, "65000.015", "1", "65001.00", "1")) == []
    assert adapter.stats.malformed == 2


def test_conversions_stay_right_past_the_memo_limit() -> None:
    adapter = BinanceAdapter()
    sizes = [f"{i}.00000001" for i in range(1, 5_000)]
    for i, size in enumerate(sizes + sizes[:10]):
        (quote,) = adapter.on_frame(T0 + i, book_ticker(i + 1, "100.00000000", size, "100.01000000", "2"))
        assert quote.bid_size == int(size.split(".")[0]) * 100_000_000 + 1
