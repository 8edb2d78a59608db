"""Frozen value objects pickle and copy as themselves, on the pure and on the compiled (mypyc) variant.

Pickling is not optional: the sweep's process pool and the dask executor ship the instrument
(with its order rules) and the run configuration to their workers. A mypyc-compiled frozen
dataclass restores pickled fields by assignment, which its frozen ``__setattr__`` refuses, so
these classes pickle as a constructor call; these tests hold that on whichever variant runs.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
from decimal import Decimal

import pytest

from jtrader.model import Instrument, OrderType, Side, TimeInForce
from jtrader.model.rules import OrderRules
from jtrader.risk import EmergencyLimits, RiskLimits
from jtrader.sim.account import Balance
from jtrader.sim.orders import OpenOrder

RULES = OrderRules(size_step_lots=10, min_size_lots=10, max_price_ticks=10**9, stp_mode="EXPIRE_MAKER")
VALUES = {
    "instrument": Instrument(
        "BTCUSDT", "BTC", "USDT", "0.01", "0.00001", min_size="0.0001", min_notional="5", venue="binance", rules=RULES
    ),
    "order rules": RULES,
    "risk limits": RiskLimits(max_order_size_lots={"BTCUSDT": 500}, orders_per_second="0.5", price_band_bps=300),
    "emergency limits": EmergencyLimits(max_drawdown_bps=500, halt_on_resync=True, equity_currency="USDT"),
    "balance": Balance(10**20, 10**18),
    "open order": OpenOrder(
        "o-1", "BTCUSDT", Side.BUY, OrderType.LIMIT, 100, None, 7, 2, TimeInForce.GTC, True, False, False, 5
    ),
}


@pytest.mark.parametrize("name", sorted(VALUES))
def test_a_pickled_value_comes_back_equal_and_of_its_class(name: str) -> None:
    value = VALUES[name]
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        restored = pickle.loads(pickle.dumps(value, protocol=protocol))
        assert type(restored) is type(value)
        assert restored == value
        assert repr(restored) == repr(value)


@pytest.mark.parametrize("name", sorted(VALUES))
def test_copies_are_equal_and_still_frozen(name: str) -> None:
    value = VALUES[name]
    for duplicate in (copy.copy(value), copy.deepcopy(value)):
        assert duplicate == value and type(duplicate) is type(value)
        first = dataclasses.fields(duplicate)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(duplicate, first, getattr(value, first))


def test_a_restored_instrument_keeps_its_derived_grid() -> None:
    """The fields __post_init__ derives (not compared by ==) are rebuilt, so parsing still works."""
    restored = pickle.loads(pickle.dumps(VALUES["instrument"]))
    assert restored.rules == RULES
    assert (restored.price_precision, restored.size_precision) == (2, 5)
    assert restored.price_to_ticks("123.45") == 12345
    assert restored.lots_to_size(restored.size_to_lots("0.00120")) == VALUES["instrument"].lots_to_size(120)
    assert restored.min_notional == Decimal("5")


def test_a_restored_rate_limit_keeps_its_exact_rate() -> None:
    restored = pickle.loads(pickle.dumps(VALUES["risk limits"]))
    assert restored.rate_milli() == 500 and restored.burst_tokens() == 1
