"""The paper session's own records: ``event`` records in its recording (format version 3).

Each is one JSON object (keys in a fixed order, decimal strings for prices, sizes and money):

* an engine event, written when the strategy received it: the object of
  :func:`jtrader.trading.event_record` (``"type": "OrderAccepted"``, ``"OrderFilled"``, ...,
  ``"OrderDenied"``, ``"RiskStateChanged"``, ``"EmergencyAction"``);
* ``{"type": "PaperEnd", ...}``: the session ended normally; the final equity, positions and
  counters (:data:`END`);
* ``{"type": "PaperError", "message": ...}``: a strategy callback raised and ended the session;
* ``{"type": "PaperResumed", ...}``: the session was resumed here after a crash (informational).

The record's ``ts`` is the engine clock when it was written; its connection id is :data:`CONN`.
"""

from __future__ import annotations

from typing import Any

import orjson

__all__ = ["CONN", "END", "ERROR", "MARKERS", "RESUMED", "decode", "encode", "is_engine_event"]

#: connection id of every event record
CONN = "paper"
END = "PaperEnd"
ERROR = "PaperError"
RESUMED = "PaperResumed"
#: the session's own markers (everything else is an engine event)
MARKERS = frozenset({END, ERROR, RESUMED})


def encode(obj: dict[str, Any]) -> bytes:
    """One event record's payload."""
    return orjson.dumps(obj)


def decode(payload: bytes) -> dict[str, Any]:
    """An event record's payload as a dict (ValueError when it is not a JSON object with a type)."""
    obj = orjson.loads(payload)
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        raise ValueError("an event record is not a JSON object with a type")
    return obj


def is_engine_event(obj: dict[str, Any]) -> bool:
    """True for an engine event, False for the session's own markers."""
    return obj["type"] not in MARKERS
