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

    strategy_code, run_code = code_blocks()
    namespace: dict[str, object] = {}
    exec(strategy_code, namespace)
    inst = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.00000001")
    namespace["bars"] = list(random_walk(inst, 2_000, seed=3).bars())
    exec(run_code, namespace)
    result = namespace["result"]
    assert result.bars == 2_000 and result.orders > 0 and result.fills > 0  # type: ignore[attr-defined]
    assert namespace["records"] and namespace["engine"].risk.limits.orders_per_second == 5  # type: ignore[attr-defined]
