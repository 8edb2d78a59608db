"""Fixtures of the paper tests: small recordings made by jtrader's generator, served on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from jtrader.marketgen import generate


@pytest.fixture(scope="session")
def coinbase_src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 12-second Coinbase session, two products."""
    path = tmp_path_factory.mktemp("paper") / "coinbase_src.jtrec"
    generate("coinbase", 12, 31, path, ["BTC-USD", "ETH-USD"])
    return path


@pytest.fixture(scope="session")
def binance_src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 12-second Binance session, two symbols."""
    path = tmp_path_factory.mktemp("paper") / "binance_src.jtrec"
    generate("binance", 12, 32, path, ["BTCUSDT", "ETHUSDT"])
    return path
