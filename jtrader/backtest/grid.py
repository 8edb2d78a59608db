"""Parameter grids for sweeps: ``--grid fast=5:50:5`` -> the points, in a fixed order.

Spellings of one ``--grid`` value (``NAME=SPEC``):

* ``lo:hi:step`` -> ``lo, lo + step, ...`` up to ``hi``, and ``hi`` itself when the step lands on
  it (``5:50:5`` is 5, 10, ..., 50; ``5:52:5`` stops at 50). Numeric parameters only; the
  arithmetic is done in :class:`~decimal.Decimal`, so ``0.1:0.3:0.1`` is 0.1, 0.2, 0.3 exactly.
  ``step`` must be positive and ``lo <= hi``.
* ``a,b,c`` -> those values, in that order (any parameter type); ``v`` alone is one value.

Every value is coerced to the type of the strategy's default with
:func:`jtrader.trading.coerce_param` (an int parameter refuses ``1.5``). The points are the
Cartesian product in the order the ``--grid`` options were given, the first varying slowest:
the same command always gives the same points in the same order. Every mistake is a
:class:`~jtrader.errors.ConfigError` quoting the offending text.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from jtrader.errors import ConfigError
from jtrader.trading import Strategy, coerce_param

__all__ = ["MAX_POINTS", "Grid", "parse_grid"]

#: a grid larger than this is refused (a typo such as ``1:1000000:1`` rather than a plan)
MAX_POINTS = 1_000_000


@dataclass(frozen=True, slots=True)
class Grid:
    """Parameter names (in ``--grid`` order) and each one's values (coerced, in order)."""

    names: tuple[str, ...]
    values: tuple[tuple[object, ...], ...]

    def __len__(self) -> int:
        size = 1
        for values in self.values:
            size *= len(values)
        return size

    def points(self) -> Iterator[dict[str, object]]:
        """Every combination as ``{name: value}``, the first parameter varying slowest."""
        for combo in itertools.product(*self.values):
            yield dict(zip(self.names, combo, strict=True))


def parse_grid(specs: Sequence[str], strategy: type[Strategy], fixed: Sequence[str] = ()) -> Grid:
    """``["fast=5:50:5", "slow=20:200:10"]`` -> a :class:`Grid` for ``strategy``'s parameters.

    ``fixed`` are the parameter names also given with ``--param`` (a name may not be both).
    """
    if not specs:
        raise ConfigError("no --grid given: write for example --grid fast=5:50:5")
    names: list[str] = []
    values: list[tuple[object, ...]] = []
    for spec in specs:
        name, eq, text = spec.partition("=")
        name = name.strip()
        if not eq or not name or not text.strip():
            raise ConfigError(f"--grid {spec!r} is not NAME=lo:hi:step or NAME=a,b,c")
        if name not in strategy.params:
            known = ", ".join(strategy.params) or "none"
            raise ConfigError(f"--grid {spec!r}: {strategy.__name__} has no parameter {name!r} (known: {known})")
        if name in names:
            raise ConfigError(f"--grid {spec!r}: parameter {name!r} given twice")
        if name in fixed:
            raise ConfigError(f"--grid {spec!r}: parameter {name!r} is also given with --param")
        default = strategy.params[name]
        raw = _range(spec, text, default) if ":" in text else [part.strip() for part in text.split(",")]
        coerced = tuple(_coerce(spec, name, default, value) for value in raw)
        if len(set(map(repr, coerced))) != len(coerced):
            raise ConfigError(f"--grid {spec!r}: a value is repeated")
        names.append(name)
        values.append(coerced)
    grid = Grid(tuple(names), tuple(values))
    if len(grid) > MAX_POINTS:
        raise ConfigError(f"the grid has {len(grid):,} points; at most {MAX_POINTS:,} are allowed")
    return grid


def _range(spec: str, text: str, default: object) -> list[str]:
    """``lo:hi:step`` -> the values as decimal strings (``hi`` included when the step lands on it)."""
    if isinstance(default, bool) or not isinstance(default, int | float | Decimal):
        raise ConfigError(f"--grid {spec!r}: a lo:hi:step range needs a numeric parameter; list the values a,b,c")
    parts = text.split(":")
    if len(parts) != 3:
        raise ConfigError(f"--grid {spec!r}: a range is lo:hi:step, got {text!r}")
    try:
        lo, hi, step = (Decimal(part.strip()) for part in parts)
    except InvalidOperation:
        raise ConfigError(f"--grid {spec!r}: lo, hi and step must be numbers, got {text!r}") from None
    if not all(v.is_finite() for v in (lo, hi, step)):
        raise ConfigError(f"--grid {spec!r}: lo, hi and step must be finite, got {text!r}")
    if step <= 0:
        raise ConfigError(f"--grid {spec!r}: step must be positive, got {parts[2].strip()!r}")
    if lo > hi:
        raise ConfigError(f"--grid {spec!r}: lo {parts[0].strip()} is above hi {parts[1].strip()}")
    if isinstance(default, int) and any(v != v.to_integral_value() for v in (lo, hi, step)):
        raise ConfigError(f"--grid {spec!r}: an int parameter needs whole numbers for lo, hi and step")
    count = int((hi - lo) / step) + 1
    if count > MAX_POINTS:
        raise ConfigError(f"--grid {spec!r}: {count:,} values; at most {MAX_POINTS:,} are allowed")
    if isinstance(default, int):
        return [str(int(lo) + k * int(step)) for k in range(count)]
    return [format(lo + k * step, "f") for k in range(count)]


def _coerce(spec: str, name: str, default: object, value: str) -> object:
    try:
        return coerce_param(name, default, value)
    except ConfigError as exc:
        raise ConfigError(f"--grid {spec!r}: {exc}") from None
