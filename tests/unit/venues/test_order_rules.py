"""Venue order filters parsed into ``OrderRules`` on each instrument, from real and hand-made bodies."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from jtrader.errors import InstrumentError
from jtrader.model import Instrument, OrderRules
from jtrader.venues import BinanceAdapter, CoinbaseAdapter, binance_rest, coinbase_rest

ATOMS = 10**18
T0 = 1_786_309_548_000_000_000


def http_records(path: Path) -> list[dict]:
    """The ``http`` records of a cryptofeed capture (read in place)."""
    with path.open("rb") as fh:
        raw = zstandard.ZstdDecompressor().stream_reader(fh).read()
    return [rec for rec in map(orjson.loads, raw.splitlines()[1:]) if rec.get("t") == "http"]


# -- Coinbase ---------------------------------------------------------------------------------------
@pytest.mark.shared_data
def test_coinbase_products_body_gives_every_order_rule_on_the_grid(shared_data: Path) -> None:
    body = (shared_data / "coinbase" / "rest" / "nautilus_http_products.json").read_bytes()
    btc = coinbase_rest.parse_products(body)["BTC-USD"]
    assert btc.rules == OrderRules(
        size_step_lots=1,  # the lot is base_increment itself
        min_size_lots=1,  # base_min_size 0.00000001
        max_size_lots=3400 * 10**8,  # base_max_size 3400
        min_notional_atoms=1 * ATOMS,  # quote_min_size 1
        max_notional_atoms=150_000_000 * ATOMS,  # quote_max_size 150000000
        quote_step_atoms=10**16,  # quote_increment 0.01
        stp_mode="DECREMENT",
    )


@pytest.mark.shared_data
def test_all_920_real_coinbase_products_parse_with_rules_and_off_step_maximums_round_down(shared_data: Path) -> None:
    (record,) = http_records(shared_data / "coinbase" / "advanced_trade_btc_eth_2026-08-09.jsonl.zst")
    errors: list[str] = []
    instruments = coinbase_rest.parse_products(record["data"], errors)
    assert (len(instruments), errors) == (920, [])
    assert all(inst.rules is not None and inst.rules.stp_mode == "DECREMENT" for inst in instruments.values())
    xrp = instruments["XRP-USD"]  # base_max_size 11996772.8407292192545075 on a 0.000001 increment
    assert (str(xrp.size_lot), xrp.rules.max_size_lots) == ("0.000001", 11_996_772_840_729)  # type: ignore[union-attr]
    adapter = CoinbaseAdapter()
    adapter.on_http(T0, record["url"], record["data"])
    assert adapter.instruments["ETH-USD"].rules == instruments["ETH-USD"].rules


def test_coinbase_status_rows_carry_min_market_funds_and_zero_means_no_rule() -> None:
    row = {
        "id": "SOL-USD",
        "base_increment": "0.001",
        "quote_increment": "0.01",
        "min_market_funds": "1.5",
        "base_min_size": "0",
    }
    rules = coinbase_rest.status_instrument(row).rules
    assert rules is not None
    assert (rules.min_market_funds_atoms, rules.quote_step_atoms, rules.min_size_lots) == (15 * 10**17, 10**16, None)
    with pytest.raises(InstrumentError, match="min_market_funds"):
        coinbase_rest.status_instrument({**row, "min_market_funds": "-1"})


# -- Binance ----------------------------------------------------------------------------------------
@pytest.mark.shared_data
def test_real_binance_exchange_info_gives_rules_in_the_fine_book_lot(shared_data: Path) -> None:
    records = http_records(shared_data / "binance" / "cryptofeed_spot_4symbols_2021-10-12.jsonl.zst")
    info = next(rec for rec in records if rec["url"].endswith("/exchangeInfo"))
    errors: list[str] = []
    instruments = binance_rest.parse_exchange_info(info["data"], errors)
    assert len(instruments) > 1_600
    nkn = instruments["NKNUSDT"]
    assert (str(nkn.size_lot), str(nkn.price_tick)) == ("1E-8", "0.0001")  # a 1e-8 book lot, not the step
    assert nkn.rules == OrderRules(
        size_step_lots=10**8,  # LOT_SIZE.stepSize 1 in lots of 1e-8
        min_size_lots=10**8,  # minQty 1
        max_size_lots=9_000_000 * 10**8,  # maxQty 9000000
        market_size_step_lots=None,  # MARKET_LOT_SIZE stepSize 0: the LOT_SIZE step applies
        market_min_size_lots=None,
        market_max_size_lots=69_102_607_991_660,  # MARKET_LOT_SIZE maxQty 691026.07991660
        price_step_ticks=1,
        min_price_ticks=1,  # minPrice 0.0001
        max_price_ticks=10_000_000,  # maxPrice 1000
        min_notional_atoms=10 * ATOMS,  # MIN_NOTIONAL 10, applyToMarket true
        min_notional_market=True,
        stp_mode="NONE",  # 2021: no defaultSelfTradePreventionMode yet
    )
    assert instruments["RUNEEUR"].rules.size_step_lots == 10**7  # type: ignore[union-attr]  # stepSize 0.1
    adapter = BinanceAdapter()
    adapter.on_http(T0, info["url"], info["data"])
    assert adapter.instruments["LRCBTC"].rules == instruments["LRCBTC"].rules
    assert adapter.order_steps["NKNUSDT"] == 1


def symbol(*filters: dict, **fields: object) -> dict:
    base = [
        {"filterType": "PRICE_FILTER", "minPrice": "0.01", "maxPrice": "1000000.00", "tickSize": "0.01"},
        {"filterType": "LOT_SIZE", "minQty": "0.00001", "maxQty": "9000", "stepSize": "0.00001"},
    ]
    return {"symbol": "BTCUSDT", "baseAsset": "BTC", "quoteAsset": "USDT", "filters": [*base, *filters], **fields}


def test_the_current_notional_filter_reads_its_market_flags_and_maximum() -> None:
    notional = {
        "filterType": "NOTIONAL",
        "minNotional": "5.00000000",
        "applyMinToMarket": False,
        "maxNotional": "9000000.00000000",
        "applyMaxToMarket": True,
        "avgPriceMins": 5,
    }
    rules = binance_rest.symbol_instrument(symbol(notional, defaultSelfTradePreventionMode="EXPIRE_MAKER")).rules
    assert rules is not None
    assert (rules.min_notional_atoms, rules.min_notional_market) == (5 * ATOMS, False)
    assert (rules.max_notional_atoms, rules.max_notional_market) == (9_000_000 * ATOMS, True)
    assert (rules.size_step_lots, rules.min_size_lots, rules.max_size_lots) == (1000, 1000, 9000 * 10**8)
    assert (rules.min_price_ticks, rules.max_price_ticks, rules.stp_mode) == (1, 100_000_000, "EXPIRE_MAKER")


def test_notional_wins_over_min_notional_and_unknown_filters_are_ignored() -> None:
    old = {"filterType": "MIN_NOTIONAL", "minNotional": "10", "applyToMarket": False}
    new = {"filterType": "NOTIONAL", "minNotional": "5", "applyMinToMarket": True, "maxNotional": "0"}
    unknown = {"filterType": "SOMETHING_NEW_IN_2027", "limit": "x"}
    for order in ((old, new, unknown), (unknown, new, old)):
        inst = binance_rest.symbol_instrument(symbol(*order))
        assert inst.rules is not None
        assert (inst.rules.min_notional_atoms, inst.rules.min_notional_market) == (5 * ATOMS, True)
        assert inst.rules.max_notional_atoms is None and inst.min_notional == 5


def test_market_lot_size_with_a_step_and_minimums_that_round_up() -> None:
    market = {"filterType": "MARKET_LOT_SIZE", "minQty": "0.000015", "maxQty": "100.000000009", "stepSize": "0.001"}
    rules = binance_rest.symbol_instrument(symbol(market)).rules
    assert rules is not None
    assert (rules.market_size_step_lots, rules.market_min_size_lots) == (100_000, 1500)
    assert rules.market_max_size_lots == 100 * 10**8  # 100.000000009 rounded down to whole lots


def test_an_unknown_self_trade_prevention_mode_is_read_as_none_and_reported() -> None:
    errors: list[str] = []
    body = {"symbols": [symbol(defaultSelfTradePreventionMode="TRANSFER")]}
    inst = binance_rest.parse_exchange_info(body, errors)["BTCUSDT"]
    assert inst.rules is not None and inst.rules.stp_mode == "NONE"
    assert errors == ["BTCUSDT: self-trade prevention mode 'TRANSFER' is not modelled; read as NONE"]


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ({"filterType": "NOTIONAL", "minNotional": "1", "applyMinToMarket": "yes"}, "applyMinToMarket"),
        ({"filterType": "MARKET_LOT_SIZE", "stepSize": "0.000000001", "minQty": "0", "maxQty": "1"}, "stepSize"),
        ({"filterType": "PRICE_FILTER", "minPrice": "abc", "maxPrice": "0", "tickSize": "0.01"}, "minPrice"),
    ],
)
def test_filters_that_cannot_be_expressed_on_the_grid_refuse_the_symbol(bad: dict, match: str) -> None:
    with pytest.raises(InstrumentError, match=match):
        binance_rest.symbol_instrument(symbol(bad))
    errors: list[str] = []
    assert binance_rest.parse_exchange_info({"symbols": [symbol(bad)]}, errors) == {} and len(errors) == 1


def test_rules_follow_the_instrument_the_adapter_learns_and_a_conflicting_grid_keeps_the_one_in_use() -> None:
    adapter = BinanceAdapter({"BTCUSDT": Instrument("BTCUSDT", "BTC", "USDT", "0.1", "0.00000001", venue="binance")})
    adapter.on_http(T0, "https://api.binance.com/api/v3/exchangeInfo", orjson.dumps({"symbols": [symbol()]}))
    assert adapter.instruments["BTCUSDT"].rules is None and adapter.stats.instrument_conflicts == 1


@pytest.mark.parametrize(
    ("obj", "match"),
    [
        ({"symbol": "X", "filters": "none"}, "filters"),
        ({"symbol": 7, "filters": []}, "not a string"),
        ("not an object", "not an object"),
    ],
)
def test_binance_symbols_of_the_wrong_shape_are_refused(obj: object, match: str) -> None:
    with pytest.raises(InstrumentError, match=match):
        binance_rest.symbol_instrument(obj)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("obj", "match"),
    [(["BTC-USD"], "not an object"), ({"product_id": 7, "base_increment": "1", "quote_increment": "1"}, "string")],
)
def test_coinbase_products_of_the_wrong_shape_are_refused(obj: object, match: str) -> None:
    with pytest.raises(InstrumentError, match=match):
        coinbase_rest.parse_product(obj)  # type: ignore[arg-type]
    with pytest.raises(InstrumentError, match="string"):
        coinbase_rest.status_instrument({"id": ["x"], "base_increment": "1", "quote_increment": "1"})


def test_filter_values_count_in_units_inward_and_a_zero_or_missing_value_is_no_rule() -> None:
    from decimal import Decimal

    from jtrader.venues.rules import rule_max, rule_min, rule_step

    cent = Decimal("0.01")
    assert [rule_step(text, cent, "x") for text in (None, "0", "0.00", "0.05")] == [None, None, None, 5]
    assert (rule_min(None, cent, "x"), rule_max("0", cent, "x")) == (None, None)
    assert (rule_min("0.015", cent, "x"), rule_max("0.015", cent, "x")) == (2, 1)
    assert (rule_min("0.015", cent, "x"), rule_max("0.015", cent, "x")) == (2, 1)  # remembered: same answers
    with pytest.raises(InstrumentError, match="x 0.015 is not a whole number of 0.01"):
        rule_step("0.015", cent, "x")
    with pytest.raises(InstrumentError, match="not a decimal"):
        rule_min("ten", cent, "x")


decimal_texts = st.one_of(
    st.from_regex(r"\A[0-9]{1,12}(\.[0-9]{0,20})?\Z"),
    st.sampled_from(["0", "0.0", "0.00000000", "1e3", "0E-8", "5.", "12345678901234567890.123456789012345678901"]),
)
units = st.sampled_from(["1", "0.01", "0.00000001", "1E-18", "0.5", "0.25", "5", "100", "0.0001"])


@settings(max_examples=500)
@given(text=decimal_texts, unit_text=units)
def test_filter_values_count_exactly_like_a_fraction_would(text: str, unit_text: str) -> None:
    from decimal import Decimal
    from fractions import Fraction

    from jtrader.venues.rules import rule_max, rule_min, rule_step

    unit = Decimal(unit_text)
    ratio = Fraction(Decimal(text)) / Fraction(unit)
    if ratio == 0:
        assert (rule_min(text, unit, "x"), rule_max(text, unit, "x"), rule_step(text, unit, "x")) == (None,) * 3
        return
    assert rule_min(text, unit, "x") == -((-ratio.numerator) // ratio.denominator)
    assert rule_max(text, unit, "x") == ratio.numerator // ratio.denominator
    if ratio.denominator == 1 and ratio >= 1:
        assert rule_step(text, unit, "x") == ratio
    else:
        with pytest.raises(InstrumentError, match="whole number"):
            rule_step(text, unit, "x")
