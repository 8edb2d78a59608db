"""Build script: pure Python by default; ``JTRADER_COMPILE=1`` compiles the hot modules with mypyc.

Everything else about the package lives in ``pyproject.toml``. The compiled set is the candle and
replay hot path: the model, the order book, the simulated exchange, the risk gate and the trading
engine with its dispatch. Left out, and why (docs/performance.md, "The compiled core"):

* ``jtrader/model/events.py``: frozen event dataclasses stop pickling when compiled (dask ships them);
* ``jtrader/trading/strategy.py``, ``context.py``, ``views.py``, ``builder.py``, ``report.py``, ``result.py``:
  users subclass ``Strategy`` and tests monkeypatch these classes, which compiled classes forbid;
  they are not hot;
* ``jtrader/trading/execution.py`` and ``jtrader/risk/ports.py``: interfaces only (``Protocol``
  classes); ``@runtime_checkable`` refuses a compiled class, and there is no work in them to speed up;
* ``jtrader/trading/portfolio.py``: the candle runner subclasses ``Portfolio`` (``_JournalPortfolio``),
  and interpreted classes cannot inherit from compiled ones;
* package ``__init__`` modules (re-exports only), and everything outside the hot path (venues,
  recording, live, paper, backtest loading, CLI).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from setuptools import setup

#: modules compiled by mypyc when JTRADER_COMPILE=1 (paths relative to the project root). Left pure:
#: modules users subclass or tests replace, pickled events, runtime-checkable protocols, and the
#: modules whose entry points validate user input (a compiled signature raises a bare TypeError
#: first) and the engine: docs/performance.md, "Left out, and why"; .ci/run_compiled checks the set.
COMPILED_MODULES = [
    "jtrader/book.py",
    "jtrader/model/enums.py",
    "jtrader/model/instrument.py",
    "jtrader/model/messages.py",
    "jtrader/model/rules.py",
    "jtrader/sim/_bars.py",
    "jtrader/sim/_entry.py",
    "jtrader/sim/_walk.py",
    "jtrader/sim/fees.py",
    "jtrader/sim/ledger.py",
    "jtrader/sim/liquidity.py",
    "jtrader/sim/matcher.py",
    "jtrader/sim/orders.py",
    "jtrader/sim/queue.py",
    "jtrader/sim/resting.py",
    "jtrader/risk/emergency.py",
    "jtrader/risk/gate.py",
    "jtrader/risk/limits.py",
    "jtrader/risk/manager.py",
    "jtrader/trading/account.py",
    "jtrader/trading/delivery.py",
    "jtrader/trading/dispatch.py",
    "jtrader/trading/history.py",
    "jtrader/trading/orders.py",
]


def _compile_requested() -> bool:
    return os.environ.get("JTRADER_COMPILE", "").strip() not in ("", "0")


def _ext_modules() -> list:
    if not _compile_requested():
        return []
    if not {"bdist_wheel", "build", "build_ext"} & set(sys.argv[1:]):
        return []  # metadata steps (egg_info while pip gathers the build requirements) compile nothing
    from mypyc.build import mypycify  # needs mypy: the build backend requires it when compiling

    return mypycify(
        ["--ignore-missing-imports", "--follow-imports=silent", *COMPILED_MODULES],
        opt_level=os.environ.get("JTRADER_COMPILE_OPT", "3"),
        multi_file=sys.platform != "win32",
    )


def _clear_stale_build() -> None:
    """Remove ``build/`` before building a wheel: setuptools reuses what an earlier build left there,
    so compiled modules of an earlier ``JTRADER_COMPILE=1`` build (or modules since dropped from the
    compiled set) would otherwise be packed into the next wheel, the pure one included."""
    if {"bdist_wheel", "build", "build_ext"} & set(sys.argv[1:]):
        shutil.rmtree("build", ignore_errors=True)


os.chdir(Path(__file__).resolve().parent)
_clear_stale_build()
setup(ext_modules=_ext_modules())
