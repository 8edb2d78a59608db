"""CoinbaseAdapter on hand-made frames: sequence checks, resync and recovery, bad input."""

from __future__ import annotations

import orjson
import pytest

from jtrader.book import OrderBook
from jtrader.model import (
    BookDelta,
    BookResync,
    BookSnapshot,
    Heartbeat,
    Instrument,
    Quote,
    SequenceGap,
    Side,
    Trade,
    VenueNotice,
)
from jtrader.venues import CoinbaseAdapter, VenueAdapter

T0 = 1_786_309_548_000_000_000
STAMP = "2026-08-09T21:05:48.228568804Z"
BTC = Instrument("BTC-USD", "BTC", "USD", "0.01", "0.00000001", venue="coinbase")
ETH = Instrument("ETH-USD", "ETH", "USD", "0.01", "0.00000001", venue="coinbase")


def frame(channel: str, seq: int, events: list) -> bytes:
    return orjson.dumps({"channel": channel, "timestamp": STAMP, "sequence_num": seq, "events": events})


def level(side: str, price: str, qty: str) -> dict:
    return {"side": side, "event_time": STAMP, "price_level": price, "new_quantity": qty}


def l2(seq: int, kind: str, product: str = "BTC-USD", levels: list | None = None) -> bytes:
    if levels is None:
        levels = [level("bid", "100.00", "1"), level("offer", "100.01", "2")]
    return frame("l2_data", seq, [{"type": kind, "product_id": product, "updates": levels}])


def adapter() -> CoinbaseAdapter:
    a = CoinbaseAdapter({"BTC-USD": BTC, "ETH-USD": ETH})
    a.on_connect(T0, "c1")
    return a


def test_coinbase_adapter_satisfies_the_venue_adapter_protocol() -> None:
    assert isinstance(CoinbaseAdapter(), VenueAdapter)


def test_l2_snapshot_and_update_become_book_messages_with_offer_as_ask() -> None:
    a = adapter()
    (snap,) = a.on_frame(T0, l2(0, "snapshot"), "c1")
    assert snap == BookSnapshot(T0, 1786309548228568804, "BTC-USD", ((10000, 100000000),), ((10001, 200000000),))
    (delta,) = a.on_frame(T0 + 1, l2(1, "update", levels=[level("bid", "100.00", "0")]), "c1")
    assert delta == BookDelta(T0 + 1, 1786309548228568804, "BTC-USD", ((10000, 0),), ())
    book = OrderBook("BTC-USD")
    book.apply(snap)
    book.apply(delta)
    assert book.best_bid is None and book.best_ask == 10001


def test_a_sequence_gap_resyncs_every_book_of_the_connection_until_its_next_snapshot() -> None:
    a = adapter()
    a.on_frame(T0, l2(0, "snapshot"), "c1")
    a.on_frame(T0, l2(1, "snapshot", "ETH-USD"), "c1")
    out = a.on_frame(T0 + 5, l2(5, "update"), "c1")
    assert out == [
        SequenceGap(T0 + 5, "c1", 2, 5, ("BTC-USD", "ETH-USD")),
        BookResync(T0 + 5, "BTC-USD", "sequence gap on 'c1': expected 2, got 5"),
        BookResync(T0 + 5, "ETH-USD", "sequence gap on 'c1': expected 2, got 5"),
    ]
    assert a.is_resyncing("BTC-USD") and a.resyncing == {"BTC-USD", "ETH-USD"}
    assert a.on_frame(T0, l2(6, "update"), "c1") == []
    assert a.stats.skipped_resyncing == 2
    (snap,) = a.on_frame(T0, l2(7, "snapshot"), "c1")
    assert type(snap) is BookSnapshot and not a.is_resyncing("BTC-USD") and a.is_resyncing("ETH-USD")
    assert [type(m) for m in a.on_frame(T0, l2(8, "update"), "c1")] == [BookDelta]
    assert (a.stats.gaps, a.stats.resyncs) == (1, 2)


def test_repeated_and_older_sequence_numbers_are_duplicates_and_skipped() -> None:
    a = adapter()
    a.on_frame(T0, l2(0, "snapshot"), "c1")
    a.on_frame(T0, l2(1, "update"), "c1")
    assert a.on_frame(T0, l2(1, "update"), "c1") == []
    assert a.on_frame(T0, l2(0, "snapshot"), "c1") == []
    assert a.stats.duplicates == 2 and a.stats.gaps == 0
    assert len(a.on_frame(T0, l2(2, "update"), "c1")) == 1


def test_a_new_connection_must_start_at_zero_and_numbering_is_per_connection() -> None:
    a = adapter()
    a.on_frame(T0, l2(0, "snapshot"), "c1")
    a.on_connect(T0, "c2")
    out = a.on_frame(T0, frame("heartbeats", 3, [{"heartbeat_counter": 1}]), "c2")
    assert type(out[0]) is SequenceGap and out[0].symbols == () and type(out[1]) is Heartbeat
    assert a.on_frame(T0, l2(1, "update"), "c1") != []


def test_without_on_connect_the_first_sequence_number_is_accepted_as_it_comes() -> None:
    a = CoinbaseAdapter({"BTC-USD": BTC})
    assert len(a.on_frame(T0, l2(41, "snapshot"), "")) == 1 and a.stats.gaps == 0


def test_disconnect_resyncs_the_books_of_that_connection() -> None:
    a = adapter()
    a.on_frame(T0, l2(0, "snapshot"), "c1")
    assert a.on_disconnect(T0 + 9, "c1") == [BookResync(T0 + 9, "BTC-USD", "disconnected: c1")]
    assert a.is_resyncing("BTC-USD")
    a.on_connect(T0 + 10, "c1")
    a.on_frame(T0 + 11, l2(0, "snapshot"), "c1")
    assert not a.is_resyncing("BTC-USD")


def test_updates_for_a_product_without_a_snapshot_on_this_connection_are_skipped() -> None:
    a = adapter()
    assert a.on_frame(T0, l2(0, "update"), "c1") == []
    assert a.stats.skipped_resyncing == 1


@pytest.mark.parametrize(
    "bad",
    [
        b"{not json",
        b"[1, 2]",
        b'{"channel": "l2_data", "events": []}',
        b'{"channel": "l2_data", "sequence_num": "1", "events": []}',
        b'{"channel": "l2_data", "sequence_num": -1, "events": []}',
        b'{"channel": "l2_data", "sequence_num": 1, "events": {}}',
    ],
)
def test_frames_with_a_broken_envelope_are_malformed_and_change_nothing(bad: bytes) -> None:
    a = adapter()
    a.on_frame(T0, l2(0, "snapshot"), "c1")
    assert a.on_frame(T0, bad, "c1") == []
    assert a.stats.malformed == 1 and a.stats.last_error
    assert a._seq["c1"] == 0 and a.resyncing == set()


@pytest.mark.parametrize(
    "levels",
    [
        [level("bid", "NaN", "1")],
        [level("bid", "100.00", "-1")],
        [level("ask", "100.00", "1")],
        [level("bid", "1e3", "1")],
        [{"side": "bid", "price_level": "100.00"}],
    ],
)
def test_bad_values_in_an_l2_update_refuse_the_frame_and_resync_that_book(levels: list) -> None:
    a = adapter()
    a.on_frame(T0, l2(0, "snapshot"), "c1")
    out = a.on_frame(T0, l2(1, "update", levels=[level("bid", "99.00", "1"), *levels]), "c1")
    assert out == [BookResync(T0, "BTC-USD", "malformed l2_data frame on 'c1'")]
    assert a.stats.malformed == 1 and a.is_resyncing("BTC-USD")
    assert a.on_frame(T0, l2(2, "update"), "c1") == []


def test_a_malformed_l2_frame_naming_no_product_resyncs_every_book_of_the_connection() -> None:
    a = adapter()
    a.on_frame(T0, l2(0, "snapshot"), "c1")
    out = a.on_frame(T0, frame("l2_data", 1, [{"type": "update"}]), "c1")
    assert [m.symbol for m in out] == ["BTC-USD"]


def test_an_unknown_l2_event_type_is_malformed() -> None:
    a = adapter()
    a.on_frame(T0, l2(0, "snapshot"), "c1")
    a.on_frame(T0, l2(1, "weird"), "c1")
    assert a.stats.malformed == 1 and "weird" in a.stats.last_error


def test_off_grid_book_levels_are_left_out_and_counted_while_the_rest_applies() -> None:
    a = adapter()
    a.on_frame(T0, l2(0, "snapshot"), "c1")
    (delta,) = a.on_frame(
        T0, l2(1, "update", levels=[level("bid", "99.995", "1"), level("offer", "100.02", "1")]), "c1"
    )
    assert delta.bids == () and delta.asks == ((10002, 100000000),)
    assert a.stats.off_grid_levels == 1 and a.stats.malformed == 0


def test_unknown_products_get_a_fallback_grid_from_the_data_when_allowed() -> None:
    a = CoinbaseAdapter()
    (snap,) = a.on_frame(
        T0, l2(0, "snapshot", "SHIB-USD", [level("bid", "0.000012", "100"), level("offer", "0.000013", "5")])
    )
    inst = a.instruments["SHIB-USD"]
    assert (str(inst.price_tick), inst.base, inst.quote) == ("0.000001", "SHIB", "USD")
    assert snap.bids == ((12, 10_000_000_000),) and a.stats.instruments_inferred == 1
    strict = CoinbaseAdapter(infer_instruments=False)
    assert strict.on_frame(T0, l2(0, "snapshot", "SHIB-USD")) == [] and strict.stats.malformed == 1
    assert "SHIB-USD" not in strict.instruments


def test_market_trades_snapshot_is_history_and_updates_become_trades_oldest_first_without_repeats() -> None:
    a = adapter()

    def trade(tid: int, side: str, time: str = STAMP) -> dict:
        return {
            "product_id": "BTC-USD",
            "trade_id": str(tid),
            "price": "100.01",
            "size": "0.5",
            "time": time,
            "side": side,
        }

    assert a.on_frame(T0, frame("market_trades", 0, [{"type": "snapshot", "trades": [trade(10, "BUY")]}]), "c1") == []
    events = [{"type": "update", "trades": [trade(12, "SELL"), trade(11, "BUY"), trade(10, "BUY")]}]
    out = a.on_frame(T0, frame("market_trades", 1, events), "c1")
    assert [(t.trade_id, t.aggressor) for t in out] == [("11", Side.SELL), ("12", Side.BUY)]
    assert out[0] == Trade(T0, 1786309548228568804, "BTC-USD", 10001, 50000000, Side.SELL, "11")
    assert a.stats.skipped_snapshot_trades == 1 and a.stats.duplicates == 1
    odd = [{"type": "update", "trades": [{**trade(13, "UNKNOWN"), "trade_id": "abc"}]}]
    (t,) = a.on_frame(T0, frame("market_trades", 2, odd), "c1")
    assert t.aggressor is None and t.trade_id == "abc"
    zero = [{"type": "update", "trades": [{**trade(14, "BUY"), "size": "0"}]}]
    assert a.on_frame(T0, frame("market_trades", 3, zero), "c1") == [] and a.stats.malformed == 1


def test_trade_times_more_than_a_day_from_the_receive_time_make_an_update_malformed_not_a_snapshot() -> None:
    a = adapter()
    old = {"product_id": "BTC-USD", "trade_id": "5", "price": "100", "size": "1", "side": "BUY"}
    old["time"] = "2026-08-01T00:00:00Z"  # eight days before the receive time
    assert a.on_frame(T0, frame("market_trades", 0, [{"type": "snapshot", "trades": [old]}]), "c1") == []
    assert a.stats.malformed == 0 and a.stats.skipped_snapshot_trades == 1  # history may be old
    assert (
        a.on_frame(T0, frame("market_trades", 1, [{"type": "update", "trades": [{**old, "trade_id": "6"}]}]), "c1")
        == []
    )
    assert a.stats.malformed == 1 and "more than a day" in a.stats.last_error
    late_l2 = orjson.dumps({"channel": "l2_data", "timestamp": "2026-08-11T21:05:48Z", "sequence_num": 2, "events": []})
    assert a.on_frame(T0, late_l2, "c1") == [] and a.stats.malformed == 2


def ticker(**overrides: str) -> dict:
    row = {"type": "ticker", "product_id": "BTC-USD", "price": "100.01", "best_bid": "100.00"}
    row.update(best_bid_quantity="1.5", best_ask="100.01", best_ask_quantity="0.25")
    row.update(overrides)
    return row


def test_ticker_frames_become_quotes_and_bad_ones_are_malformed() -> None:
    a = adapter()
    (q,) = a.on_frame(T0, frame("ticker", 0, [{"type": "update", "tickers": [ticker()]}]), "c1")
    assert q == Quote(T0, 1786309548228568804, "BTC-USD", 10000, 150000000, 10001, 25000000)
    for seq, bad in enumerate([ticker(best_bid="0"), ticker(best_ask=""), ticker(best_bid_quantity="NaN")], start=1):
        assert a.on_frame(T0, frame("ticker_batch", seq, [{"type": "update", "tickers": [bad]}]), "c1") == []
    assert a.stats.malformed == 3 and a.resyncing == set()


def candle(**overrides: str) -> dict:
    row = {"start": "1786309500", "high": "101", "low": "99", "open": "100", "close": "100.5"}
    row.update(volume="1.123456789", product_id="BTC-USD")
    row.update(overrides)
    return row


def test_bad_candles_are_malformed_and_change_nothing() -> None:
    a = adapter()
    bad_rows = [candle(start="soon"), candle(high="99.5"), candle(open="NaN"), candle(start="-5")]
    for seq, bad in enumerate(bad_rows):
        assert a.on_frame(T0, frame("candles", seq, [{"type": "update", "candles": [bad]}]), "c1") == []
    assert a.on_frame(T0, frame("candles", 4, [{"type": "later", "candles": [candle()]}]), "c1") == []
    assert a.stats.malformed == 5 and a.candles.open_buckets() == 0


def test_heartbeat_counters_may_be_ints_or_strings_but_not_garbage() -> None:
    a = adapter()
    assert a.on_frame(T0, frame("heartbeats", 0, [{"heartbeat_counter": 7}]), "c1") == [
        Heartbeat(T0, 1786309548228568804, "c1")
    ]
    assert len(a.on_frame(T0, frame("heartbeats", 1, [{"heartbeat_counter": "8"}]), "c1")) == 1
    assert a.on_frame(T0, frame("heartbeats", 2, [{"heartbeat_counter": "x"}]), "c1") == []
    assert a.on_frame(T0, frame("heartbeats", 3, [{"heartbeat_counter": -1}]), "c1") == []
    assert a.stats.malformed == 2


def test_status_frames_become_notices_and_teach_unknown_products() -> None:
    a = adapter()
    products = [
        {
            "id": "SOL-USD",
            "base_currency": "SOL",
            "quote_currency": "USD",
            "base_increment": "0.001",
            "quote_increment": "0.01",
            "status": "online",
        },
        {"id": "BTC-USD", "status": "online", "status_message": "ok"},
    ]
    out = a.on_frame(T0, frame("status", 0, [{"type": "snapshot", "products": products}]), "c1")
    assert out == [VenueNotice(T0, "status", "SOL-USD: online"), VenueNotice(T0, "status", "BTC-USD: online ok")]
    assert str(a.instruments["SOL-USD"].size_lot) == "0.001"


def test_subscriptions_are_recorded_unknown_channels_and_frames_counted() -> None:
    a = adapter()
    assert a.on_frame(T0, frame("subscriptions", 0, [{"subscriptions": {"level2": ["BTC-USD"]}}]), "c1") == []
    assert a.subscriptions["c1"] == {"level2": ["BTC-USD"]}
    assert a.on_frame(T0, frame("futures_balance_summary", 1, []), "c1") == []
    assert a.on_frame(T0, b'{"type": "something"}', "c1") == []
    assert (a.stats.control, a.stats.unknown_channel) == (1, 2)
    assert a.on_frame(T0, b'{"type": "error", "message": "too many L2 streams"}') == [
        VenueNotice(T0, "error", "too many L2 streams")
    ]


def test_on_http_learns_products_keeps_grids_in_use_and_ignores_other_bodies() -> None:
    a = CoinbaseAdapter({"BTC-USD": Instrument("BTC-USD", "BTC", "USD", "0.1", "0.00000001")})
    body = orjson.dumps(
        {
            "products": [
                {
                    "product_id": "BTC-USD",
                    "price_increment": "0.01",
                    "quote_increment": "0.01",
                    "base_increment": "0.00000001",
                },
                {
                    "product_id": "ETH-USD",
                    "price_increment": "0.01",
                    "quote_increment": "0.01",
                    "base_increment": "0.00000001",
                },
                {"product_id": "BAD-USD", "price_increment": "-1", "base_increment": "1"},
            ]
        }
    )
    assert a.on_http(T0, "https://api.coinbase.com/api/v3/brokerage/market/products", body) == []
    assert str(a.instruments["BTC-USD"].price_tick) == "0.1" and a.stats.instrument_conflicts == 1
    assert "ETH-USD" in a.instruments and "BAD-USD" not in a.instruments and a.stats.last_error
    assert a.on_http(T0, "https://api.coinbase.com/api/v3/brokerage/market/products", b"oops") == []
    assert a.stats.malformed == 1
    assert a.on_http(T0, "https://api.coinbase.com/api/v3/brokerage/market/products/BTC-USD/candles", b"{}") == []
    assert a.stats.unknown_channel == 1


def test_subscribe_frames_are_built_one_channel_per_frame() -> None:
    a = CoinbaseAdapter()
    assert len(a.subscribe_frames(["BTC-USD", "ETH-USD"], ["level2", "ticker", "heartbeats"])) == 3
    assert a.unsubscribe_frames(["BTC-USD"], ["level2"]) == [
        '{"type":"unsubscribe","product_ids":["BTC-USD"],"channel":"level2"}'
    ]
