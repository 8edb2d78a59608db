"""Maker/taker fee model: exact basis points of the notional, in the quote or the received asset.

Assumptions (see ``docs/fills.md``):

* ``asset="quote"`` (default, Coinbase Advanced Trade style): the fee of one fill is
  ``ceil(notional_atoms * bps / 10_000)`` atoms of the instrument's **quote** currency, for buys
  and sells alike. Rounding is up, to the atom, so the simulator never undercharges.
* ``asset="received"`` (Binance style): a sell pays the same quote fee out of what it receives;
  a buy pays its fee in the **base** asset it receives, ``ceil(lots * bps / 10_000)`` **whole
  lots** (rounded up to the lot, so that holdings and positions stay whole lots; with a coarse
  lot this overcharges, which the fill event shows).
* Maker or taker is decided per fill by who provided the liquidity (a resting order that is
  hit is the maker; an order that crosses on arrival or a triggered stop is the taker).
* Rebates (negative bps) and paying in a third asset (BNB) are not modelled: a documented gap.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

from jtrader.errors import ConfigError
from jtrader.model import LiquiditySide

__all__ = ["FeeModel"]

_BPS_PER_UNIT = 10_000
_MAKER = LiquiditySide.MAKER
#: where fees are charged: ``quote`` for both sides, or the ``received`` asset (base on buys)
FEE_ASSETS = ("quote", "received")


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
    ``asset``: ``"quote"`` (every fee in quote atoms) or ``"received"`` (buys pay whole lots of
    base, sells pay quote atoms); see the module docstring.
    """

    __slots__ = (
        "_buy_maker_num",
        "_buy_taker_num",
        "_den",
        "_maker_num",
        "_max_num",
        "_taker_num",
        "asset",
        "base_on_buys",
        "maker_bps",
        "taker_bps",
    )

    def __init__(
        self,
        maker_bps: str | int | Decimal | Fraction = 0,
        taker_bps: str | int | Decimal | Fraction = 0,
        asset: str = "quote",
    ) -> None:
        if asset not in FEE_ASSETS:
            raise ConfigError(f"fee asset must be one of {FEE_ASSETS}, got {asset!r}")
        self.asset = asset
        #: True when buys pay their fee in whole lots of the base they receive (``asset="received"``)
        self.base_on_buys = asset == "received"
        self.maker_bps = _parse_bps(maker_bps, "maker_bps")
        self.taker_bps = _parse_bps(taker_bps, "taker_bps")
        # both rates over one common integer denominator: fee = ceil(notional * num / den)
        den = self.maker_bps.denominator * self.taker_bps.denominator * _BPS_PER_UNIT
        self._den = den
        self._maker_num = self.maker_bps.numerator * (den // (self.maker_bps.denominator * _BPS_PER_UNIT))
        self._taker_num = self.taker_bps.numerator * (den // (self.taker_bps.denominator * _BPS_PER_UNIT))
        self._max_num = max(self._maker_num, self._taker_num)
        # the quote fee a buy pays: none when buys pay in base
        self._buy_maker_num = 0 if self.base_on_buys else self._maker_num
        self._buy_taker_num = 0 if self.base_on_buys else self._taker_num

    def __repr__(self) -> str:
        asset = "" if self.asset == "quote" else f", asset={self.asset!r}"
        return f"FeeModel(maker_bps={self.maker_bps}, taker_bps={self.taker_bps}{asset})"

    def rate(self, liquidity: LiquiditySide) -> Fraction:
        """The fee as a fraction of the notional (10 bps -> 1/1000)."""
        num = self._maker_num if liquidity is _MAKER else self._taker_num
        return Fraction(num, self._den)

    def fee(self, notional_atoms: int, liquidity: LiquiditySide) -> int:
        """Fee in quote atoms of one fill of ``notional_atoms`` (of a sell, or of a buy paying in quote): rounded up."""
        num = self._maker_num if liquidity is _MAKER else self._taker_num
        return -(-notional_atoms * num // self._den)

    def fee_lots(self, lots: int, liquidity: LiquiditySide) -> int:
        """Fee in whole lots of base of a buy of ``lots`` that pays in base: ``ceil(lots * rate)``."""
        num = self._maker_num if liquidity is _MAKER else self._taker_num
        return -(-lots * num // self._den)

    def max_fee(self, notional_atoms: int) -> int:
        """The larger of the maker and taker fee of ``notional_atoms`` in quote atoms (rounded up)."""
        return -(-notional_atoms * self._max_num // self._den)

    @property
    def charges(self) -> bool:
        """True when any fee is non-zero."""
        return bool(self._maker_num or self._taker_num)

    @property
    def quote_on_buys(self) -> bool:
        """True when buys pay a non-zero fee in quote atoms (what a buy order must lock besides the notional)."""
        return bool(self._buy_maker_num or self._buy_taker_num)

    def cost(self, notional_atoms: int, liquidity: LiquiditySide) -> int:
        """Quote atoms a buy of ``notional_atoms`` spends: notional plus its quote fee (none when buys pay in base)."""
        num = self._buy_maker_num if liquidity is _MAKER else self._buy_taker_num
        return notional_atoms - (-notional_atoms * num // self._den)

    def affordable_lots(self, budget_atoms: int, atoms_per_lot: int, liquidity: LiquiditySide) -> int:
        """Most lots a buy can pay for out of ``budget_atoms`` quote atoms (see :meth:`cost`).

        ``atoms_per_lot`` is the quote notional of one lot at the fill price. This is
        ``floor(budget / (price_per_lot * (1 + rate)))`` lots, reduced by one lot when the fee's
        rounding up to the atom would make the spend exceed the budget (rate 0 when buys pay in base).
        """
        if budget_atoms <= 0 or atoms_per_lot <= 0:
            return 0
        num = self._buy_maker_num if liquidity is _MAKER else self._buy_taker_num
        lots = budget_atoms * self._den // (atoms_per_lot * (self._den + num))
        while lots > 0 and self.cost(lots * atoms_per_lot, liquidity) > budget_atoms:
            lots -= 1
        return lots
