"""BinanceAdapter on hand-made frames: the diff-depth sync rules, gaps, recovery and bad input."""

from __future__ import annotations

import orjson
import pytest

from jtrader.book import OrderBook
from jtrader.model import (
    NS_PER_MS,
    Bar,
    BookDelta,
    BookResync,
    BookSnapshot,
    Instrument,
    Quote,
    Side,
    Trade,
    VenueNotice,
)
from jtrader.venues import BinanceAdapter, VenueAdapter
from jtrader.venues.binance import HOLD_LIMIT

T0 = 1_723_161_254_000_000_000
E = 1_723_161_255_208
BTC = Instrument("BTCUSDT", "BTC", "USDT", "0.01", "0.00000001", venue="binance")
DEPTH_URL = "https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000"


def combined(stream: str, data: dict) -> bytes:
    return orjson.dumps({"stream": stream, "data": data})


def diff(first: int, last: int, bids=(("100.00", "1"),), asks=(), symbol: str = "BTCUSDT") -> bytes:
    data = {"e": "depthUpdate", "E": E, "s": symbol, "U": first, "u": last, "b": list(bids), "a": list(asks)}
    return combined(f"{symbol.lower()}@depth@100ms", data)


def snapshot_body(last: int) -> bytes:
    return orjson.dumps({"lastUpdateId": last, "bids": [["100.00000000", "2.0"]], "asks": [["100.01000000", "3.0"]]})


def adapter() -> BinanceAdapter:
    return BinanceAdapter({"BTCUSDT": BTC})


def kinds(msgs) -> list[str]:
    return [type(m).__name__ for m in msgs]


def test_binance_adapter_satisfies_the_venue_adapter_protocol() -> None:
    assert isinstance(BinanceAdapter(), VenueAdapter)


def test_diffs_before_the_snapshot_are_held_then_replayed_by_the_sync_rules() -> None:
    a = adapter()
    assert a.on_frame(T0, diff(90, 95)) == []
    assert a.on_frame(T0 + 1, diff(96, 103)) == []
    assert a.on_frame(T0 + 2, diff(104, 110)) == []
    assert a.is_resyncing("BTCUSDT")
    out = a.on_http(T0 + 3, DEPTH_URL, snapshot_body(100))
    assert kinds(out) == ["BookSnapshot", "BookDelta", "BookDelta"]
    assert out[0].update_id == 100 and (out[1].first_update_id, out[1].update_id) == (96, 103)
    assert all(m.ts == T0 + 3 for m in out) and out[1].ts_exchange == E * NS_PER_MS
    assert a.stats.stale == 1 and not a.is_resyncing("BTCUSDT")
    (live,) = a.on_frame(T0 + 4, diff(111, 111))
    assert live == BookDelta(T0 + 4, E * NS_PER_MS, "BTCUSDT", ((10000, 100000000),), (), 111, 111)


def test_the_first_diff_may_straddle_the_snapshot_id_and_later_ones_must_be_contiguous() -> None:
    a = adapter()
    a.on_http(T0, DEPTH_URL, snapshot_body(100))
    assert a.on_frame(T0, diff(90, 100)) == []  # u <= lastUpdateId: already in the snapshot
    assert kinds(a.on_frame(T0, diff(95, 105))) == ["BookDelta"]  # U <= 101 <= u
    assert kinds(a.on_frame(T0, diff(106, 106))) == ["BookDelta"]
    out = a.on_frame(T0 + 7, diff(108, 109))
    assert out == [BookResync(T0 + 7, "BTCUSDT", "update id gap: expected U <= 107, got U=108")]
    assert a.is_resyncing("BTCUSDT") and a.stats.gaps == 1


def test_after_a_gap_the_book_recovers_at_the_next_snapshot_with_the_held_diffs() -> None:
    a = adapter()
    a.on_http(T0, DEPTH_URL, snapshot_body(100))
    a.on_frame(T0, diff(101, 102))
    a.on_frame(T0, diff(110, 112))  # gap: held
    a.on_frame(T0, diff(113, 115))
    assert a.on_http(T0, DEPTH_URL, snapshot_body(104)) == []  # older than the held diffs: refetch
    assert a.stats.stale_snapshots == 1 and a.is_resyncing("BTCUSDT")
    out = a.on_http(T0 + 9, DEPTH_URL, snapshot_body(111))
    assert kinds(out) == ["BookSnapshot", "BookDelta", "BookDelta"]
    assert [m.update_id for m in out] == [111, 112, 115] and not a.is_resyncing("BTCUSDT")


def test_a_gap_inside_the_held_diffs_resyncs_again_and_keeps_holding() -> None:
    a = adapter()
    a.on_frame(T0, diff(101, 105))
    a.on_frame(T0, diff(107, 108))
    a.on_frame(T0, diff(109, 110))
    out = a.on_http(T0, DEPTH_URL, snapshot_body(102))
    assert kinds(out) == ["BookSnapshot", "BookDelta", "BookResync"]
    assert a.is_resyncing("BTCUSDT") and [d.update_id for d in a._sync["BTCUSDT"].held] == [108, 110]


def test_a_snapshot_older_than_a_synced_book_is_ignored_and_a_newer_one_replaces_it() -> None:
    a = adapter()
    a.on_http(T0, DEPTH_URL, snapshot_body(100))
    a.on_frame(T0, diff(101, 120))
    assert a.on_http(T0, DEPTH_URL, snapshot_body(110)) == [] and a.stats.stale_snapshots == 1
    assert kinds(a.on_http(T0, DEPTH_URL, snapshot_body(130))) == ["BookSnapshot"]
    assert a.on_frame(T0, diff(125, 130)) == []


def test_held_diffs_are_capped_dropping_the_oldest() -> None:
    a = adapter()
    for i in range(HOLD_LIMIT + 3):
        a.on_frame(T0, diff(10 + i, 10 + i))
    assert a.stats.buffer_overflow == 3 and len(a._sync["BTCUSDT"].held) == HOLD_LIMIT


def test_disconnect_resyncs_synced_books_of_that_connection_only() -> None:
    a = adapter()
    a.on_http(T0, DEPTH_URL, snapshot_body(100))
    a.on_frame(T0, diff(101, 101), "ws1")
    a.on_frame(T0, diff(5, 6, symbol="ETHUSDT"), "ws1")
    assert a.on_connect(T0, "ws2") == [] and a.on_disconnect(T0, "ws2") == []
    assert a.on_disconnect(T0 + 1, "ws1") == [BookResync(T0 + 1, "BTCUSDT", "disconnected: ws1")]
    assert a.resyncing == {"BTCUSDT", "ETHUSDT"} and a._sync["ETHUSDT"].held == []


def test_the_emitted_messages_rebuild_the_right_book() -> None:
    a = adapter()
    msgs = a.on_frame(T0, diff(99, 101, bids=[["100.00", "5"]], asks=[["100.02", "1"]]))
    msgs += a.on_http(T0, DEPTH_URL, snapshot_body(100))
    msgs += a.on_frame(T0, diff(102, 102, bids=[["100.00", "0"]], asks=[["100.01", "0"]]))
    book = OrderBook("BTCUSDT")
    for m in msgs:
        book.apply(m)
    assert (book.best_bid, book.best_ask, book.best_ask_size, book.update_id) == (None, 10002, 100000000, 102)


def test_raw_frames_carry_their_symbol_and_a_raw_snapshot_uses_the_only_known_symbol() -> None:
    a = adapter()
    raw = {"e": "depthUpdate", "E": E, "s": "BTCUSDT", "U": 99, "u": 101, "b": [], "a": [["100.02", "1"]]}
    assert a.on_frame(T0, orjson.dumps(raw)) == []
    out = a.on_frame(T0, snapshot_body(100))
    assert kinds(out) == ["BookSnapshot", "BookDelta"] and out[0].symbol == "BTCUSDT"
    two = BinanceAdapter()
    two.on_frame(T0, diff(1, 2))
    two.on_frame(T0, diff(1, 2, symbol="ETHUSDT"))
    assert two.on_frame(T0, snapshot_body(1)) == [] and "symbol" in two.stats.last_error
    named = BinanceAdapter(default_symbol="ETHUSDT")
    assert named.on_frame(T0, snapshot_body(1))[0].symbol == "ETHUSDT"


def test_partial_depth_frames_are_snapshots_named_by_their_stream() -> None:
    a = adapter()
    (snap,) = a.on_frame(T0, combined("btcusdt@depth5@100ms", orjson.loads(snapshot_body(500))))
    assert type(snap) is BookSnapshot and snap.update_id == 500


def test_trades_and_agg_trades_give_the_aggressor_from_the_maker_flag_and_drop_repeats() -> None:
    a = adapter()
    data = {"e": "trade", "E": E, "s": "BTCUSDT", "t": 7, "p": "100.01", "q": "0.5", "T": E - 1, "m": True, "M": True}
    (t,) = a.on_frame(T0, combined("btcusdt@trade", data))
    assert t == Trade(T0, (E - 1) * NS_PER_MS, "BTCUSDT", 10001, 50000000, Side.SELL, "7")
    assert a.on_frame(T0, combined("btcusdt@trade", data)) == [] and a.stats.duplicates == 1
    agg = {**data, "e": "aggTrade", "a": 3, "m": False}
    (t,) = a.on_frame(T0, orjson.dumps(agg))
    assert t.aggressor is Side.BUY and t.trade_id == "3"


def test_book_tickers_become_quotes_with_the_update_id() -> None:
    a = adapter()
    data = {"u": 400900217, "s": "BTCUSDT", "b": "100.00000000", "B": "1.5", "a": "100.01000000", "A": "2"}
    (q,) = a.on_frame(T0, combined("btcusdt@bookTicker", data))
    assert q == Quote(T0, 0, "BTCUSDT", 10000, 150000000, 10001, 200000000, 400900217)


def kline(closed: bool, **overrides) -> bytes:
    k = {
        "t": 1633998480000,
        "T": 1633998539999,
        "s": "BTCUSDT",
        "i": "1m",
        "o": "100",
        "c": "101",
        "h": "102",
        "l": "99",
        "v": "1.5",
        "x": closed,
    }
    k.update(overrides)
    return combined("btcusdt@kline_1m", {"e": "kline", "E": E, "s": "BTCUSDT", "k": k})


def test_only_closed_klines_become_bars() -> None:
    a = adapter()
    assert a.on_frame(T0, kline(False)) == [] and a.stats.partial_bars == 1
    (bar,) = a.on_frame(T0, kline(True))
    assert bar == Bar(T0, "BTCUSDT", 10000, 10200, 9900, 10100, 150000000, 1633998480000 * NS_PER_MS)
    assert a.on_frame(T0, kline(True, h="100.5")) == [] and a.stats.malformed == 1


def test_a_final_kline_is_one_bar_stamped_at_its_receive_time_and_repeats_are_duplicates() -> None:
    a = adapter()
    assert a.on_frame(T0, kline(False)) == [] and a.on_frame(T0 + 1, kline(False, c="101.5", h="102")) == []
    (bar,) = a.on_frame(T0 + 5, kline(True))
    assert (bar.ts, bar.start) == (T0 + 5, 1633998480000 * NS_PER_MS)  # receive time of the final frame
    assert a.on_frame(T0 + 6, kline(True)) == []  # the same final frame again
    assert a.on_frame(T0 + 7, kline(True, t=1633998420000)) == []  # an older final kline
    assert (a.stats.duplicates, a.stats.partial_bars) == (2, 2)
    (later,) = a.on_frame(T0 + 8, kline(True, t=1633998540000))
    assert later.start == 1633998540000 * NS_PER_MS
    assert [b.start for b in a.on_frame(T0 + 9, kline(True, i="5m"))] == [1633998480000 * NS_PER_MS]  # own interval


@pytest.mark.parametrize("x", ["true", 1, None])
def test_a_kline_whose_closed_flag_is_not_a_boolean_is_malformed(x: object) -> None:
    a = adapter()
    assert a.on_frame(T0, kline(x)) == [] and a.stats.malformed == 1  # type: ignore[arg-type]


def test_venue_times_that_jump_a_day_from_the_feeds_clock_make_the_frame_malformed() -> None:
    a = adapter()
    a.on_http(T0, DEPTH_URL, snapshot_body(100))
    assert kinds(a.on_frame(T0, diff(100, 100))) == []  # at the snapshot: sets the feed's clock offset
    day_ms = 86_400_000
    late_diff = {"e": "depthUpdate", "E": E + day_ms + 2_000, "s": "BTCUSDT", "U": 101, "u": 101, "b": [], "a": []}
    trade = {"e": "trade", "E": E, "s": "BTCUSDT", "t": 7, "p": "1", "q": "1", "T": E - 2 * day_ms, "m": True}
    k = orjson.loads(kline(True))["data"]
    for data in (late_diff, trade, {**k, "E": E + 10 * day_ms}):
        assert a.on_frame(T0, orjson.dumps(data)) == []
    assert a.stats.malformed == 3 and "more than a day" in a.stats.last_error
    assert kinds(a.on_frame(T0, diff(101, 101))) == ["BookDelta"]  # the book did not move


def test_notices_acks_and_unknown_events() -> None:
    a = adapter()
    assert a.on_frame(T0, combined("!serverShutdown", {"e": "serverShutdown", "E": E})) == [
        VenueNotice(T0, "shutdown", "server shutdown: reconnect")
    ]
    assert a.on_frame(T0, b'{"code": 2, "msg": "Invalid request"}') == [VenueNotice(T0, "error", "2: Invalid request")]
    assert a.on_frame(T0, b'{"result": null, "id": 1}') == []
    assert a.on_frame(T0, combined("btcusdt@ticker", {"e": "24hrTicker"})) == []
    assert (a.stats.notices, a.stats.control, a.stats.unknown_channel) == (2, 1, 1)


@pytest.mark.parametrize(
    "bad",
    [
        b"nope",
        b"[]",
        diff(5, 4),
        diff(0, 4),
        orjson.dumps({"e": "depthUpdate", "E": E, "s": "BTCUSDT", "U": "1", "u": 2, "b": [], "a": []}),
        diff(101, 101, bids=[["NaN", "1"]]),
        diff(101, 101, bids=[["100.00", "-1"]]),
        diff(101, 101, bids=[["100.00", "1", "x"]]),
        orjson.dumps({"e": "depthUpdate", "E": 1.5, "s": "BTCUSDT", "U": 101, "u": 101, "b": [], "a": []}),
        orjson.dumps({"e": "depthUpdate", "E": 5, "s": "BTCUSDT", "U": 101, "u": 101, "b": [], "a": []}),
        orjson.dumps({"e": "trade", "E": E, "s": "BTCUSDT", "t": "7", "p": "1", "q": "1", "T": E, "m": True}),
        orjson.dumps({"e": "trade", "E": E, "s": "BTCUSDT", "t": 7, "p": "1.001", "q": "1", "T": E, "m": True}),
        orjson.dumps({"e": "trade", "E": E, "s": "BTCUSDT", "t": 7, "p": "0", "q": "1", "T": E, "m": True}),
        orjson.dumps({"u": -3, "s": "BTCUSDT", "b": "1", "B": "1", "a": "1", "A": "1"}),
        orjson.dumps({"u": 3, "s": "", "b": "1", "B": "1", "a": "1", "A": "1"}),
    ],
)
def test_bad_frames_are_counted_malformed_and_leave_the_book_state_alone(bad: bytes) -> None:
    a = adapter()
    a.on_http(T0, DEPTH_URL, snapshot_body(100))
    assert a.on_frame(T0, bad) == []
    assert a.stats.malformed == 1 and a.stats.last_error
    assert a._sync["BTCUSDT"].last_u == 100 and not a.is_resyncing("BTCUSDT")
    assert kinds(a.on_frame(T0, diff(101, 101))) == ["BookDelta"]


def test_a_lost_diff_shows_up_as_a_gap_on_the_next_one() -> None:
    a = adapter()
    a.on_http(T0, DEPTH_URL, snapshot_body(100))
    a.on_frame(T0, diff(101, 102, bids=[["NaN", "1"]]))
    assert kinds(a.on_frame(T0, diff(103, 104))) == ["BookResync"]


def test_off_grid_levels_in_a_diff_are_left_out_and_counted() -> None:
    a = adapter()
    a.on_http(T0, DEPTH_URL, snapshot_body(100))
    (d,) = a.on_frame(T0, diff(101, 101, bids=[["100.005", "1"], ["99.00", "1"]]))
    assert d.bids == ((9900, 100000000),) and a.stats.off_grid_levels == 1


def test_unknown_symbols_are_inferred_unless_inference_is_off() -> None:
    a = BinanceAdapter()
    a.on_frame(T0, diff(1, 2, bids=[["0.35130000", "6195.00000000"]], symbol="NKNUSDT"))
    inst = a.instruments["NKNUSDT"]
    assert (str(inst.price_tick), inst.base, inst.quote) == ("0.0001", "NKN", "USDT")
    strict = BinanceAdapter(infer_instruments=False)
    assert strict.on_frame(T0, diff(1, 2)) == [] and strict.stats.malformed == 1


def test_on_http_reads_exchange_info_and_refuses_bad_bodies() -> None:
    a = adapter()
    info = {
        "symbols": [
            {
                "symbol": "ETHBTC",
                "baseAsset": "ETH",
                "quoteAsset": "BTC",
                "baseAssetPrecision": 8,
                "filters": [
                    {"filterType": "PRICE_FILTER", "tickSize": "0.00000100"},
                    {"filterType": "LOT_SIZE", "minQty": "0.00010000", "stepSize": "0.00010000"},
                    {"filterType": "MIN_NOTIONAL", "minNotional": "0.00010000"},
                ],
            },
            {
                "symbol": "BTCUSDT",
                "baseAsset": "BTC",
                "quoteAsset": "USDT",
                "filters": [
                    {"filterType": "PRICE_FILTER", "tickSize": "0.10000000"},
                    {"filterType": "LOT_SIZE", "minQty": "0", "stepSize": "0.00001000"},
                ],
            },
            {"symbol": "BROKEN"},
        ]
    }
    assert a.on_http(T0, "https://api.binance.com/api/v3/exchangeInfo", orjson.dumps(info)) == []
    eth = a.instruments["ETHBTC"]
    assert (str(eth.price_tick), str(eth.min_size), str(a.order_steps["ETHBTC"])) == ("0.000001", "0.0001", "0.0001")
    assert str(a.instruments["BTCUSDT"].price_tick) == "0.01" and a.stats.instrument_conflicts == 1
    assert a.stats.last_error
    assert a.on_http(T0, "https://api.binance.com/api/v3/exchangeInfo", b"{") == [] and a.stats.malformed == 1
    assert a.on_http(T0, "https://api.binance.com/api/v3/depth?limit=5", snapshot_body(1)) == []
    assert a.stats.malformed == 2
    assert a.on_http(T0, "https://api.binance.com/api/v3/time", b"{}") == [] and a.stats.unknown_channel == 1


def test_subscribe_frames_put_every_stream_in_one_frame() -> None:
    a = adapter()
    assert a.subscribe_frames(["BTCUSDT"], ["depth@100ms", "bookTicker"], 9) == [
        '{"method":"SUBSCRIBE","params":["btcusdt@depth@100ms","btcusdt@bookTicker"],"id":9}'
    ]
    assert a.unsubscribe_frames(["BTCUSDT"], ["trade"])[0].startswith('{"method":"UNSUBSCRIBE"')


def test_a_kline_payload_that_is_not_an_object_is_malformed() -> None:
    a = adapter()
    assert a.on_frame(T0, combined("btcusdt@kline_1m", {"e": "kline", "E": E, "s": "BTCUSDT", "k": [1]})) == []
    assert a.stats.malformed == 1 and "not an object" in a.stats.last_error


def test_a_feed_whose_venue_clock_is_consistently_elsewhere_is_not_malformed() -> None:
    # jtrader serve replays last year's frames at today's receive times: a constant offset is fine
    a = adapter()
    year = 365 * 86_400 * 10**9
    a.on_http(T0 + year, DEPTH_URL, snapshot_body(100))
    assert kinds(a.on_frame(T0 + year, diff(101, 101))) == ["BookDelta"]
    assert kinds(a.on_frame(T0 + year + 10**9, diff(102, 102))) == ["BookDelta"]
    assert a.stats.malformed == 0
