"""Replay the bundled Coinbase recording through the simulated exchange with a market maker.

    python examples/replay_recording.py

The recording (``recordings/coinbase_btcusd_sample.jtrec``, made by ``jtrader generate``) is
played through the venue adapter, the engine, the risk manager and the simulator, which fills
the strategy's orders against the recorded book. The same call with the same file gives the
same orders and fills every time.
"""

from __future__ import annotations

from pathlib import Path

import jtrader

RECORDING = Path(__file__).resolve().parents[1] / "recordings" / "coinbase_btcusd_sample.jtrec"


def main() -> None:
    run = jtrader.replay(RECORDING, "market_maker", params={"half_spread_ticks": 1}, latency_ms=50)
    print(run)  # the text `jtrader replay` prints
    s = run.summary
    print(f"{s['orders']} orders, {s['fills']} fills, final equity {s['final_equity']} {s['equity_currency']}")
    print(run.trades.group_by("side", "liquidity").len().sort("side", "liquidity"))
    print(run.book.select("ts", "symbol", "bid", "ask").tail(3))  # the book over time (sampled)


if __name__ == "__main__":
    main()
