"""Generated sessions are deterministic and internally consistent, checked by rebuilding the book from the frames."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from jtrader.errors import ConfigError, TimestampError
from jtrader.marketgen import DEFAULT_START_NS, generate
from jtrader.marketgen._book import SynthBook
from jtrader.marketgen._text import decimal_formatter, product_spec, rfc3339_ns, rfc3339_us
from jtrader.model import parse_rfc3339_ns
from jtrader.recording import Direction, open_recording


@pytest.fixture(scope="module")
def coinbase_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gen") / "cb.jtrec"
    generate("coinbase", 20, 7, path, symbols=["BTC-USD", "ETH-USD"], depth=200)
    return path


@pytest.fixture(scope="module")
def binance_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gen") / "bn.jtrec"
    generate("binance", 20, 7, path, symbols=["BTCUSDT", "ETHUSDT"], depth=200)
    return path


def test_the_same_seed_gives_a_byte_identical_file_and_another_seed_does_not(tmp_path: Path) -> None:
    for venue in ("coinbase", "binance"):
        generate(venue, 3, 11, tmp_path / "a", depth=50)
        generate(venue, 3, 11, tmp_path / "b", depth=50)
        generate(venue, 3, 12, tmp_path / "c", depth=50)
        assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()
        assert (tmp_path / "a").read_bytes() != (tmp_path / "c").read_bytes()


def test_the_header_describes_the_session(coinbase_file: Path) -> None:
    header = open_recording(coinbase_file).header
    assert header.venue == "coinbase"
    assert header.products == ("BTC-USD", "ETH-USD")
    assert header.created_ns == DEFAULT_START_NS
    assert header.metadata["seed"] == 7 and header.metadata["generator"] == "jtrader.marketgen"


def test_records_are_in_time_order_within_the_session(coinbase_file: Path, binance_file: Path) -> None:
    for path in (coinbase_file, binance_file):
        ts = [r.ts for r in open_recording(path)]
        assert ts == sorted(ts)
        assert ts[0] >= DEFAULT_START_NS and ts[-1] < DEFAULT_START_NS + 20 * 10**9


def test_a_coinbase_session_is_consistent(coinbase_file: Path) -> None:
    records = list(open_recording(coinbase_file))
    assert records[0].direction is Direction.CONNECT
    assert records[0].url == "wss://advanced-trade-ws.coinbase.com"
    sent = [orjson.loads(r.payload) for r in records if r.direction is Direction.SEND]
    assert [s["channel"] for s in sent] == ["level2", "market_trades", "ticker", "heartbeats"]
    books: dict[str, dict[str, dict[Decimal, Decimal]]] = {}
    channels: Counter[str] = Counter()
    heartbeats: list[tuple[int, int]] = []
    trades = 0
    last_server_ts = 0
    for expected_seq, record in enumerate(r for r in records if r.direction is Direction.RECV):
        msg = orjson.loads(record.payload)
        assert msg["sequence_num"] == expected_seq
        server_ts = parse_rfc3339_ns(msg["timestamp"])
        assert last_server_ts < server_ts < record.ts
        last_server_ts = server_ts
        channels[msg["channel"]] += 1
        (event,) = msg["events"]
        if msg["channel"] == "l2_data":
            if event["type"] == "snapshot":
                books[event["product_id"]] = {"bid": {}, "offer": {}}
                assert 200 <= len(event["updates"]) <= 2 * 240
            book = books[event["product_id"]]
            for level in event["updates"]:
                assert len(level["price_level"].split(".")[1]) == 2
                assert len(level["new_quantity"].split(".")[1]) == 8
                price, size = Decimal(level["price_level"]), Decimal(level["new_quantity"])
                if size:
                    book[level["side"]][price] = size
                else:
                    book[level["side"]].pop(price, None)
            assert max(book["bid"]) < min(book["offer"]), "crossed book"
        elif msg["channel"] == "ticker" and event["type"] == "update":
            (ticker,) = event["tickers"]
            book = books[ticker["product_id"]]
            best_bid, best_ask = max(book["bid"]), min(book["offer"])
            assert Decimal(ticker["best_bid"]) == best_bid and Decimal(ticker["best_ask"]) == best_ask
            assert Decimal(ticker["best_bid_quantity"]) == book["bid"][best_bid]
            assert Decimal(ticker["best_ask_quantity"]) == book["offer"][best_ask]
        elif msg["channel"] == "market_trades" and event["type"] == "update":
            (trade,) = event["trades"]
            book = books[trade["product_id"]]
            price, size = Decimal(trade["price"]), Decimal(trade["size"])
            # maker side: a SELL print rests on the ask (a buyer lifted it), a BUY print on the bid
            resting = book["offer"] if trade["side"] == "SELL" else book["bid"]
            assert price == (min(resting) if trade["side"] == "SELL" else max(resting))
            assert 0 < size <= resting[price]
            trades += 1
        elif msg["channel"] == "heartbeats":
            heartbeats.append((record.ts, event["heartbeat_counter"]))
    assert set(channels) == {"l2_data", "market_trades", "ticker", "heartbeats", "subscriptions"}
    assert channels["subscriptions"] == 4
    assert trades > 20
    assert 18 <= len(heartbeats) <= 20
    counters = [c for _, c in heartbeats]
    assert counters == list(range(counters[0], counters[0] + len(counters)))
    assert 50 <= channels["l2_data"] / 20 <= 400  # a realistic message rate per second


def test_a_binance_session_syncs_by_the_book_and_matches_every_book_ticker(binance_file: Path) -> None:
    records = list(open_recording(binance_file))
    info = orjson.loads(records[0].payload)
    assert records[0].direction is Direction.HTTP and records[0].url.endswith("/api/v3/exchangeInfo")
    filters = {s["symbol"]: {f["filterType"]: f for f in s["filters"]} for s in info["symbols"]}
    assert filters["BTCUSDT"]["PRICE_FILTER"]["tickSize"] == "0.01000000"
    assert filters["BTCUSDT"]["LOT_SIZE"]["stepSize"] == "0.00001000"
    assert records[1].direction is Direction.CONNECT and "btcusdt@depth@100ms" in records[1].url

    depth_before_snapshot: Counter[str] = Counter()
    buffered: dict[str, list[dict]] = {}
    books: dict[str, dict[str, dict[Decimal, Decimal]]] = {}
    last_u: dict[str, int] = {}
    tickers: dict[str, list[dict]] = {}
    checked = trades = 0
    for record in records[2:]:
        if record.direction is Direction.HTTP:
            symbol = record.url.split("symbol=")[1].split("&")[0]
            snap = orjson.loads(record.payload)
            assert depth_before_snapshot[symbol] == 3
            book = {
                "b": {Decimal(p): Decimal(q) for p, q in snap["bids"]},
                "a": {Decimal(p): Decimal(q) for p, q in snap["asks"]},
            }
            events = [e for e in buffered[symbol] if e["u"] > snap["lastUpdateId"]]
            assert events[0]["U"] <= snap["lastUpdateId"] + 1 <= events[0]["u"]
            assert events[0]["U"] < snap["lastUpdateId"] + 1  # like the real capture: inside the event
            books[symbol] = book
            last_u[symbol] = snap["lastUpdateId"]
            for event in events:
                apply_depth(book, event, last_u, symbol)
            continue
        msg = orjson.loads(record.payload)
        stream, data = msg["stream"], msg["data"]
        symbol = stream.split("@")[0].upper()
        if stream.endswith("@depth@100ms"):
            assert "pu" not in data
            if symbol not in books:
                depth_before_snapshot[symbol] += 1
                buffered.setdefault(symbol, []).append(data)
                continue
            apply_depth(books[symbol], data, last_u, symbol)
            for ticker in tickers.pop(symbol, []):
                if ticker["u"] == data["u"]:
                    book = books[symbol]
                    best_bid, best_ask = max(book["b"]), min(book["a"])
                    assert (Decimal(ticker["b"]), Decimal(ticker["B"])) == (best_bid, book["b"][best_bid])
                    assert (Decimal(ticker["a"]), Decimal(ticker["A"])) == (best_ask, book["a"][best_ask])
                    checked += 1
                else:
                    assert ticker["u"] < data["u"]
        elif stream.endswith("@bookTicker"):
            assert Decimal(data["b"]) < Decimal(data["a"])
            tickers.setdefault(symbol, []).append(data)
        else:
            assert stream.endswith("@trade") and isinstance(data["m"], bool)
            trades += 1
    assert set(books) == {"BTCUSDT", "ETHUSDT"}
    assert checked > 50 and trades > 20


def apply_depth(book: dict, event: dict, last_u: dict, symbol: str) -> None:
    assert event["U"] == last_u[symbol] + 1 or event["U"] <= last_u[symbol] + 1 <= event["u"]
    for side in ("b", "a"):
        for price, qty in event[side]:
            if Decimal(qty):
                book[side][Decimal(price)] = Decimal(qty)
            else:
                book[side].pop(Decimal(price), None)
    last_u[symbol] = event["u"]
    assert max(book["b"]) < min(book["a"]), "crossed book"


def test_levels_per_update_sets_the_minimum_levels_in_each_book_event(tmp_path: Path) -> None:
    stats = generate("coinbase", 2, 3, tmp_path / "a", levels_per_update=10, depth=100)
    sizes = [
        len(msg["events"][0]["updates"])
        for r in open_recording(tmp_path / "a")
        if r.direction is Direction.RECV
        for msg in [orjson.loads(r.payload)]
        if msg["channel"] == "l2_data" and msg["events"][0]["type"] == "update" and len(msg["events"][0]["updates"]) > 1
    ]
    assert sizes and min(sizes) >= 10
    assert stats["level_updates"] >= 200 + sum(sizes)
    assert stats["records"] > 0 and stats["bytes"] == (tmp_path / "a").stat().st_size


def test_a_later_start_moves_every_timestamp(tmp_path: Path) -> None:
    generate("binance", 1, 3, tmp_path / "a", depth=20)
    generate("binance", 1, 3, tmp_path / "b", depth=20, start_ns=DEFAULT_START_NS + 10**9)
    a, b = list(open_recording(tmp_path / "a")), list(open_recording(tmp_path / "b"))
    assert [r.ts + 10**9 for r in a] == [r.ts for r in b]
    assert open_recording(tmp_path / "b").header.created_ns == DEFAULT_START_NS + 10**9


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"venue": "kraken"}, ConfigError, "unknown venue"),
        ({"seconds": 0}, ConfigError, "seconds"),
        ({"seconds": "soon"}, ConfigError, "seconds"),
        ({"seed": 1.5}, ConfigError, "seed"),
        ({"levels_per_update": 0}, ConfigError, "levels_per_update"),
        ({"depth": 2}, ConfigError, "depth"),
        ({"symbols": ["BTCUSD"]}, ConfigError, "BASE-QUOTE"),
        ({"venue": "binance", "symbols": ["BTC-XYZ"]}, ConfigError, "BASEQUOTE"),
        ({"start_ns": 5}, TimestampError, "2000"),
    ],
)
def test_bad_arguments_raise_typed_errors(tmp_path: Path, kwargs: dict, error: type, message: str) -> None:
    args = {"venue": "coinbase", "seconds": 1, "seed": 1, "out": tmp_path / "x"} | kwargs
    with pytest.raises(error, match=message):
        generate(**args)
    assert not (tmp_path / "x").exists()


def test_unknown_products_get_a_default_spec() -> None:
    spec = product_spec("coinbase", "DOGE-EUR")
    assert (spec.base, spec.quote, spec.start_price) == ("DOGE", "EUR", "100.00")
    assert product_spec("binance", "ETHBTC").quote == "BTC"


def test_a_synthetic_book_never_crosses_and_keeps_its_depth() -> None:
    book = SynthBook(random.Random(5), 100_000, 30, 6)
    changes: list = []
    for i in range(20_000):
        if i % 7 == 0:
            buy, price, size, change = book.trade()
            assert price == (change[1]) and size > 0 and change[0] is not buy
        else:
            book.step(changes)
        assert book.best_bid < book.best_ask
        assert 15 <= len(book.bid_px) <= 36 and 15 <= len(book.ask_px) <= 36
        assert book.bid_px == sorted(book.bids) and book.ask_px == sorted(book.asks)
    assert all(size > 0 for size in book.bids.values())
    with pytest.raises(ValueError, match="depth"):
        SynthBook(random.Random(1), 100, 4, 6)


def test_text_helpers_format_exactly() -> None:
    assert decimal_formatter("0.01", 2)(6500001) == "65000.01"
    assert decimal_formatter("0.01", 8)(6500001) == "65000.01000000"
    assert decimal_formatter("0.5", 1)(3) == "1.5"
    assert decimal_formatter("1", 0)(42) == "42"
    with pytest.raises(ValueError, match="decimals"):
        decimal_formatter("0.001", 2)
    assert rfc3339_ns(DEFAULT_START_NS) == "2026-01-01T00:00:00Z"
    assert rfc3339_ns(DEFAULT_START_NS + 123_456_700) == "2026-01-01T00:00:00.1234567Z"
    assert rfc3339_us(DEFAULT_START_NS + 123_456_789) == "2026-01-01T00:00:00.123456Z"
    assert parse_rfc3339_ns(rfc3339_ns(DEFAULT_START_NS + 5)) == DEFAULT_START_NS + 5
