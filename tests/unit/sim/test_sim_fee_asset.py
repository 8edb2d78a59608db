"""Fees in the asset the venue charges them in: ``FeeModel(asset="received")`` charges buys in whole lots of the
base they receive and sells in quote (Binance); the default charges quote on both sides (Coinbase)."""

from __future__ import annotations

import pytest
from sim_helpers import BUY, LIMIT, MARKET, SELL, SYM, T0, U, order, send, snap

from jtrader.errors import ConfigError
from jtrader.model import Instrument, LiquiditySide, OrderFilled
from jtrader.sim import Balance, FeeModel, SimulatedExchange
from jtrader.trading import Portfolio

#: a lot of 0.001 BTC, so that a 10 bps fee on a whole BTC is exactly one lot
FINE = Instrument(SYM, "BTC", "USD", price_tick="1", size_lot="0.001")
LOT = U // 1000
MAKER, TAKER = LiquiditySide.MAKER, LiquiditySide.TAKER


def binance(fees: FeeModel | None = None) -> SimulatedExchange:
    ex = SimulatedExchange(
        [FINE], {"USD": 10**6 * U, "BTC": 10 * U}, fees=fees or FeeModel("10", "10", asset="received")
    )
    ex.on_market(snap(T0, [(99, 10_000)], [(100, 10_000)]))
    return ex


def filled(events: list[object]) -> list[OrderFilled]:
    return [e for e in events if isinstance(e, OrderFilled)]


def test_a_buy_pays_its_fee_in_whole_lots_of_the_base_it_receives() -> None:
    ex = binance()
    (fill,) = filled(send(ex, order(T0 + 1, "b", BUY, MARKET, 1000)))  # 1 BTC at 100
    assert (fill.fee, fill.fee_currency) == (1 * LOT, "BTC")
    assert ex.balance("USD").total == 10**6 * U - 100 * U  # no quote fee
    assert ex.balance("BTC").total == 10 * U + 999 * LOT


def test_a_base_fee_is_rounded_up_to_the_lot() -> None:
    ex = binance()
    (fill,) = filled(send(ex, order(T0 + 1, "b", BUY, MARKET, 1500)))  # 1.5 lots of fee -> 2
    assert fill.fee == 2 * LOT


def test_a_sell_pays_its_fee_in_the_quote_it_receives() -> None:
    ex = binance()
    (fill,) = filled(send(ex, order(T0 + 1, "s", SELL, MARKET, 1000)))  # 1 BTC at 99
    assert (fill.fee, fill.fee_currency) == (99 * U // 1000, "USD")
    assert ex.balance("USD").total == 10**6 * U + 99 * U - 99 * U // 1000


def test_a_buy_that_pays_in_base_locks_only_its_notional() -> None:
    ex = binance()
    send(ex, order(T0 + 1, "b", BUY, LIMIT, 2000, price=90))
    assert ex.balance("USD") == Balance(10**6 * U, 180 * U)
    quote_fees = binance(FeeModel("10", "10"))
    send(quote_fees, order(T0 + 1, "b", BUY, LIMIT, 2000, price=90))
    assert quote_fees.balance("USD").locked == 180 * U + 180 * U // 1000 + 2000  # + fee + 1 atom per lot


def test_a_market_buy_by_quote_size_spends_the_whole_budget_on_lots_when_fees_are_in_base() -> None:
    ex = binance()
    (fill,) = filled(send(ex, order(T0 + 1, "q", BUY, MARKET, 0, quote_size=100 * U)))
    assert (fill.size, fill.fee) == (1000, LOT)
    assert ex.balance("USD").total == 10**6 * U - 100 * U


def test_the_portfolio_and_the_exchange_agree_on_balances_with_base_fees() -> None:
    ex = binance()
    pf = Portfolio([FINE], {"USD": 10**6 * U, "BTC": 10 * U})
    events = send(ex, order(T0 + 1, "b", BUY, MARKET, 1500))
    events += send(ex, order(T0 + 2, "s", SELL, LIMIT, 700, price=99))
    for fill in filled(events):
        pf.apply_fill(fill)
    assert pf.balance("BTC") == ex.balance("BTC").total and pf.balance("USD") == ex.balance("USD").total
    assert pf.position(SYM) == pf.balance("BTC") // LOT


def test_the_fee_asset_is_checked_and_shown() -> None:
    with pytest.raises(ConfigError, match="fee asset"):
        FeeModel("1", "1", asset="BNB")
    assert repr(FeeModel("1", "2", asset="received")) == "FeeModel(maker_bps=1, taker_bps=2, asset='received')"
    assert repr(FeeModel("1", "2")) == "FeeModel(maker_bps=1, taker_bps=2)"
    received = FeeModel("10", "25", asset="received")
    assert (received.fee_lots(1000, MAKER), received.fee_lots(1000, TAKER), received.fee_lots(0, TAKER)) == (1, 3, 0)
    assert not received.quote_on_buys and FeeModel("10", "25").quote_on_buys
