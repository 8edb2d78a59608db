"""Coinbase ``l2_data`` frames -> book messages: a pure parser whose result the adapter commits.

``snapshot`` events become :class:`~jtrader.model.BookSnapshot`, ``update`` events
:class:`~jtrader.model.BookDelta` (absolute sizes, ``"0"`` deletes). An update of a product whose
book this connection does not feed (no snapshot yet, or resyncing after a gap) is skipped and
counted; the adapter's one-event fast path (``CoinbaseAdapter``) handles the common case without
this module and gives the same messages.

:func:`parse_l2` reads the frame as ``orjson`` dicts (the general path: every error named);
:func:`parse_l2_typed` reads the typed events of :data:`~jtrader.venues.coinbase.wire.FRAME_DECODER`
and gives the same result for every frame it does not refuse (it refuses off-grid levels, which
only the general path counts).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jtrader.errors import MalformedMessageError, OffGridError
from jtrader.model import Instrument, MarketMessage
from jtrader.model.messages import make_book_delta, make_book_snapshot
from jtrader.venues.coinbase.channels import objects
from jtrader.venues.coinbase.levels import split_l2_levels, split_typed
from jtrader.venues.coinbase.wire import L2Event
from jtrader.venues.instruments import InstrumentRegistry

__all__ = ["L2Result", "parse_l2", "parse_l2_typed"]


@dataclass(slots=True)
class L2Result:
    """What one ``l2_data`` frame means; the adapter commits ``snapshots``, ``new`` and the counts."""

    messages: list[MarketMessage] = field(default_factory=list)
    #: products whose snapshot the frame carries: their books are now fed by this connection
    snapshots: list[str] = field(default_factory=list)
    #: updates skipped because this connection feeds no (good) book of their product
    skipped: int = 0
    #: levels off the instrument's grid, left out
    off_grid: int = 0
    new: dict[str, Instrument] = field(default_factory=dict)


def parse_l2(ts: int, ts_exchange: int, events: list, books: set[str], registry: InstrumentRegistry) -> L2Result:
    """Parse every event of an ``l2_data`` frame received at ``ts`` (envelope time ``ts_exchange``), ns.

    ``books`` are the products this connection feeds (read, not changed). Raises one of
    ``PARSE_ERRORS`` on bad content, with no state changed (the memos are caches).
    """
    result = L2Result()
    off_grid = [0]
    for ev in objects(events, "l2_data events"):
        kind = ev["type"]
        symbol = ev["product_id"]
        updates = ev["updates"]
        if kind == "update":
            if symbol not in books and symbol not in result.snapshots:
                result.skipped += 1
                continue
        elif kind != "snapshot":
            raise MalformedMessageError(f"l2_data event type {kind!r}")
        if type(updates) is not list:
            raise MalformedMessageError(f"l2_data updates of {symbol!r} is not a list")
        inst = registry.instruments.get(symbol) if type(symbol) is str else None
        if inst is None:
            inst = registry.lookup(symbol, (u["price_level"] for u in objects(updates, "l2_data updates")), result.new)
        try:
            bids, asks = split_l2_levels(inst, updates, None, registry.memo(inst))
        except OffGridError:
            bids, asks = split_l2_levels(inst, updates, off_grid)
        if kind == "snapshot":
            result.snapshots.append(symbol)
            result.messages.append(make_book_snapshot((ts, ts_exchange, symbol, tuple(bids), tuple(asks), 0)))
        else:
            result.messages.append(make_book_delta((ts, ts_exchange, symbol, tuple(bids), tuple(asks), 0, 0)))
    result.off_grid = off_grid[0]
    return result


def parse_l2_typed(
    ts: int, ts_exchange: int, events: list[L2Event], books: set[str], registry: InstrumentRegistry
) -> L2Result:
    """:func:`parse_l2` of typed events; raises one of ``PARSE_ERRORS`` on anything :func:`parse_l2`
    would refuse *or count* (off-grid levels), with no state changed."""
    result = L2Result()
    for ev in events:
        kind = ev.type
        symbol = ev.product_id
        updates = ev.updates
        if kind == "update":
            if symbol not in books and symbol not in result.snapshots:
                result.skipped += 1
                continue
        elif kind != "snapshot":
            raise MalformedMessageError(f"l2_data event type {kind!r}")
        inst = registry.instruments.get(symbol)
        if inst is None:
            inst = registry.lookup(symbol, (u.price_level for u in updates), result.new)
        bids, asks = split_typed(inst, updates, registry.memo(inst))
        if kind == "snapshot":
            result.snapshots.append(symbol)
            result.messages.append(make_book_snapshot((ts, ts_exchange, symbol, tuple(bids), tuple(asks), 0)))
        else:
            result.messages.append(make_book_delta((ts, ts_exchange, symbol, tuple(bids), tuple(asks), 0, 0)))
    return result
