"""The pure parts of jtrader.live: backoff, pacing, feed plans, fault decisions, rendering, the market state."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import orjson
import pytest

from jtrader.book import OrderBook
from jtrader.errors import ConfigError
from jtrader.live.backoff import FramePacer, backoff_delays
from jtrader.live.feeds import BinancePlan, CoinbasePlan, make_plan, rest_base_for
from jtrader.live.localvenue import render
from jtrader.live.localvenue.faults import ConnectionFaults, FaultSpec
from jtrader.live.localvenue.market import MarketState, Prescan, binance_stream_kind, coinbase_request_key
from jtrader.live.localvenue.sessions import parse_binance_path
from jtrader.marketgen import generate
from jtrader.model import BookSnapshot, Instrument
from jtrader.recording import Direction, Record, open_source
from jtrader.venues import BinanceAdapter, CoinbaseAdapter

T0 = 1_767_225_600 * 1_000_000_000


def test_backoff_grows_to_its_cap_with_jitter_and_repeats_for_the_same_seed() -> None:
    delays = list(itertools.islice(backoff_delays(0.5, 2.0, 8.0, jitter=0.5, seed=3), 8))
    assert delays == list(itertools.islice(backoff_delays(0.5, 2.0, 8.0, jitter=0.5, seed=3), 8))
    assert delays != list(itertools.islice(backoff_delays(0.5, 2.0, 8.0, jitter=0.5, seed=4), 8))
    caps = [0.5, 1, 2, 4, 8, 8, 8, 8]
    assert all(cap / 2 <= d <= cap for d, cap in zip(delays, caps, strict=True))
    assert list(itertools.islice(backoff_delays(1, 2, 4, jitter=0), 4)) == [1, 2, 4, 4]
    for bad in ({"initial_s": -1}, {"factor": 0.5}, {"max_s": 0.1}, {"jitter": 2}):
        with pytest.raises(ValueError):
            next(backoff_delays(**bad))  # type: ignore[arg-type]


def test_the_frame_pacer_allows_a_burst_then_spaces_frames_at_its_rate() -> None:
    pacer = FramePacer(rate=4, burst=2)
    assert [pacer.delay(10.0), pacer.delay(10.0)] == [0.0, 0.0]
    assert pacer.delay(10.0) == pytest.approx(0.25)
    assert pacer.delay(10.25) == pytest.approx(0.25)
    assert pacer.delay(20.0) == 0.0
    with pytest.raises(ValueError):
        FramePacer(0)


def test_plans_build_the_venue_urls_frames_and_defaults() -> None:
    cb = make_plan("coinbase", ["btc-usd", "BTC-USD", " eth-usd"])
    assert isinstance(cb, CoinbasePlan) and cb.products == ("BTC-USD", "ETH-USD")
    assert cb.connect_url() == "wss://advanced-trade-ws.coinbase.com" and cb.rest_url == "https://api.coinbase.com"
    assert [orjson.loads(f)["channel"] for f in cb.subscribe_frames()] == [
        "level2",
        "market_trades",
        "ticker",
        "heartbeats",
    ]
    assert cb.instruments_url().endswith("/market/products?product_ids=BTC-USD&product_ids=ETH-USD")
    assert (cb.stall_timeout_s, cb.max_connection_age_s) == (5.0, None)
    bn = make_plan("binance", ["btc-usdt"], ["trade"], "ws://127.0.0.1:9000")
    assert isinstance(bn, BinancePlan) and bn.rest_url == "http://127.0.0.1:9000"
    assert bn.connect_url() == "ws://127.0.0.1:9000/stream?streams=btcusdt@trade" and bn.subscribe_frames() == []
    assert bn.instruments_url() == "http://127.0.0.1:9000/api/v3/exchangeInfo?symbols=%5B%22BTCUSDT%22%5D"
    assert bn.max_connection_age_s is not None and bn.max_connection_age_s < 24 * 3600
    framed = make_plan("binance", ["BTCUSDT"], ["trade"], subscribe_by_frame=True)
    assert framed.connect_url() == "wss://stream.binance.com:9443/stream" and len(framed.subscribe_frames()) == 1
    assert rest_base_for("wss://host:9443/x") == "https://host:9443"
    adapter = framed.new_adapter()
    assert framed.acked(adapter, "c", 0) is False and bn.acked(adapter, "c", 0) is True
    adapter.stats.control = 1
    assert framed.acked(adapter, "c", 0) is True


@pytest.mark.parametrize(
    "args",
    [
        ("kraken", ["X"]),
        ("coinbase", [" ", ""]),
        ("coinbase", ["BTC-USD"], ["user"]),
        ("coinbase", ["BTC-USD"], ["nope"]),
        ("binance", ["BTC USDT"], ["trade"]),
        ("binance", ["BTCUSDT"], ["trade"], "http://x"),
    ],
)
def test_bad_plans_are_config_errors(args: tuple) -> None:
    with pytest.raises(ConfigError):
        make_plan(*args)


def test_bad_plan_numbers_are_config_errors() -> None:
    with pytest.raises(ConfigError):
        make_plan("binance", ["BTCUSDT"], depth_limit=6000)
    with pytest.raises(ConfigError):
        make_plan("coinbase", ["BTC-USD"], stall_timeout_s=0)


def test_faults_are_deterministic_per_connection_and_follow_the_spec() -> None:
    spec = FaultSpec.parse(
        "drop=0.1,dup=0.1,reorder=0.1,malformed=0.05,error=0.05,gap_every=7,disconnect_every=20,stall_s=0.5,stall_every=9"
    )
    fates = lambda faults: [dataclasses.astuple(faults.fate()) for _ in range(60)]  # noqa: E731
    assert fates(ConnectionFaults(spec, 1, 1)) == fates(ConnectionFaults(spec, 1, 1))
    assert fates(ConnectionFaults(spec, 1, 1)) != fates(ConnectionFaults(spec, 1, 2))
    faults = ConnectionFaults(spec, 1, 1)
    seen = [faults.fate() for _ in range(60)]
    assert [i + 1 for i, f in enumerate(seen) if f.skip_seq] == [7, 14, 21, 28, 35, 42, 49, 56]
    assert [i + 1 for i, f in enumerate(seen) if f.disconnect_after] == [20, 40, 60]
    assert [i + 1 for i, f in enumerate(seen) if f.stall_s] == [9, 18, 27, 36, 45, 54]
    assert all(not (f.drop and (f.dup or f.malformed or f.reorder)) for f in seen)
    assert all(faults.counts[k] > 0 for k in ("drop", "dup", "gap", "stall", "disconnect"))
    # Binance: a gap is the loss of the next depth diff
    binance = ConnectionFaults(FaultSpec(gap_every=2), 0, 1)
    assert [binance.fate(is_diff=False, numbered=False).drop for _ in range(2)] == [False, False]
    assert binance.lose_next_diff and binance.fate(is_diff=True, numbered=False).drop


def _inst(symbol: str = "BTC-USD") -> Instrument:
    return Instrument(symbol, symbol[:3], "USD", "0.01", "0.00000001", venue="coinbase")


def test_rendered_frames_and_bodies_parse_back_to_the_same_book() -> None:
    inst = _inst()
    book = OrderBook("BTC-USD")
    book.apply(BookSnapshot(T0, 0, "BTC-USD", ((6500000, 5), (6499999, 100_000_000)), ((6500001, 7),)))
    frame = render.coinbase_l2_snapshot_frame(inst, book, T0 + 123_456)
    adapter = CoinbaseAdapter({"BTC-USD": inst})
    (snap,) = adapter.on_frame(T0, frame, "c")
    assert (snap.bids, snap.asks) == (((6500000, 5), (6499999, 100_000_000)), ((6500001, 7),))
    assert orjson.loads(frame)["timestamp"] == "2026-01-01T00:00:00.000123456Z"
    body = orjson.loads(render.coinbase_product_book_body(inst, book, 1, T0))
    assert body["pricebook"]["bids"] == [{"price": "65000.00", "size": "0.00000005"}]
    assert body["mid_market"] == "65000.005" and body["spread_absolute"] == "0.01"
    depth = render.binance_depth_body(inst, book, 5000, 42)
    assert orjson.loads(depth)["lastUpdateId"] == 42
    bn = BinanceAdapter({"BTC-USD": inst})
    (snap,) = bn.on_http(T0, "https://x/api/v3/depth?symbol=BTC-USD", depth)
    assert snap.bids == ((6500000, 5), (6499999, 100_000_000))
    info = orjson.loads(render.exchange_info_body([render.binance_symbol_info(inst)], 1))
    assert BinanceAdapter().on_http(T0, "https://x/api/v3/exchangeInfo", orjson.dumps(info)) == []
    assert orjson.loads(render.coinbase_heartbeat_frame(T0, 7))["events"][0]["heartbeat_counter"] == 7
    assert orjson.loads(render.coinbase_error_frame("bad", "why")) == {
        "type": "error",
        "message": "bad",
        "reason": "why",
    }
    assert render.coinbase_product(inst)["price_increment"] == "0.01"
    assert render.rfc3339(T0) == "2026-01-01T00:00:00Z"


def test_stream_paths_kinds_and_request_keys() -> None:
    assert parse_binance_path("/stream?streams=btcusdt@depth@100ms/ethusdt@trade") == (
        True,
        ["btcusdt@depth@100ms", "ethusdt@trade"],
    )
    assert parse_binance_path("/ws/btcusdt%40trade") == (False, ["btcusdt@trade"])
    assert parse_binance_path("/ws") == (False, []) and parse_binance_path("/stream") == (True, [])
    assert parse_binance_path("/nope") is None and parse_binance_path("/ws/BTC USDT@trade") is None
    assert [binance_stream_kind(k) for k in ("depth@100ms", "depth", "depth5@100ms", "kline_1m", "trade")] == [
        "depth", "depth", "depth5", "kline_1m", "trade",
    ]  # fmt: skip
    key = coinbase_request_key({"type": "subscribe", "channel": "level2", "product_ids": ["B", "A"], "jwt": "x"})
    assert key == ("subscribe", "level2", ("A", "B"))


def test_the_market_state_skips_what_the_adapter_refuses(tmp_path: Path) -> None:
    path = tmp_path / "s.jtrec"
    generate("coinbase", 3, 1, path)
    scan = Prescan.scan("coinbase", ["BTC-USD"], open_source(path))
    assert scan.recorded_requests[0] == ("subscribe", "level2", ("BTC-USD",)) and scan.recorded_conn
    assert scan.frames > 100 and scan.instruments["BTC-USD"].price_tick is not None
    market = MarketState("coinbase", scan.instruments, scan.recorded_conn)
    deliveries = [market.process(r) for r in open_source(path)]
    assert market.known("BTC-USD") and market.acks_seen == 4 and market.requests_seen == 4
    kinds = {d.channel for d in deliveries if d is not None}
    assert kinds == {"level2", "market_trades", "ticker", "heartbeats", "subscriptions"}
    frame = next(r for r in open_source(path) if r.direction == Direction.RECV and b"l2_data" in r.payload)
    assert market.process(Record(T0, Direction.RECV, frame.conn, frame.payload)) is None, "a repeat is skipped"
    assert market.process(Record(T0, Direction.RECV, "x", b"{bad")) is None
    assert market.process(Record(T0, Direction.RECV, "x", b'{"type":"error","message":"no"}')) is None
    rows = scan.candles("BTC-USD", 0, 2**40, 1)
    assert rows and all(r[2] >= max(r[1], r[4]) and r[3] <= min(r[1], r[4]) for r in rows)


def _rec(payload: dict | bytes, direction: Direction = Direction.RECV, url: str | None = None) -> Record:
    body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    return Record(T0, direction, "b1", body, url)


def test_binance_raw_and_combined_frames_are_routed_by_stream_kind_and_symbol() -> None:
    inst = Instrument("BTCUSDT", "BTC", "USDT", "0.01", "0.00000001", venue="binance")
    market = MarketState("binance", {"BTCUSDT": inst})
    frames = {
        "depth": {"e": "depthUpdate", "E": 1767225600000, "s": "BTCUSDT", "U": 1, "u": 2, "b": [], "a": []},
        "trade": {"e": "trade", "E": 1767225600000, "s": "BTCUSDT", "t": 1, "p": "1.00", "q": "1",
                  "T": 1767225600000, "m": True},
        "aggTrade": {"e": "aggTrade", "E": 1767225600000, "s": "BTCUSDT", "a": 1, "p": "1.00", "q": "1", "f": 1, "l": 1,
                     "T": 1767225600000, "m": True},
        "kline_1m": {"e": "kline", "E": 1767225600000, "s": "BTCUSDT", "k": {"i": "1m", "t": 1767225600000, "o": "1.00",
                     "h": "1.00", "l": "1.00", "c": "1.00", "v": "1", "x": False}},
        "bookTicker": {"u": 3, "s": "BTCUSDT", "b": "1.00", "B": "1", "a": "1.01", "A": "1"},
        "ticker": {"e": "24hrTicker", "E": 1767225600000, "s": "BTCUSDT"},
        "miniTicker": {"e": "24hrMiniTicker", "E": 1767225600000, "s": "BTCUSDT"},
    }  # fmt: skip
    for kind, data in frames.items():
        delivery = market.process(_rec(data))
        assert delivery is not None and (delivery.channel, delivery.products) == (kind, ("BTCUSDT",)), kind
        assert delivery.data == orjson.dumps(data) and delivery.stream is None and delivery.diff == (kind == "depth")
    for ignored in ({"result": None, "id": 1}, {"code": 2, "msg": "Invalid request"}, {"e": "serverShutdown", "E": 1},
                    {"lastUpdateId": 5, "bids": [], "asks": []}, [1, 2]):  # fmt: skip
        assert market.process(_rec(ignored)) is None
    combined = b'{"stream":"btcusdt@depth@100ms","data":' + orjson.dumps(frames["depth"] | {"U": 3, "u": 4}) + b"}"
    delivery = market.process(_rec(combined))
    assert delivery is not None and delivery.stream == "btcusdt@depth@100ms" and delivery.data == combined[39:-1]
    reordered = orjson.dumps({"data": frames["trade"] | {"t": 2}, "stream": "btcusdt@trade"})
    delivery = market.process(_rec(reordered))
    assert delivery is not None and orjson.loads(delivery.data or b"") == frames["trade"] | {"t": 2}
    assert market.process(_rec(b"{not json")) is None
    snapshot = {"lastUpdateId": 10, "bids": [["1.00", "2"]], "asks": [["1.01", "3"]]}
    market.process(_rec(snapshot, Direction.HTTP, "https://api.binance.com/api/v3/depth?symbol=BTCUSDT"))
    assert market.known("BTCUSDT") and market.update_id("BTCUSDT") == 10 and market.update_id("ETHUSDT") == 0
    market.process(Record(T0, Direction.DISCONNECT, "b1", b""))
    assert not market.known("BTCUSDT")
    market.process(Record(T0, Direction.CONNECT, "b2", b"", "wss://x"))
    assert market.last_trade["BTCUSDT"].trade_id == "2"


def test_the_prescan_keeps_rest_objects_and_requests() -> None:
    records = [
        _rec({"products": [{"product_id": "BTC-USD", "price_increment": "0.01", "base_increment": "0.00000001",
                            "quote_increment": "0.01"}, "junk"]}, Direction.HTTP,
             "https://api.coinbase.com/api/v3/brokerage/market/products"),
        _rec({"product_id": "ETH-USD", "price_increment": "0.01", "base_increment": "0.00000001"}, Direction.HTTP,
             "https://api.coinbase.com/api/v3/brokerage/market/products/ETH-USD"),
        _rec(b"not json", Direction.HTTP, "https://api.coinbase.com/api/v3/brokerage/market/products"),
        _rec(b"[]", Direction.HTTP, "https://api.coinbase.com/api/v3/brokerage/market/products"),
        _rec({"type": "subscribe", "channel": "level2", "product_ids": ["BTC-USD"]}, Direction.SEND),
        _rec(b"{bad", Direction.SEND),
        _rec({"type": "ping"}, Direction.SEND),
        Record(T0, Direction.CONNECT, "b1", b"", "wss://x"),
        Record(T0, Direction.DISCONNECT, "b1", b""),
    ]  # fmt: skip
    scan = Prescan.scan("coinbase", ["BTC-USD"], records)
    assert set(scan.objects) == {"BTC-USD", "ETH-USD"} and scan.recorded_requests == [
        ("subscribe", "level2", ("BTC-USD",))
    ]
    assert scan.symbols() == ["BTC-USD", "ETH-USD"] and scan.records == len(records) and scan.frames == 0
    info = {"symbols": [{"symbol": "BTCUSDT", "filters": []}, "junk"]}
    binance = Prescan.scan("binance", [], [_rec(info, Direction.HTTP, "https://api.binance.com/api/v3/exchangeInfo")])
    assert set(binance.objects) == {"BTCUSDT"}
