"""Grid specs: ranges include hi when the step lands on it, values are coerced, mistakes are named."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import pytest

from jtrader.backtest.grid import MAX_POINTS, parse_grid
from jtrader.errors import ConfigError
from jtrader.strategies import SmaCross
from jtrader.trading import Strategy


class Knobs(Strategy):
    params: ClassVar[dict[str, object]] = {"n": 3, "ratio": 0.5, "band": Decimal("0.1"), "flag": False, "mode": "a"}


def test_a_range_includes_hi_when_the_step_lands_on_it() -> None:
    grid = parse_grid(["fast=5:50:5"], SmaCross)
    assert grid.values == ((5, 10, 15, 20, 25, 30, 35, 40, 45, 50),)
    assert parse_grid(["fast=5:52:5"], SmaCross).values[0][-1] == 50
    assert parse_grid(["fast=7:7:3"], SmaCross).values == ((7,),)
    assert parse_grid(["fast=2:6:2.0"], SmaCross).values == ((2, 4, 6),)


def test_points_follow_the_order_of_the_grid_options_first_varying_slowest() -> None:
    grid = parse_grid(["slow=20:30:10", "fast=1,2"], SmaCross)
    assert grid.names == ("slow", "fast")
    assert list(grid.points()) == [
        {"slow": 20, "fast": 1},
        {"slow": 20, "fast": 2},
        {"slow": 30, "fast": 1},
        {"slow": 30, "fast": 2},
    ]
    assert len(grid) == 4


def test_values_are_coerced_to_the_type_of_each_default() -> None:
    grid = parse_grid(["ratio=0.1:0.3:0.1", "band=0.05,0.1", "flag=yes,no", "mode=a,b", "n=2"], Knobs)
    assert grid.values[0] == (0.1, 0.2, 0.3)  # decimal arithmetic: no 0.30000000000000004
    assert grid.values[1] == (Decimal("0.05"), Decimal("0.1"))
    assert grid.values[2] == (True, False)
    assert grid.values[3] == ("a", "b")
    assert grid.values[4] == (2,)


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ([], r"no --grid given"),
        (["fast"], r"--grid 'fast' is not NAME=lo:hi:step"),
        (["fast="], r"--grid 'fast=' is not NAME"),
        (["=1:2:1"], r"is not NAME"),
        (["speed=1:2:1"], r"SmaCross has no parameter 'speed' \(known: fast, slow, symbol\)"),
        (["fast=1:2:1", "fast=3"], r"parameter 'fast' given twice"),
        (["fast=1:2"], r"a range is lo:hi:step, got '1:2'"),
        (["fast=a:2:1"], r"lo, hi and step must be numbers, got 'a:2:1'"),
        (["fast=1:inf:1"], r"must be finite"),
        (["fast=1:5:0"], r"step must be positive, got '0'"),
        (["fast=1:5:-1"], r"step must be positive"),
        (["fast=9:5:1"], r"lo 9 is above hi 5"),
        (["fast=1:3:0.5"], r"--grid 'fast=1:3:0.5': an int parameter needs whole numbers"),
        (["fast=1.5"], r"parameter fast='1.5' is not a valid int"),
        (["fast=3,3"], r"a value is repeated"),
        (["fast=1:2000000:1"], r"at most 1,000,000"),
    ],
)
def test_mistakes_are_config_errors_quoting_the_text(specs: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_grid(specs, SmaCross)


def test_ranges_need_numbers_and_grids_have_a_size_limit() -> None:
    with pytest.raises(ConfigError, match=r"needs a numeric parameter; list the values"):
        parse_grid(["flag=0:1:1"], Knobs)
    with pytest.raises(ConfigError, match=r"needs a numeric parameter"):
        parse_grid(["mode=0:1:1"], Knobs)
    with pytest.raises(ConfigError, match=r"the grid has 1,002,001 points"):
        parse_grid(["fast=1:1001:1", "slow=1:1001:1"], SmaCross)
    assert MAX_POINTS == 1_000_000


def test_a_parameter_may_not_be_both_fixed_and_swept() -> None:
    with pytest.raises(ConfigError, match=r"'slow' is also given with --param"):
        parse_grid(["slow=20:30:10"], SmaCross, fixed=("slow",))
