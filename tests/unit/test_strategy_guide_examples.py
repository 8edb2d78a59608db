"""The strategy guide's examples run as written (the guide is the first thing a user copies)."""

from __future__ import annotations

import re
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "strategy-guide.md"


def code_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL)


def test_the_guides_strategy_and_its_run_through_the_one_builder_work() -> None:
    from jtrader.backtest.synthetic import random_walk
    from jtrader.model import Instrument

    blocks = code_blocks()
    strategy_code, run_code = blocks[0], blocks[-1]
    namespace: dict[str, object] = {}
    exec(strategy_code, namespace)
    inst = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.00000001")
    namespace["bars"] = list(random_walk(inst, 2_000, seed=3).bars())
    exec(run_code, namespace)
    result = namespace["result"]
    assert result.bars == 2_000 and result.orders > 0 and result.fills > 0  # type: ignore[attr-defined]
    assert namespace["records"] and namespace["engine"].risk.limits.orders_per_second == 5  # type: ignore[attr-defined]


def test_the_guides_declared_signals_example_runs_the_same_as_bar_by_bar() -> None:
    from jtrader.backtest.runner import run_backtest
    from jtrader.backtest.synthetic import random_walk
    from jtrader.model import Instrument, to_atoms

    (code,) = [block for block in code_blocks() if "def bar_signals" in block]
    namespace: dict[str, object] = {}
    exec(code, namespace)
    cls = namespace["LastBarBreakout"]

    class BarByBar(cls):  # type: ignore[misc, valid-type]
        def bar_signals(self, series: object) -> None:
            return None

    inst = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.00000001")
    series = random_walk(inst, 5_000, seed=8)
    declared = run_backtest(series, cls(), cash=to_atoms("100000"))
    bar_by_bar = run_backtest(series, BarByBar(), cash=to_atoms("100000"))
    assert len(declared.fills) > 50
    assert declared.run.events == bar_by_bar.run.events
    assert declared.equity == bar_by_bar.equity
