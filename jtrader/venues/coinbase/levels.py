"""Coinbase ``l2_data`` levels: one websocket ``updates`` list -> (bids, asks) of (ticks, lots).

The replay hot path: every level of every book frame passes here. Three ways to the same result
(tested against each other): column by column for long lists (snapshots), through a
:class:`~jtrader.venues._common.LevelMemo` for short ones (updates repeat the same strings), and
a plain loop that raises the error of the first bad level. ``offer`` is the ask side.

The updates come as dicts (``orjson``, the general path) or as typed
:class:`~jtrader.venues.coinbase.wire.L2Level` structs (``msgspec``, the hot path):
:func:`split_typed` is :func:`split_l2_levels` for the latter, without the off-grid allowance
(it raises, and the adapter's general path counts the off-grid levels).
"""

from __future__ import annotations

from operator import attrgetter, itemgetter

from jtrader.errors import MalformedMessageError, OffGridError
from jtrader.model import Instrument
from jtrader.venues._common import PARSE_ERRORS, LevelMemo, prices_through

__all__ = ["BULK_MIN_LEVELS", "TYPED_BULK_MIN_LEVELS", "split_bulk", "split_l2_levels", "split_memo", "split_typed"]


#: the fields of one websocket ``l2_data`` update that make a level
_SIDE = itemgetter("side")
_PRICE_LEVEL = itemgetter("price_level")
_NEW_QUANTITY = itemgetter("new_quantity")
#: below this many updates the plain loop is faster than the list parsers
BULK_MIN_LEVELS = 8
#: the same threshold for typed levels, whose memo loop is cheaper (attributes, no side check)
TYPED_BULK_MIN_LEVELS = 64
#: the same fields of a typed level (:class:`~jtrader.venues.coinbase.wire.L2Level`)
_SIDE_ATTR = attrgetter("side")
_PRICE_ATTR = attrgetter("price_level")
_SIZE_ATTR = attrgetter("new_quantity")


def split_l2_levels(
    inst: Instrument, updates: list, off_grid: list[int] | None, memo: LevelMemo | None = None
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Websocket l2_data ``updates`` -> (bids, asks) in one pass (``offer`` is the ask side).

    Off-grid levels raise, or with ``off_grid`` given are left out and counted there (same rule
    as ``binance_rest.depth_levels``). Long lists (snapshots) are parsed column by column with
    :meth:`Instrument.prices_to_ticks`/:meth:`~Instrument.sizes_to_lots`; short ones look their
    strings up in ``memo`` (a :class:`LevelMemo` of ``inst``) when given. Either way, any problem
    sends the list through the plain loop, which raises the error of the first bad update.
    """
    if off_grid is None:
        try:
            if len(updates) >= BULK_MIN_LEVELS:
                return split_bulk(inst, updates)
            if memo is not None:
                return split_memo(memo, updates)
        except PARSE_ERRORS:
            pass
    p2t, s2l = inst.price_to_ticks, inst.size_to_lots
    bids: list[tuple[int, int]] = []
    asks: list[tuple[int, int]] = []
    for u in updates:
        side = u["side"]
        if off_grid is None:
            level = (p2t(u["price_level"]), s2l(u["new_quantity"]))
        else:
            try:
                level = (p2t(u["price_level"]), s2l(u["new_quantity"]))
            except OffGridError:
                off_grid[0] += 1
                continue
        if side == "bid":
            bids.append(level)
        elif side == "offer":
            asks.append(level)
        else:
            raise MalformedMessageError(f"l2_data side {side!r}")
    return bids, asks


def split_memo(memo: LevelMemo, updates: list) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """:func:`split_l2_levels` of a short list through ``memo`` (a :class:`LevelMemo`); raises on anything unusual."""
    inst = memo.instrument
    prices, sizes, limit = memo.prices, memo.sizes, memo.limit
    bids: list[tuple[int, int]] = []
    asks: list[tuple[int, int]] = []
    for u in updates:
        side = u["side"]
        text = u["price_level"]
        price = prices.get(text)
        if price is None:
            price = inst.price_to_ticks(text)
            if type(text) is str:  # only str keys: 1, 1.0 and True are equal dict keys
                if len(prices) >= limit:
                    prices.clear()
                prices[text] = price
        text = u["new_quantity"]
        size = sizes.get(text)
        if size is None:
            size = inst.size_to_lots(text)
            if type(text) is str:
                if len(sizes) >= limit:
                    sizes.clear()
                sizes[text] = size
        if side == "bid":
            bids.append((price, size))
        elif side == "offer":
            asks.append((price, size))
        else:
            raise MalformedMessageError(f"l2_data side {side!r}")
    return bids, asks


def split_bulk(inst: Instrument, updates: list) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """:func:`split_l2_levels` of a valid list, column by column; raises on anything unusual."""
    return _split_columns(
        inst, list(map(_SIDE, updates)), list(map(_PRICE_LEVEL, updates)), list(map(_NEW_QUANTITY, updates))
    )


def split_typed(
    inst: Instrument, updates: list, memo: LevelMemo
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """:func:`split_l2_levels` of typed levels (``L2Level``: the side is ``bid`` or ``offer``), through
    ``memo`` (a :class:`LevelMemo` of ``inst``) or, from :data:`TYPED_BULK_MIN_LEVELS` on, column by
    column. Raises on anything unusual, off-grid levels included (the general path counts those)."""
    if len(updates) >= TYPED_BULK_MIN_LEVELS:
        ticks = prices_through(memo, list(map(_PRICE_ATTR, updates)))
        levels = list(zip(ticks, inst.sizes_to_lots(list(map(_SIZE_ATTR, updates))), strict=True))
        return _split_sides(levels, list(map(_SIDE_ATTR, updates)))
    prices, sizes, limit = memo.prices, memo.sizes, memo.limit
    bids: list[tuple[int, int]] = []
    asks: list[tuple[int, int]] = []
    for u in updates:
        text = u.price_level
        price = prices.get(text)
        if price is None:
            price = inst.price_to_ticks(text)
            if len(prices) >= limit:
                prices.clear()
            prices[text] = price
        text = u.new_quantity
        size = sizes.get(text)
        if size is None:
            size = inst.size_to_lots(text)
            if len(sizes) >= limit:
                sizes.clear()
            sizes[text] = size
        if u.side == "bid":
            bids.append((price, size))
        else:
            asks.append((price, size))
    return bids, asks


def _split_columns(
    inst: Instrument, sides: list, prices: list, sizes: list
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(bids, asks) of the columns of one updates list; raises on anything unusual."""
    return _split_sides(list(zip(inst.prices_to_ticks(prices), inst.sizes_to_lots(sizes), strict=True)), sides)


def _split_sides(levels: list[tuple[int, int]], sides: list) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(bids, asks) of ``levels`` by their ``sides`` (``bid`` / ``offer``); raises on another side."""
    n = len(levels)
    n_bids = sides.count("bid")
    if n_bids == n:
        return levels, []
    n_offers = sides.count("offer")
    if n_offers + n_bids != n:
        raise MalformedMessageError("l2_data side")
    if n_bids == 0:
        return [], levels
    if sides[:n_bids].count("bid") == n_bids:  # bids first, then offers (Coinbase sends them so)
        return levels[:n_bids], levels[n_bids:]
    if sides[:n_offers].count("offer") == n_offers:
        return levels[n_offers:], levels[:n_offers]
    return (
        [level for level, side in zip(levels, sides, strict=True) if side == "bid"],
        [level for level, side in zip(levels, sides, strict=True) if side == "offer"],
    )
