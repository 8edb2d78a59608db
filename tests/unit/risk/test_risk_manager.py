"""Pre-trade checks and trading states: each denial is an event, and nothing changes."""

from __future__ import annotations

import pytest
from risk_kit import BTC, ONE, T0, Script, kinds, make_engine, snapshot

from jtrader.errors import ConfigError
from jtrader.model import NS_PER_S, OrderDenied, RejectReason, TradingState, to_atoms
from jtrader.risk import RiskLimits, RiskManager


def book_session(n=3, step=NS_PER_S):
    return [snapshot(T0 + i * step, [(999_000, 5 * ONE)], [(1_001_000, 5 * ONE)]) for i in range(n)]


def run_one(limits=None, action=None, state=TradingState.ACTIVE, messages=None, balances=None, setup=None):
    risk = RiskManager(limits, state=state)
    s = Script({0: action} if action else {})
    engine = make_engine(s, risk=risk, balances=balances)
    if setup:
        setup(engine)
    result = engine.run(messages if messages is not None else book_session())
    return result, s, risk, engine


def denial(result):
    denied = [e for e in result.events if isinstance(e, OrderDenied)]
    assert len(denied) == 1, result.events
    return denied[0]


@pytest.mark.parametrize(
    ("limits", "action", "reason"),
    [
        (RiskLimits(max_order_size_lots=ONE), lambda c: c.buy("BTC-USD", ONE + 1), RejectReason.MAX_ORDER_SIZE),
        (
            RiskLimits(max_order_size_lots={"BTC-USD": 10}),
            lambda c: c.buy("BTC-USD", 11, price=999_000),
            RejectReason.MAX_ORDER_SIZE,
        ),
        (
            RiskLimits(max_order_notional=to_atoms("5000")),
            lambda c: c.buy("BTC-USD", ONE),
            RejectReason.MAX_ORDER_NOTIONAL,
        ),
        (RiskLimits(max_position_lots=ONE // 2), lambda c: c.buy("BTC-USD", ONE), RejectReason.MAX_POSITION),
        (RiskLimits(max_open_orders=0), lambda c: c.buy("BTC-USD", 1, price=900_000), RejectReason.MAX_OPEN_ORDERS),
        (RiskLimits(price_band_bps=500), lambda c: c.buy("BTC-USD", 1, price=1_100_000), RejectReason.PRICE_BAND),
        (RiskLimits(), lambda c: c.sell("BTC-USD", 1, price=1_000_000), RejectReason.INSUFFICIENT_BALANCE),
        (RiskLimits(), lambda c: c.buy("BTC-USD", 20 * ONE), RejectReason.INSUFFICIENT_BALANCE),
    ],
)
def test_each_limit_denies_an_order_that_breaks_it_and_the_strategy_hears_why(limits, action, reason):
    result, s, risk, engine = run_one(limits, action)
    ev = denial(result)
    assert ev.reason is reason and ev.message
    assert s.seen == [ev]
    assert result.sent == 0 and engine.tracker.list() == []
    assert risk.denials == {reason.value: 1}


def test_venue_minimums_are_checked_before_the_exchange_sees_the_order():
    inst_min = {"min_size": "0.01", "min_notional": "50"}
    from jtrader.model import Instrument

    small = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.0001", **inst_min)
    for size, reason in ((1, RejectReason.BELOW_MIN_SIZE), (100, RejectReason.BELOW_MIN_NOTIONAL)):
        risk = RiskManager()
        engine = make_engine(
            Script({0: lambda c, n=size: c.buy("BTC-USD", n, price=1_000)}), risk=risk, instruments=(small,)
        )
        result = engine.run(book_session())
        assert denial(result).reason is reason


def test_orders_within_limits_pass_and_reach_the_exchange():
    limits = RiskLimits(
        max_order_size_lots=ONE,
        max_order_notional=to_atoms("20000"),
        max_position_lots=2 * ONE,
        max_open_orders=5,
        price_band_bps=500,
        orders_per_second=10,
    )
    result, s, risk, _ = run_one(limits, lambda c: c.buy("BTC-USD", ONE, price=1_001_000))
    assert kinds(result.events)[:2] == ["OrderAccepted", "OrderFilled"]
    assert risk.denials == {}


def test_halted_denies_every_new_order_but_cancels_pass():
    def act(c):
        c.cancel("o-404")
        return c.buy("BTC-USD", 1, price=999_000)

    result, s, _, _ = run_one(None, act, state=TradingState.HALTED)
    assert denial(result).reason is RejectReason.HALTED
    assert "CancelRejected" in kinds(result.events)  # the cancel reached the exchange


def test_reducing_lets_through_only_orders_that_shrink_the_position():
    balances = {"USD": to_atoms("100000"), "BTC": to_atoms("1")}
    actions = {
        0: lambda c: c.buy("BTC-USD", 1, price=999_000),
        1: lambda c: c.sell("BTC-USD", 2 * ONE, price=1_001_000),
        2: lambda c: c.sell("BTC-USD", ONE // 2),
    }
    risk = RiskManager(state=TradingState.REDUCING)
    engine = make_engine(Script(actions), risk=risk, balances=balances)
    result = engine.run(book_session())
    reasons = [e.reason for e in result.events if isinstance(e, OrderDenied)]
    assert reasons == [RejectReason.REDUCING_ONLY, RejectReason.REDUCING_ONLY]
    assert engine.portfolio.position("BTC-USD") == ONE // 2


def test_reducing_with_no_position_denies_everything():
    result, *_ = run_one(None, lambda c: c.sell("BTC-USD", 1), state=TradingState.REDUCING)
    assert denial(result).reason is RejectReason.REDUCING_ONLY


def test_the_rate_limit_is_a_token_bucket_on_the_engine_clock():
    def burst(c):
        return [c.buy("BTC-USD", 1, price=900_000) for _ in range(4)]

    limits = RiskLimits(orders_per_second="0.5", burst=2)
    actions = {0: burst, 1: burst, 3: burst}
    risk = RiskManager(limits)
    engine = make_engine(Script(actions), risk=risk)
    result = engine.run(book_session(n=4, step=NS_PER_S))
    denied_at = [e.ts - T0 for e in result.events if isinstance(e, OrderDenied)]
    # t=0: 2 pass, 2 denied; t=1s: half a token, all denied; t=3s: 1.5 -> 1 passes
    assert denied_at == [0, 0] + [NS_PER_S] * 4 + [3 * NS_PER_S] * 3
    assert result.sent == 3


def test_orders_on_a_book_awaiting_resync_are_denied_until_the_next_snapshot():
    from risk_kit import trade

    from jtrader.model import BookResync

    messages = [*book_session(1), BookResync(T0 + 5, "BTC-USD", "checksum"), trade(T0 + 6, 1_000_000, 1)]
    messages.append(snapshot(T0 + 7, [(999_000, ONE)], [(1_001_000, ONE)]))
    order = lambda c: c.buy("BTC-USD", 1, price=999_000)  # noqa: E731
    engine = make_engine(Script({1: order, 2: order}), risk=RiskManager())
    result = engine.run(messages)
    denied = [e for e in result.events if isinstance(e, OrderDenied)]
    assert [(d.ts, d.reason) for d in denied] == [(T0 + 6, RejectReason.BOOK_RESYNCING)]
    assert result.sent == 1


def test_an_unknown_symbol_is_left_for_the_exchange_to_reject():
    result, *_ = run_one(RiskLimits(max_order_size_lots=1), lambda c: c.buy("XRP-USD", 5))
    assert [e.reason for e in result.events] == [RejectReason.UNKNOWN_INSTRUMENT]


def test_market_orders_without_a_book_use_the_mark_and_quote_sized_buys_use_the_budget():
    from risk_kit import bars

    limits = RiskLimits(max_order_notional=to_atoms("500"))
    actions = {
        0: lambda c: c.buy("BTC-USD", ONE),
        1: lambda c: c.submit("BTC-USD", "BUY", "MARKET", quote_size=to_atoms("600")),
        2: lambda c: c.submit("BTC-USD", "SELL", "STOP", ONE, stop_price=900_000),
    }
    risk = RiskManager(limits)
    result = make_engine(Script(actions), risk=risk).run(bars([1_000_000] * 4))
    assert [e.reason for e in result.events if isinstance(e, OrderDenied)] == [RejectReason.MAX_ORDER_NOTIONAL] * 3


def test_set_state_emits_one_event_per_change():
    risk = RiskManager()
    engine = make_engine(Script(), risk=risk)
    assert risk.set_state(TradingState.REDUCING, "test") is True
    assert risk.set_state(TradingState.REDUCING, "again") is False
    assert [(e.old, e.new, e.reason) for e in engine.events] == [(TradingState.ACTIVE, TradingState.REDUCING, "test")]
    assert "REDUCING" in repr(risk)


def test_an_unbound_risk_manager_says_so():
    with pytest.raises(ConfigError, match="not attached"):
        RiskManager().set_state(TradingState.HALTED, "x")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_order_size_lots": -1},
        {"max_order_size_lots": {"BTC-USD": 1.5}},
        {"max_open_orders": True},
        {"burst": 0},
        {"orders_per_second": 0},
        {"orders_per_second": "0.0001"},
        {"orders_per_second": 1.5},
        {"orders_per_second": "fast"},
    ],
)
def test_bad_limits_are_config_errors(kwargs):
    with pytest.raises(ConfigError):
        RiskLimits(**kwargs)


def test_the_default_burst_is_the_rate_rounded_up():
    assert RiskLimits(orders_per_second="2.5").burst_tokens() == 3
    assert RiskLimits().burst_tokens() == 1
    assert RiskLimits().rate_milli() is None
    assert BTC.symbol == "BTC-USD"
