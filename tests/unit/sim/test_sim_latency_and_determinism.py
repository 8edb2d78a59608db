"""Latency legs, event delivery order, and byte-identical output for identical inputs."""

from __future__ import annotations

import random

import orjson
from hypothesis import given, settings
from hypothesis import strategies as hs
from sim_helpers import (
    BUY,
    LIMIT,
    MARKET,
    MS,
    SELL,
    T0,
    U,
    cancel,
    delta,
    exchange,
    fills,
    kinds,
    order,
    snap,
    trade,
)

from jtrader.model import CancelAll, to_record
from jtrader.sim import ConstantLatency, FeeModel, RandomLatency


def test_order_reaches_the_engine_after_entry_latency_and_the_answer_after_response_latency() -> None:
    ex = exchange(latency=ConstantLatency(entry_ns=5 * MS, response_ns=3 * MS))
    ex.on_market(snap(T0, [(99, 5)], [(101, 2), (102, 5)]))
    ex.submit(order(T0, "m", BUY, MARKET, 3))
    assert ex.next_wakeup() == T0 + 5 * MS
    ex.on_market(delta(T0 + 4 * MS, asks=[(101, 0)]))  # before arrival: the order sees it
    ex.on_market(delta(T0 + 6 * MS, asks=[(102, 1)]))  # after arrival: the order does not
    assert ex.advance(T0 + 6 * MS) == []
    assert ex.next_wakeup() == T0 + 8 * MS
    events = ex.advance(T0 + 8 * MS)
    assert [e.ts for e in events] == [T0 + 8 * MS] * 2
    assert fills(events) == [(102, 3, "TAKER")]
    assert ex.next_wakeup() is None


def test_commands_arriving_before_a_message_execute_against_the_book_before_it() -> None:
    ex = exchange(latency=ConstantLatency(entry_ns=MS))
    ex.on_market(snap(T0, [(99, 5)], [(101, 2)]))
    ex.submit(order(T0, "m", BUY, MARKET, 1))
    ex.on_market(snap(T0 + MS, [(99, 5)], [(150, 2)]))  # same time as arrival: the order came first
    assert fills(ex.advance(T0 + MS)) == [(101, 1, "TAKER")]


def test_cancel_latency_can_let_a_fill_happen_first() -> None:
    ex = exchange(latency=ConstantLatency(entry_ns=MS, cancel_ns=10 * MS))
    ex.on_market(snap(T0, [(100, 0)], [(101, 2)]))
    ex.submit(order(T0, "b", BUY, LIMIT, 2, price=100))
    ex.on_market(trade(T0 + 2 * MS, 100, 1, SELL))
    ex.cancel(cancel(T0 + 2 * MS, "b"))
    ex.on_market(trade(T0 + 5 * MS, 100, 5, SELL))  # the cancel is still on its way
    ex.on_market(trade(T0 + 20 * MS, 99, 5, SELL))
    events = ex.advance(T0 + 20 * MS)
    assert kinds(events) == ["OrderAccepted", "OrderFilled", "OrderFilled", "CancelRejected"]


def test_a_cancel_on_a_faster_leg_never_overtakes_its_order_on_the_same_connection() -> None:
    ex = exchange(latency=ConstantLatency(entry_ns=10 * MS, cancel_ns=MS))
    ex.submit(order(T0, "b", BUY, LIMIT, 1, price=100))
    ex.cancel(cancel(T0, "b"))
    assert ex.advance(T0 + 9 * MS) == []
    assert kinds(ex.advance(T0 + 10 * MS)) == ["OrderAccepted", "OrderCanceled"]


def test_random_response_latency_keeps_events_in_the_order_the_exchange_made_them() -> None:
    ex = exchange(latency=RandomLatency(seed=7, entry_ns=(0, 5 * MS), response_ns=(0, 50 * MS)))
    ex.on_market(snap(T0, [(99, 50)], [(101, 50)]))
    for i in range(20):
        ex.submit(order(T0 + i, f"o{i}", BUY, MARKET, 1))
    events = ex.advance(T0 + 10**9)
    assert len(events) == 40
    assert [e.ts for e in events] == sorted(e.ts for e in events)
    assert [e.fill_id for e in events if hasattr(e, "fill_id")] == list(range(1, 21))


def run_script(seed: int) -> bytes:
    """A fixed pseudo-random session through every kind of order; returns all events as JSON lines."""
    rng = random.Random(seed)
    ex = exchange(
        usd=100_000,
        btc=500,
        fees=FeeModel("1", "7.5"),
        latency=RandomLatency(seed=seed, entry_ns=(0, 3 * MS), response_ns=(0, 2 * MS)),
    )
    out: list[bytes] = []
    ts = T0
    ex.on_market(snap(ts, [(100 - i, 10) for i in range(1, 6)], [(100 + i, 10) for i in range(1, 6)]))
    for i in range(400):
        ts += rng.randint(1, 2 * MS)
        r = rng.random()
        if r < 0.4:
            side = rng.choice(["b", "a"])
            level = (rng.randint(90, 99),) if side == "b" else (rng.randint(101, 110),)
            msg = (
                delta(ts, bids=[(level[0], rng.randint(0, 20))])
                if side == "b"
                else delta(ts, asks=[(level[0], rng.randint(0, 20))])
            )
            ex.on_market(msg)
        elif r < 0.6:
            ex.on_market(trade(ts, rng.randint(95, 105), rng.randint(1, 8), rng.choice([BUY, SELL, None])))
        elif r < 0.85:
            kind = rng.choice([MARKET, LIMIT, LIMIT])
            side = rng.choice([BUY, SELL])
            price = rng.randint(94, 106) if kind is LIMIT else None
            ex.submit(order(ts, f"o{i}", side, kind, rng.randint(1, 6), price=price))
        else:
            ex.cancel(cancel(ts, f"o{rng.randint(0, i)}"))
        out.extend(orjson.dumps(to_record(e)) for e in ex.advance(ts))
    out.extend(orjson.dumps(to_record(e)) for e in ex.advance(ts + 10**9))
    return b"\n".join(out)


def test_the_same_commands_and_messages_give_byte_identical_events_on_two_runs() -> None:
    first, second = run_script(3), run_script(3)
    assert first == second
    assert first.count(b"OrderFilled") > 10
    assert run_script(4) != first


@settings(max_examples=30, deadline=None)
@given(hs.integers(min_value=0, max_value=10**6))
def test_balances_never_go_negative_locks_stay_within_totals_and_value_is_conserved(seed: int) -> None:
    rng = random.Random(seed)
    ex = exchange(usd=2_000, btc=20, fees=FeeModel("2", "10"))
    ts = T0
    ex.on_market(snap(ts, [(99, 5), (98, 5)], [(101, 5), (102, 5)]))
    usd_flow = 0  # quote atoms in (+) and out (-) according to the fill events
    btc_flow = 0  # base atoms
    for i in range(60):
        ts += 1
        r = rng.random()
        if r < 0.3:
            ex.on_market(trade(ts, rng.randint(96, 104), rng.randint(1, 6), rng.choice([BUY, SELL, None])))
        elif r < 0.5:
            bid, ask = (rng.randint(95, 103), rng.randint(0, 6)), (rng.randint(97, 105), rng.randint(0, 6))
            ex.on_market(delta(ts, bids=[bid], asks=[ask]))
        elif r < 0.9:
            kind = rng.choice([MARKET, LIMIT])
            price = rng.randint(95, 105) if kind is LIMIT else None
            ex.submit(order(ts, f"o{i}", rng.choice([BUY, SELL]), kind, rng.randint(1, 12), price=price))
        else:
            ex.cancel(cancel(ts, f"o{rng.randint(0, i)}"))
        for event in ex.advance(ts):
            if type(event).__name__ == "OrderFilled":
                notional = event.price * event.size * U
                assert event.fee >= 0
                if event.side is BUY:
                    usd_flow -= notional + event.fee
                    btc_flow += event.size * U
                else:
                    usd_flow += notional - event.fee
                    btc_flow -= event.size * U
        for ccy in ("USD", "BTC"):
            bal = ex.balance(ccy)
            assert 0 <= bal.locked <= bal.total
    # every atom is accounted for by the fill events: nothing created, nothing lost but fees
    assert ex.balance("USD").total == 2_000 * U + usd_flow
    assert ex.balance("BTC").total == 20 * U + btc_flow
    ex.cancel(cancel(ts, "none"))
    ex.cancel(CancelAll(ts))
    ex.advance(ts)
    assert ex.balance("USD").locked == 0 and ex.balance("BTC").locked == 0
