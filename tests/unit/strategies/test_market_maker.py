"""market_maker on hand-made L2 messages through the real engine and simulated exchange."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from jtrader.errors import ConfigError
from jtrader.model import (
    BookDelta,
    BookResync,
    BookSnapshot,
    Instrument,
    OrderCanceled,
    OrderFilled,
    Side,
    Trade,
    to_atoms,
)
from jtrader.strategies import MarketMaker
from jtrader.trading import Engine, EngineSettings, build_engine

BTC = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.00000001")
T0 = 1_786_309_548 * 10**9
SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"


def snapshot(ts: int, bid: int, ask: int, symbol: str = "BTC-USD") -> BookSnapshot:
    return BookSnapshot(ts, 0, symbol, ((bid, 10**8), (bid - 100, 10**8)), ((ask, 10**8), (ask + 100, 10**8)))


def run(messages: list, strategy: MarketMaker, btc: str = "0") -> tuple[Engine, list]:  # type: ignore[type-arg]
    balances = {"USD": to_atoms("100000"), "BTC": to_atoms(btc)}
    engine = build_engine([BTC], strategy, balances, EngineSettings(risk_limits=None, emergency_limits=None))
    engine.run(messages)
    return engine, engine.result.events


def test_quotes_a_post_only_bid_at_the_half_spread_below_the_mid_when_flat() -> None:
    mm = MarketMaker(half_spread_ticks=50, size="0.001")
    engine, events = run([snapshot(T0, 6_508_366, 6_508_367)], mm)
    open_orders = engine.exchange.open_orders("BTC-USD")
    assert [(o.side, o.price, o.size) for o in open_orders] == [(Side.BUY, 6_508_366 - 50, 100_000)]


def test_quotes_both_sides_around_the_mid_with_inventory_and_skews_them() -> None:
    flat = MarketMaker(half_spread_bps="5", skew_bps="0", size="0.001", max_position="0.01")
    engine, _ = run([snapshot(T0, 6_500_000, 6_500_010)], flat, btc="0.005")
    quotes = {o.side: o for o in engine.exchange.open_orders("BTC-USD")}
    mid = 6_500_005
    half = int(mid * Decimal(5) / 10_000)
    assert quotes[Side.BUY].price == mid - half and quotes[Side.SELL].price == mid + half
    assert quotes[Side.BUY].post_only and quotes[Side.SELL].post_only

    skewed = MarketMaker(half_spread_bps="5", skew_bps="10", size="0.001", max_position="0.01")
    engine, _ = run([snapshot(T0, 6_500_000, 6_500_010)], skewed, btc="0.005")
    shifted = {o.side: o.price for o in engine.exchange.open_orders("BTC-USD")}
    skew = int(mid * Decimal(10) / 10_000 * 500_000 / 1_000_000)
    assert shifted == {Side.BUY: mid - half - skew, Side.SELL: mid + half - skew}


def test_requotes_only_when_the_mid_moves() -> None:
    mm = MarketMaker(half_spread_ticks=20, size="0.001")
    same = [snapshot(T0 + i, 6_500_000, 6_500_010) for i in range(5)]
    engine, events = run(same, mm)
    assert engine.result.orders == 1
    moved = [*same, snapshot(T0 + 10, 6_500_100, 6_500_110)]
    engine, events = run(moved, MarketMaker(half_spread_ticks=20, size="0.001"))
    assert engine.result.orders == 2
    assert [e.order_id for e in events if isinstance(e, OrderCanceled)] == ["o-1"]
    assert engine.exchange.open_orders()[0].price == 6_500_105 - 20


def test_small_moves_below_requote_ticks_are_ignored() -> None:
    msgs = [snapshot(T0, 6_500_000, 6_500_010), snapshot(T0 + 1, 6_500_002, 6_500_012)]
    engine, _ = run(msgs, MarketMaker(half_spread_ticks=20, requote_ticks=5))
    assert engine.result.orders == 1
    engine, _ = run(msgs, MarketMaker(half_spread_ticks=20, requote_ticks=2))
    assert engine.result.orders == 2


def test_a_fill_moves_inventory_and_the_quotes_follow_up_to_the_limit() -> None:
    mm = MarketMaker(half_spread_ticks=10, size="0.001", max_position="0.002", skew_bps="0")
    msgs: list = [snapshot(T0, 6_500_000, 6_500_010)]  # type: ignore[type-arg]
    for k in range(1, 4):
        # a seller hits through our bid each time, then the book refreshes
        msgs.append(Trade(T0 + 10 * k, 0, "BTC-USD", 6_499_000, 10**8, Side.SELL))
        msgs.append(snapshot(T0 + 10 * k + 1, 6_500_000 + k, 6_500_010 + k))
    engine, events = run(msgs, mm)
    fills = [e for e in events if isinstance(e, OrderFilled)]
    assert [f.side for f in fills] == [Side.BUY, Side.BUY]  # the third trade finds no bid: at the limit
    assert engine.portfolio.position("BTC-USD") == 200_000
    sides = {o.side for o in engine.exchange.open_orders("BTC-USD")}
    assert sides == {Side.SELL}


def test_a_book_that_is_not_ready_cancels_the_quotes() -> None:
    msgs = [
        snapshot(T0, 6_500_000, 6_500_010),
        BookResync(T0 + 5, "BTC-USD", "gap"),
        BookDelta(T0 + 6, 0, "BTC-USD", ((6_500_000, 5),), ()),
    ]
    engine, events = run(msgs, MarketMaker(half_spread_ticks=20))
    assert engine.exchange.open_orders() == []
    assert any(isinstance(e, OrderCanceled) for e in events)


def test_other_symbols_are_ignored_when_one_is_chosen() -> None:
    engine, _ = run([snapshot(T0, 6_500_000, 6_500_010)], MarketMaker(symbol="ETH-USD"))
    assert engine.result.orders == 0


def test_bad_parameters_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="size <= max_position"):
        MarketMaker(size="0.1", max_position="0.01")
    with pytest.raises(ConfigError, match="must not be negative"):
        MarketMaker(skew_bps="-1")


@pytest.mark.shared_data
def test_market_maker_on_real_binance_btcusdt_l2_quotes_and_fills_within_its_limits() -> None:
    path = SHARED / "binance" / "spot_btcusdt_20240808.gz"
    if not path.is_file():
        pytest.skip(f"../shared/data not present: {path}")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "jtrader.cli",
            "replay",
            str(path),
            "--strategy",
            "market_maker",
            "--param",
            "size=0.001",
            "--param",
            "max_position=0.003",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["orders"] > 10
    assert summary["fills"] > 0
    assert summary["rejections"] <= summary["orders"] // 10
    assert Decimal(summary["positions"]["BTCUSDT"]) <= Decimal("0.003")


def test_a_side_waits_for_the_venues_answer_before_it_is_requoted() -> None:
    """With 50 ms of latency each way, book moves inside the round trip send nothing new on that side."""
    mm = MarketMaker(half_spread_ticks=20, size="0.001")
    ms = 1_000_000
    moves = [snapshot(T0 + i * 10 * ms, 6_500_000 + 100 * i, 6_500_010 + 100 * i) for i in range(5)]  # 0..40 ms
    after = [snapshot(T0 + 200 * ms, 6_501_000, 6_501_010)]  # the answer to the first quote came back at 100 ms
    balances = {"USD": to_atoms("100000"), "BTC": to_atoms("0")}
    settings = EngineSettings(
        risk_limits=None, emergency_limits=None, entry_latency_ns=50 * ms, response_latency_ns=50 * ms
    )
    engine = build_engine([BTC], mm, balances, settings)
    engine.run([*moves, *after])
    assert engine.result.orders == 2  # the first bid, then one replace once it was acknowledged
    assert [(o.side, o.price) for o in engine.exchange.open_orders("BTC-USD")] == [(Side.BUY, 6_501_005 - 20)]
