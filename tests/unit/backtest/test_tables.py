"""The vectorized output tables are byte for byte what ``write_outputs`` writes today."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from jtrader.backtest.runner import BacktestResult, run_backtest
from jtrader.backtest.synthetic import random_walk
from jtrader.backtest.tables import equity_frame, fill_columns, trades_frame, write_tables
from jtrader.model import Instrument, LiquiditySide, OrderFilled, Side, format_atoms, to_atoms
from jtrader.risk import RiskLimits, RiskManager
from jtrader.strategies import Breakout, SmaCross


def run(instrument: Instrument, n: int, strategy: object, cash: str = "100000") -> BacktestResult:
    series = random_walk(instrument, n, seed=11, first_price=2_000_000, step=2_000)
    return run_backtest(series, strategy, cash=to_atoms(cash), fee_bps="7.5", risk=RiskManager(RiskLimits()))  # type: ignore[arg-type]


def write_per_value(result: BacktestResult, out: Path) -> None:
    """The per-value writer ``write_outputs`` used before the vectorized tables: the test oracle."""
    from decimal import Decimal

    inst = result.instrument
    fills = result.fills
    price_type = pl.Decimal(38, inst.price_precision)
    size_type = pl.Decimal(38, inst.size_precision)
    money_type = pl.Decimal(38, 18)
    pl.DataFrame(
        {
            "ts": pl.Series([f.ts for f in fills], dtype=pl.Int64).cast(pl.Datetime("ns", "UTC")),
            "order_id": pl.Series([f.order_id for f in fills], dtype=pl.String),
            "side": pl.Series([f.side.value for f in fills], dtype=pl.String),
            "price": pl.Series([Decimal(inst.ticks_to_price(f.price)) for f in fills], dtype=price_type),
            "size": pl.Series([Decimal(inst.lots_to_size(f.size)) for f in fills], dtype=size_type),
            "notional": pl.Series(
                [Decimal(format_atoms(inst.notional_atoms(f.price, f.size))) for f in fills], dtype=money_type
            ),
            "fee": pl.Series([Decimal(format_atoms(f.fee)) for f in fills], dtype=money_type),
            "fee_currency": pl.Series([f.fee_currency for f in fills], dtype=pl.String),
            "liquidity": pl.Series([f.liquidity.value for f in fills], dtype=pl.String),
            "price_ticks": pl.Series([f.price for f in fills], dtype=pl.Int64),
            "size_lots": pl.Series([f.size for f in fills], dtype=pl.Int64),
        }
    ).write_parquet(out / "trades.parquet")
    series = result.series
    n = len(result.equity)
    pl.DataFrame(
        {
            "ts": pl.Series([series.bar_ts(i) for i in range(n)], dtype=pl.Int64).cast(pl.Datetime("ns", "UTC")),
            "close": pl.Series([Decimal(inst.ticks_to_price(c)) for c in series.close[:n]], dtype=price_type),
            "equity": pl.Series([Decimal(format_atoms(e)) for e in result.equity], dtype=money_type),
        }
    ).write_parquet(out / "equity.parquet")


def assert_same_files(result: BacktestResult, tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    write_per_value(result, old)
    write_tables(result, new)
    for name in ("trades.parquet", "equity.parquet"):
        assert (new / name).read_bytes() == (old / name).read_bytes(), name


@pytest.mark.parametrize(
    ("tick", "lot"),
    [("0.01", "0.00000001"), ("0.5", "0.001"), ("1", "1"), ("0.00000001", "0.01")],
)
def test_tables_are_byte_identical_to_the_per_value_writer(tmp_path: Path, tick: str, lot: str) -> None:
    instrument = Instrument("BTC-USD", "BTC", "USD", price_tick=tick, size_lot=lot)
    result = run(instrument, 5_000, SmaCross(fast=5, slow=20), cash="10000000000")
    assert len(result.fills) > 10
    assert_same_files(result, tmp_path)


def test_tables_with_stop_orders_and_huge_amounts_are_byte_identical(tmp_path: Path) -> None:
    instrument = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.00000001")
    result = run(instrument, 3_000, Breakout(), cash="900000000000")  # 9e29 atoms: beyond int64 by far
    assert result.fills and max(f.fee for f in result.fills) > 2**63
    assert_same_files(result, tmp_path)


def test_a_run_without_fills_writes_empty_trades_with_the_same_schema(tmp_path: Path) -> None:
    instrument = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.00000001")
    result = run(instrument, 40, SmaCross(fast=30, slow=39))
    assert not result.fills
    assert_same_files(result, tmp_path)


def test_frames_hold_exact_decimals() -> None:
    instrument = Instrument("ETH-USD", "ETH", "USD", price_tick="0.05", size_lot="0.0001")
    fill = OrderFilled(
        ts=1_700_000_000_000_000_000,
        order_id="o1",
        symbol="ETH-USD",
        side=Side.SELL,
        price=70_001,  # 3500.05
        size=12_345,  # 1.2345
        liquidity=LiquiditySide.TAKER,
        fee=3 * 10**18 + 1,
        fee_currency="USD",
        fill_id=1,
        leaves=0,
    )
    trades = trades_frame(instrument, fill_columns([fill]))
    row = trades.row(0, named=True)
    assert str(row["price"]) == "3500.05"
    assert str(row["size"]) == "1.2345"
    assert str(row["notional"]) == "4320.811725000000000000"
    assert str(row["fee"]) == "3.000000000000000001"
    assert (row["side"], row["liquidity"], row["price_ticks"], row["size_lots"]) == ("SELL", "TAKER", 70_001, 12_345)
    equity = equity_frame(instrument, [1_700_000_060_000_000_000], [70_001], [10**23 + 7])
    assert equity.schema == pl.Schema(
        {"ts": pl.Datetime("ns", "UTC"), "close": pl.Decimal(38, 2), "equity": pl.Decimal(38, 18)}
    )
    assert str(equity.row(0, named=True)["equity"]) == "100000.000000000000000007"
