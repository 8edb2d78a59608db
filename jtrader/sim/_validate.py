"""Static checks of a SubmitOrder: types, grid, order-type/instruction combinations, minimums.

Returns a rejection ``(reason, message)`` or None. Pure: reads the command and the instrument.
Prices are int ticks (> 0) and sizes int lots (> 0); a value of another type (float, Decimal,
str, bool) is refused rather than converted, because conversion is the parser's job.
"""

from __future__ import annotations

from jtrader.model import Instrument, OrderType, RejectReason, Side, SubmitOrder, TimeInForce

Rejection = tuple[RejectReason, str]

_PRICED = (OrderType.LIMIT, OrderType.STOP_LIMIT)
_STOPS = (OrderType.STOP, OrderType.STOP_LIMIT)


def _is_int(value: object) -> bool:
    return type(value) is int


def check_fields(cmd: SubmitOrder) -> Rejection | None:
    """Field types and combinations that make no sense whatever the instrument."""
    if type(cmd.order_id) is not str or not cmd.order_id:
        return RejectReason.INVALID_ORDER, f"order_id must be a non-empty str, got {cmd.order_id!r}"
    if not isinstance(cmd.side, Side):
        return RejectReason.INVALID_ORDER, f"side must be a Side, got {cmd.side!r}"
    if not isinstance(cmd.order_type, OrderType):
        return RejectReason.INVALID_ORDER, f"order_type must be an OrderType, got {cmd.order_type!r}"
    if not isinstance(cmd.tif, TimeInForce):
        return RejectReason.INVALID_ORDER, f"tif must be a TimeInForce, got {cmd.tif!r}"
    if type(cmd.post_only) is not bool or type(cmd.reduce_only) is not bool:
        return RejectReason.INVALID_ORDER, "post_only and reduce_only must be bool"
    kind = cmd.order_type
    if not _is_int(cmd.size):
        return RejectReason.INVALID_SIZE, f"size must be an int of lots, got {cmd.size!r}"
    if cmd.quote_size is not None:
        if kind is not OrderType.MARKET or cmd.side is not Side.BUY:
            return RejectReason.INVALID_ORDER, "quote_size is only for MARKET BUY orders"
        if not _is_int(cmd.quote_size) or cmd.quote_size <= 0:
            return RejectReason.INVALID_SIZE, f"quote_size must be a positive int of atoms, got {cmd.quote_size!r}"
        if cmd.size != 0:
            return RejectReason.INVALID_ORDER, "give size or quote_size, not both"
    elif cmd.size <= 0:
        return RejectReason.INVALID_SIZE, f"size must be a positive number of lots, got {cmd.size}"
    if kind in _PRICED:
        if not _is_int(cmd.price) or cmd.price <= 0:
            return RejectReason.INVALID_PRICE, f"{kind} needs a positive int price in ticks, got {cmd.price!r}"
    elif cmd.price is not None:
        return RejectReason.INVALID_ORDER, f"{kind} orders take no limit price"
    if kind in _STOPS:
        if not _is_int(cmd.stop_price) or cmd.stop_price <= 0:
            return RejectReason.INVALID_PRICE, f"{kind} needs a positive int stop_price (ticks), got {cmd.stop_price!r}"
        if cmd.tif is not TimeInForce.GTC:
            return RejectReason.INVALID_ORDER, "stop orders are GTC only"
    elif cmd.stop_price is not None:
        return RejectReason.INVALID_ORDER, f"{kind} orders take no stop_price"
    if cmd.post_only and (kind is not OrderType.LIMIT or cmd.tif is not TimeInForce.GTC):
        return RejectReason.INVALID_ORDER, "post_only is only for GTC LIMIT orders"
    if cmd.reduce_only and cmd.side is Side.BUY:
        return RejectReason.REDUCE_ONLY_WOULD_INCREASE, "spot account: a reduce-only BUY would increase exposure"
    return None


def check_minimums(cmd: SubmitOrder, inst: Instrument, size: int) -> Rejection | None:
    """Minimum size and (for priced orders) minimum notional at the order's own price."""
    if cmd.quote_size is not None:
        if cmd.quote_size < inst.min_notional_atoms:
            return RejectReason.BELOW_MIN_NOTIONAL, f"quote_size {cmd.quote_size} atoms is below the minimum notional"
        return None
    if size < inst.min_size_lots:
        return RejectReason.BELOW_MIN_SIZE, f"size {size} lots is below the minimum {inst.min_size_lots} lots"
    ref = cmd.price if cmd.price is not None else cmd.stop_price
    if ref is not None and inst.notional_atoms(ref, size) < inst.min_notional_atoms:
        return RejectReason.BELOW_MIN_NOTIONAL, "notional at the order price is below the minimum notional"
    return None
