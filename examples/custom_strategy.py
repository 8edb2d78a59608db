"""A strategy of your own: a class, its parameters, and a run of it on candles.

    python examples/custom_strategy.py

``Momentum`` buys when the close is up more than ``threshold_bps`` over ``lookback`` bars and
sells its position when it is down as much. The same class runs unchanged in a replay and in
paper trading; from the command line it is ``--strategy examples/custom_strategy.py:Momentum``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import jtrader
from jtrader import Strategy
from jtrader.model import OrderFilled


class Momentum(Strategy):
    """Long-only momentum on bar closes: buy ``size`` on a rise of ``threshold_bps`` over ``lookback`` bars."""

    name = "momentum"
    description = "buy a rise, sell a fall, over lookback bars"
    params = {"lookback": 30, "threshold_bps": 50, "size": "0.1"}  # defaults; overrides are coerced to their types

    def on_start(self, ctx) -> None:
        self.closes: list[int] = []
        self.lots = ctx.instrument(ctx.symbols[0]).size_to_lots(self.p.size)  # sizes are integer lots
        self.fills = 0

    def on_bar(self, ctx, bar) -> None:
        self.closes.append(bar.close)  # prices are integer ticks
        if len(self.closes) <= self.p.lookback:
            return
        past = self.closes[-1 - self.p.lookback]
        change_bps = (bar.close - past) * 10_000 // past  # integers only: exact and deterministic
        position = ctx.position(bar.symbol)
        if change_bps >= self.p.threshold_bps and position == 0:
            ctx.buy(bar.symbol, self.lots)  # a market order
        elif change_bps <= -self.p.threshold_bps and position > 0:
            ctx.sell(bar.symbol, position)

    def on_order_event(self, ctx, event) -> None:
        if isinstance(event, OrderFilled):
            self.fills += 1


def main() -> None:
    from make_candles import write_candles  # here: `--strategy` loads this file without its folder on sys.path

    candles = write_candles(Path(tempfile.mkdtemp(prefix="jtrader-example-")) / "candles.csv")
    for threshold in (10, 20, 40):
        run = jtrader.backtest(candles, Momentum, params={"threshold_bps": threshold})
        s = run.summary
        print(f"threshold {threshold:>3} bps: {s['fills']:>3} fills, return {s['return_pct']:+.2f}%, fees {s['fees']}")


if __name__ == "__main__":
    main()
