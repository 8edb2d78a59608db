"""Fills as a polars table with exact decimals: ``trades.parquet`` of backtests and replays.

Built from integer columns with polars kernels, never one ``Decimal`` per value:

* a price is ``ticks x tick``: an ``Int64 -> Decimal(38, 0)`` cast times the tick as a
  ``Decimal(38, price_precision)`` literal (polars multiplies decimals exactly; the scale of the
  product is the tick's);
* sizes likewise with the lot; money (notional, fee) is ``atoms x 10**-18`` as
  ``Decimal(38, 18)``, with the atoms carried in Int128 (10**23 atoms is 100,000 units: more than
  an int64 holds).

polars is imported when a table is built, never when this module is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from operator import attrgetter
from typing import Any

from jtrader.model import ATOM_DECIMALS, Instrument, OrderFilled

__all__ = ["atoms_column", "decimal_column", "fill_columns", "fills_frame", "trades_frame"]

_FILL_FIELDS = ("ts", "order_id", "side", "price", "size", "fee", "fee_currency", "liquidity")


def fill_columns(fills: Sequence[OrderFilled]) -> dict[str, list[Any]]:
    """Fills -> columns: ``ts`` (ns), ``order_id``, ``side`` ("BUY"/"SELL"), ``price`` (ticks),
    ``size`` (lots), ``fee`` (atoms), ``fee_currency``, ``liquidity`` ("MAKER"/"TAKER")."""
    columns = {name: list(map(attrgetter(name), fills)) for name in _FILL_FIELDS}
    columns["side"] = [side.value for side in columns["side"]]
    columns["liquidity"] = [liquidity.value for liquidity in columns["liquidity"]]
    return columns


def decimal_column(ints: Any, step: Decimal, places: int) -> Any:
    """polars expression: integer ``ints`` x ``step`` as ``Decimal(38, places)`` (``places`` >= step decimals)."""
    import polars as pl

    return ints.cast(pl.Decimal(38, 0)) * pl.lit(step, dtype=pl.Decimal(38, places))


def atoms_column(ints: Any) -> Any:
    """polars expression: integer atoms as ``Decimal(38, 18)`` currency units."""
    return decimal_column(ints, Decimal(1).scaleb(-ATOM_DECIMALS), ATOM_DECIMALS)


def trades_frame(instrument: Instrument, columns: dict[str, Sequence[Any]]) -> Any:
    """One row per fill of ``instrument`` (``columns`` as :func:`fill_columns` gives them) -> a polars DataFrame.

    Columns: ``ts`` (Datetime ns UTC), ``order_id``, ``side``, ``price`` and ``size`` (decimals at
    the instrument's precision), ``notional`` and ``fee`` (Decimal(38, 18) of the quote/fee
    currency), ``fee_currency``, ``liquidity``, ``price_ticks``, ``size_lots`` (Int64).
    """
    import polars as pl

    raw = pl.DataFrame(
        {
            "ts": pl.Series(columns["ts"], dtype=pl.Int64),
            "order_id": pl.Series(columns["order_id"], dtype=pl.String),
            "side": pl.Series(columns["side"], dtype=pl.String),
            "price_ticks": pl.Series(columns["price"], dtype=pl.Int64),
            "size_lots": pl.Series(columns["size"], dtype=pl.Int64),
            "fee_atoms": pl.Series(columns["fee"], dtype=pl.Int128),
            "fee_currency": pl.Series(columns["fee_currency"], dtype=pl.String),
            "liquidity": pl.Series(columns["liquidity"], dtype=pl.String),
        }
    )
    ticks, lots = pl.col("price_ticks"), pl.col("size_lots")
    notional = ticks.cast(pl.Int128) * lots.cast(pl.Int128) * pl.lit(instrument.atoms_per_tick_lot, dtype=pl.Int128)
    return raw.select(
        pl.col("ts").cast(pl.Datetime("ns", "UTC")),
        "order_id",
        "side",
        decimal_column(ticks, instrument.price_tick, instrument.price_precision).alias("price"),
        decimal_column(lots, instrument.size_lot, instrument.size_precision).alias("size"),
        atoms_column(notional).alias("notional"),
        atoms_column(pl.col("fee_atoms")).alias("fee"),
        "fee_currency",
        "liquidity",
        "price_ticks",
        "size_lots",
    )


def fills_frame(fills: Sequence[OrderFilled], instruments: Mapping[str, Instrument]) -> Any:
    """Fills of any number of instruments -> one table, in the order given, with a ``symbol`` column.

    The columns of :func:`trades_frame` with ``symbol`` after ``order_id``. ``price`` and ``size``
    have the scale of the finest tick and lot among ``instruments`` (so every value is exact);
    with one instrument that is its own precision, as in a backtest's ``trades.parquet``. Fills of
    a symbol not in ``instruments`` raise ``KeyError``.
    """
    import polars as pl

    if not instruments:
        raise ValueError("fills_frame needs at least one instrument (the decimal scales come from them)")
    price_places = max(inst.price_precision for inst in instruments.values())
    size_places = max(inst.size_precision for inst in instruments.values())
    by_symbol: dict[str, list[int]] = {}
    for i, fill in enumerate(fills):
        by_symbol.setdefault(fill.symbol, []).append(i)
    parts = []
    for symbol in sorted(by_symbol) or [next(iter(instruments))]:
        indexes = by_symbol.get(symbol, [])
        frame = trades_frame(instruments[symbol], fill_columns([fills[i] for i in indexes]))
        parts.append(
            frame.with_columns(
                pl.col("price").cast(pl.Decimal(38, price_places)),
                pl.col("size").cast(pl.Decimal(38, size_places)),
                pl.lit(symbol, dtype=pl.String).alias("symbol"),
                pl.Series("_order", indexes, dtype=pl.Int64),
            )
        )
    columns = list(parts[0].columns)
    columns.remove("symbol")
    columns.remove("_order")
    columns.insert(columns.index("order_id") + 1, "symbol")
    return pl.concat(parts).sort("_order").select(columns)
