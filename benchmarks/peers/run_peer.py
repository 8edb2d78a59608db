"""One peer's whole process on a Parquet file written by ``peers.candles.write_parquet``.

``python benchmarks/peers/run_peer.py LIBRARY FILE [--fast 10 --slow 30 | --grid F1,F2 S1,S2]``
reads the file with pandas, runs the rule and prints one JSON line per (fast, slow) pair:
``{"library", "fast", "slow", "round_trips", "final_equity"}``. ``report.py`` times it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the benchmarks folder: ``import peers``

from peers.candles import read_tick_frame, run_backtesting, run_backtrader, run_vectorbt  # noqa: E402

RUNNERS = {"backtesting": run_backtesting, "backtrader": run_backtrader}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("library", choices=["backtesting", "backtrader", "vectorbt"])
    parser.add_argument("data")
    parser.add_argument("--fast", type=int, default=10)
    parser.add_argument("--slow", type=int, default=30)
    parser.add_argument("--grid", nargs=2, metavar=("FASTS", "SLOWS"), help="comma lists: every pair (vectorbt)")
    args = parser.parse_args()
    frame = read_tick_frame(args.data)
    if args.grid:
        pairs = list(itertools.product(*([int(v) for v in text.split(",")] for text in args.grid)))
    else:
        pairs = [(args.fast, args.slow)]
    if args.library == "vectorbt":
        outcomes = run_vectorbt(frame, [f for f, _ in pairs], [s for _, s in pairs])
    else:
        outcomes = [RUNNERS[args.library](frame, f, s) for f, s in pairs]
    for (fast, slow), outcome in zip(pairs, outcomes, strict=True):
        row = {"library": outcome.library, "fast": fast, "slow": slow, "round_trips": outcome.round_trips}
        sys.stdout.write(json.dumps({**row, "final_equity": outcome.final_equity}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
