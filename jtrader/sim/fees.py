"""Maker/taker fee model: exact basis points of the notional, charged in the quote currency.

Assumptions (see ``docs/fills.md``):

* The fee of one fill is ``ceil(notional_atoms * bps / 10_000)`` atoms of the instrument's
  **quote** currency, for buys and sells alike (Coinbase Advanced Trade style). Rounding is up,
  to the atom, so the simulator never undercharges.
* Maker or taker is decided per fill by who provided the liquidity (a resting order that is
  hit is the maker; an order that crosses on arrival or a triggered stop is the taker).
* Binance-style "fee in the received asset" (base on buys) and rebates (negative bps) are not
  modelled: a documented gap.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

from jtrader.errors import ConfigError
from jtrader.model import LiquiditySide

__all__ = ["FeeModel"]

_BPS_PER_UNIT = 10_000
_MAKER = LiquiditySide.MAKER


def _parse_bps(value: object, what: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal | Fraction):
        raise ConfigError(f"{what} must be a str, int, Decimal or Fraction of basis points, got {value!r}")
    try:
        rate = Fraction(Decimal(value)) if isinstance(value, str) else Fraction(value)
    except (InvalidOperation, ValueError) as exc:
        raise ConfigError(f"{what} {value!r} is not a finite decimal number of basis points") from exc
    if not 0 <= rate < _BPS_PER_UNIT:
        raise ConfigError(f"{what} must be in [0, 10000) basis points, got {value!r}")
    return rate


class FeeModel:
    """Fees in basis points (1 bp = 0.01 %) of the fill's notional, exact (``fractions.Fraction``).

    ``maker_bps`` and ``taker_bps`` accept ``str`` (``"7.5"``), ``int``, ``Decimal`` or
    ``Fraction``; floats are refused (they are not exact). Both must lie in ``[0, 10000)``.
    """

    __slots__ = ("_den", "_maker_num", "_max_num", "_taker_num", "maker_bps", "taker_bps")

    def __init__(
        self, maker_bps: str | int | Decimal | Fraction = 0, taker_bps: str | int | Decimal | Fraction = 0
    ) -> None:
        self.maker_bps = _parse_bps(maker_bps, "maker_bps")
        self.taker_bps = _parse_bps(taker_bps, "taker_bps")
        # both rates over one common integer denominator: fee = ceil(notional * num / den)
        den = self.maker_bps.denominator * self.taker_bps.denominator * _BPS_PER_UNIT
        self._den = den
        self._maker_num = self.maker_bps.numerator * (den // (self.maker_bps.denominator * _BPS_PER_UNIT))
        self._taker_num = self.taker_bps.numerator * (den // (self.taker_bps.denominator * _BPS_PER_UNIT))
        self._max_num = max(self._maker_num, self._taker_num)

    def __repr__(self) -> str:
        return f"FeeModel(maker_bps={self.maker_bps}, taker_bps={self.taker_bps})"

    def rate(self, liquidity: LiquiditySide) -> Fraction:
        """The fee as a fraction of the notional (10 bps -> 1/1000)."""
        num = self._maker_num if liquidity is _MAKER else self._taker_num
        return Fraction(num, self._den)

    def fee(self, notional_atoms: int, liquidity: LiquiditySide) -> int:
        """Fee in quote atoms of one fill of ``notional_atoms``: rounded up to the atom."""
        num = self._maker_num if liquidity is _MAKER else self._taker_num
        return -(-notional_atoms * num // self._den)

    def max_fee(self, notional_atoms: int) -> int:
        """The larger of the maker and taker fee of ``notional_atoms`` (what a buy order locks)."""
        return -(-notional_atoms * self._max_num // self._den)

    @property
    def charges(self) -> bool:
        """True when any fee is non-zero."""
        return bool(self._maker_num or self._taker_num)

    def cost(self, notional_atoms: int, liquidity: LiquiditySide) -> int:
        """Quote atoms a buy of ``notional_atoms`` spends: notional plus fee."""
        return notional_atoms + self.fee(notional_atoms, liquidity)

    def affordable_lots(self, budget_atoms: int, atoms_per_lot: int, liquidity: LiquiditySide) -> int:
        """Most lots whose cost (notional plus rounded-up fee) fits in ``budget_atoms``.

        ``atoms_per_lot`` is the quote notional of one lot at the fill price. This is
        ``floor(budget / (price_per_lot * (1 + rate)))`` lots, reduced by one lot when the fee's
        rounding up to the atom would make the spend exceed the budget.
        """
        if budget_atoms <= 0 or atoms_per_lot <= 0:
            return 0
        num = self._maker_num if liquidity is _MAKER else self._taker_num
        lots = budget_atoms * self._den // (atoms_per_lot * (self._den + num))
        while lots > 0 and self.cost(lots * atoms_per_lot, liquidity) > budget_atoms:
            lots -= 1
        return lots
