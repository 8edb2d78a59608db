"""Make the trading test helpers importable from the risk tests (one copy of the helpers)."""

from __future__ import annotations

import sys
from pathlib import Path

_TRADING_TESTS = str(Path(__file__).resolve().parents[1] / "trading")
if _TRADING_TESTS not in sys.path:
    sys.path.insert(0, _TRADING_TESTS)

from trading_kit import *  # noqa: E402, F403
from trading_kit import BTC, MINUTE, ONE, T0, USD_100K, Script, bars, delta, kinds, make_engine, snapshot, trade  # noqa: E402

__all__ = [
    "BTC",
    "MINUTE",
    "ONE",
    "T0",
    "USD_100K",
    "Script",
    "bars",
    "delta",
    "kinds",
    "make_engine",
    "snapshot",
    "trade",
]
