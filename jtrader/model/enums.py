"""Enumerations shared by every layer. Values are stable strings: they appear in JSON output."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["LiquiditySide", "OrderStatus", "OrderType", "RejectReason", "Side", "TimeInForce", "TradingState"]


class Side(StrEnum):
    """Order or aggressor side."""

    BUY = "BUY"
    SELL = "SELL"

    @property
    def opposite(self) -> Side:
        """The other side: SELL for BUY, BUY for SELL."""
        return Side.SELL if self is Side.BUY else Side.BUY

    @property
    def sign(self) -> int:
        """+1 for BUY, -1 for SELL: the sign of the position change a fill makes."""
        return 1 if self is Side.BUY else -1


class OrderType(StrEnum):
    """How an order is priced: at the market, at a limit, or once a stop price trades."""

    MARKET = "MARKET"
    LIMIT = "LIMIT"
    STOP = "STOP"  # stop-market: becomes a market order when the trigger trades
    STOP_LIMIT = "STOP_LIMIT"  # becomes a limit order when the trigger trades


class TimeInForce(StrEnum):
    """How long an order stays open."""

    GTC = "GTC"  # good till cancelled
    IOC = "IOC"  # immediate or cancel: fill what is available now, cancel the rest
    FOK = "FOK"  # fill or kill: fill all now or nothing


class LiquiditySide(StrEnum):
    """Whether a fill added liquidity (MAKER: the order rested) or took it (TAKER)."""

    MAKER = "MAKER"
    TAKER = "TAKER"


class OrderStatus(StrEnum):
    """Life-cycle state of one order."""

    PENDING = "PENDING"  # sent, not yet at the exchange (entry latency)
    ACCEPTED = "ACCEPTED"  # resting, or a stop waiting for its trigger
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"  # IOC/FOK/market remainder that could not fill
    REJECTED = "REJECTED"  # by the exchange
    DENIED = "DENIED"  # by the risk manager, never sent

    @property
    def is_open(self) -> bool:
        """True while the order may still fill or be canceled."""
        return self in (OrderStatus.PENDING, OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED)


class RejectReason(StrEnum):
    """Why an order or a cancel was rejected (exchange) or denied (risk). Stable codes."""

    # exchange rejections
    UNKNOWN_INSTRUMENT = "UNKNOWN_INSTRUMENT"
    INVALID_PRICE = "INVALID_PRICE"  # missing, zero, negative or off the tick grid
    INVALID_SIZE = "INVALID_SIZE"  # zero, negative or off the lot grid
    BELOW_MIN_SIZE = "BELOW_MIN_SIZE"
    BELOW_MIN_NOTIONAL = "BELOW_MIN_NOTIONAL"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    POST_ONLY_WOULD_CROSS = "POST_ONLY_WOULD_CROSS"
    FOK_NOT_FILLABLE = "FOK_NOT_FILLABLE"
    STOP_WOULD_TRIGGER = "STOP_WOULD_TRIGGER"  # stop trigger already in the market
    REDUCE_ONLY_WOULD_INCREASE = "REDUCE_ONLY_WOULD_INCREASE"
    NO_MARKET = "NO_MARKET"  # market order with no price to fill at
    DUPLICATE_ORDER_ID = "DUPLICATE_ORDER_ID"
    INVALID_ORDER = "INVALID_ORDER"  # a combination of fields that makes no sense
    UNKNOWN_ORDER = "UNKNOWN_ORDER"  # cancel of an order that is not open
    REPLACE_CANCEL_FAILED = "REPLACE_CANCEL_FAILED"  # a replace whose cancel failed: the new order is refused
    ABOVE_MAX_SIZE = "ABOVE_MAX_SIZE"  # venue LOT_SIZE/MARKET_LOT_SIZE maxQty, Coinbase base_max_size
    ABOVE_MAX_NOTIONAL = "ABOVE_MAX_NOTIONAL"  # venue NOTIONAL maxNotional, Coinbase quote_max_size
    PRICE_OUT_OF_RANGE = "PRICE_OUT_OF_RANGE"  # venue PRICE_FILTER minPrice/maxPrice
    # risk denials
    MAX_ORDER_SIZE = "MAX_ORDER_SIZE"
    MAX_ORDER_NOTIONAL = "MAX_ORDER_NOTIONAL"
    MAX_POSITION = "MAX_POSITION"
    MAX_OPEN_ORDERS = "MAX_OPEN_ORDERS"
    RATE_LIMIT = "RATE_LIMIT"
    PRICE_BAND = "PRICE_BAND"
    REDUCING_ONLY = "REDUCING_ONLY"
    HALTED = "HALTED"
    BOOK_RESYNCING = "BOOK_RESYNCING"
    STALE_DATA = "STALE_DATA"


class TradingState(StrEnum):
    """Risk manager state: what orders may pass."""

    ACTIVE = "ACTIVE"  # everything that passes the checks
    REDUCING = "REDUCING"  # only orders that reduce exposure, and cancels
    HALTED = "HALTED"  # only cancels (and the emergency manager's flattening orders)
