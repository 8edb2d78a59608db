"""Coinbase products -> instruments with their order rules. Pure functions.

A product object (``GET /api/v3/brokerage/market/products``, one product, or a websocket
``status`` row) gives the grid and the order filters (``shared/notes/venue-protocols.md`` 4):

==========================  ==========================================================
product field               becomes
==========================  ==========================================================
``price_increment``         ``Instrument.price_tick`` (``quote_increment`` when absent)
``base_increment``          ``Instrument.size_lot``, so ``OrderRules.size_step_lots`` is 1
``base_min_size``           ``Instrument.min_size``, ``OrderRules.min_size_lots`` (rounded up)
``base_max_size``           ``OrderRules.max_size_lots`` (rounded down: 456 of 920 real
                            products have a maximum off their own base increment)
``quote_increment``         ``OrderRules.quote_step_atoms`` (the step of a quote-sized order)
``quote_min_size``          ``Instrument.min_notional``, ``OrderRules.min_notional_atoms``
``quote_max_size``          ``OrderRules.max_notional_atoms``
``min_market_funds``        ``OrderRules.min_market_funds_atoms`` (status channel, old API)
==========================  ==========================================================

Notional limits apply to market orders too. Self-trade prevention is ``DECREMENT``: Coinbase's
matching engine documents "decrement and cancel" as its default. A zero value means no rule.
"""

from __future__ import annotations

from decimal import Decimal

from jtrader.errors import InstrumentError, MalformedMessageError
from jtrader.model import Instrument, OrderRules
from jtrader.venues._common import load_json_object
from jtrader.venues.rules import ATOM, positive_decimal, rule_max, rule_min, rule_step

__all__ = ["COINBASE_STP_MODE", "parse_product", "parse_products", "product_rules", "status_instrument"]

#: Coinbase's default self-trade prevention ("decrement and cancel", the matching engine docs)
COINBASE_STP_MODE = "DECREMENT"


def _optional(obj: dict, key: str, symbol: str) -> Decimal | None:
    value = obj.get(key)
    if value is None or value == "":
        return None
    return positive_decimal(value, f"{symbol} {key}")


def product_rules(obj: dict, inst: Instrument) -> OrderRules:
    """The order filters of one product object on ``inst``'s grid (see the module docstring)."""
    symbol = inst.symbol
    lot, tick = inst.size_lot, inst.price_tick
    assert isinstance(lot, Decimal) and isinstance(tick, Decimal)  # normalized by Instrument
    quote_step = _optional(obj, "quote_increment", symbol)
    return OrderRules(
        min_size_lots=rule_min(_optional(obj, "base_min_size", symbol), lot),
        max_size_lots=rule_max(_optional(obj, "base_max_size", symbol), lot),
        min_notional_atoms=rule_min(_optional(obj, "quote_min_size", symbol), ATOM),
        max_notional_atoms=rule_max(_optional(obj, "quote_max_size", symbol), ATOM),
        quote_step_atoms=None if quote_step is None else rule_step(quote_step, ATOM, f"{symbol} quote_increment"),
        min_market_funds_atoms=rule_min(_optional(obj, "min_market_funds", symbol), ATOM),
        stp_mode=COINBASE_STP_MODE,
    )


def _with_rules(obj: dict, inst: Instrument) -> Instrument:
    return Instrument(
        symbol=inst.symbol,
        base=inst.base,
        quote=inst.quote,
        price_tick=inst.price_tick,
        size_lot=inst.size_lot,
        min_size=inst.min_size,
        min_notional=inst.min_notional,
        venue=inst.venue,
        rules=product_rules(obj, inst),
    )


def parse_product(obj: dict) -> Instrument:
    """One product object -> :class:`Instrument` with its :class:`OrderRules` (module docstring).

    ``min_size`` is ``base_min_size`` and ``min_notional`` ``quote_min_size`` (quote units).
    Raises :class:`InstrumentError` when the increments cannot make an instrument.
    """
    if not isinstance(obj, dict):
        raise InstrumentError(f"coinbase product {obj!r:.80}: not an object")
    try:
        symbol = obj["product_id"]
        if not isinstance(symbol, str):
            raise InstrumentError(f"coinbase product id {symbol!r} is not a string")
        tick = obj.get("price_increment") or obj["quote_increment"]
        base = obj.get("base_currency_id") or obj.get("base_display_symbol") or symbol.partition("-")[0]
        quote = obj.get("quote_currency_id") or obj.get("quote_display_symbol") or symbol.partition("-")[2]
        inst = Instrument(
            symbol=symbol,
            base=base,
            quote=quote,
            price_tick=tick,
            size_lot=obj["base_increment"],
            min_size=obj.get("base_min_size") or None,
            min_notional=obj.get("quote_min_size") or "0",
            venue="coinbase",
        )
    except (KeyError, TypeError) as exc:
        raise InstrumentError(f"coinbase product {obj!r:.80}: missing field {exc}") from exc
    return _with_rules(obj, inst)


def parse_products(body: bytes | str | dict, errors: list[str] | None = None) -> dict[str, Instrument]:
    """``GET /market/products`` (or ``/market/products/{id}``) body -> instruments by product id.

    Products whose increments cannot make an instrument are left out; their reasons are appended
    to ``errors`` when given.
    """
    data = load_json_object(body, "coinbase", "products")
    products = data.get("products")
    if products is None and "product_id" in data:
        products = [data]
    if not isinstance(products, list):
        raise MalformedMessageError("coinbase products: body has no 'products' list")
    out: dict[str, Instrument] = {}
    for obj in products:
        try:
            inst = parse_product(obj)
        except (InstrumentError, TypeError) as exc:
            if errors is not None:
                errors.append(str(exc))
            continue
        out[inst.symbol] = inst
    return out


def status_instrument(row: dict) -> Instrument:
    """A websocket ``status`` product -> :class:`Instrument` (tick ``quote_increment``, lot
    ``base_increment``) with the rules the row carries (increments, ``min_market_funds``)."""
    symbol = row["id"]
    if not isinstance(symbol, str):
        raise InstrumentError(f"coinbase status product id {symbol!r} is not a string")
    inst = Instrument(
        symbol=symbol,
        base=row.get("base_currency") or symbol.partition("-")[0],
        quote=row.get("quote_currency") or symbol.partition("-")[2],
        price_tick=row["quote_increment"],
        size_lot=row["base_increment"],
        venue="coinbase",
    )
    return _with_rules(row, inst)
