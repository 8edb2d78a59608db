"""Binance ``exchangeInfo`` -> instruments with their order rules. Pure functions.

Filters (``shared/notes/venue-protocols.md`` section 4, BN-REST ``filters.md``); decimal strings
are normalized (``"0.01000000"`` -> ``Decimal("0.01")``) and a zero disables a rule:

==============================================  =====================================================
filter                                          becomes
==============================================  =====================================================
``PRICE_FILTER.tickSize``                       ``Instrument.price_tick`` (``price_step_ticks`` 1)
``PRICE_FILTER.minPrice``/``maxPrice``          ``OrderRules.min_price_ticks``/``max_price_ticks``
``LOT_SIZE.stepSize``                           ``OrderRules.size_step_lots``, in the instrument's lot
``LOT_SIZE.minQty``/``maxQty``                  ``Instrument.min_size``; ``min_size_lots``/``max_size_lots``
``MARKET_LOT_SIZE.stepSize``/``minQty``/        ``market_size_step_lots``/``market_min_size_lots``/
``maxQty``                                      ``market_max_size_lots`` (0: the LOT_SIZE rule applies)
``MIN_NOTIONAL.minNotional``, ``applyToMarket``  ``min_notional_atoms``, ``min_notional_market`` (older)
``NOTIONAL.minNotional``, ``applyMinToMarket``,  ``min_notional_atoms``, ``min_notional_market``,
``maxNotional``, ``applyMaxToMarket``           ``max_notional_atoms``, ``max_notional_market``
``defaultSelfTradePreventionMode``              ``OrderRules.stp_mode`` (NONE when absent or unknown)
==============================================  =====================================================

When both notional filters are listed, ``NOTIONAL`` (the current one) wins. Unknown filter types
(``PERCENT_PRICE``, ``ICEBERG_PARTS``, ``MAX_NUM_ORDERS``...) are ignored. ``baseAssetPrecision``
is the precision quantities are *reported* in, not an order rule.

**The lot.** Instruments use a lot of ``10**-baseAssetPrecision`` (1e-8 on every real symbol),
not ``LOT_SIZE.stepSize``: real books and trades hold quantities finer than the order step
(orders left from before a step change, NKNUSDT 2021-10-12: ``11979.3`` with a step of 1), and
they must parse. The order step is then ``size_step_lots`` in those lots (NKNUSDT: 100,000,000).
Minimums round up and maximums down to whole lots/ticks/atoms (:mod:`jtrader.venues.rules`).

These parsers raise :class:`~jtrader.errors.MalformedMessageError` on a body they cannot use and
:class:`~jtrader.errors.InstrumentError` on a symbol they cannot use.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from jtrader.errors import ConfigError, InstrumentError, MalformedMessageError
from jtrader.model import STP_MODES, Instrument, OrderRules
from jtrader.venues._common import load_json_object
from jtrader.venues.rules import ATOM, rule_max, rule_min, rule_step

__all__ = ["parse_exchange_info", "symbol_filters", "symbol_instrument", "symbol_rules"]


def _decimal(text: object, what: str) -> Decimal:
    try:
        value = Decimal(str(text))
    except (InvalidOperation, ValueError) as exc:
        raise InstrumentError(f"{what} {text!r} is not a decimal") from exc
    if not value.is_finite() or value < 0:
        raise InstrumentError(f"{what} {text!r} is not a non-negative decimal")
    return value.normalize() if value else Decimal(0)


def _filters(obj: dict) -> list[dict]:
    filters = obj["filters"]
    if not isinstance(filters, list) or not all(isinstance(flt, dict) for flt in filters):
        raise InstrumentError(f"{obj.get('symbol', '?')}: 'filters' is not a list of objects")
    return filters


def symbol_filters(obj: dict) -> dict[str, Decimal]:
    """``tick``, ``lot``, ``min_qty`` and ``min_notional`` of one exchangeInfo symbol, normalized.

    Unknown filter types are ignored; a missing notional filter means no minimum (0); with both
    notional filters listed, ``NOTIONAL`` wins.
    """
    symbol = obj.get("symbol", "?")
    out = {"min_notional": Decimal(0)}
    notional_from = None
    for flt in _filters(obj):
        kind = flt.get("filterType")
        if kind == "PRICE_FILTER":
            out["tick"] = _decimal(flt["tickSize"], f"{symbol} tickSize")
        elif kind == "LOT_SIZE":
            out["lot"] = _decimal(flt["stepSize"], f"{symbol} stepSize")
            out["min_qty"] = _decimal(flt.get("minQty", "0"), f"{symbol} minQty")
        elif kind in ("MIN_NOTIONAL", "NOTIONAL") and "minNotional" in flt and notional_from != "NOTIONAL":
            out["min_notional"] = _decimal(flt["minNotional"], f"{symbol} minNotional")
            notional_from = kind
    return out


def symbol_instrument(obj: dict, lot: str = "precision", errors: list[str] | None = None) -> Instrument:
    """One exchangeInfo ``symbols[]`` entry -> :class:`Instrument`; :class:`InstrumentError` if unusable.

    The tick is ``PRICE_FILTER.tickSize`` (real book prices are on it). The lot depends on ``lot``:

    * ``"precision"`` (default, what the adapters use): ``10**-baseAssetPrecision`` (8 when absent),
      the precision quantities are *reported* in. Real book and trade quantities can be finer than
      ``LOT_SIZE.stepSize`` (NKNUSDT 2021-10-12: a depth level of ``11979.3`` with a step of 1,
      orders left from before a step change), so the step cannot be the parsing grid.
    * ``"step"``: ``LOT_SIZE.stepSize``, the step *orders* must respect (strict order validation).

    A zero ``tickSize`` or ``stepSize`` (rule disabled) gives no grid, hence no instrument. A zero
    ``minQty`` means one lot. ``rules`` holds every filter (:func:`symbol_rules`; notes on what it
    could not model go to ``errors`` when given).
    """
    if not isinstance(obj, dict):
        raise InstrumentError(f"binance symbol {obj!r:.80}: not an object")
    try:
        symbol = obj["symbol"]
        if not isinstance(symbol, str):
            raise InstrumentError(f"binance symbol name {symbol!r} is not a string")
        filters = symbol_filters(obj)
        if "tick" not in filters or "lot" not in filters or not filters["tick"] or not filters["lot"]:
            raise InstrumentError(f"{symbol}: exchangeInfo has no usable PRICE_FILTER or LOT_SIZE")
        if lot == "step":
            size_lot = filters["lot"]
        elif lot == "precision":
            places = obj.get("baseAssetPrecision", 8)
            if type(places) is not int or not 0 <= places <= 18:
                raise InstrumentError(f"{symbol}: baseAssetPrecision {places!r}")
            size_lot = min(filters["lot"], Decimal(1).scaleb(-places))
        else:
            raise ConfigError(f"lot must be 'precision' or 'step', got {lot!r}")
        return Instrument(
            symbol=symbol,
            base=obj["baseAsset"],
            quote=obj["quoteAsset"],
            price_tick=filters["tick"],
            size_lot=size_lot,
            min_size=filters["min_qty"] or None,
            min_notional=filters["min_notional"],
            venue="binance",
            rules=_rules(obj, symbol, filters["tick"], size_lot, errors),
        )
    except (KeyError, TypeError) as exc:
        raise InstrumentError(f"binance symbol {obj!r:.80}: missing field {exc}") from exc


def parse_exchange_info(
    body: bytes | str | dict, errors: list[str] | None = None, lot: str = "precision"
) -> dict[str, Instrument]:
    """``GET /api/v3/exchangeInfo`` body -> instruments by symbol (``BTCUSDT``); ``lot`` as in
    :func:`symbol_instrument`.

    Symbols that cannot make an instrument are left out; their reasons go to ``errors`` if given.
    """
    data = load_json_object(body, "binance", "exchangeInfo")
    symbols = data.get("symbols")
    if not isinstance(symbols, list):
        raise MalformedMessageError("binance exchangeInfo: body has no 'symbols' list")
    out: dict[str, Instrument] = {}
    for obj in symbols:
        try:
            inst = symbol_instrument(obj, lot, errors)
        except (InstrumentError, TypeError) as exc:
            if errors is not None:
                errors.append(str(exc))
            continue
        out[inst.symbol] = inst
    return out


def _flag(flt: dict, key: str, symbol: str) -> bool:
    value = flt.get(key, True)
    if type(value) is not bool:
        raise InstrumentError(f"{symbol} {flt.get('filterType')}.{key} {value!r} is not true or false")
    return value


def symbol_rules(obj: dict, inst: Instrument, errors: list[str] | None = None) -> OrderRules:
    """Every order filter of one exchangeInfo ``symbols[]`` entry as :class:`OrderRules` on ``inst``'s grid.

    See the module docstring for the mapping. An unknown ``defaultSelfTradePreventionMode`` is
    read as ``NONE`` (its name goes to ``errors`` when given). Raises :class:`InstrumentError`.
    """
    lot, tick = inst.size_lot, inst.price_tick
    assert isinstance(lot, Decimal) and isinstance(tick, Decimal)  # normalized by Instrument
    return _rules(obj, inst.symbol, tick, lot, errors)


def _rules(obj: dict, symbol: str, tick: Decimal, lot: Decimal, errors: list[str] | None) -> OrderRules:
    fields: dict[str, object] = {}
    notional: dict[str, dict[str, object]] = {}
    for flt in _filters(obj):
        kind = flt.get("filterType")
        if kind == "PRICE_FILTER":
            fields["price_step_ticks"] = rule_step(flt["tickSize"], tick, f"{symbol} tickSize") or 1
            fields["min_price_ticks"] = rule_min(flt.get("minPrice"), tick, f"{symbol} minPrice")
            fields["max_price_ticks"] = rule_max(flt.get("maxPrice"), tick, f"{symbol} maxPrice")
        elif kind == "LOT_SIZE":
            fields["size_step_lots"] = rule_step(flt.get("stepSize"), lot, f"{symbol} stepSize") or 1
            fields["min_size_lots"] = rule_min(flt.get("minQty"), lot, f"{symbol} LOT_SIZE.minQty")
            fields["max_size_lots"] = rule_max(flt.get("maxQty"), lot, f"{symbol} LOT_SIZE.maxQty")
        elif kind == "MARKET_LOT_SIZE":
            what = f"{symbol} MARKET_LOT_SIZE"
            fields["market_size_step_lots"] = rule_step(flt.get("stepSize"), lot, f"{what}.stepSize")
            fields["market_min_size_lots"] = rule_min(flt.get("minQty"), lot, f"{what}.minQty")
            fields["market_max_size_lots"] = rule_max(flt.get("maxQty"), lot, f"{what}.maxQty")
        elif kind == "MIN_NOTIONAL" and "NOTIONAL" not in notional:
            notional["MIN_NOTIONAL"] = {
                "min_notional_atoms": rule_min(flt.get("minNotional"), ATOM, f"{symbol} minNotional"),
                "min_notional_market": _flag(flt, "applyToMarket", symbol),
            }
        elif kind == "NOTIONAL":
            notional.pop("MIN_NOTIONAL", None)
            notional["NOTIONAL"] = {
                "min_notional_atoms": rule_min(flt.get("minNotional"), ATOM, f"{symbol} minNotional"),
                "min_notional_market": _flag(flt, "applyMinToMarket", symbol),
                "max_notional_atoms": rule_max(flt.get("maxNotional"), ATOM, f"{symbol} maxNotional"),
                "max_notional_market": _flag(flt, "applyMaxToMarket", symbol),
            }
    for values in notional.values():
        fields.update(values)  # type: ignore[arg-type]
    mode = obj.get("defaultSelfTradePreventionMode")
    if mode in STP_MODES:
        fields["stp_mode"] = mode
    elif mode is not None and errors is not None:
        errors.append(f"{symbol}: self-trade prevention mode {mode!r} is not modelled; read as NONE")
    return OrderRules(**fields)  # type: ignore[arg-type]
