"""REST body parsers of both venues, on real bodies and on broken ones."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from jtrader.errors import ConfigError, InstrumentError, MalformedMessageError, OffGridError
from jtrader.model import NS_PER_S, Instrument, Side
from jtrader.venues import binance_rest, coinbase_rest

BTC_USD = Instrument("BTC-USD", "BTC", "USD", "0.01", "0.00000001", venue="coinbase")
BTCUSDT = Instrument("BTCUSDT", "BTC", "USDT", "0.01", "0.00000001", venue="binance")
T0 = 1_786_309_548_000_000_000


def rest(shared_data: Path, name: str) -> bytes:
    return (shared_data / "coinbase" / "rest" / name).read_bytes()


# -- Coinbase, real bodies ------------------------------------------------------------------------
def test_coinbase_products_body_gives_instruments_with_increments_and_minimums(shared_data: Path) -> None:
    instruments = coinbase_rest.parse_products(rest(shared_data, "nautilus_http_products.json"))
    assert sorted(instruments) == ["BTC-USD", "BTC-USDC"]
    btc = instruments["BTC-USD"]
    assert (btc.price_tick, btc.size_lot, btc.min_size, btc.min_notional) == (
        Decimal("0.01"),
        Decimal("1E-8"),
        Decimal("1E-8"),
        Decimal(1),
    )
    assert (btc.base, btc.quote, btc.venue) == ("BTC", "USD", "coinbase")


def test_coinbase_single_product_body_is_read_as_one_product(shared_data: Path) -> None:
    assert list(coinbase_rest.parse_products(rest(shared_data, "nautilus_http_product.json"))) == ["BTC-USD"]


def test_coinbase_product_book_body_becomes_a_snapshot(shared_data: Path) -> None:
    snap = coinbase_rest.parse_product_book(T0, rest(shared_data, "nautilus_http_product_book.json"), BTC_USD)
    assert snap.bids[0] == (6892366, 17189468) and snap.asks[0] == (6892367, 16987193)
    assert len(snap.bids) == len(snap.asks) == 5
    assert snap.ts == T0 and snap.ts_exchange > 0 and snap.update_id == 0


def test_coinbase_ticker_body_gives_a_quote_and_trades_oldest_first(shared_data: Path) -> None:
    quote, trades = coinbase_rest.parse_market_ticker(T0, rest(shared_data, "nautilus_http_ticker.json"), BTC_USD)
    assert (quote.bid, quote.ask, quote.bid_size) == (6892366, 6892367, 0)
    assert [t.trade_id for t in trades] == ["995098661", "995098662", "995098663"]
    assert trades[-1].aggressor is Side.BUY  # maker side SELL at the ask


def test_coinbase_ccxt_ticker_excerpt_parses_too(shared_data: Path) -> None:
    body = orjson.loads(rest(shared_data, "coinbase_advanced_httpResponses_EXCERPT.json"))
    usdc = Instrument("BTC-USDC", "BTC", "USDC", "0.01", "0.00000001")
    quote, trades = coinbase_rest.parse_market_ticker(T0, body["fetchTicker BTC/USDC"]["httpResponse"], usdc)
    assert (quote.bid, quote.ask) == (6636758, 6636759) and len(trades) == 1


def test_coinbase_candles_body_gives_bars_oldest_first_closing_one_granularity_later(shared_data: Path) -> None:
    bars = coinbase_rest.parse_candles(rest(shared_data, "nautilus_http_candles.json"), BTC_USD)
    assert [b.start // NS_PER_S for b in bars] == [1712188800, 1712192400]
    assert bars[0].ts == bars[0].start + 3600 * NS_PER_S
    assert (bars[1].open, bars[1].close, bars[1].volume) == (6631240, 6618160, 35582896243)


# -- Coinbase, bad bodies -------------------------------------------------------------------------
@pytest.mark.parametrize("body", [b"not json", b"[1]", b'{"nothing": 1}'])
def test_coinbase_products_parser_rejects_bodies_without_products(body: bytes) -> None:
    with pytest.raises(MalformedMessageError):
        coinbase_rest.parse_products(body)


def test_coinbase_products_parser_skips_unusable_products_and_reports_why() -> None:
    errors: list[str] = []
    body = {"products": [{"product_id": "X-Y", "price_increment": "0", "base_increment": "1"}, {"product_id": "Z"}]}
    assert coinbase_rest.parse_products(body, errors) == {}
    assert len(errors) == 2


def test_coinbase_product_book_for_another_product_or_with_bad_levels_is_refused() -> None:
    book = {"pricebook": {"product_id": "ETH-USD", "bids": [], "asks": [], "time": ""}}
    with pytest.raises(MalformedMessageError, match="ETH-USD"):
        coinbase_rest.parse_product_book(T0, book, BTC_USD)
    bad = {"pricebook": {"product_id": "BTC-USD", "bids": [{"price": "NaN", "size": "1"}], "asks": []}}
    with pytest.raises(MalformedMessageError, match="ValueFormatError"):
        coinbase_rest.parse_product_book(T0, bad, BTC_USD)


def test_coinbase_ticker_and_candles_parsers_refuse_broken_bodies() -> None:
    with pytest.raises(MalformedMessageError):
        coinbase_rest.parse_market_ticker(T0, {"best_bid": "-1", "best_ask": "1", "trades": []}, BTC_USD)
    with pytest.raises(MalformedMessageError, match="granularity"):
        coinbase_rest.parse_candles({"candles": [{"start": "1712188800"}]}, BTC_USD)
    with pytest.raises(MalformedMessageError):
        coinbase_rest.parse_candles({"candles": [{"start": "x"}]}, BTC_USD, granularity_s=60)


def test_coinbase_one_candle_parses_when_the_granularity_is_given() -> None:
    row = {"start": "1712188800", "low": "1", "high": "2", "open": "1.5", "close": "1.5", "volume": "0.123456789"}
    (bar,) = coinbase_rest.parse_candles({"candles": [row]}, BTC_USD, granularity_s=300)
    assert bar.ts - bar.start == 300 * NS_PER_S and bar.volume == 12345678  # rounded down to the lot


def test_coinbase_subscribe_frames_are_one_channel_each_and_check_channel_names() -> None:
    frames = coinbase_rest.subscribe_frames(["BTC-USD"], ["level2", "heartbeats"])
    assert frames == [
        '{"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"}',
        '{"type":"subscribe","product_ids":["BTC-USD"],"channel":"heartbeats"}',
    ]
    assert coinbase_rest.unsubscribe_frames([], ["ticker"], jwt="t") == [
        '{"type":"unsubscribe","channel":"ticker","jwt":"t"}'
    ]
    with pytest.raises(ConfigError, match="l2_data"):
        coinbase_rest.subscribe_frames(["BTC-USD"], ["l2_data"])


# -- Binance ------------------------------------------------------------------------------------------
def exchange_info_symbol(**filters: dict) -> dict:
    base = {
        "PRICE_FILTER": {
            "filterType": "PRICE_FILTER",
            "minPrice": "0.01",
            "maxPrice": "1000000",
            "tickSize": "0.01000000",
        },
        "LOT_SIZE": {"filterType": "LOT_SIZE", "minQty": "0.00001000", "maxQty": "9000", "stepSize": "0.00001000"},
        "NOTIONAL": {"filterType": "NOTIONAL", "minNotional": "5.00000000", "applyMinToMarket": True},
    }
    base.update(filters)
    flts = [f for f in base.values() if f] + [{"filterType": "ICEBERG_PARTS", "limit": 10}]
    return {"symbol": "BTCUSDT", "baseAsset": "BTC", "quoteAsset": "USDT", "baseAssetPrecision": 8, "filters": flts}


def test_binance_filters_are_normalized_and_the_notional_filter_is_read_in_either_form() -> None:
    f = binance_rest.symbol_filters(exchange_info_symbol())
    assert f == {"tick": Decimal("0.01"), "lot": Decimal("0.00001"), "min_qty": Decimal("0.00001"), "min_notional": 5}
    old = exchange_info_symbol(NOTIONAL={}, MIN_NOTIONAL={"filterType": "MIN_NOTIONAL", "minNotional": "10.0000"})
    assert binance_rest.symbol_filters(old)["min_notional"] == 10


def test_binance_instrument_parses_on_the_reporting_precision_or_on_the_order_step() -> None:
    inst = binance_rest.symbol_instrument(exchange_info_symbol())
    assert (inst.price_tick, inst.size_lot, inst.min_size, inst.min_notional) == (
        Decimal("0.01"),
        Decimal("1E-8"),
        Decimal("0.00001"),
        Decimal(5),
    )
    strict = binance_rest.symbol_instrument(exchange_info_symbol(), lot="step")
    assert strict.size_lot == Decimal("0.00001")
    with pytest.raises(ConfigError):
        binance_rest.symbol_instrument(exchange_info_symbol(), lot="nope")


def test_binance_exchange_info_skips_symbols_without_a_usable_grid() -> None:
    zero_tick = exchange_info_symbol(PRICE_FILTER={"filterType": "PRICE_FILTER", "tickSize": "0.00000000"})
    errors: list[str] = []
    assert binance_rest.parse_exchange_info({"symbols": [zero_tick, {"symbol": "X"}]}, errors) == {}
    assert len(errors) == 2
    with pytest.raises(MalformedMessageError):
        binance_rest.parse_exchange_info(b'{"symbols": 3}')
    with pytest.raises(InstrumentError):
        binance_rest.symbol_instrument(exchange_info_symbol(LOT_SIZE={"filterType": "LOT_SIZE", "stepSize": "abc"}))
    with pytest.raises(InstrumentError, match="baseAssetPrecision"):
        binance_rest.symbol_instrument({**exchange_info_symbol(), "baseAssetPrecision": 40})


def test_binance_depth_snapshot_carries_last_update_id_and_refuses_bad_bodies() -> None:
    body = b'{"lastUpdateId": 7, "bids": [["65083.66000000", "0.00100000"]], "asks": [["65083.67000000", "1.0"]]}'
    snap = binance_rest.parse_depth_snapshot(T0, body, BTCUSDT)
    assert (snap.update_id, snap.bids, snap.asks) == (7, ((6508366, 100000),), ((6508367, 100000000),))
    for bad in (
        b"{",
        b'{"lastUpdateId": -1, "bids": [], "asks": []}',
        b'{"lastUpdateId": 1, "bids": [["1"]], "asks": []}',
    ):
        with pytest.raises(MalformedMessageError):
            binance_rest.parse_depth_snapshot(T0, bad, BTCUSDT)


def test_binance_depth_levels_off_the_grid_raise_or_are_left_out_and_counted() -> None:
    rows = [["1.00", "1"], ["1.005", "1"], ["1.01", "2"]]
    with pytest.raises(OffGridError):
        binance_rest.depth_levels(BTCUSDT, rows)
    skipped = [0]
    assert binance_rest.depth_levels(BTCUSDT, rows, skipped) == ((100, 100000000), (101, 200000000))
    assert skipped == [1]


def test_binance_stream_names_urls_and_subscribe_frames() -> None:
    assert binance_rest.stream_names(["BTCUSDT"], ["depth@100ms", "bookTicker"]) == [
        "btcusdt@depth@100ms",
        "btcusdt@bookTicker",
    ]
    url = binance_rest.combined_stream_url(["BTCUSDT", "ETHUSDT"], ["trade"])
    assert url == "wss://stream.binance.com:9443/stream?streams=btcusdt@trade/ethusdt@trade"
    assert (
        binance_rest.subscribe_frame(["BTCUSDT"], ["trade"], 5)
        == '{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":5}'
    )
    assert binance_rest.unsubscribe_frame(["BTCUSDT"], ["trade"]).startswith('{"method":"UNSUBSCRIBE"')
    with pytest.raises(ConfigError):
        binance_rest.stream_names(["BTC USDT"], ["trade"])
    with pytest.raises(ConfigError, match="1024"):
        binance_rest.stream_names([f"S{i}" for i in range(600)], ["trade", "depth"])


def test_binance_parsers_refuse_non_objects_and_negative_filters_and_may_skip_silently() -> None:
    with pytest.raises(MalformedMessageError, match="object"):
        binance_rest.parse_depth_snapshot(T0, b"[1]", BTCUSDT)
    with pytest.raises(InstrumentError, match="non-negative"):
        binance_rest.symbol_instrument(
            exchange_info_symbol(PRICE_FILTER={"filterType": "PRICE_FILTER", "tickSize": "-1"})
        )
    assert binance_rest.parse_exchange_info({"symbols": [{"symbol": "X"}]}) == {}
    assert coinbase_rest.parse_products({"products": [{"product_id": "X"}]}) == {}


def test_coinbase_rest_bodies_of_the_wrong_shape_are_malformed() -> None:
    with pytest.raises(MalformedMessageError, match="pricebook"):
        coinbase_rest.parse_product_book(T0, {"pricebook": [1]}, BTC_USD)
    with pytest.raises(MalformedMessageError, match="list of objects"):
        coinbase_rest.parse_candles({"candles": ["x"]}, BTC_USD, granularity_s=60)
    with pytest.raises(MalformedMessageError, match="list of objects"):
        coinbase_rest.parse_market_ticker(T0, {"best_bid": "1", "best_ask": "2", "trades": {}}, BTC_USD)
