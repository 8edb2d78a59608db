"""Fixtures of the live tests: small recordings made by jtrader's generator (real servers on 127.0.0.1 only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jtrader.marketgen import generate

REPO = Path(__file__).resolve().parents[2]
COINBASE_SAMPLE = REPO / "recordings" / "coinbase_btcusd_sample.jtrec"
BINANCE_SAMPLE = REPO / "recordings" / "binance_btcusdt_sample.jtrec"


@pytest.fixture(scope="session")
def coinbase_small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 12-second Coinbase session (about 600 frames), two products."""
    path = tmp_path_factory.mktemp("live") / "coinbase_small.jtrec"
    generate("coinbase", 12, 21, path, ["BTC-USD", "ETH-USD"])
    return path


@pytest.fixture(scope="session")
def binance_small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 12-second Binance session (about 900 frames), two symbols."""
    path = tmp_path_factory.mktemp("live") / "binance_small.jtrec"
    generate("binance", 12, 22, path, ["BTCUSDT", "ETHUSDT"])
    return path


@pytest.fixture(params=["coinbase", "binance"])
def small(request: pytest.FixtureRequest, coinbase_small: Path, binance_small: Path) -> Path:
    """Each small recording in turn."""
    return coinbase_small if request.param == "coinbase" else binance_small
