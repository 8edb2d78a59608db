"""What every venue adapter offers (:class:`VenueAdapter`) and counts (:class:`AdapterStats`).

Error policy of every adapter (one rule, documented once): ``on_frame`` and ``on_http`` **never
raise on bad input**. A frame that cannot be parsed completely (not JSON, missing fields, NaN,
negative or off-grid numbers, an unknown side, a timestamp outside 2000..2200 or more than a day
away from the frame's receive time...) is counted in :attr:`AdapterStats.malformed`, its reason
kept in :attr:`AdapterStats.last_error`, and it produces no messages and no partial state change.
Exceptions from ``on_frame`` are therefore bugs in jtrader, and they surface: ``AttributeError``,
``InvariantError`` and the like are never counted as malformed frames.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Protocol, runtime_checkable

from jtrader.model import Instrument, MarketMessage

__all__ = ["AdapterStats", "VenueAdapter"]


@dataclass(slots=True)
class AdapterStats:
    """Counters of one adapter (one venue connection set). Plain ints; read them, don't write them."""

    frames: int = 0  # frames given to on_frame
    messages: int = 0  # market messages returned
    malformed: int = 0  # frames refused as a whole (see the module docstring)
    unknown_channel: int = 0  # well-formed frames of a channel/event the adapter does not handle
    control: int = 0  # subscription acks and other control frames (no market content)
    notices: int = 0  # error/status/shutdown frames turned into VenueNotice
    duplicates: int = 0  # repeated sequence numbers (Coinbase), trade ids or closed klines, skipped
    gaps: int = 0  # sequence/update-id gaps detected
    resyncs: int = 0  # books marked resyncing (gap, disconnect, malformed book frame)
    stale: int = 0  # Binance diffs dropped because the book already includes them (u <= id)
    buffered: int = 0  # Binance diffs held while waiting for a snapshot
    buffer_overflow: int = 0  # held diffs dropped because the buffer was full (never applied)
    stale_snapshots: int = 0  # snapshots too old to use (older than the book or the first held diff)
    skipped_resyncing: int = 0  # book updates skipped because their book awaits a snapshot
    skipped_snapshot_trades: int = 0  # Coinbase market_trades snapshot prints (history, not tape)
    off_grid_levels: int = 0  # book levels off the instrument's grid, left out (see depth_levels)
    partial_bars: int = 0  # in-progress candle updates held, not bars (Binance x=false, Coinbase open bucket)
    bars_history: int = 0  # completed candles delivered as history (BarHistory), not as bars
    stale_bars: int = 0  # candle updates for a bucket already complete, ignored
    unfinished_bars: int = 0  # open candle buckets dropped unfinished at a disconnect (never bars)
    instruments_learned: int = 0  # instruments taken from REST bodies or status frames
    instruments_inferred: int = 0  # fallback instruments built from the data (see default_instrument)
    instrument_conflicts: int = 0  # REST grid differs from the grid already in use: kept the one in use
    last_error: str = ""  # reason of the last malformed frame, for the log

    def as_dict(self) -> dict[str, int | str]:
        """All counters in declaration order (for reports and logs)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@runtime_checkable
class VenueAdapter(Protocol):
    """What every venue adapter offers. Sans-I/O: frames and bodies in, messages out, no sockets.

    ``ts`` arguments are local receive times in integer ns; they become the messages' ``ts``.
    """

    venue: str
    stats: AdapterStats
    instruments: dict[str, Instrument]
    resyncing: set[str]

    def on_frame(self, ts: int, frame: bytes | str, connection: str = "") -> list[MarketMessage]:
        """Parse one websocket frame. Never raises on bad input (see the module docstring)."""
        ...

    def on_http(self, ts: int, url: str, body: bytes | str) -> list[MarketMessage]:
        """Digest one REST response body (instruments, depth snapshots)."""
        ...

    def on_connect(self, ts: int, connection: str) -> list[MarketMessage]:
        """A (re)connection opened: its sequence state starts fresh."""
        ...

    def on_disconnect(self, ts: int, connection: str) -> list[MarketMessage]:
        """A connection closed: books it fed are resyncing (BookResync messages returned)."""
        ...

    def is_resyncing(self, symbol: str) -> bool:
        """True while the book of ``symbol`` is known to be wrong or incomplete: never trade on it."""
        ...
