"""A book resync in the middle of an open order: the risk manager keeps the strategy from trading on
that book until the fresh snapshot, the resting order stays, and parity holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from paper_helpers import TESTS, paper_on

from jtrader.paper.parity import check_parity

RESTING = f"{TESTS / 'strategies_for_tests.py'}:RestingBid"


@pytest.mark.parametrize("venue", ["coinbase", "binance"])
def test_a_resync_with_an_open_order_denies_new_orders_on_that_book_and_keeps_the_resting_one(
    venue: str, coinbase_src: Path, binance_src: Path, tmp_path: Path
) -> None:
    source = coinbase_src if venue == "coinbase" else binance_src
    out = tmp_path / "resync.jtrec"
    # the book that is still resyncing while other messages reach the strategy (one snapshot comes first)
    symbol = "ETH-USD" if venue == "coinbase" else "BTCUSDT"
    _, session = paper_on(source, out, faults="gap_every=150", strategy=RESTING, params=[f"symbol={symbol}"])
    strategy = session.strategy
    summary = session.summary()
    assert summary["resyncs"] >= 1 and summary["gaps"] >= 1
    assert strategy.placed and strategy.tried_while_resyncing > 0
    denied = session.engine.result.denials_by_reason
    assert denied.get("BOOK_RESYNCING", 0) == strategy.tried_while_resyncing
    resting = session.engine.ctx.open_orders()
    assert len(resting) == 1 and resting[0].filled == 0  # 20 ticks under the bid, through every resync
    result = check_parity(out)
    assert result["identical"], result["first_divergence"]
