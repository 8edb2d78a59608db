"""Replay of recorded websocket sessions (jtrader, cryptofeed, hftbacktest files) through the
venue adapters, the engine, the risk and emergency managers and the simulated exchange.

The names below are loaded on first use (PEP 562): ``import jtrader`` imports this package (so that
the function ``jtrader.replay`` can stand beside it, see ``docs/architecture.md``) without paying
for the venue adapters and the recording readers.
"""

import importlib
import typing

if typing.TYPE_CHECKING:
    from jtrader.replay.runner import ReplayConfig, ReplayOutcome, run_replay

__all__ = ["ReplayConfig", "ReplayOutcome", "run_replay"]

#: names loaded on first use -> the module that defines them
_LAZY = {
    "ReplayConfig": "jtrader.replay.runner",
    "ReplayOutcome": "jtrader.replay.runner",
    "run_replay": "jtrader.replay.runner",
}


def __getattr__(name: str) -> typing.Any:
    """Load the runner on first use (``from jtrader.replay import run_replay``)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'jtrader.replay' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
