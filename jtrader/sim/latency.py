"""Order latency models: how long a command takes to reach the exchange, and its answer to come back.

Two legs, as in hftbacktest: **entry** (local send -> matching engine, for new orders),
**cancel** (local send -> matching engine, for cancels) and **response** (matching engine ->
local, for every order event: acks, fills, rejections, cancels). All in integer nanoseconds.
Feed latency (venue -> local market data) is taken as zero: market messages are stamped with
their local receive time already.

Random models draw from their own seeded ``random.Random``: the same seed and the same
sequence of calls give the same delays. No wall clock is read.
"""

from __future__ import annotations

import random
from typing import Protocol

from jtrader.errors import ConfigError

__all__ = ["ConstantLatency", "LatencyModel", "RandomLatency"]


class LatencyModel(Protocol):
    """What the simulated exchange asks of a latency model (all results in ns, >= 0)."""

    def entry(self) -> int: ...

    def cancel(self) -> int: ...

    def response(self) -> int: ...


def _check_ns(value: object, what: str) -> int:
    if type(value) is not int or value < 0:
        raise ConfigError(f"{what} must be a non-negative int of nanoseconds, got {value!r}")
    return value


def _check_range(value: object, what: str) -> tuple[int, int]:
    if not isinstance(value, tuple) or len(value) != 2:
        raise ConfigError(f"{what} must be a (low_ns, high_ns) tuple, got {value!r}")
    low, high = _check_ns(value[0], f"{what}[0]"), _check_ns(value[1], f"{what}[1]")
    if low > high:
        raise ConfigError(f"{what} low {low} ns is above high {high} ns")
    return low, high


class ConstantLatency:
    """Fixed delays in ns. ``cancel_ns`` None means the same as ``entry_ns``."""

    __slots__ = ("cancel_ns", "entry_ns", "response_ns")

    def __init__(self, entry_ns: int = 0, response_ns: int = 0, cancel_ns: int | None = None) -> None:
        self.entry_ns = _check_ns(entry_ns, "entry_ns")
        self.response_ns = _check_ns(response_ns, "response_ns")
        self.cancel_ns = self.entry_ns if cancel_ns is None else _check_ns(cancel_ns, "cancel_ns")

    def __repr__(self) -> str:
        return f"ConstantLatency(entry_ns={self.entry_ns}, response_ns={self.response_ns}, cancel_ns={self.cancel_ns})"

    def entry(self) -> int:
        return self.entry_ns

    def cancel(self) -> int:
        return self.cancel_ns

    def response(self) -> int:
        return self.response_ns


class RandomLatency:
    """Uniform integer delays in ``[low, high]`` ns (inclusive), from ``random.Random(seed)``.

    ``cancel_ns`` None draws cancels from the ``entry_ns`` range. Every call draws one number
    from the one generator, so the delays depend on the seed and on the order of calls only.
    """

    __slots__ = ("_rng", "cancel_ns", "entry_ns", "response_ns", "seed")

    def __init__(
        self,
        seed: int,
        entry_ns: tuple[int, int] = (0, 0),
        response_ns: tuple[int, int] = (0, 0),
        cancel_ns: tuple[int, int] | None = None,
    ) -> None:
        if type(seed) is not int:
            raise ConfigError(f"seed must be an int, got {seed!r}")
        self.seed = seed
        self.entry_ns = _check_range(entry_ns, "entry_ns")
        self.response_ns = _check_range(response_ns, "response_ns")
        self.cancel_ns = self.entry_ns if cancel_ns is None else _check_range(cancel_ns, "cancel_ns")
        self._rng = random.Random(seed)

    def __repr__(self) -> str:
        return (
            f"RandomLatency(seed={self.seed}, entry_ns={self.entry_ns}, "
            f"response_ns={self.response_ns}, cancel_ns={self.cancel_ns})"
        )

    def entry(self) -> int:
        return self._rng.randint(*self.entry_ns)

    def cancel(self) -> int:
        return self._rng.randint(*self.cancel_ns)

    def response(self) -> int:
        return self._rng.randint(*self.response_ns)
