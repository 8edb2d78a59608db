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

from jtrader.errors import InstrumentError, MalformedMessageError
from jtrader.model import Instrument, OrderRules
from jtrader.venues._common import load_json_object
from jtrader.venues.rules import ATOM, positive_decimal, rule_max, rule_min, rule_step

__all__ = ["COINBASE_STP_MODE", "parse_product", "parse_products", "product_rules", "status_instrument"]

#: Coinbase's default self-trade prevention ("decrement and cancel", the matching engine docs)
COINBASE_STP_MODE = "DECREMENT"


#: the product fields rules are made of; products share values (920 real products: 504 distinct sets)
_RULE_FIELDS = ("base_min_size", "base_max_size", "quote_min_size", "quote_max_size", "quote_increment")
#: (lot, the rule fields' raw values) -> rules: OrderRules is frozen, so products with the same
#: values share one object (bounded: emptied when full)
_RULES: dict[tuple[object, ...], OrderRules] = {}
_RULES_MAX = 4096


def _rules(obj: dict, symbol: str, lot: object) -> OrderRules | None:
    """The rules of a product whose lot (``base_increment``) is ``lot`` (raw); None for a zero lot
    (the Instrument refuses it and says why). Products with the same values share one object."""
    key = (lot, obj.get("min_market_funds"), *map(obj.get, _RULE_FIELDS))
    try:
        return _RULES[key]
    except KeyError:
        pass
    except TypeError:  # an unhashable value: _build_rules says what is wrong with it
        return _build_rules(obj, symbol, lot)
    if len(_RULES) >= _RULES_MAX:
        _RULES.clear()
    rules = _RULES[key] = _build_rules(obj, symbol, lot)
    return rules


def _build_rules(obj: dict, symbol: str, lot_text: object) -> OrderRules | None:
    lot = positive_decimal(lot_text, f"coinbase {symbol} base_increment")
    if lot is None:
        return None
    get = obj.get  # an empty string, like "0", means no rule
    return OrderRules(
        min_size_lots=rule_min(get("base_min_size") or None, lot, (symbol, "base_min_size")),
        max_size_lots=rule_max(get("base_max_size") or None, lot, (symbol, "base_max_size")),
        min_notional_atoms=rule_min(get("quote_min_size") or None, ATOM, (symbol, "quote_min_size")),
        max_notional_atoms=rule_max(get("quote_max_size") or None, ATOM, (symbol, "quote_max_size")),
        quote_step_atoms=rule_step(get("quote_increment") or None, ATOM, (symbol, "quote_increment")),
        min_market_funds_atoms=rule_min(get("min_market_funds") or None, ATOM, (symbol, "min_market_funds")),
        stp_mode=COINBASE_STP_MODE,
    )


def product_rules(obj: dict, inst: Instrument) -> OrderRules:
    """The order filters of one product object on ``inst``'s grid (see the module docstring)."""
    rules = _rules(obj, inst.symbol, inst.size_lot)
    assert rules is not None  # an Instrument's lot is positive
    return rules


def _instrument(
    obj: dict, symbol: str, tick: object, lot: object, *, base: str, quote: str, **extra: object
) -> Instrument:
    """One Instrument with its rules, built once (920 products in a real products body)."""
    rules = _rules(obj, symbol, lot)
    return Instrument(
        symbol=symbol, base=base, quote=quote, price_tick=tick, size_lot=lot, venue="coinbase", rules=rules, **extra
    )  # type: ignore[arg-type]


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
        return _instrument(
            obj,
            symbol,
            obj.get("price_increment") or obj["quote_increment"],
            obj["base_increment"],
            base=obj.get("base_currency_id") or obj.get("base_display_symbol") or symbol.partition("-")[0],
            quote=obj.get("quote_currency_id") or obj.get("quote_display_symbol") or symbol.partition("-")[2],
            min_size=obj.get("base_min_size") or None,
            min_notional=obj.get("quote_min_size") or "0",
        )
    except (KeyError, TypeError) as exc:
        raise InstrumentError(f"coinbase product {obj!r:.80}: missing field {exc}") from exc


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
    return _instrument(
        row,
        symbol,
        row["quote_increment"],
        row["base_increment"],
        base=row.get("base_currency") or symbol.partition("-")[0],
        quote=row.get("quote_currency") or symbol.partition("-")[2],
    )
