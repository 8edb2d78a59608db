"""Replay of recorded websocket sessions (jtrader, cryptofeed, hftbacktest files) through the
venue adapters, the engine, the risk and emergency managers and the simulated exchange.
"""

from jtrader.replay.runner import ReplayConfig, ReplayOutcome, run_replay

__all__ = ["ReplayConfig", "ReplayOutcome", "run_replay"]
