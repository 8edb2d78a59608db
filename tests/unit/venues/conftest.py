"""Fixtures of the venue adapter tests: the real captures, read in place (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest
from venue_capture_helpers import (
    BINANCE_CF_CAPTURE,
    BINANCE_HFT_CAPTURE,
    COINBASE_CAPTURE,
    read_cryptofeed,
    read_hftbacktest,
)


@pytest.fixture(scope="session")
def coinbase_records(shared_data: Path) -> list[tuple[str, int, dict]]:
    return read_cryptofeed(shared_data / COINBASE_CAPTURE)


@pytest.fixture(scope="session")
def binance_cf_records(shared_data: Path) -> list[tuple[str, int, dict]]:
    return read_cryptofeed(shared_data / BINANCE_CF_CAPTURE)


@pytest.fixture(scope="session")
def binance_hft_lines(shared_data: Path) -> list[tuple[int, str]]:
    return read_hftbacktest(shared_data / BINANCE_HFT_CAPTURE)
