"""Find a strategy class by name or file, and build it from ``--param K=V`` strings.

``resolve_strategy("sma_cross")`` returns a bundled class; ``resolve_strategy("my/strat.py:Mine")``
loads that file with :mod:`importlib` under a unique module name (so two files with the same
name never collide) and returns ``Mine``. Every failure is a :class:`~jtrader.errors.ConfigError`
that says what was wrong.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from jtrader.errors import ConfigError
from jtrader.strategies.breakout import Breakout
from jtrader.strategies.market_maker import MarketMaker
from jtrader.strategies.sma_cross import SmaCross
from jtrader.trading import Strategy

__all__ = ["BUNDLED", "build_strategy", "describe", "parse_params", "resolve_strategy"]

#: registry name -> class of every bundled strategy
BUNDLED: dict[str, type[Strategy]] = {cls.name: cls for cls in (SmaCross, Breakout, MarketMaker)}


def resolve_strategy(spec: str) -> type[Strategy]:
    """A bundled name (``sma_cross``) or ``path/to/file.py:ClassName`` -> the Strategy subclass."""
    if not spec:
        raise ConfigError("no strategy given: use --strategy NAME or --strategy path/to/file.py:ClassName")
    if spec in BUNDLED:
        return BUNDLED[spec]
    path_text, colon, class_name = spec.rpartition(":")
    if not colon or not path_text.endswith(".py"):
        known = ", ".join(sorted(BUNDLED))
        raise ConfigError(f"unknown strategy {spec!r}: use one of {known} or path/to/file.py:ClassName")
    return _load_from_file(Path(path_text), class_name)


def _load_from_file(path: Path, class_name: str) -> type[Strategy]:
    if not class_name.isidentifier():
        raise ConfigError(f"strategy {path}:{class_name}: {class_name!r} is not a class name")
    if not path.is_file():
        raise ConfigError(f"strategy file {path} does not exist")
    resolved = path.resolve()
    digest = hashlib.sha1(str(resolved).encode(), usedforsecurity=False).hexdigest()[:12]
    module_name = f"jtrader_user_strategy_{resolved.stem}_{digest}"
    module = sys.modules.get(module_name)
    if module is None:
        spec = importlib.util.spec_from_file_location(module_name, resolved)
        if spec is None or spec.loader is None:  # pragma: no cover - .py files always have a loader
            raise ConfigError(f"strategy file {path} cannot be imported")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[module_name]
            raise ConfigError(f"strategy file {path} failed to import: {type(exc).__name__}: {exc}") from exc
    cls = getattr(module, class_name, None)
    if cls is None:
        found = sorted(
            n for n, v in vars(module).items() if isinstance(v, type) and issubclass(v, Strategy) and v is not Strategy
        )
        hint = f" (Strategy subclasses there: {', '.join(found)})" if found else ""
        raise ConfigError(f"strategy file {path} has no class {class_name!r}{hint}")
    if not isinstance(cls, type) or not issubclass(cls, Strategy) or cls is Strategy:
        raise ConfigError(f"{path}:{class_name} is not a subclass of jtrader.trading.Strategy")
    return cls


def parse_params(pairs: list[str] | None) -> dict[str, str]:
    """``["fast=10", "slow=30"]`` -> ``{"fast": "10", "slow": "30"}``; the strategy coerces the types."""
    params: dict[str, str] = {}
    for pair in pairs or []:
        key, eq, value = pair.partition("=")
        key = key.strip()
        if not eq or not key:
            raise ConfigError(f"--param {pair!r} is not K=V")
        if key in params:
            raise ConfigError(f"--param {key} given twice")
        params[key] = value.strip()
    return params


def build_strategy(spec: str, pairs: list[str] | None = None) -> Strategy:
    """Resolve ``spec`` and instantiate it with the ``--param`` pairs (ConfigError on a bad one)."""
    cls = resolve_strategy(spec)
    try:
        return cls(**parse_params(pairs))
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"strategy {spec}: bad parameters: {exc}") from exc


def _plain(value: object) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value


def describe(cls: type[Strategy]) -> dict[str, Any]:
    """Name, class, description and parameter defaults (with their types) of a strategy class."""
    return {
        "name": cls.name or cls.__name__,
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "description": cls.description or (cls.__doc__ or "").strip().split("\n")[0],
        "params": {key: {"default": _plain(value), "type": type(value).__name__} for key, value in cls.params.items()},
    }
