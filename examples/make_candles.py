"""Write seeded synthetic one-minute candles to a CSV file that ``jtrader backtest`` reads.

    python examples/make_candles.py candles.csv            # 5,000 bars of BTC-USD, seed 7
    python examples/make_candles.py candles.csv --bars 20000 --seed 1

The candles are a random walk on the 0.01 tick (``jtrader.backtest.synthetic.random_walk``): the
same arguments give the same file on every machine. Use them to try the commands without a
network; for real candles use ``jtrader download-candles``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from jtrader.backtest.synthetic import random_walk
from jtrader.model import Instrument

#: BTC-USD as the backtest's defaults spell it (``--tick 0.01 --lot 0.00000001``)
BTC_USD = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.00000001")


def write_candles(path: str | Path, bars: int = 5000, seed: int = 7) -> Path:
    """Write ``bars`` candles (timestamp in ms, open, high, low, close, volume) to the CSV ``path``."""
    series = random_walk(BTC_USD, bars, seed, first_price=6_500_000, step=2_000)
    inst = series.instrument
    lines = ["timestamp,open,high,low,close,volume"]
    for i in range(len(series)):
        prices = (series.open[i], series.high[i], series.low[i], series.close[i])
        volume = inst.lots_to_size(series.volume[i] * 1_000_000)  # 0.01 .. 10 BTC
        lines.append(
            ",".join([str(series.start[i] // 1_000_000), *(str(inst.ticks_to_price(p)) for p in prices), str(volume)])
        )
    target = Path(path)
    target.write_text("\n".join(lines) + "\n")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="the CSV file to write")
    parser.add_argument("--bars", type=int, default=5000, help="how many one-minute bars (default 5000)")
    parser.add_argument("--seed", type=int, default=7, help="the random seed (default 7)")
    args = parser.parse_args()
    path = write_candles(args.out, args.bars, args.seed)
    print(f"wrote {args.bars} candles to {path}")


if __name__ == "__main__":
    main()
