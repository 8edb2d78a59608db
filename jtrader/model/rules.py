"""Venue order rules of one instrument: what a real venue refuses before it matches anything.

Filled by the venue adapters from Binance ``exchangeInfo`` filters (``PRICE_FILTER``, ``LOT_SIZE``,
``MARKET_LOT_SIZE``, ``MIN_NOTIONAL``/``NOTIONAL``, ``defaultSelfTradePreventionMode``) and Coinbase
products (``price_increment``/``quote_increment``, ``base_increment``, ``base_min_size``,
``base_max_size``, ``quote_min_size``/``quote_max_size``, ``min_market_funds``). Enforced by the
simulated exchange (rejections with typed reasons) and mirrored by the risk manager.

Every value is an ``int`` on the instrument's own grid: sizes in lots of ``Instrument.size_lot``,
prices in ticks of ``Instrument.price_tick``, money in quote atoms. ``None`` means "no such rule".
A step of 1 means "any whole lot / tick". Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass

from jtrader.errors import InstrumentError
from jtrader.model.pickling import init_args

__all__ = ["STP_MODES", "OrderRules"]

#: self-trade prevention modes (Binance names; Coinbase's default "decrement and cancel" is DECREMENT)
STP_MODES = ("NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT")


@dataclass(frozen=True, slots=True)
class OrderRules:
    """The order filters of one instrument (see the module docstring for units).

    * ``size_step_lots``: a limit/stop order's size must be a multiple (Binance ``LOT_SIZE.stepSize``,
      Coinbase ``base_increment``); ``min_size_lots``/``max_size_lots`` bound it.
    * ``market_size_step_lots``, ``market_min_size_lots``, ``market_max_size_lots``: the same for
      MARKET orders by size (Binance ``MARKET_LOT_SIZE``); None falls back to the limit rules.
    * ``price_step_ticks``, ``min_price_ticks``, ``max_price_ticks``: Binance ``PRICE_FILTER``.
    * ``min_notional_atoms``/``max_notional_atoms`` with ``min_notional_market``/
      ``max_notional_market``: whether they also apply to MARKET orders (Binance ``applyToMarket``,
      ``applyMinToMarket``, ``applyMaxToMarket``); Coinbase ``quote_min_size``/``quote_max_size``.
    * ``quote_step_atoms``: a quote-sized market order's amount must be a multiple (Coinbase
      ``quote_increment``); ``min_market_funds_atoms``: Coinbase ``min_market_funds``.
    * ``stp_mode``: the venue's default self-trade prevention mode (:data:`STP_MODES`).
    """

    size_step_lots: int = 1
    min_size_lots: int | None = None
    max_size_lots: int | None = None
    market_size_step_lots: int | None = None
    market_min_size_lots: int | None = None
    market_max_size_lots: int | None = None
    price_step_ticks: int = 1
    min_price_ticks: int | None = None
    max_price_ticks: int | None = None
    min_notional_atoms: int | None = None
    max_notional_atoms: int | None = None
    min_notional_market: bool = True
    max_notional_market: bool = True
    quote_step_atoms: int | None = None
    min_market_funds_atoms: int | None = None
    stp_mode: str = "NONE"

    def __reduce__(self) -> tuple[type[OrderRules], tuple[object, ...]]:
        """Pickle (and copy) as a constructor call (see :mod:`jtrader.model.pickling`)."""
        return (OrderRules, init_args(self))

    def __post_init__(self) -> None:
        for name in ("size_step_lots", "price_step_ticks"):
            value = getattr(self, name)
            if type(value) is not int or value < 1:
                raise InstrumentError(f"OrderRules.{name} must be an int >= 1, got {value!r}")
        for name in (
            "min_size_lots",
            "max_size_lots",
            "market_size_step_lots",
            "market_min_size_lots",
            "market_max_size_lots",
            "min_price_ticks",
            "max_price_ticks",
            "min_notional_atoms",
            "max_notional_atoms",
            "quote_step_atoms",
            "min_market_funds_atoms",
        ):
            value = getattr(self, name)
            if value is not None and (type(value) is not int or value < 0):
                raise InstrumentError(f"OrderRules.{name} must be a non-negative int or None, got {value!r}")
        if self.stp_mode not in STP_MODES:
            raise InstrumentError(f"OrderRules.stp_mode must be one of {STP_MODES}, got {self.stp_mode!r}")
