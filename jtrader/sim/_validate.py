"""Static checks of a SubmitOrder: types, grid, order-type/instruction combinations, minimums.

Returns a rejection ``(reason, message)`` or None. Pure: reads the command and the instrument.
Prices are int ticks (> 0) and sizes int lots (> 0); a value of another type (float, Decimal,
str, bool) is refused rather than converted, because conversion is the parser's job.
"""

from __future__ import annotations

from jtrader.model import Instrument, OrderType, RejectReason, Side, SubmitOrder, TimeInForce

Rejection = tuple[RejectReason, str]

_MARKET, _LIMIT, _STOP, _STOP_LIMIT = OrderType.MARKET, OrderType.LIMIT, OrderType.STOP, OrderType.STOP_LIMIT
_GTC = TimeInForce.GTC
_BUY = Side.BUY


def check_fields(cmd: SubmitOrder) -> Rejection | None:
    """Field types and combinations that make no sense whatever the instrument.

    ``type(x) is Side`` is ``isinstance(x, Side)``: an enum with members cannot be subclassed.
    """
    order_id = cmd.order_id
    if type(order_id) is not str or not order_id:
        return RejectReason.INVALID_ORDER, f"order_id must be a non-empty str, got {order_id!r}"
    side = cmd.side
    if type(side) is not Side:
        return RejectReason.INVALID_ORDER, f"side must be a Side, got {side!r}"
    kind = cmd.order_type
    if type(kind) is not OrderType:
        return RejectReason.INVALID_ORDER, f"order_type must be an OrderType, got {kind!r}"
    tif = cmd.tif
    if type(tif) is not TimeInForce:
        return RejectReason.INVALID_ORDER, f"tif must be a TimeInForce, got {tif!r}"
    post_only = cmd.post_only
    reduce_only = cmd.reduce_only
    if type(post_only) is not bool or type(reduce_only) is not bool:
        return RejectReason.INVALID_ORDER, "post_only and reduce_only must be bool"
    size = cmd.size
    if type(size) is not int:
        return RejectReason.INVALID_SIZE, f"size must be an int of lots, got {size!r}"
    quote_size = cmd.quote_size
    if quote_size is not None:
        if kind is not _MARKET or side is not _BUY:
            return RejectReason.INVALID_ORDER, "quote_size is only for MARKET BUY orders"
        if type(quote_size) is not int or quote_size <= 0:
            return RejectReason.INVALID_SIZE, f"quote_size must be a positive int of atoms, got {quote_size!r}"
        if size != 0:
            return RejectReason.INVALID_ORDER, "give size or quote_size, not both"
    elif size <= 0:
        return RejectReason.INVALID_SIZE, f"size must be a positive number of lots, got {size}"
    price = cmd.price
    if kind is _LIMIT or kind is _STOP_LIMIT:
        if type(price) is not int or price <= 0:
            return RejectReason.INVALID_PRICE, f"{kind} needs a positive int price in ticks, got {price!r}"
    elif price is not None:
        return RejectReason.INVALID_ORDER, f"{kind} orders take no limit price"
    stop_price = cmd.stop_price
    if kind is _STOP or kind is _STOP_LIMIT:
        if type(stop_price) is not int or stop_price <= 0:
            return RejectReason.INVALID_PRICE, f"{kind} needs a positive int stop_price (ticks), got {stop_price!r}"
        if tif is not _GTC:
            return RejectReason.INVALID_ORDER, "stop orders are GTC only"
    elif stop_price is not None:
        return RejectReason.INVALID_ORDER, f"{kind} orders take no stop_price"
    if post_only and (kind is not _LIMIT or tif is not _GTC):
        return RejectReason.INVALID_ORDER, "post_only is only for GTC LIMIT orders"
    if reduce_only and side is _BUY:
        return RejectReason.REDUCE_ONLY_WOULD_INCREASE, "spot account: a reduce-only BUY would increase exposure"
    return None


def check_minimums(cmd: SubmitOrder, inst: Instrument, size: int) -> Rejection | None:
    """Minimum size and (for priced orders) minimum notional at the order's own price."""
    quote_size = cmd.quote_size
    if quote_size is not None:
        if quote_size < inst.min_notional_atoms:
            return RejectReason.BELOW_MIN_NOTIONAL, f"quote_size {quote_size} atoms is below the minimum notional"
        return None
    if size < inst.min_size_lots:
        return RejectReason.BELOW_MIN_SIZE, f"size {size} lots is below the minimum {inst.min_size_lots} lots"
    ref = cmd.price if cmd.price is not None else cmd.stop_price
    if ref is not None and inst.notional_atoms(ref, size) < inst.min_notional_atoms:
        return RejectReason.BELOW_MIN_NOTIONAL, "notional at the order price is below the minimum notional"
    return None
