"""Reconnect delays and outgoing-frame pacing: pure, seeded, no clock and no asyncio.

The websockets library's own reconnect loop is the model: delays come from a generator and the
connection loop only sleeps. Keeping the policy pure makes it testable to the last digit.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

__all__ = ["FramePacer", "backoff_delays"]


def backoff_delays(
    initial_s: float = 0.5,
    factor: float = 2.0,
    max_s: float = 30.0,
    jitter: float = 0.5,
    seed: int | None = 0,
) -> Iterator[float]:
    """Seconds to wait before each reconnect attempt: exponential growth with seeded jitter.

    Attempt ``n`` (from 0) waits ``d * (1 - jitter * u)`` where ``d = min(max_s, initial_s * factor**n)``
    and ``u`` is uniform in [0, 1) from ``random.Random(seed)``: with the default ``jitter=0.5``
    ("equal jitter") a delay lies in ``[d/2, d)``, so a crowd of clients spreads out and no delay
    exceeds ``max_s``. The same seed gives the same delays. Infinite: ``next()`` it per attempt and
    start a new generator after a connection that worked.
    """
    if initial_s < 0 or factor < 1 or max_s < initial_s or not 0 <= jitter <= 1:
        raise ValueError(f"bad backoff: initial {initial_s}, factor {factor}, max {max_s}, jitter {jitter}")
    rng = random.Random(seed)
    delay = initial_s
    while True:
        yield delay * (1 - jitter * rng.random())
        delay = min(max_s, delay * factor)


class FramePacer:
    """A token bucket for control frames a client sends (subscribes): at most ``rate`` a second.

    Venues disconnect clients that send too fast (Binance: 5 incoming messages a second per
    connection; Coinbase: 8 a second per IP unauthenticated). :meth:`delay` says how long (s) to
    wait before sending one more frame at time ``now`` (s, any monotonic origin) and books it.
    ``burst`` frames may go at once after a quiet spell.
    """

    def __init__(self, rate: float, burst: int = 1) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"rate must be > 0 and burst >= 1, got {rate}, {burst}")
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._last: float | None = None

    def delay(self, now: float) -> float:
        """Seconds to wait before the next frame sent at ``now``; the frame is counted as sent then."""
        if self._last is None:
            self._last = now
        elapsed = max(0.0, now - self._last)
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)
        self._last = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        wait = (1 - self._tokens) / self.rate
        self._tokens = 0.0
        self._last = now + wait
        return wait
