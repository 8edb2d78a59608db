"""Side-by-side comparisons with peer libraries (the optional ``bench`` extra).

``candles``: the same seeded candles and the same SMA-crossover rule in jtrader, backtesting.py,
backtrader and vectorbt, checked for agreement (round trips, final equity to 1e-6 relative)
before any speed is compared. ``report.py`` times whole processes and writes the table in
``docs/performance.md``. The L2 comparison with cryptofeed's ``order_book`` lives in
``benchmarks/test_bench_replay.py`` and is reused by the report.
"""
