"""Strategy parameters: declared defaults, checked names, coerced values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jtrader.errors import ConfigError
from jtrader.trading import Strategy, coerce_param


class Params(Strategy):
    name = "params"
    params = {"fast": 10, "ratio": 0.5, "label": "x", "enabled": True, "size": Decimal("0.01")}


def test_defaults_are_available_as_attributes_and_as_a_dict():
    s = Params()
    assert s.p.fast == 10
    assert s.param_values == {"fast": 10, "ratio": 0.5, "label": "x", "enabled": True, "size": Decimal("0.01")}


def test_string_overrides_are_coerced_to_the_type_of_the_default():
    s = Params(fast="20", ratio="0.25", label=7, enabled="no", size="0.5")
    assert (s.p.fast, s.p.ratio, s.p.label, s.p.enabled, s.p.size) == (20, 0.25, "7", False, Decimal("0.5"))
    assert "fast=20" in repr(s)


def test_native_values_pass_through():
    s = Params(fast=3, enabled=False, ratio=2, size=Decimal("1"))
    assert (s.p.fast, s.p.enabled, s.p.ratio, s.p.size) == (3, False, 2.0, Decimal("1"))
    assert Params(fast=4.0).p.fast == 4
    assert Params(enabled="YES").p.enabled is True


def test_an_unknown_parameter_names_the_known_ones():
    with pytest.raises(ConfigError, match=r"unknown parameter 'slow' \(known: enabled, fast, label, ratio, size\)"):
        Params(slow=3)
    with pytest.raises(ConfigError, match="known: none"):
        Strategy(x=1)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("fast", "1.5"),
        ("fast", True),
        ("ratio", "nan"),
        ("ratio", "inf"),
        ("ratio", True),
        ("ratio", "abc"),
        ("enabled", "maybe"),
        ("size", "NaN"),
        ("size", "Infinity"),
        ("size", True),
        ("size", "x"),
    ],
)
def test_values_that_cannot_be_coerced_are_config_errors(name, value):
    with pytest.raises(ConfigError, match=f"parameter {name}="):
        Params(**{name: value})


def test_a_default_of_another_type_requires_that_exact_type():
    assert coerce_param("t", (1, 2), (3, 4)) == (3, 4)
    with pytest.raises(ConfigError, match="must be a tuple"):
        coerce_param("t", (1, 2), [3, 4])
    assert coerce_param("s", None, 5) == "5"


def test_the_base_callbacks_do_nothing():
    s = Strategy()
    for hook in (s.on_start, s.on_stop):
        assert hook(None) is None
    for hook in (s.on_bar, s.on_book, s.on_trade, s.on_quote, s.on_order_event, s.on_risk_event):
        assert hook(None, None) is None
