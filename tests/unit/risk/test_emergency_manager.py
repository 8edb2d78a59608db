"""Emergency triggers, each driven by generated market data, and the halt-cancel-flatten-verify procedure."""

from __future__ import annotations

import pytest
from risk_kit import ONE, T0, Script, bars, delta, make_engine, snapshot, trade

from jtrader.errors import ConfigError
from jtrader.model import (
    NS_PER_S,
    BookResync,
    EmergencyAction,
    Heartbeat,
    OrderDenied,
    RejectReason,
    RiskStateChanged,
    SequenceGap,
    TradingState,
    to_atoms,
)
from jtrader.risk import NS_PER_DAY, EmergencyLimits, EmergencyManager, PassThroughGate, RiskLimits, RiskManager


def steps(events):
    return [e.step for e in events if isinstance(e, EmergencyAction)]


def book(ts, bid=999_000, ask=1_001_000, size=5 * ONE):
    return snapshot(ts, [(bid, size)], [(ask, size)])


def run(limits, messages, actions=None, balances=None, risk=None):
    em = EmergencyManager(limits)
    s = Script(actions or {})
    engine = make_engine(s, emergency=em, balances=balances, risk=risk)
    result = engine.run(messages)
    return result, em, s, engine


def test_the_kill_switch_halts_cancels_flattens_and_verifies_flat():
    actions = {
        0: lambda c: (c.buy("BTC-USD", ONE), c.buy("BTC-USD", ONE, price=900_000)),
        1: lambda c: c.kill("operator"),
        2: lambda c: c.buy("BTC-USD", 1, price=999_000),
    }
    messages = [book(T0 + i * NS_PER_S) for i in range(4)]
    result, em, s, engine = run(EmergencyLimits(), messages, actions)
    assert steps(result.events) == ["trigger", "halt", "cancel_all", "flatten", "verify_flat"]
    trigger = next(e for e in result.events if isinstance(e, EmergencyAction))
    assert (trigger.trigger, trigger.detail) == ("kill_switch", "operator")
    changed = [e for e in result.events if isinstance(e, RiskStateChanged)]
    assert [(c.old, c.new) for c in changed] == [(TradingState.ACTIVE, TradingState.HALTED)]
    assert result.events[-1].detail == "flat" if isinstance(result.events[-1], EmergencyAction) else True
    assert em.flat is True and engine.portfolio.position("BTC-USD") == 0
    denied = [e for e in result.events if isinstance(e, OrderDenied)]
    assert [d.reason for d in denied] == [RejectReason.HALTED]
    assert result.trading_state is TradingState.HALTED
    assert result.emergency_triggers == ["kill_switch"]
    assert [type(e).__name__ for e in s.risk_seen][:2] == ["EmergencyAction", "RiskStateChanged"]
    assert engine.tracker.list() == []
    assert engine.kill("again") is False


def test_the_procedure_runs_without_positions_and_says_so():
    result, em, _, _ = run(EmergencyLimits(), [book(T0)], {0: lambda c: c.kill()})
    flatten = [e for e in result.events if isinstance(e, EmergencyAction) and e.step == "flatten"]
    assert flatten[0].detail == "attempt 1: no position"
    assert em.flat is True


def test_max_drawdown_from_peak_equity_triggers_and_flattens():
    prices = [1_000_000, 1_000_000, 1_100_000, 1_050_000, 950_000, 900_000, 900_000]
    limits = EmergencyLimits(max_drawdown_bps=500)
    result, em, _, engine = run(limits, bars(prices), {0: lambda c: c.buy("BTC-USD", 5 * ONE)})
    assert em.triggered == "max_drawdown"
    assert steps(result.events)[:4] == ["trigger", "halt", "cancel_all", "flatten"]
    assert "verify_flat" in steps(result.events)
    assert engine.portfolio.position("BTC-USD") == 0


def test_a_softer_drawdown_only_moves_to_reducing():
    prices = [1_000_000, 1_000_000, 1_100_000, 1_070_000, 1_070_000]
    limits = EmergencyLimits(reduce_at_drawdown_bps=100, max_drawdown_bps=5_000)
    result, em, _, engine = run(
        limits, bars(prices), {0: lambda c: c.buy("BTC-USD", 5 * ONE), 4: lambda c: c.buy("BTC-USD", 1)}
    )
    assert em.triggered is None
    assert engine.trading_state is TradingState.REDUCING
    assert [e.reason for e in result.events if isinstance(e, OrderDenied)] == [RejectReason.REDUCING_ONLY]


def test_daily_loss_is_measured_from_the_start_of_the_utc_day():
    day0 = (T0 // NS_PER_DAY + 1) * NS_PER_DAY  # a midnight
    step = NS_PER_DAY // 4
    prices = [1_000_000, 1_000_000, 900_000, 900_000, 880_000, 860_000, 850_000]
    messages = bars(prices, start=day0 - step, step=step)
    limits = EmergencyLimits(daily_loss=to_atoms("500"))
    result, em, _, _ = run(limits, messages, {0: lambda c: c.buy("BTC-USD", 5 * ONE)})
    # the 100 USD x 5 drop on day 1 hits 500 exactly; day 2 starts fresh from the lower equity
    assert em.triggered == "daily_loss"
    trigger = next(e for e in result.events if isinstance(e, EmergencyAction))
    assert trigger.ts == messages[2].ts


def test_stale_market_data_triggers_on_the_next_message():
    messages = [book(T0), Heartbeat(T0 + 2 * NS_PER_S, 0), Heartbeat(T0 + 6 * NS_PER_S, 0)]
    result, em, _, _ = run(EmergencyLimits(stale_after_ns=5 * NS_PER_S), messages)
    assert em.triggered == "stale_data"
    assert next(e for e in result.events if isinstance(e, EmergencyAction)).ts == T0 + 6 * NS_PER_S


def test_data_resuming_after_a_gap_counts_as_stale():
    messages = [trade(T0, 1_000_000, 1), trade(T0 + 10 * NS_PER_S, 1_000_000, 1)]
    _, em, _, _ = run(EmergencyLimits(stale_after_ns=5 * NS_PER_S), messages)
    assert em.triggered == "stale_data"


def test_fresh_data_does_not_trigger_anything():
    messages = [book(T0 + i * NS_PER_S) for i in range(10)]
    limits = EmergencyLimits(
        stale_after_ns=2 * NS_PER_S, halt_on_crossed_book=True, halt_on_resync=True, max_drawdown_bps=100
    )
    result, em, _, _ = run(limits, messages)
    assert em.triggered is None and steps(result.events) == []


def test_a_crossed_book_triggers():
    messages = [book(T0), delta(T0 + 1, bids=[(1_002_000, ONE)])]
    _, em, _, _ = run(EmergencyLimits(halt_on_crossed_book=True), messages)
    assert em.triggered == "crossed_book"


@pytest.mark.parametrize(
    "msg",
    [BookResync(T0 + 1, "BTC-USD", "checksum"), SequenceGap(T0 + 1, "feed", 10, 12, ("BTC-USD",))],
)
def test_a_book_resync_triggers_when_configured(msg):
    result, em, _, _ = run(EmergencyLimits(halt_on_resync=True), [book(T0), msg, book(T0 + 2)])
    assert em.triggered == "book_resync"


def test_consecutive_rejections_trigger_and_an_accept_resets_the_count():
    def reject(c):
        c.buy("BTC-USD", 50 * ONE, price=999_000)

    actions = {0: reject, 1: reject, 2: lambda c: c.buy("BTC-USD", 1, price=900_000), 3: reject, 4: reject, 5: reject}
    risk = RiskManager(RiskLimits(check_balance=False))
    messages = [book(T0 + i * NS_PER_S) for i in range(7)]
    result, em, _, _ = run(EmergencyLimits(max_consecutive_rejections=3), messages, actions, risk=risk)
    assert em.triggered == "consecutive_rejections"
    trigger = next(e for e in result.events if isinstance(e, EmergencyAction))
    assert trigger.ts == T0 + 6 * NS_PER_S  # the third rejection is delivered with the next message


def test_a_flatten_that_cannot_fill_is_retried_then_given_up():
    # the book is gone (resync) when the kill comes: the market sell has nothing to fill against
    limits = EmergencyLimits(flatten_attempts=2)
    balances = {"USD": to_atoms("1000"), "BTC": to_atoms("1")}
    messages = [book(T0), BookResync(T0 + 1, "BTC-USD", "gone"), trade(T0 + 2, 1_000_000, 1), Heartbeat(T0 + 3, 0)]
    messages += [Heartbeat(T0 + 4, 0)]
    result, em, _, _ = run(limits, messages, {1: lambda c: c.kill("now")}, balances=balances)
    assert [e.detail.split(":")[0] for e in result.events if getattr(e, "step", "") == "flatten"] == [
        "attempt 1",
        "attempt 2",
    ]
    assert em.flat is False
    assert result.events[-1].detail.endswith("giving up")


def test_triggers_after_the_first_are_ignored_and_unbound_managers_say_so():
    em = EmergencyManager()
    with pytest.raises(ConfigError, match="not attached"):
        em.kill_switch()
    em.on_message(Heartbeat(T0, 0))  # unbound: nothing to check
    assert "triggered=None" in repr(em)


@pytest.mark.parametrize(
    "kwargs",
    [{"max_drawdown_bps": 0}, {"max_drawdown_bps": 20_000}, {"daily_loss": -1}, {"flatten_attempts": 0}],
)
def test_bad_emergency_limits_are_config_errors(kwargs):
    with pytest.raises(ConfigError):
        EmergencyLimits(**kwargs)


def test_the_kill_switch_halts_a_pass_through_gate_too():
    """Halting belongs to the gate protocol: with no risk manager, orders after a kill are denied."""
    em = EmergencyManager()

    def kill_then_buy(ctx):
        assert ctx.kill("test") is True
        return ctx.buy("BTC-USD", ONE // 10)

    strategy = Script({0: kill_then_buy})
    engine = make_engine(strategy, emergency=em)
    assert isinstance(engine.risk, PassThroughGate)
    result = engine.run(bars([10_000_000, 10_000_000]))
    assert engine.trading_state is TradingState.HALTED and result.sent == 0
    [denied] = [e for e in strategy.seen if type(e).__name__ == "OrderDenied"]
    assert denied.reason is RejectReason.HALTED and result.denials_by_reason == {"HALTED": 1}
