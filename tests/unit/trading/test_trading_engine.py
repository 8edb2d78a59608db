"""The engine loop, driven through the real simulated exchange."""

from __future__ import annotations

import json

import pytest
from trading_kit import BTC, MINUTE, ONE, T0, USD_100K, Script, bars, delta, kinds, make_engine, snapshot, trade

from jtrader.errors import ConfigError, DataError, OrderError, UnknownInstrumentError
from jtrader.model import (
    Bar,
    BookResync,
    Heartbeat,
    Instrument,
    LiquiditySide,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderTriggered,
    OrderType,
    RejectReason,
    SequenceGap,
    Side,
    TimeInForce,
    TradingState,
    VenueNotice,
    to_atoms,
)
from jtrader.trading import Engine, Portfolio, Strategy, events_to_records

PRICES = [1_000_000, 1_005_000, 1_009_000, 1_020_000, 1_010_000, 890_000, 880_000]


def test_a_market_buy_on_a_bar_fills_at_the_next_open_and_moves_the_portfolio():
    s = Script({0: lambda c: c.buy("BTC-USD", ONE)})
    engine = make_engine(s, taker_bps="10")
    result = engine.run(bars(PRICES))
    fills = [e for e in result.events if isinstance(e, OrderFilled)]
    assert kinds(result.events) == ["OrderAccepted", "OrderFilled"]
    assert fills[0].price == PRICES[0]  # the next bar opens at the previous close
    assert fills[0].size == ONE
    assert result.fills == 1 and result.orders == 1 and result.sent == 1
    notional = BTC.notional_atoms(PRICES[0], ONE)
    assert engine.portfolio.balance("USD") == USD_100K - notional - fills[0].fee
    assert engine.portfolio.position("BTC-USD") == ONE
    assert s.seen == result.events
    assert s.returned == ["o-1"]


def test_a_resting_limit_sell_fills_when_the_market_reaches_it_and_a_stop_triggers_on_the_way_down():
    s = Script(
        {
            0: lambda c: c.buy("BTC-USD", ONE),
            2: lambda c: c.sell("BTC-USD", ONE // 2, price=1_015_000),
            4: lambda c: c.submit("BTC-USD", Side.SELL, OrderType.STOP, ONE // 4, stop_price=900_000),
        }
    )
    engine = make_engine(s)
    result = engine.run(bars(PRICES))
    types = kinds(result.events)
    assert types.count("OrderFilled") == 3
    assert "OrderTriggered" in types
    assert engine.portfolio.position("BTC-USD") == ONE - ONE // 2 - ONE // 4
    assert engine.portfolio.realized_pnl("BTC-USD") > 0 or engine.portfolio.realized_pnl("BTC-USD") < 0
    assert engine.ctx.open_orders() == []


def test_a_stop_limit_becomes_a_resting_limit_when_triggered():
    s = Script(
        {
            0: lambda c: c.submit(
                "BTC-USD", Side.BUY, OrderType.STOP_LIMIT, ONE // 10, price=1_021_000, stop_price=1_015_000
            ),
        }
    )
    result = make_engine(s).run(bars(PRICES))
    types = kinds(result.events)
    assert types[:2] == ["OrderAccepted", "OrderTriggered"]
    assert "OrderFilled" in types


def test_open_orders_are_tracked_until_canceled():
    captured = {}

    def place(c):
        captured["id"] = c.buy("BTC-USD", ONE // 10, price=500_000)

    def look(c):
        captured["open"] = [o.order_id for o in c.open_orders("BTC-USD")]
        captured["repr"] = repr(c.open_orders()[0])
        c.cancel(captured["id"])

    s = Script({0: place, 1: look, 3: lambda c: captured.setdefault("after", c.open_orders())})
    result = make_engine(s).run(bars(PRICES))
    assert captured["open"] == ["o-1"]
    assert "order_id='o-1', symbol='BTC-USD', side=<Side.BUY" in captured["repr"]
    assert captured["after"] == []
    assert kinds(result.events) == ["OrderAccepted", "OrderCanceled"]
    assert result.cancels == 1


def test_cancel_all_cancels_every_open_order_of_the_symbol():
    def place(c):
        c.buy("BTC-USD", ONE // 10, price=500_000)
        c.buy("BTC-USD", ONE // 10, price=600_000)

    s = Script({0: place, 1: lambda c: c.cancel_all("BTC-USD")})
    result = make_engine(s).run(bars(PRICES))
    assert kinds(result.events).count("OrderCanceled") == 2


def test_the_exchange_rejects_an_order_the_balance_cannot_pay_and_the_strategy_hears_it():
    s = Script({0: lambda c: c.buy("BTC-USD", 20 * ONE)})
    result = make_engine(s).run(bars(PRICES))
    assert kinds(result.events) == ["OrderRejected"]
    assert result.events[0].reason is RejectReason.INSUFFICIENT_BALANCE
    assert result.rejections == 1
    assert s.seen == result.events


def test_an_order_for_an_unknown_symbol_is_rejected_by_the_exchange():
    s = Script({0: lambda c: c.buy("XRP-USD", 1)})
    result = make_engine(s).run(bars(PRICES))
    assert [(type(e).__name__, e.reason) for e in result.events] == [("OrderRejected", RejectReason.UNKNOWN_INSTRUMENT)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"price": 1.5}, "price must be an int"),
        ({"size": None}, "size must be an int"),
        ({"side": "SIDEWAYS"}, "SIDEWAYS"),
        ({"symbol": 5}, "symbol must be a str"),
    ],
)
def test_an_order_built_with_wrong_types_is_an_order_error_and_nothing_is_sent(kwargs, message):
    args = {"symbol": "BTC-USD", "side": Side.BUY, "order_type": OrderType.LIMIT, "size": 1, "price": 100}
    args.update(kwargs)
    errors = []

    def act(c):
        try:
            c.submit(**args)
        except OrderError as exc:
            errors.append(str(exc))

    result = make_engine(Script({0: act})).run(bars(PRICES[:2]))
    assert len(errors) == 1 and message in errors[0]
    assert result.orders == 0 and result.events == []


def test_ioc_fok_and_post_only_orders_follow_the_book():
    book = [
        snapshot(T0 + 1, [(999_000, ONE)], [(1_001_000, ONE // 2), (1_002_000, ONE)]),
        delta(T0 + 2, bids=[(999_000, ONE)]),
        delta(T0 + 3, bids=[(998_000, ONE)]),
        delta(T0 + 4, bids=[(997_000, ONE)]),
        delta(T0 + 5, bids=[(996_000, ONE)]),
    ]
    s = Script(
        {
            0: lambda c: c.submit("BTC-USD", "BUY", "LIMIT", ONE, price=1_001_000, tif=TimeInForce.IOC),
            1: lambda c: c.submit("BTC-USD", "BUY", "LIMIT", 5 * ONE, price=1_002_000, tif="FOK"),
            2: lambda c: c.submit("BTC-USD", "BUY", "LIMIT", ONE // 10, price=1_002_000, post_only=True),
            3: lambda c: c.submit("BTC-USD", "BUY", "MARKET", quote_size=to_atoms("1000")),
        }
    )
    engine = make_engine(s)
    result = engine.run(book)
    by_order = {}
    for ev in result.events:
        by_order.setdefault(ev.order_id, []).append(type(ev).__name__)
    assert by_order["o-1"][-1] == "OrderExpired" and "OrderFilled" in by_order["o-1"]
    assert by_order["o-2"] == ["OrderRejected"]
    assert by_order["o-3"] == ["OrderRejected"]
    assert "OrderFilled" in by_order["o-4"]
    assert engine.ctx.book_ready("BTC-USD")
    assert engine.ctx.book("BTC-USD").best_bid == 999_000


def test_callbacks_the_strategy_does_not_override_are_not_called_and_every_message_type_is_processed():
    class OnlyBars(Strategy):
        def __init__(self):
            super().__init__()
            self.bars = 0

        def on_bar(self, ctx, bar):
            self.bars += 1

    s = OnlyBars()
    messages = [
        snapshot(T0 + 1, [(999_000, ONE)], [(1_001_000, ONE)]),
        trade(T0 + 2, 1_000_000, 5),
        Heartbeat(T0 + 3, 0),
        VenueNotice(T0 + 4, "status", "ok"),
        *bars(PRICES[:2], start=T0 + 10),
    ]
    result = make_engine(s).run(messages)
    assert s.bars == 2 and result.messages == 6 and result.bars == 2


def test_a_message_older_than_the_clock_is_processed_at_the_clock_and_counted_late():
    seen = []

    class Watch(Strategy):
        def on_trade(self, ctx, t):
            seen.append((t.ts, ctx.now))

    messages = [trade(T0 + 100, 1_000_000, 1), trade(T0 + 50, 1_000_100, 1), trade(T0 + 200, 1_000_200, 1)]
    result = make_engine(Watch()).run(messages)
    assert seen == [(T0 + 100, T0 + 100), (T0 + 100, T0 + 100), (T0 + 200, T0 + 200)]
    assert result.late == 1
    assert result.start_ts == T0 + 100 and result.end_ts == T0 + 200


def test_messages_for_symbols_the_run_does_not_know_are_skipped_and_counted():
    other = [*bars([5, 6], symbol="ETH-USD"), BookResync(T0 + MINUTE * 3, "ETH-USD", "gap")]
    s = Script()
    result = make_engine(s).run(other + bars(PRICES[:2], start=T0 + MINUTE * 3))
    assert result.unknown == 3 and s.count == 2


def test_an_unknown_message_type_is_a_data_error():
    with pytest.raises(DataError, match="cannot process a tuple"):
        make_engine(Script()).run([(T0, "BTC-USD")])


def test_an_engine_runs_once_and_needs_instruments_and_a_strategy():
    engine = make_engine(Script())
    engine.run([])
    with pytest.raises(ConfigError, match="runs once"):
        engine.run([])
    with pytest.raises(ConfigError, match="at least one instrument"):
        Engine([], Script(), engine.exchange, engine.portfolio)
    with pytest.raises(ConfigError, match="must be a jtrader.trading.Strategy"):
        Engine([BTC], object(), engine.exchange, engine.portfolio)


def test_start_and_stop_are_called_even_without_messages():
    s = Script()
    result = make_engine(s).run([])
    assert s.started and s.stopped and result.messages == 0


def test_with_latency_events_arrive_on_a_later_message_and_the_rest_is_drained_at_the_end():
    book = [snapshot(T0 + i * 1_000_000, [(999_000, ONE)], [(1_001_000, ONE)]) for i in range(3)]
    s = Script({0: lambda c: c.buy("BTC-USD", ONE // 10, price=900_000), 2: lambda c: c.cancel("o-1")})
    result = make_engine(s, latency_ns=1_500_000).run(book)
    assert kinds(result.events) == ["OrderAccepted", "OrderCanceled"]
    accepted, canceled = result.events
    assert accepted.ts == T0 + 3_000_000  # entry + response latency
    assert canceled.ts > T0 + 2_000_000  # delivered by the final drain
    assert result.end_ts == canceled.ts
    assert s.seen == result.events


def test_a_book_awaiting_resync_is_not_ready_until_the_next_snapshot():
    states = []

    class Watch(Strategy):
        def on_book(self, ctx, msg):
            states.append(ctx.book_ready("BTC-USD"))

        def on_trade(self, ctx, msg):
            states.append(ctx.book_ready("BTC-USD"))

    messages = [
        snapshot(T0 + 1, [(999_000, ONE)], [(1_001_000, ONE)]),
        BookResync(T0 + 2, "BTC-USD", "checksum"),
        trade(T0 + 3, 1_000_000, 1),
        snapshot(T0 + 4, [(999_000, ONE)], [(1_001_000, ONE)]),
        SequenceGap(T0 + 5, "c", 5, 9, ("BTC-USD", "ETH-USD")),
        trade(T0 + 6, 1_000_000, 1),
    ]
    engine = make_engine(Watch())
    engine.run(messages)
    assert states == [True, False, True, False]
    assert engine.resyncing == {"BTC-USD"}


def test_marks_follow_the_mid_the_last_trade_and_the_bar_close():
    engine = make_engine(Strategy())
    engine.run([trade(T0 + 1, 1_000_000, 1), snapshot(T0 + 2, [(999_000, 1)], [(1_000_001, 1)])])
    assert engine.portfolio.marks_x2["BTC-USD"] == 999_000 + 1_000_001
    engine = make_engine(Strategy())
    engine.run(bars([123_456]))
    assert engine.portfolio.marks_x2["BTC-USD"] == 2 * 123_456
    assert engine.account.mid_x2("BTC-USD") == 2 * 123_456


def test_the_context_reads_state_and_instruments():
    got = {}

    def look(c):
        got["now"] = c.now
        got["symbols"] = c.symbols
        got["inst"] = c.instrument("BTC-USD")
        got["free"] = c.free_balance("USD")
        got["bal"] = c.balance("USD")
        got["pos"] = c.position("BTC-USD")
        got["last"] = c.last_price("BTC-USD")
        got["state"] = c.trading_state
        got["pf"] = c.portfolio
        with pytest.raises(UnknownInstrumentError, match="XRP"):
            c.instrument("XRP-USD")
        with pytest.raises(UnknownInstrumentError, match="XRP"):
            c.book("XRP-USD")

    engine = make_engine(Script({1: look}))
    engine.run(bars(PRICES[:3]))
    assert got["now"] == T0 + 2 * MINUTE
    assert got["symbols"] == ["BTC-USD"] and got["inst"] is BTC
    assert got["free"] == got["bal"] == USD_100K and got["pos"] == 0
    assert got["last"] == PRICES[1]
    assert got["state"] is TradingState.ACTIVE and got["pf"].equity("USD") == engine.portfolio.equity("USD")
    assert not hasattr(got["pf"], "apply_fill") and not hasattr(got["pf"], "marks_x2")


def test_kill_without_an_emergency_manager_is_a_config_error():
    engine = make_engine(Script())
    with pytest.raises(ConfigError, match="no emergency manager"):
        engine.kill("x")


def test_events_become_records_with_decimal_strings():
    s = Script({0: lambda c: c.buy("BTC-USD", ONE // 4)})
    result = make_engine(s, taker_bps="10").run(bars(PRICES[:3]))
    records = events_to_records(result.events, [BTC])
    fill = records[1]
    assert fill["type"] == "OrderFilled"
    assert fill["price"] == "10000.00" and fill["size"] == "0.2500" and fill["leaves"] == "0.0000"
    assert fill["fee"] == "2.5" and fill["side"] == "BUY"
    assert events_to_records(result.events, {"BTC-USD": BTC}) == records
    other = events_to_records([OrderRejected(1, "o-9", "XRP-USD", RejectReason.UNKNOWN_INSTRUMENT)], [BTC])
    assert other[0]["reason"] == "UNKNOWN_INSTRUMENT"


def _session(prices):
    """A strategy that trades on a moving average, with latency and fees: a fair determinism probe."""

    class Mover(Strategy):
        def __init__(self):
            super().__init__()
            self.closes = []

        def on_bar(self, ctx, bar):
            self.closes.append(bar.close)
            if len(self.closes) < 5:
                return
            avg = sum(self.closes[-5:]) // 5
            pos = ctx.position(bar.symbol)
            if bar.close > avg and pos == 0:
                ctx.buy(bar.symbol, ONE // 2)
            elif bar.close < avg and pos > 0:
                ctx.sell(bar.symbol, pos)

    engine = make_engine(Mover(), taker_bps="7.5", latency_ns=5_000_000)
    result = engine.run(bars(prices))
    return result, engine


def test_two_runs_of_the_same_input_give_byte_identical_output():
    from trading_kit import random_walk

    prices = random_walk(400, seed=3, start=1_000_000)
    outputs = []
    for _ in range(2):
        result, engine = _session(prices)
        payload = {
            "events": events_to_records(result.events, [BTC]),
            "summary": result.summary(),
            "portfolio": engine.portfolio.to_record(),
        }
        outputs.append(json.dumps(payload, sort_keys=False).encode())
    assert outputs[0] == outputs[1]
    assert result.fills > 10


def test_decisions_before_t_do_not_change_when_every_bar_after_t_changes():
    from trading_kit import random_walk

    prices = random_walk(300, seed=11, start=1_000_000)
    cut = 200
    changed = prices[:cut] + [p * 3 // 2 + 7 for p in prices[cut:]]
    first, _ = _session(prices)
    second, _ = _session(changed)
    t_cut = T0 + cut * MINUTE

    def decisions(result):
        return [e for e in result.events if e.ts <= t_cut]

    assert decisions(first) == decisions(second)
    assert len(decisions(first)) > 5
    assert first.events != second.events  # the change after T does matter afterwards


def test_an_order_event_of_a_kind_the_engine_does_not_know_is_an_invariant_error():
    from jtrader.errors import InvariantError

    engine = make_engine(Script())
    with pytest.raises(InvariantError, match="unknown event"):
        engine.delivery.exchange_events([object()])


def test_events_of_every_kind_reach_the_tracker():
    engine = make_engine(Script())
    engine.tracker.add(
        __import__("jtrader.model", fromlist=["SubmitOrder"]).SubmitOrder(
            1, "o-1", "BTC-USD", Side.BUY, OrderType.LIMIT, 5, 1
        )
    )
    engine.delivery.exchange_events([OrderAccepted(1, "o-1", "BTC-USD"), OrderTriggered(1, "o-1", "BTC-USD")])
    assert engine.tracker.get("o-1").status.value == "ACCEPTED"
    engine.delivery.exchange_events([OrderExpired(2, "o-1", "BTC-USD")])
    assert len(engine.tracker) == 0
    engine.delivery.exchange_events([OrderCanceled(3, "o-404", "BTC-USD")])
    assert engine.result.cancels == 1


def test_a_portfolio_with_initial_base_gets_its_cost_from_the_first_mark():
    balances = {"USD": USD_100K, "BTC": to_atoms("2")}
    exchange_engine = make_engine(Strategy(), balances=balances)
    exchange_engine.run(bars([1_000_000, 1_100_000]))
    pf = exchange_engine.portfolio
    assert pf.avg_entry_atoms("BTC-USD") == BTC.price_to_atoms(1_000_000)
    assert pf.unrealized_pnl("BTC-USD") == 2 * BTC.notional_atoms(100_000, ONE)


def test_portfolio_and_engine_take_any_instrument_iterable():
    eth = Instrument("ETH-USD", "ETH", "USD", size_lot="0.001")
    engine = make_engine(Script(), instruments=(BTC, eth))
    assert list(engine.instruments) == ["BTC-USD", "ETH-USD"]
    assert isinstance(engine.portfolio, Portfolio)
    assert isinstance(bars([1])[0], Bar)


def test_quotes_mark_the_mid_and_reach_on_quote():
    from jtrader.model import Quote

    seen = []

    class Quotes(Strategy):
        def on_quote(self, ctx, q):
            seen.append((q.bid, q.ask, ctx.portfolio.mark_x2("BTC-USD")))

    engine = make_engine(Quotes())
    engine.run(
        [
            Quote(T0 + 1, 0, "BTC-USD", 999_000, 5, 1_001_000, 5),
            Quote(T0 + 2, 0, "BTC-USD", 0, 0, 1_002_000, 5),
            Quote(T0 + 3, 0, "XRP-USD", 1, 1, 2, 1),
        ]
    )
    assert seen == [(999_000, 1_001_000, 2_000_000), (0, 1_002_000, 2_000_000)]
    assert engine.result.unknown == 1


def test_book_and_trade_messages_of_unknown_symbols_are_skipped():
    s = Script()
    result = make_engine(s).run(
        [snapshot(T0, [(1, 1)], [(2, 1)], symbol="ETH-USD"), trade(T0 + 1, 5, 1, symbol="ETH-USD")]
    )
    assert result.unknown == 2 and s.count == 0


def test_a_trade_does_not_move_the_mark_while_the_book_has_two_sides():
    engine = make_engine(Strategy())
    engine.run([snapshot(T0, [(999_000, 1)], [(1_001_000, 1)]), trade(T0 + 1, 1_005_000, 1)])
    assert engine.portfolio.marks_x2["BTC-USD"] == 2_000_000


def test_without_a_risk_manager_every_order_passes_the_gate():
    engine = make_engine(Script({0: lambda c: c.buy("BTC-USD", 999 * ONE)}))
    result = engine.run(bars(PRICES[:2]))
    assert engine.trading_state is TradingState.ACTIVE
    assert [e.reason for e in result.events] == [RejectReason.INSUFFICIENT_BALANCE]  # the exchange's word


def test_a_tracked_order_exposes_the_command():
    from jtrader.model import SubmitOrder
    from jtrader.trading import OrderTracker

    tracker = OrderTracker()
    order = tracker.add(SubmitOrder(1, "o-1", "BTC-USD", Side.SELL, OrderType.LIMIT, 10, 500))
    c = order.cmd
    assert (order.order_id, order.symbol, c.side, c.order_type, c.price, c.size) == (
        "o-1",
        "BTC-USD",
        Side.SELL,
        OrderType.LIMIT,
        500,
        10,
    )

    def fill(order_id, size, leaves):
        return OrderFilled(1, order_id, "BTC-USD", Side.SELL, 500, size, LiquiditySide.MAKER, 0, "USD", 1, leaves)

    tracker.filled(fill("o-1", 4, 6))
    assert order.leaves == 6 and order.status.value == "PARTIALLY_FILLED"
    assert tracker.open_exposure("BTC-USD", Side.SELL) == 6
    tracker.filled(fill("o-404", 1, 0))
    tracker.accepted("o-404")
    tracker.filled(fill("o-1", 6, 0))
    assert order.status.value == "FILLED" and len(tracker) == 0
