"""Numbers for people: money at the currency's display precision, messages in units, not atoms.

Machine output (``--json``, ``summary.json``, ``events.jsonl``) keeps exact decimal strings; only
human text goes through here, and never through a float: amounts are ``Decimal`` rounded half-even.

The display precision of a currency is, in this order: the venue's quote increment when the
instrument knows it (``OrderRules.quote_step_atoms``: Coinbase ``quote_increment``), else the
decimals of the price tick (0.01 USD for BTC-USD): prices are written in the quote currency, so
no venue prints a balance of it finer than its tick. (The tick x lot grid, 1e-10 USD for BTC-USD,
is the exact grid of a notional, but fees are rounded up to the 1e-18 atom, so it is no more
exact than the tick, and ten decimals of dollars are noise to a reader.) The base currency shows
at the lot's decimals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import TYPE_CHECKING, Any

from jtrader.model import ATOM_DECIMALS, TradingState, format_atoms

if TYPE_CHECKING:
    from jtrader.model import Instrument

__all__ = ["currency_places", "format_money", "format_ts", "money_places", "order_outcomes", "units_message"]


def format_ts(ts_ns: int) -> str:
    """``ts_ns`` (ns since the epoch) as ISO 8601 UTC with milliseconds: ``2026-01-01T00:00:01.250Z``."""
    seconds, ns = divmod(ts_ns, 1_000_000_000)
    text = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{ns // 1_000_000:03d}Z"


_WIDE = Context(prec=80, rounding=ROUND_HALF_EVEN)


def money_places(inst: Instrument) -> int:
    """Decimals to show an amount of ``inst.quote`` with (see the module docstring)."""
    rules = inst.rules
    step = rules.quote_step_atoms if rules is not None else None
    if step:
        text = format_atoms(step)
        return len(text.partition(".")[2])
    return inst.price_precision


def currency_places(instruments: list[Instrument] | tuple[Instrument, ...]) -> dict[str, int]:
    """``{currency: decimals}`` for every quote (money places) and base (lot places), sorted by name.

    A currency that is a quote of one instrument and a base of another takes the larger count.
    """
    places: dict[str, int] = {}
    for inst in instruments:
        places[inst.quote] = max(places.get(inst.quote, 0), money_places(inst))
        places[inst.base] = max(places.get(inst.base, 0), inst.size_precision)
    return dict(sorted(places.items()))


def format_money(amount: str | Decimal | int, places: int, grouping: bool = True) -> str:
    """``"101234.505"``, 2 -> ``"101,234.50"``: exact decimal, rounded half-even, thousands grouped.

    ``amount`` is a decimal string or Decimal in units (not atoms); an int is taken as units too.
    """
    value = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
    rounded = value.quantize(Decimal(1).scaleb(-places), context=_WIDE)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0.00"
    return f"{rounded:,f}" if grouping else f"{rounded:f}"


_ATOMS = re.compile(r"(?P<n>-?\d+) (?:(?P<cur>[A-Z][A-Z0-9]*) )?atoms(?:, (?P<free>-?\d+) free)?")
_LOTS_OF = re.compile(r"only (?P<got>\d+) of (?P<n>\d+) lots")
_LOTS = re.compile(r"(?P<n>-?\d+) lots(?:, max (?P<max>-?\d+)\b)?")
_MAX_LOTS = re.compile(r"(?P<n>-?\d+) lots > max (?P<max>-?\d+) lots")
_PRICE = re.compile(r"\b(?P<word>price|crosses|at) (?P<n>\d+)\b(?! (?:lots|atoms|[A-Z]))")


def units_message(message: str, inst: Instrument, places: dict[str, int] | None = None) -> str:
    """A denial/rejection message with atoms and lots written in units of the right currency.

    ``"needs 1200000000000000000000 USD atoms, 5 free"`` -> ``"needs 1,200.00 USD, 0.00 USD free"``;
    ``"position would reach 150000000 lots, max 100000000"`` -> ``"... 1.50000000 BTC, max 1.00000000 BTC"``.
    Prices in ticks after ``price``, ``crosses`` or ``at`` become decimal prices. Numbers without a
    unit are left alone. For human output only.
    """
    places = places or {}
    quote_places = places.get(inst.quote, money_places(inst))

    def money(atoms: str, currency: str) -> str:
        decimals = places.get(currency, quote_places if currency == inst.quote else ATOM_DECIMALS)
        return f"{format_money(Decimal(int(atoms)).scaleb(-ATOM_DECIMALS), decimals)} {currency}"

    def size(lots: str) -> str:
        return f"{inst.lots_to_size(int(lots))} {inst.base}"

    def atoms(match: re.Match[str]) -> str:
        currency = match["cur"] or inst.quote
        text = money(match["n"], currency)
        if match["free"] is not None:
            text += f", {money(match['free'], currency)} free"
        return text

    def lots(match: re.Match[str]) -> str:
        text = size(match["n"])
        if match["max"] is not None:
            text += f", max {size(match['max'])}"
        return text

    message = _PRICE.sub(lambda m: f"{m['word']} {inst.ticks_to_price(int(m['n']))}", message)
    message = _ATOMS.sub(atoms, message)
    message = _LOTS_OF.sub(lambda m: f"only {size(m['got'])} of {size(m['n'])}", message)
    message = _MAX_LOTS.sub(lambda m: f"{size(m['n'])} > max {size(m['max'])}", message)
    return _LOTS.sub(lots, message)


def order_outcomes(
    events: Iterable[Any], instruments: Mapping[str, Instrument], places: dict[str, int] | None = None
) -> dict[str, Any]:
    """Denials and rejections by reason, and why trading left ACTIVE, from a run's events.

    ``events`` are event objects or their records (dicts with ``"type"``, as in ``events.jsonl``).
    Returns ``{"denial_reasons": {reason: {"count", "example"}}, "rejection_reasons": {...},
    "halt_reason": str | None}``; reasons in order of first appearance, ``example`` the first
    message of that reason in units (:func:`units_message`).
    """
    denials: dict[str, dict[str, Any]] = {}
    rejections: dict[str, dict[str, Any]] = {}
    halt_reason: str | None = None
    for event in events:
        record = event if isinstance(event, dict) else None
        kind = record["type"] if record is not None else type(event).__name__
        if kind not in _OUTCOME_TYPES:
            continue
        get = record.get if record is not None else lambda name, e=event: getattr(e, name, None)
        if kind == "RiskStateChanged":
            new = str(getattr(get("new"), "value", get("new")))
            halt_reason = None if new == TradingState.ACTIVE.value else f"{get('reason')} (at {format_ts(get('ts'))})"
            continue
        table = denials if kind == "OrderDenied" else rejections
        reason = str(getattr(get("reason"), "value", get("reason")))
        entry = table.get(reason)
        if entry is None:
            inst = instruments.get(get("symbol") or "")
            message = str(get("message") or "")
            table[reason] = {"count": 1, "example": units_message(message, inst, places) if inst else message}
        else:
            entry["count"] += 1
    return {"denial_reasons": denials, "rejection_reasons": rejections, "halt_reason": halt_reason}


_OUTCOME_TYPES = frozenset({"OrderDenied", "OrderRejected", "RiskStateChanged"})
