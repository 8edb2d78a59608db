"""Static checks of a SubmitOrder: types, grid, order-type/instruction combinations, minimums, venue rules.

Returns a rejection ``(reason, message)`` or None. Pure: reads the command and the instrument.
Prices are int ticks (> 0) and sizes int lots (> 0); a value of another type (float, Decimal,
str, bool) is refused rather than converted, because conversion is the parser's job.

Venue rules (:class:`~jtrader.model.rules.OrderRules` on ``Instrument.rules``), as Binance
``exchangeInfo`` filters and Coinbase product fields define them:

* size: a multiple of the step (``INVALID_SIZE``), within min/max (``BELOW_MIN_SIZE``,
  ``ABOVE_MAX_SIZE``); MARKET orders by size use the market lot rules where given;
* price and stop price: a multiple of the price step (``INVALID_PRICE``), within min/max
  (``PRICE_OUT_OF_RANGE``);
* notional within min/max (``BELOW_MIN_NOTIONAL``, ``ABOVE_MAX_NOTIONAL``): limit and stop-limit
  orders at their limit price, stop-market orders at their stop price; MARKET orders by size at a
  reference price, **the displayed touch at arrival** (on candles: the last close), and only when
  the rule applies to market orders; Coinbase ``min_market_funds`` bounds a market order's
  notional or quote amount from below;
* quote-sized MARKET buys: the amount is a multiple of the quote step (``INVALID_SIZE``) and
  within the notional bounds.
"""

from __future__ import annotations

from jtrader.model import Instrument, OrderType, RejectReason, Side, SubmitOrder, TimeInForce
from jtrader.model.rules import OrderRules

Rejection = tuple[RejectReason, str]

_MARKET, _LIMIT, _STOP, _STOP_LIMIT = OrderType.MARKET, OrderType.LIMIT, OrderType.STOP, OrderType.STOP_LIMIT
_GTC = TimeInForce.GTC
_BUY = Side.BUY


def raw_field(cmd: object, name: str) -> object:
    """``cmd``'s field ``name`` as it is, whatever its type (a command a strategy built may be wrong).

    For the compiled core's modules: mypyc checks an attribute read against its annotation and
    raises a bare ``TypeError`` before jtrader could reject the command; this module is not
    compiled, so the read here is a plain ``getattr``.
    """
    return getattr(cmd, name)


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


def reduce_only_size(cmd: SubmitOrder, inst: Instrument, free_base: int) -> tuple[int, Rejection | None]:
    """A reduce-only SELL is clipped to the free base holdings (atoms), then down to the venue's size step."""
    held = free_base // inst.atoms_per_lot
    if held <= 0:
        return 0, (RejectReason.REDUCE_ONLY_WOULD_INCREASE, f"no free {inst.base} holdings to reduce")
    size = min(cmd.size, held)
    rules = inst.rules
    if rules is not None:
        step = _size_rules(rules, cmd.order_type is _MARKET)[0]
        size -= size % step
        if size == 0:
            return 0, (RejectReason.BELOW_MIN_SIZE, f"free {inst.base} holdings are below one size step of {step} lots")
    return size, None


def _size_rules(rules: OrderRules, market: bool) -> tuple[int, int | None, int | None]:
    """``(step, min, max)`` in lots for a MARKET order by size (``market``) or any other order."""
    if market:
        return (
            rules.size_step_lots if rules.market_size_step_lots is None else rules.market_size_step_lots,
            rules.min_size_lots if rules.market_min_size_lots is None else rules.market_min_size_lots,
            rules.max_size_lots if rules.market_max_size_lots is None else rules.market_max_size_lots,
        )
    return rules.size_step_lots, rules.min_size_lots, rules.max_size_lots


def check_rules(cmd: SubmitOrder, inst: Instrument, size: int) -> Rejection | None:
    """The venue's order rules of ``inst`` that need no market price (see the module docstring)."""
    rules = inst.rules
    if rules is None:
        return None
    quote = cmd.quote_size
    if quote is not None:
        step = rules.quote_step_atoms
        if step and quote % step:
            return RejectReason.INVALID_SIZE, f"quote_size {quote} atoms is not a multiple of the quote step {step}"
        return _check_notional(rules, quote, "quote_size")
    kind = cmd.order_type
    step, low, high = _size_rules(rules, kind is _MARKET)
    if size % step:
        return RejectReason.INVALID_SIZE, f"size {size} lots is not a multiple of the step {step} lots"
    if low is not None and size < low:
        return RejectReason.BELOW_MIN_SIZE, f"size {size} lots is below the venue minimum {low} lots"
    if high is not None and size > high:
        return RejectReason.ABOVE_MAX_SIZE, f"size {size} lots is above the venue maximum {high} lots"
    for what, price in (("price", cmd.price), ("stop_price", cmd.stop_price)):
        if price is None:
            continue
        if price % rules.price_step_ticks:
            return (
                RejectReason.INVALID_PRICE,
                f"{what} {price} is not a multiple of the tick step {rules.price_step_ticks}",
            )
        if rules.min_price_ticks is not None and price < rules.min_price_ticks:
            return RejectReason.PRICE_OUT_OF_RANGE, f"{what} {price} is below the venue minimum {rules.min_price_ticks}"
        if rules.max_price_ticks is not None and price > rules.max_price_ticks:
            return RejectReason.PRICE_OUT_OF_RANGE, f"{what} {price} is above the venue maximum {rules.max_price_ticks}"
    if kind is _MARKET:
        return None  # priced at arrival: check_market_notional
    ref = cmd.price if cmd.price is not None else cmd.stop_price
    assert ref is not None
    notional = inst.notional_atoms(ref, size)
    if rules.min_notional_atoms is not None and notional < rules.min_notional_atoms:
        return RejectReason.BELOW_MIN_NOTIONAL, f"notional {notional} atoms is below the venue minimum"
    if rules.max_notional_atoms is not None and notional > rules.max_notional_atoms:
        return RejectReason.ABOVE_MAX_NOTIONAL, f"notional {notional} atoms is above the venue maximum"
    return None


def check_market_notional(inst: Instrument, size: int, ref: int, where: str) -> Rejection | None:
    """Venue notional rules of a MARKET order of ``size`` lots priced at ``ref`` ticks (``where`` names it)."""
    rules = inst.rules
    if rules is None:
        return None
    return _check_notional(rules, inst.notional_atoms(ref, size), f"notional at {where}")


def _check_notional(rules: OrderRules, atoms: int, what: str) -> Rejection | None:
    """Market-order notional bounds (``applyMinToMarket``/``applyMaxToMarket``, ``min_market_funds``)."""
    low = rules.min_notional_atoms if rules.min_notional_market else None
    funds = rules.min_market_funds_atoms
    if (low is not None and atoms < low) or (funds is not None and atoms < funds):
        return RejectReason.BELOW_MIN_NOTIONAL, f"{what} {atoms} atoms is below the venue minimum"
    high = rules.max_notional_atoms if rules.max_notional_market else None
    if high is not None and atoms > high:
        return RejectReason.ABOVE_MAX_NOTIONAL, f"{what} {atoms} atoms is above the venue maximum"
    return None
