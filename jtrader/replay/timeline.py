"""The book over time, for ``replay --out`` (``book.parquet``) and the replay/paper HTML report.

:class:`BookTimeline` wraps the messages on their way into the engine (``ReplayConfig.message_hook``)
and, after the engine applied each one, samples every book at most once per ``every_ns`` of *data*
time (a grid aligned on multiples of ``every_ns``; a book that did not change since its last row
is not written again). Sequence gaps, resyncs and snapshots always get a row with ``event`` set.
Everything comes from the data's own timestamps, so the table is the same on every run.

Columns: ``ts`` (ns, data time), ``symbol``, ``event`` (``""`` for a sample; ``gap``, ``resync``,
``snapshot``), ``bid``, ``ask`` (decimal strings, null when the side is empty), ``bid_size``,
``ask_size`` (at the best level) and ``bid_depth``, ``ask_depth`` (the top :data:`DEPTH_LEVELS`
levels summed), sizes in base units, ``crossed`` and ``resyncing`` (booleans).

:class:`EquityTimeline` does the same for the account (``equity.parquet``): each quote
currency's equity, as the strategy knows it (delivered fills, positions at the engine's marks),
on the same kind of grid, a row only when it changed, and a last row after the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from jtrader.model import BookResync, BookSnapshot, MarketMessage, SequenceGap
from jtrader.trading import Engine

__all__ = ["DEPTH_LEVELS", "BookTimeline", "EquityTimeline", "chain_hooks"]

MessageHook = Callable[[Iterator[MarketMessage], Engine], Iterator[MarketMessage]]

#: levels per side summed into ``bid_depth``/``ask_depth``
DEPTH_LEVELS = 5
_EVENTS = {SequenceGap: "gap", BookResync: "resync", BookSnapshot: "snapshot"}


class BookTimeline:
    """Samples the books of a replay (see the module docstring). Use :meth:`hook` as the message hook."""

    def __init__(self, every_ns: int) -> None:
        if every_ns <= 0:
            raise ValueError(f"every_ns must be positive, got {every_ns}")
        self.every_ns = every_ns
        #: one tuple per row, in the column order of the module docstring
        self.rows: list[tuple[Any, ...]] = []
        self._last: dict[str, tuple[Any, ...]] = {}
        self._engine: Engine | None = None

    def hook(self, messages: Iterator[MarketMessage], engine: Engine) -> Iterator[MarketMessage]:
        """Yield ``messages`` to the engine; after each, write the rows that are due."""
        self._engine = engine
        symbols = sorted(engine.instruments)
        every = self.every_ns
        events = _EVENTS
        due = 0
        sample = self._sample
        for msg in messages:
            yield msg
            kind = type(msg)
            if kind in events:
                targets = msg.symbols if kind is SequenceGap else (msg.symbol,)
                for symbol in targets:
                    if symbol in engine.instruments:
                        sample(msg.ts, symbol, events[kind], force=True)
            ts = msg.ts
            if ts >= due:
                for symbol in symbols:
                    sample(ts, symbol, "", force=False)
                due = ts - ts % every + every

    def _sample(self, ts: int, symbol: str, event: str, force: bool) -> None:
        engine = self._engine
        assert engine is not None
        inst = engine.instruments[symbol]
        book = engine.exchange.book(symbol)
        bids, asks = book.top(DEPTH_LEVELS)
        state = (
            inst.ticks_to_price(bids[0][0]) if bids else None,
            inst.ticks_to_price(asks[0][0]) if asks else None,
            inst.lots_to_size(bids[0][1]) if bids else None,
            inst.lots_to_size(asks[0][1]) if asks else None,
            inst.lots_to_size(sum(size for _, size in bids)),
            inst.lots_to_size(sum(size for _, size in asks)),
            book.crossed,
            symbol in engine.resyncing,
        )
        if not force and self._last.get(symbol) == state:
            return
        self._last[symbol] = state
        self.rows.append((ts, symbol, event, *state))

    def frame(self) -> Any:
        """The rows as a polars DataFrame (decimal columns as strings: exact, no float)."""
        import polars as pl

        names = ("ts", "symbol", "event", "bid", "ask", "bid_size", "ask_size", "bid_depth", "ask_depth")
        columns = list(zip(*self.rows, strict=True)) if self.rows else [() for _ in range(11)]
        data: dict[str, Any] = {}
        for i, name in enumerate(names):
            data[name] = pl.Series(name, list(columns[i]), dtype=pl.Int64 if name == "ts" else pl.String)
        data["crossed"] = pl.Series("crossed", list(columns[9]), dtype=pl.Boolean)
        data["resyncing"] = pl.Series("resyncing", list(columns[10]), dtype=pl.Boolean)
        return pl.DataFrame(data).with_columns(pl.col("ts").cast(pl.Datetime("ns", "UTC")))

    def write_parquet(self, path: str | Path) -> None:
        """Write the rows as ``book.parquet`` (see :meth:`frame`)."""
        self.frame().write_parquet(Path(path))


class EquityTimeline:
    """Each quote currency's equity over a replay (see the module docstring). Use :meth:`hook`
    as the message hook and call :meth:`finish` after the run."""

    def __init__(self, every_ns: int) -> None:
        if every_ns <= 0:
            raise ValueError(f"every_ns must be positive, got {every_ns}")
        self.every_ns = every_ns
        #: ``(ts ns, currency, equity atoms)`` per row, in time order
        self.rows: list[tuple[int, str, int]] = []
        self._last: dict[str, int] = {}
        self._last_ts: dict[str, int] = {}
        self._currencies: list[str] = []
        self._engine: Engine | None = None

    def hook(self, messages: Iterator[MarketMessage], engine: Engine) -> Iterator[MarketMessage]:
        """Yield ``messages`` to the engine; after each one on or past the next grid time, sample."""
        self._engine = engine
        self._currencies = sorted({inst.quote for inst in engine.instruments.values()})
        every = self.every_ns
        sample = self._sample
        due = 0
        for msg in messages:
            yield msg
            ts = msg.ts
            if ts >= due:
                sample(final=False)
                due = ts - ts % every + every

    def finish(self) -> None:
        """After the run (final drain included): one row per currency at the engine's clock."""
        if self._engine is not None:
            self._sample(final=True)

    def _sample(self, final: bool) -> None:
        engine = self._engine
        assert engine is not None
        ts = engine.clock.now  # never behind an earlier row: a late message is processed at the clock
        equity = engine.portfolio.equity
        last, last_ts = self._last, self._last_ts
        for currency in self._currencies:
            value = equity(currency)
            if last.get(currency) != value or (final and last_ts.get(currency) != ts):
                last[currency] = value
                last_ts[currency] = ts
                self.rows.append((ts, currency, value))

    def frame(self) -> Any:
        """The rows as a polars DataFrame: ``ts`` (Datetime ns UTC), ``currency``, ``equity`` (Decimal(38, 18))."""
        import polars as pl

        from jtrader.trading.tables import atoms_column

        ts, currency, equity = (list(column) for column in zip(*self.rows, strict=True)) if self.rows else ([], [], [])
        raw = pl.DataFrame(
            {
                "ts": pl.Series(ts, dtype=pl.Int64),
                "currency": pl.Series(currency, dtype=pl.String),
                "equity": pl.Series(equity, dtype=pl.Int128),
            }
        )
        return raw.select(
            pl.col("ts").cast(pl.Datetime("ns", "UTC")), "currency", atoms_column(pl.col("equity")).alias("equity")
        )


def chain_hooks(*hooks: MessageHook | None) -> MessageHook | None:
    """One message hook that runs ``hooks`` in order (the first sees the messages first); None if none."""
    present = [hook for hook in hooks if hook is not None]
    if len(present) <= 1:
        return present[0] if present else None

    def chained(messages: Iterator[MarketMessage], engine: Engine) -> Iterator[MarketMessage]:
        for hook in present:
            messages = hook(messages, engine)
        return messages

    return chained
