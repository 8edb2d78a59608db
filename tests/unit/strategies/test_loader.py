"""Naming a strategy: bundled names, files with a class, and clear errors for everything else."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from jtrader.errors import ConfigError
from jtrader.strategies import (
    BUNDLED,
    Breakout,
    MarketMaker,
    SmaCross,
    build_strategy,
    describe,
    parse_params,
    resolve_strategy,
)
from jtrader.trading import Strategy

USER_STRATEGY = """
from jtrader.trading import Strategy

class Mine(Strategy):
    name = "mine"
    params = {"n": 3}

class NotAStrategy:
    pass

VALUE = 5
"""


def user_file(tmp_path: Path, text: str = USER_STRATEGY, name: str = "mine.py") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_bundled_names_resolve_to_their_classes() -> None:
    assert resolve_strategy("sma_cross") is SmaCross
    assert resolve_strategy("breakout") is Breakout
    assert resolve_strategy("market_maker") is MarketMaker
    assert set(BUNDLED) == {"sma_cross", "breakout", "market_maker"}


def test_a_class_in_a_file_is_loaded_and_built_with_params(tmp_path: Path) -> None:
    path = user_file(tmp_path)
    cls = resolve_strategy(f"{path}:Mine")
    assert issubclass(cls, Strategy) and cls.__name__ == "Mine"
    strategy = build_strategy(f"{path}:Mine", ["n=7"])
    assert strategy.p.n == 7
    assert resolve_strategy(f"{path}:Mine") is cls  # loaded once per file


def test_two_files_with_the_same_name_do_not_collide(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = user_file(tmp_path / "a")
    second = user_file(tmp_path / "b", USER_STRATEGY.replace('"n": 3', '"n": 4'))
    assert resolve_strategy(f"{first}:Mine").params == {"n": 3}
    assert resolve_strategy(f"{second}:Mine").params == {"n": 4}


@pytest.mark.parametrize(
    ("spec", "pattern"),
    [
        ("", "no strategy given"),
        ("nope", "unknown strategy 'nope': use one of breakout, market_maker, sma_cross"),
        ("file.txt:Mine", "unknown strategy"),
    ],
)
def test_unknown_names_are_config_errors(spec: str, pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        resolve_strategy(spec)


def test_file_errors_say_what_is_wrong(tmp_path: Path) -> None:
    path = user_file(tmp_path)
    with pytest.raises(ConfigError, match="does not exist"):
        resolve_strategy(f"{tmp_path / 'missing.py'}:Mine")
    with pytest.raises(ConfigError, match=r"has no class 'Other' \(Strategy subclasses there: Mine\)"):
        resolve_strategy(f"{path}:Other")
    with pytest.raises(ConfigError, match="is not a subclass of jtrader.trading.Strategy"):
        resolve_strategy(f"{path}:NotAStrategy")
    with pytest.raises(ConfigError, match="is not a subclass"):
        resolve_strategy(f"{path}:VALUE")
    with pytest.raises(ConfigError, match="is not a class name"):
        resolve_strategy(f"{path}:1bad")
    with pytest.raises(ConfigError, match="is not a subclass"):
        resolve_strategy(f"{user_file(tmp_path, 'from jtrader.trading import Strategy', 'base.py')}:Strategy")


def test_a_file_that_fails_to_import_is_a_config_error_and_can_be_fixed(tmp_path: Path) -> None:
    path = user_file(tmp_path, "raise RuntimeError('boom')\n", "broken.py")
    with pytest.raises(ConfigError, match="failed to import: RuntimeError: boom"):
        resolve_strategy(f"{path}:Mine")
    with pytest.raises(ConfigError, match="has no class 'Mine'$"):
        resolve_strategy(f"{user_file(tmp_path, 'X = 1', 'empty.py')}:Mine")


def test_params_are_parsed_and_checked() -> None:
    assert parse_params(["fast=5", " slow = 20 "]) == {"fast": "5", "slow": "20"}
    assert parse_params(None) == {}
    with pytest.raises(ConfigError, match="is not K=V"):
        parse_params(["fast"])
    with pytest.raises(ConfigError, match="given twice"):
        parse_params(["fast=1", "fast=2"])
    with pytest.raises(ConfigError, match="unknown parameter 'fats'"):
        build_strategy("sma_cross", ["fats=3"])
    with pytest.raises(ConfigError, match="not a valid int"):
        build_strategy("sma_cross", ["fast=x"])
    assert build_strategy("sma_cross", ["fast=3", "slow=9"]).param_values == {"fast": 3, "slow": 9, "symbol": ""}


def test_a_constructor_that_raises_type_error_becomes_a_config_error(tmp_path: Path) -> None:
    text = (
        "from jtrader.trading import Strategy\n"
        "class Bad(Strategy):\n"
        "    def __init__(self, **kw):\n"
        "        raise TypeError('nope')\n"
    )
    path = user_file(tmp_path, text, "bad.py")
    with pytest.raises(ConfigError, match="bad parameters: nope"):
        build_strategy(f"{path}:Bad")


def test_describe_lists_defaults_and_types() -> None:
    info = describe(MarketMaker)
    assert info["name"] == "market_maker"
    assert info["class"] == "jtrader.strategies.market_maker.MarketMaker"
    assert info["params"]["size"] == {"default": "0.001", "type": "Decimal"}
    assert info["params"]["half_spread_ticks"] == {"default": 0, "type": "int"}

    class Plain(Strategy):
        """Docstring first line.

        More."""

    assert describe(Plain)["name"] == "Plain"
    assert describe(Plain)["description"] == "Docstring first line."
    assert MarketMaker.params["size"] == Decimal("0.001")
