"""Replay of the real captures in ../shared/data: books rebuilt exactly, no gaps, same output twice."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from jtrader.replay.runner import ReplayConfig, replay
from jtrader.strategies.loader import build_strategy

COINBASE = "coinbase/advanced_trade_btc_eth_2026-08-09.jsonl.zst"
BINANCE_HFT = "binance/spot_btcusdt_20240808.gz"
BINANCE_CF = "binance/cryptofeed_spot_4symbols_2021-10-12.jsonl.zst"


def _without_timing(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k != "elapsed_s"}


def test_coinbase_capture_replays_with_contiguous_sequence_and_uncrossed_books(shared_data: Path) -> None:
    summary = replay(shared_data / COINBASE, ReplayConfig(top=3)).summary
    assert summary["venue"] == "coinbase"
    assert summary["format"] == "cryptofeed"
    assert summary["messages"] == 1030
    assert (summary["malformed"], summary["gaps"], summary["resyncs"], summary["duplicates"]) == (0, 0, 0, 0)
    assert sorted(summary["books"]) == ["BTC-USD", "ETH-USD"]
    btc = summary["books"]["BTC-USD"]
    assert not btc["crossed"] and not btc["resyncing"]
    assert len(btc["bids"]) == 3 and len(btc["asks"]) == 3
    # best first, strictly ordered, prices on the cent grid, sizes on the satoshi grid
    bids = [float(p) for p, _ in btc["bids"]]
    asks = [float(p) for p, _ in btc["asks"]]
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks)
    assert bids[0] < asks[0]
    assert all(len(p.split(".")[1]) == 2 and len(s.split(".")[1]) == 8 for p, s in btc["bids"] + btc["asks"])


def test_binance_hftbacktest_capture_matches_every_exchange_made_book_check(shared_data: Path) -> None:
    summary = replay(shared_data / BINANCE_HFT, ReplayConfig(top=5)).summary
    assert summary["venue"] == "binance"
    assert summary["format"] == "hftbacktest"
    assert summary["messages"] == 41_248
    assert summary["book_checks"]["checked"] >= 500
    assert summary["book_checks"]["mismatched"] == 0
    assert (summary["malformed"], summary["gaps"], summary["resyncs"]) == (0, 0, 0)
    book = summary["books"]["BTCUSDT"]
    assert not book["crossed"]
    assert book["bids"][0] == ["61685.99", "1.00870000"]
    assert book["asks"][0] == ["61686.00", "2.29327000"]


def test_binance_cryptofeed_capture_rebuilds_four_books_without_mismatch(shared_data: Path) -> None:
    summary = replay(shared_data / BINANCE_CF).summary
    assert sorted(summary["books"]) == ["BLZETH", "LRCBTC", "NKNUSDT", "RUNEEUR"]
    assert summary["book_checks"]["checked"] > 0
    assert summary["book_checks"]["mismatched"] == 0
    assert (summary["malformed"], summary["gaps"], summary["resyncs"]) == (0, 0, 0)
    assert not any(book["crossed"] for book in summary["books"].values())


@pytest.mark.parametrize("name", [COINBASE, BINANCE_HFT])
def test_market_maker_replay_of_a_real_capture_is_identical_on_two_runs(shared_data: Path, name: str) -> None:
    runs = []
    for _ in range(2):
        outcome = replay(shared_data / name, ReplayConfig(strategy=build_strategy("market_maker")))
        runs.append((orjson.dumps(_without_timing(outcome.summary)), orjson.dumps(outcome.events)))
    assert runs[0] == runs[1]
    summary = orjson.loads(runs[0][0])
    assert summary["orders"] > 0
    assert summary["fills"] == sum(1 for e in orjson.loads(runs[0][1]) if e["type"] == "OrderFilled")


def test_replay_cli_prints_one_json_object_for_a_real_capture(shared_data: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "jtrader.cli", "replay", str(shared_data / BINANCE_HFT), "--json", "--top", "1"],
        capture_output=True,
        check=True,
        timeout=300,
    )
    summary = orjson.loads(proc.stdout)
    assert summary["book_checks"]["mismatched"] == 0
    assert list(summary["books"]) == ["BTCUSDT"]
    assert len(summary["books"]["BTCUSDT"]["bids"]) == 1


def test_final_equity_is_a_decimal_string_even_with_several_quote_currencies(shared_data: Path) -> None:
    summary = replay(shared_data / BINANCE_CF, ReplayConfig(strategy=build_strategy("market_maker"))).summary
    assert sorted(summary["equity"]) == ["BTC", "ETH", "EUR", "USDT"]
    assert isinstance(summary["final_equity"], str)
    assert summary["final_equity"] == summary["equity"][summary["equity_currency"]]
