"""Fee, latency, queue and account models on their own: exact arithmetic and clear config errors."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from jtrader.errors import ConfigError, InvariantError
from jtrader.model import LiquiditySide
from jtrader.sim import Balance, ConstantLatency, FeeModel, RandomLatency, RiskAverseQueue
from jtrader.sim.account import Account

MAKER, TAKER = LiquiditySide.MAKER, LiquiditySide.TAKER


def test_fee_is_basis_points_of_notional_rounded_up_to_the_atom() -> None:
    fees = FeeModel(maker_bps="0", taker_bps="10")
    assert fees.fee(10_000, TAKER) == 10
    assert fees.fee(10_001, TAKER) == 11  # 10.001 rounds up
    assert fees.fee(10_000, MAKER) == 0
    assert fees.rate(TAKER) == Fraction(1, 1000)


def test_fractional_bps_are_exact_whatever_type_they_come_in() -> None:
    for value in ("7.5", Decimal("7.5"), Fraction(15, 2)):
        fees = FeeModel(maker_bps=value, taker_bps=3)
        assert fees.fee(10**6, MAKER) == 750
        assert fees.fee(10**6, TAKER) == 300
        assert fees.max_fee(10**6) == 750
    assert "7.5" in repr(FeeModel("7.5", "1")) or "15/2" in repr(FeeModel("7.5", "1"))


@pytest.mark.parametrize("bad", [0.1, True, "abc", "-1", 10_000, None, "nan"])
def test_fee_model_refuses_floats_garbage_and_out_of_range_bps(bad: object) -> None:
    with pytest.raises(ConfigError):
        FeeModel(maker_bps=bad)  # type: ignore[arg-type]


def test_zero_fee_model_charges_nothing_and_says_so() -> None:
    assert not FeeModel().charges
    assert FeeModel(taker_bps=1).charges
    assert FeeModel().fee(123456, TAKER) == 0


def test_affordable_lots_floors_budget_over_price_times_one_plus_fee() -> None:
    fees = FeeModel(taker_bps="10")
    # 1000 per lot with 0.1 % fee costs 1001: 10010 buys exactly 10 lots
    assert fees.affordable_lots(10_010, 1000, TAKER) == 10
    assert fees.affordable_lots(10_009, 1000, TAKER) == 9
    assert fees.affordable_lots(0, 1000, TAKER) == 0
    assert fees.affordable_lots(100, 0, TAKER) == 0


def test_affordable_lots_drops_a_lot_when_the_rounded_up_fee_would_overspend() -> None:
    fees = FeeModel(taker_bps="1")  # 1/10000
    per_lot = 9_999
    budget = 3 * per_lot + 3  # exact 3 lots would need fee ceil(2.9997) = 3: fits
    assert fees.affordable_lots(budget, per_lot, TAKER) == 3
    assert fees.cost(3 * per_lot, TAKER) <= budget
    assert fees.affordable_lots(budget - 1, per_lot, TAKER) == 2  # one atom short: the fee rounds up


def test_constant_latency_defaults_cancel_to_entry() -> None:
    lat = ConstantLatency(entry_ns=5, response_ns=7)
    assert (lat.entry(), lat.cancel(), lat.response()) == (5, 5, 7)
    assert ConstantLatency(1, 2, cancel_ns=3).cancel() == 3
    assert "entry_ns=5" in repr(lat)


@pytest.mark.parametrize("bad", [-1, 1.5, "1", None])
def test_constant_latency_refuses_negative_or_non_int_delays(bad: object) -> None:
    with pytest.raises(ConfigError):
        ConstantLatency(entry_ns=bad)  # type: ignore[arg-type]


def test_random_latency_is_deterministic_per_seed_and_within_its_ranges() -> None:
    a = RandomLatency(seed=1, entry_ns=(10, 20), response_ns=(100, 200))
    b = RandomLatency(seed=1, entry_ns=(10, 20), response_ns=(100, 200))
    draws_a = [(a.entry(), a.response(), a.cancel()) for _ in range(50)]
    draws_b = [(b.entry(), b.response(), b.cancel()) for _ in range(50)]
    assert draws_a == draws_b
    assert all(10 <= e <= 20 and 100 <= r <= 200 and 10 <= c <= 20 for e, r, c in draws_a)
    assert len({e for e, _, _ in draws_a}) > 1
    c = RandomLatency(seed=2, entry_ns=(10, 20), response_ns=(100, 200))
    assert [(c.entry(), c.response(), c.cancel()) for _ in range(50)] != draws_a
    assert "seed=1" in repr(a)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"seed": 1.5},
        {"seed": 1, "entry_ns": (5, 1)},
        {"seed": 1, "entry_ns": [1, 2]},
        {"seed": 1, "response_ns": (-1, 2)},
        {"seed": 1, "cancel_ns": (1,)},
    ],
)
def test_random_latency_refuses_bad_ranges(kwargs: dict) -> None:
    with pytest.raises(ConfigError):
        RandomLatency(**kwargs)


def test_risk_averse_queue_follows_the_nautilus_documentation_example() -> None:
    q = RiskAverseQueue()
    ahead = q.on_join(100)
    ahead, exe = q.on_trade(ahead, 80)
    assert (ahead, exe) == (20, 0)
    ahead, exe = q.on_trade(ahead, 30)
    assert (ahead, exe) == (0, 10)
    assert q.on_trade(ahead, 50) == (0, 50)


def test_risk_averse_queue_caps_ahead_at_a_shrunk_level_and_clears_it_on_delete() -> None:
    q = RiskAverseQueue()
    assert q.on_level(100, 150) == 100  # growth is behind us
    assert q.on_level(100, 40) == 40
    assert q.on_level(40, 0) == 0
    assert repr(q) == "RiskAverseQueue()"


def test_account_locks_pays_and_reports_free_balance() -> None:
    acct = Account({"USD": 100})
    acct.lock("USD", 60)
    assert acct.balance("USD") == Balance(100, 60)
    assert acct.balance("USD").free == 40
    acct.pay("USD", 50, from_lock=50)
    assert acct.balance("USD") == Balance(50, 10)
    acct.unlock("USD", 10)
    acct.credit("BTC", 7)
    assert acct.balance("BTC") == Balance(7, 0)
    assert acct.balance("EUR") == Balance(0, 0)


def test_account_refuses_to_break_locked_below_total() -> None:
    acct = Account({"USD": 100})
    with pytest.raises(InvariantError):
        acct.lock("USD", 101)
    acct.lock("USD", 80)
    with pytest.raises(InvariantError):
        acct.pay("USD", 30, from_lock=0)
    assert acct.balance("USD") == Balance(100, 80)


@pytest.mark.parametrize("balances", [{"USD": -1}, {"USD": 1.0}, {"": 1}, {"USD": True}])
def test_account_refuses_negative_float_or_unnamed_balances(balances: dict) -> None:
    with pytest.raises(ConfigError):
        Account(balances)
