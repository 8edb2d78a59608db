"""Turn engine events into JSON-able records with decimal strings (for backtest and replay output).

Prices (``price``, ``stop_price``) go through ``Instrument.ticks_to_price``, sizes (``size``,
``leaves``) through ``Instrument.lots_to_size``, money (``fee``, ``quote_size``) through
:func:`~jtrader.model.format_atoms`; enums become their string values. Keys keep the events'
declaration order, so the same run always serializes to the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from jtrader.model import Instrument, format_atoms, to_record

__all__ = ["event_record", "events_to_records"]

_PRICES = ("price", "stop_price")
_SIZES = ("size", "leaves")
_MONEY = ("fee", "quote_size")


def event_record(event: Any, instruments: Mapping[str, Instrument]) -> dict[str, Any]:
    """One event (or command) as a dict of plain values with decimal strings for numbers with units.

    Events of a symbol not in ``instruments`` keep their integers (nothing to scale them by).
    """
    record = to_record(event)
    inst = instruments.get(record.get("symbol") or "")
    for key in _MONEY:
        value = record.get(key)
        if value is not None:
            record[key] = format_atoms(value)
    if inst is None:
        return record
    for key in _PRICES:
        value = record.get(key)
        if value is not None:
            record[key] = inst.ticks_to_price(value)
    for key in _SIZES:
        value = record.get(key)
        if value is not None:
            record[key] = inst.lots_to_size(value)
    return record


def events_to_records(
    events: Iterable[Any], instruments: Mapping[str, Instrument] | Iterable[Instrument]
) -> list[dict[str, Any]]:
    """Every event of a run as records (see :func:`event_record`), in order."""
    if not isinstance(instruments, Mapping):
        instruments = {inst.symbol: inst for inst in instruments}
    return [event_record(ev, instruments) for ev in events]
