"""Spot account of the simulated exchange: per-currency balances in atoms, with locks for open orders.

``total`` is what the account owns, ``locked`` the part reserved by open orders; ``free`` the
rest. Orders lock on acceptance (buy limit: quote ``price * size`` plus the larger fee plus one
atom per lot of fee-rounding slack; sell: the base size) and release the unused part when they
end. Fills pay from the order's own lock first. ``total`` and ``locked`` are never negative and
``locked <= total`` always holds (checked: a breach raises :class:`InvariantError`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from jtrader.errors import ConfigError, InvariantError
from jtrader.model.pickling import init_args

__all__ = ["Account", "Balance"]


@dataclass(frozen=True, slots=True)
class Balance:
    """One currency's balance in atoms (10**-18 units): ``total`` owned, ``locked`` by open orders."""

    total: int
    locked: int

    def __reduce__(self) -> tuple[type[Balance], tuple[object, ...]]:
        """Pickle (and copy) as a constructor call (see :mod:`jtrader.model.pickling`)."""
        return (Balance, init_args(self))

    @property
    def free(self) -> int:
        """Atoms available to new orders: ``total - locked``."""
        return self.total - self.locked


class Account:
    """Balances of one simulated account. All amounts are int atoms."""

    __slots__ = ("locked", "total")

    def __init__(self, balances: Mapping[str, int] | None = None) -> None:
        self.total: dict[str, int] = {}
        self.locked: dict[str, int] = {}
        for currency, atoms in (balances or {}).items():
            if type(currency) is not str or not currency:
                raise ConfigError(f"balance currency must be a non-empty str, got {currency!r}")
            if type(atoms) is not int or atoms < 0:
                raise ConfigError(f"balance of {currency} must be a non-negative int of atoms, got {atoms!r}")
            self.total[currency] = atoms
            self.locked[currency] = 0

    def balance(self, currency: str) -> Balance:
        """A snapshot of ``currency`` (zero for a currency never seen)."""
        return Balance(self.total.get(currency, 0), self.locked.get(currency, 0))

    def free(self, currency: str) -> int:
        return self.total.get(currency, 0) - self.locked.get(currency, 0)

    def lock(self, currency: str, atoms: int) -> None:
        """Reserve ``atoms`` of free balance (caller checked that they are free)."""
        locked = self.locked.get(currency, 0) + atoms
        if locked > self.total.get(currency, 0):
            raise InvariantError(f"locking {atoms} {currency} atoms exceeds the balance")
        self.locked[currency] = locked

    def unlock(self, currency: str, atoms: int) -> None:
        """Release ``atoms`` of a lock."""
        if atoms:
            self.locked[currency] -= atoms

    def credit(self, currency: str, atoms: int) -> None:
        self.total[currency] = self.total.get(currency, 0) + atoms
        self.locked.setdefault(currency, 0)

    def pay(self, currency: str, atoms: int, from_lock: int) -> None:
        """Remove ``atoms`` from the balance, ``from_lock`` of them out of the locked part."""
        total = self.total.get(currency, 0) - atoms
        locked = self.locked.get(currency, 0) - from_lock
        if total < locked or locked < 0:
            raise InvariantError(f"paying {atoms} {currency} atoms leaves total {total} below locked {locked}")
        self.total[currency] = total
        self.locked[currency] = locked
