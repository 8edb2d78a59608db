"""The order hot path of the engine: statuses, free balances, flags, denials and risk limits as they change."""

from __future__ import annotations

from trading_kit import BTC, ONE, T0, USD_100K, Script, bars, kinds, make_engine

from jtrader.model import (
    LiquiditySide,
    OrderAccepted,
    OrderFilled,
    OrderStatus,
    OrderType,
    RejectReason,
    Side,
    SubmitOrder,
)
from jtrader.risk import RiskLimits, RiskManager
from jtrader.trading.orders import OrderTracker


def test_a_strategys_free_balance_counts_what_its_open_orders_lock_from_the_moment_they_are_sent():
    seen: list[int] = []

    def buy(ctx):
        ctx.buy("BTC-USD", ONE, 9_000_000)
        seen.append(ctx.free_balance("USD"))  # sent, not yet acknowledged: already locked

    def look(ctx):
        seen.append(ctx.free_balance("USD"))

    engine = make_engine(Script({0: buy, 1: look}), latency_ns=1)
    engine.run(bars([10_000_000, 10_000_000, 10_000_000]))
    assert seen == [USD_100K - BTC.notional_atoms(9_000_000, ONE)] * 2


def test_an_order_is_pending_then_accepted_then_gone_once_filled():
    statuses: list[object] = []

    def buy(ctx):
        ctx.buy("BTC-USD", ONE, 9_000_000)
        statuses.append([o.status for o in ctx.open_orders()])

    def look(ctx):
        statuses.append([(o.status, o.filled) for o in ctx.open_orders()])

    strategy = Script({0: buy, 1: look, 2: look})
    engine = make_engine(strategy)
    engine.run(bars([10_000_000, 9_500_000, 8_000_000]))
    assert statuses == [[OrderStatus.PENDING], [(OrderStatus.ACCEPTED, 0)], []]
    assert kinds(strategy.seen) == ["OrderAccepted", "OrderFilled"]


def test_an_accepted_event_does_not_take_a_closed_order_back():
    tracker = OrderTracker()
    order = tracker.add(SubmitOrder(T0, "o-1", "BTC-USD", Side.BUY, OrderType.LIMIT, 5, 1))
    tracker.accepted("o-1")
    assert order.status is OrderStatus.ACCEPTED
    tracker.closed("o-1", OrderStatus.CANCELED)
    tracker.accepted("o-1")
    tracker.accepted("o-2")  # never sent: nothing to do
    assert order.status is OrderStatus.CANCELED and len(tracker) == 0


def test_flags_and_tags_of_other_types_are_made_bool_and_str():
    sent: list = []

    def go(ctx):
        ctx.submit("BTC-USD", Side.BUY, OrderType.LIMIT, ONE, 9_000_000, post_only=1, reduce_only=0, tag=7)
        sent.extend(ctx.open_orders())

    engine = make_engine(Script({0: go}))
    engine.run(bars([10_000_000, 10_000_000]))
    assert [(c.post_only, c.reduce_only, c.tag) for c in sent] == [(True, False, "7")]
    assert engine.exchange.open_orders()[0].post_only is True


def test_a_denied_order_is_reported_at_the_clock_with_the_risk_reason():
    def go(ctx):
        return ctx.buy("BTC-USD", 1_000 * ONE)

    strategy = Script({0: go})
    engine = make_engine(strategy, risk=RiskManager(RiskLimits(max_order_size_lots=ONE)))
    result = engine.run(bars([10_000_000, 10_000_000]))
    [denied] = strategy.seen
    assert (type(denied).__name__, denied.reason, denied.order_id, denied.ts) == (
        "OrderDenied",
        RejectReason.MAX_ORDER_SIZE,
        strategy.returned[0],
        result.start_ts,
    )
    assert (result.orders, result.sent, result.denials) == (1, 0, 1)


def test_limits_given_to_the_risk_manager_during_a_run_apply_to_the_next_order():
    risk = RiskManager(RiskLimits())
    tenth = ONE // 10

    def small(ctx):
        return ctx.buy("BTC-USD", tenth, 9_000_000)

    def tighten(ctx):
        risk.limits = RiskLimits(max_order_size_lots=tenth // 2)
        return ctx.buy("BTC-USD", tenth, 9_000_000)

    def loosen(ctx):
        risk.limits = RiskLimits()
        return ctx.buy("BTC-USD", tenth, 9_000_000)

    strategy = Script({0: small, 1: tighten, 2: loosen})
    engine = make_engine(strategy, risk=risk)
    engine.run(bars([10_000_000] * 4))
    outcome = {e.order_id: type(e).__name__ for e in strategy.seen}
    assert [outcome[order_id] for order_id in strategy.returned] == ["OrderAccepted", "OrderDenied", "OrderAccepted"]
    assert risk.denials == {"MAX_ORDER_SIZE": 1}


def test_events_of_orders_the_engine_did_not_send_still_reach_the_portfolio_and_the_strategy():
    strategy = Script()
    engine = make_engine(strategy)
    accepted = OrderAccepted(T0, "x-1", "BTC-USD")
    filled = OrderFilled(T0, "x-1", "BTC-USD", Side.BUY, 9_000_000, ONE, LiquiditySide.TAKER, 0, "USD", 1, 0)
    engine.delivery.exchange_events([accepted, filled])
    assert strategy.seen == [accepted, filled] and engine.result.fills == 1
    assert engine.portfolio.position("BTC-USD") == ONE and len(engine.tracker) == 0


def test_a_partial_fill_leaves_the_order_open_with_its_filled_lots():
    engine = make_engine(Script())
    engine.tracker.add(SubmitOrder(T0, "o-1", "BTC-USD", Side.BUY, OrderType.LIMIT, ONE, 9_000_000))
    fill = OrderFilled(
        T0, "o-1", "BTC-USD", Side.BUY, 9_000_000, ONE // 4, LiquiditySide.MAKER, 0, "USD", 1, ONE * 3 // 4
    )
    engine.delivery.exchange_events([OrderAccepted(T0, "o-1", "BTC-USD"), fill])
    [order] = engine.tracker.list()
    assert (order.status, order.filled, order.leaves) == (OrderStatus.PARTIALLY_FILLED, ONE // 4, ONE * 3 // 4)
