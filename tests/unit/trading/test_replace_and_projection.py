"""Cancel-then-resubmit and ctx.replace pass the risk check the way the venue will see them on arrival,
and what the strategy reads moves only with delivered events."""

from __future__ import annotations

import pytest
from trading_kit import BTC, ONE, T0, USD_100K, Script, kinds, make_engine, snapshot

from jtrader.model import (
    CancelRejected,
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderFilled,
    OrderRejected,
    OrderType,
    RejectReason,
    Side,
)
from jtrader.risk import RiskLimits, RiskManager
from jtrader.trading import DEFAULT_RISK_LIMITS

BID, ASK = 999_000, 1_001_000


def book(ts: int, bid: int = BID, ask: int = ASK, size: int = 50 * ONE):
    return snapshot(ts, [(bid, size)], [(ask, size)])


def all_in_lots(price: int) -> int:
    """The most lots the whole USD balance buys at ``price`` (fees are zero in the kit)."""
    return USD_100K // BTC.notional_atoms(price, 1)


@pytest.mark.parametrize("latency_ns", [0, 50_000_000])
def test_cancel_then_resubmit_of_the_whole_balance_in_one_callback_is_not_denied(latency_ns: int) -> None:
    lots = all_in_lots(BID - 100)
    state: dict[str, str] = {}

    def place(ctx):
        state["first"] = ctx.buy("BTC-USD", lots, BID - 100, post_only=True)

    def move(ctx):
        ctx.cancel(state["first"])
        state["second"] = ctx.buy("BTC-USD", lots, BID - 100, post_only=True)

    strategy = Script({0: place, 3: move})
    engine = make_engine(strategy, risk=RiskManager(DEFAULT_RISK_LIMITS), latency_ns=latency_ns)
    step = 60_000_000
    result = engine.run([book(T0 + i * step) for i in range(8)])
    assert result.denials == 0 and result.rejections == 0, result.events
    assert [(type(e).__name__, e.order_id) for e in strategy.seen if type(e) is not OrderAccepted] == [
        ("OrderCanceled", state["first"])
    ]
    assert [o.order_id for o in engine.ctx.open_orders()] == [state["second"]]


def test_a_second_order_that_would_not_fit_next_to_the_first_is_still_denied() -> None:
    lots = all_in_lots(BID - 100)

    def twice(ctx):
        ctx.buy("BTC-USD", lots, BID - 100)
        ctx.buy("BTC-USD", lots, BID - 100)  # no cancel in between: the venue would refuse it too

    strategy = Script({0: twice})
    result = make_engine(strategy, risk=RiskManager(RiskLimits()), latency_ns=10).run([book(T0), book(T0 + 100)])
    assert result.denials_by_reason == {"INSUFFICIENT_BALANCE": 1}


def test_replace_moves_an_order_in_one_request_with_a_coherent_lifecycle_for_both_ids() -> None:
    lots = all_in_lots(BID) * 9 // 10  # the old and the new order do not fit side by side
    ids: dict[str, str] = {}

    def place(ctx):
        ids["old"] = ctx.buy("BTC-USD", lots, BID - 200, post_only=True, tag="q")

    def move(ctx):
        ids["new"] = ctx.replace(ids["old"], price=BID - 100)
        [old, new] = ctx.open_orders()
        ids["during"] = f"{old.cancel_pending} {new.status.value} {new.price} {new.size} {new.tag}"

    strategy = Script({0: place, 2: move})
    engine = make_engine(strategy, risk=RiskManager(DEFAULT_RISK_LIMITS), latency_ns=1_000)
    result = engine.run([book(T0 + i * 10_000) for i in range(5)])
    assert ids["during"] == f"True PENDING {BID - 100} {lots} q"
    assert [(type(e).__name__, e.order_id) for e in strategy.seen] == [
        ("OrderAccepted", ids["old"]),
        ("OrderCanceled", ids["old"]),
        ("OrderAccepted", ids["new"]),
    ]
    [canceled] = [e for e in strategy.seen if type(e) is OrderCanceled]
    assert canceled.reason == "replaced" and result.denials == 0 and (result.orders, result.sent) == (2, 2)
    [open_order] = engine.ctx.open_orders()
    assert (open_order.order_id, open_order.price, open_order.cancel_pending) == (ids["new"], BID - 100, False)


def test_a_replace_whose_cancel_fails_at_the_venue_refuses_the_new_order_and_leaves_nothing_open() -> None:
    ids: dict[str, str] = {}

    def place(ctx):
        ids["old"] = ctx.buy("BTC-USD", ONE, ASK, tif="IOC")  # fills on arrival

    def move(ctx):  # sent before the fill is known: at the venue the old order is gone
        ids["new"] = ctx.replace(ids["old"], price=BID)

    strategy = Script({0: place, 1: move})
    engine = make_engine(strategy, latency_ns=1_000)
    engine.run([book(T0), book(T0 + 500), book(T0 + 10_000)])
    events = [(type(e).__name__, e.order_id) for e in strategy.seen]
    assert events == [
        ("OrderAccepted", ids["old"]),
        ("OrderFilled", ids["old"]),
        ("CancelRejected", ids["old"]),
        ("OrderRejected", ids["new"]),
    ]
    [rejected] = [e for e in strategy.seen if type(e) is OrderRejected]
    [cancel_failed] = [e for e in strategy.seen if type(e) is CancelRejected]
    assert rejected.reason is RejectReason.REPLACE_CANCEL_FAILED and cancel_failed.reason is RejectReason.UNKNOWN_ORDER
    assert engine.ctx.open_orders() == [] and engine.portfolio.position("BTC-USD") == ONE
    assert engine.result.rejections_by_reason == {"REPLACE_CANCEL_FAILED": 1}


def test_a_denied_replacement_leaves_the_old_order_as_it_was() -> None:
    ids: dict[str, str] = {}

    def place(ctx):
        ids["old"] = ctx.buy("BTC-USD", ONE, BID - 100)

    def move(ctx):
        ids["new"] = ctx.replace(ids["old"], price=BID // 2)  # far outside the 5% price band

    strategy = Script({0: place, 1: move})
    engine = make_engine(strategy, risk=RiskManager(DEFAULT_RISK_LIMITS))
    engine.run([book(T0), book(T0 + 1), book(T0 + 2)])
    [denied] = [e for e in strategy.seen if type(e) is OrderDenied]
    assert (denied.order_id, denied.reason) == (ids["new"], RejectReason.PRICE_BAND)
    [still] = engine.ctx.open_orders()
    assert (still.order_id, still.price, still.cancel_pending) == (ids["old"], BID - 100, False)
    assert [o.order_id for o in engine.exchange.open_orders()] == [ids["old"]]


def test_replacing_an_order_that_is_not_open_is_denied_with_unknown_order() -> None:
    strategy = Script({0: lambda ctx: ctx.replace("o-404", price=BID)})
    result = make_engine(strategy).run([book(T0), book(T0 + 1)])
    [denied] = strategy.seen
    assert (type(denied), denied.reason, denied.symbol) == (OrderDenied, RejectReason.UNKNOWN_ORDER, "")
    assert (result.orders, result.sent, result.denials) == (1, 0, 1)


def test_replace_checks_its_numbers_like_submit() -> None:
    from jtrader.errors import OrderError, StrategyError

    def place(ctx):
        order_id = ctx.buy("BTC-USD", ONE, BID)
        ctx.replace(order_id, price=1.5)

    with pytest.raises(StrategyError) as info:
        make_engine(Script({0: place})).run([book(T0)])
    assert isinstance(info.value.__cause__, OrderError) and "price must be an int" in str(info.value)


def test_a_fill_is_not_visible_to_the_strategy_before_its_event_has_travelled_back() -> None:
    seen: list[tuple[int, int, int]] = []
    response = 1_000_000

    def buy(ctx):
        ctx.buy("BTC-USD", ONE)

    def look(ctx):
        seen.append((ctx.now - T0, ctx.position("BTC-USD"), ctx.free_balance("USD")))

    strategy = Script({0: buy, 1: look, 2: look, 3: look})
    engine = make_engine(strategy, latency_ns=response)
    # the order arrives at T0 + 1 ms and fills; the fill travels back for 1 ms more
    engine.run([book(T0), book(T0 + response + 1), book(T0 + 2 * response - 1), book(T0 + 2 * response)])
    notional = BTC.notional_atoms(ASK, ONE)
    # sent: the strategy's free balance already counts the market buy at the touch; the position waits
    assert seen[0] == (response + 1, 0, USD_100K - notional)
    assert seen[1] == (2 * response - 1, 0, USD_100K - notional)
    assert seen[2] == (2 * response, ONE, USD_100K - notional)
    assert engine.exchange.free_balance("USD") == USD_100K - notional
    assert kinds(strategy.seen) == ["OrderAccepted", "OrderFilled"]


def test_a_quote_sized_buy_locks_its_budget_until_its_fills_spend_it() -> None:
    seen: list[int] = []

    def buy(ctx):
        ctx.submit("BTC-USD", Side.BUY, OrderType.MARKET, quote_size=USD_100K // 2)
        seen.append(ctx.free_balance("USD"))

    def look(ctx):
        seen.append(ctx.free_balance("USD"))

    engine = make_engine(Script({0: buy, 1: look}), latency_ns=5)
    engine.run([book(T0), book(T0 + 100)])
    assert seen[0] == USD_100K // 2  # sent: the whole budget is locked
    spent = USD_100K - engine.portfolio.balance("USD")
    assert 0 < spent <= USD_100K // 2 and seen[1] == USD_100K - spent  # filled: only what it spent is gone


def test_sells_lock_base_and_reduce_only_sells_lock_nothing() -> None:
    seen: list[int] = []

    def sell(ctx):
        ctx.sell("BTC-USD", ONE, ASK + 500)
        seen.append(ctx.free_balance("BTC"))
        ctx.sell("BTC-USD", ONE, ASK + 600, reduce_only=True)
        seen.append(ctx.free_balance("BTC"))

    balances = {"USD": USD_100K, "BTC": 3 * BTC.atoms_per_lot * ONE}
    make_engine(Script({0: sell}), balances=balances).run([book(T0)])
    assert seen == [2 * BTC.atoms_per_lot * ONE] * 2


def test_orders_filled_partly_lock_only_what_is_left() -> None:
    seen: list[int] = []

    def buy(ctx):
        ctx.buy("BTC-USD", 3 * ONE, ASK)  # 1 lot-set available at the ask: the rest rests

    def look(ctx):
        seen.append(ctx.free_balance("USD"))

    engine = make_engine(Script({0: buy, 1: look}))
    engine.run([book(T0, size=ONE), book(T0 + 1, ask=ASK + 100, size=ONE)])
    [fill] = [e for e in engine.result.events if type(e) is OrderFilled]
    paid = BTC.notional_atoms(ASK, fill.size)
    assert fill.size == ONE and seen == [USD_100K - paid - BTC.notional_atoms(ASK, 2 * ONE)]


def test_the_market_price_is_the_touch_then_the_mark_rounded_up() -> None:
    engine = make_engine(Script())
    account = engine.account
    assert account.market_price("BTC-USD", Side.BUY) is None and account.market_price("XRP-USD", Side.BUY) is None
    engine.portfolio.mark_x2("BTC-USD", 2 * BID + 1)
    assert account.market_price("BTC-USD", Side.SELL) == BID + 1  # half a tick rounds up
    engine.run([book(T0)])
    assert (account.market_price("BTC-USD", Side.BUY), account.market_price("BTC-USD", Side.SELL)) == (ASK, BID)
