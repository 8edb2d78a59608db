"""L2 (market-by-price) order book of one instrument on integer ticks and lots.

Each side is a ``dict`` from price (ticks) to size (lots) plus a binary heap of prices with
lazy deletion, so that:

* setting a level that exists is one dict write;
* the best price is read in O(1) after every update (it is cached; the heap is cleaned only
  when the best level itself is deleted);
* memory stays proportional to the live levels: the heap is rebuilt from the dict when stale
  entries outnumber live ones.

Sizes are absolute (not increments) and must be non-negative ints: the venue parsers check them
(``Instrument.size_to_lots`` rejects negatives), so the book only guards against a negative size
with :class:`~jtrader.errors.BookError` and does not re-check types on the hot path.

Deleting a level that is not there is harmless (venues do it: Coinbase and Binance both send
size 0 for levels outside the subscribed depth); it is counted in :attr:`OrderBook.absent_deletes`.
A crossed book (best bid >= best ask) is never "fixed" here: :attr:`OrderBook.crossed` reports
it and the caller (venue adapter, emergency manager) decides.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator

from jtrader.errors import BookError
from jtrader.model import BookDelta, BookSnapshot, Level, Side

__all__ = ["BookSide", "OrderBook"]


class BookSide:
    """One side of the book. ``is_bid`` sides are best at the highest price, asks at the lowest.

    The heap holds ``price`` for asks and ``-price`` for bids, so ``heap[0]`` is always the
    best candidate; entries whose price is no longer a live level are skipped and dropped.
    """

    __slots__ = ("_heap", "_sign", "best", "is_bid", "levels")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self._sign = -1 if is_bid else 1
        #: price (ticks) -> size (lots), only live levels (size > 0)
        self.levels: dict[int, int] = {}
        self._heap: list[int] = []
        #: best price in ticks, or None when the side is empty
        self.best: int | None = None

    def __len__(self) -> int:
        return len(self.levels)

    def clear(self) -> None:
        """Remove every level."""
        self.levels.clear()
        self._heap.clear()
        self.best = None

    def load(self, levels: Iterable[Level]) -> None:
        """Replace the side with ``levels``: size 0 levels are ignored, a later duplicate price wins.

        Raises :class:`BookError` on a negative size, before anything changes.
        """
        self._install(self._live_levels(levels))

    @staticmethod
    def _live_levels(levels: Iterable[Level]) -> dict[int, int]:
        """``{price: size}`` of the levels with size > 0. Raises :class:`BookError` on a negative size."""
        levels = tuple(levels)
        live = {price: size for price, size in levels if size > 0}
        if len(live) < len(levels):  # zeros, duplicates or negatives: look closer (rare)
            for price, size in levels:
                if size < 0:
                    raise BookError(f"negative size {size} at price {price} ticks")
        return live

    def _install(self, live: dict[int, int]) -> None:
        """Make ``live`` (price -> size > 0, as from :meth:`_live_levels`) the side's levels."""
        self.levels = live
        sign = self._sign
        self._heap = [sign * price for price in live]
        heapq.heapify(self._heap)
        self.best = sign * self._heap[0] if self._heap else None

    def set(self, price: int, size: int) -> bool:
        """Set the level at ``price`` to ``size`` lots (0 deletes). Returns False for an absent delete.

        Raises :class:`BookError` for a negative size (nothing changes).
        """
        levels = self.levels
        if size > 0:
            if price in levels:
                levels[price] = size
            else:
                self._add(price, size)
            return True
        if size < 0:
            raise BookError(f"negative size {size} at price {price} ticks")
        if price not in levels:
            return False
        self._delete(price)
        return True

    def _add(self, price: int, size: int) -> None:
        """Add a level that is not in the book."""
        self.levels[price] = size
        heapq.heappush(self._heap, self._sign * price)
        best = self.best
        if best is None or (price > best if self.is_bid else price < best):
            self.best = price

    def _delete(self, price: int) -> None:
        """Remove a level that is in the book."""
        levels = self.levels
        del levels[price]
        if price == self.best:
            self._drop_stale_top()
        elif len(self._heap) > 2 * len(levels) + 64:
            self._rebuild()

    def _drop_stale_top(self) -> None:
        heap, levels, sign = self._heap, self.levels, self._sign
        while heap and sign * heap[0] not in levels:
            heapq.heappop(heap)
        self.best = sign * heap[0] if heap else None
        if len(heap) > 2 * len(levels) + 64:
            self._rebuild()

    def _rebuild(self) -> None:
        """Drop the stale heap entries: rebuild the heap from the live levels, in place."""
        sign = self._sign
        heap = self._heap
        heap[:] = [sign * price for price in self.levels]
        heapq.heapify(heap)

    def size_at(self, price: int) -> int:
        """Lots displayed at ``price`` (0 when there is no level)."""
        return self.levels.get(price, 0)

    def top(self, n: int) -> list[Level]:
        """The best ``n`` levels, best first."""
        if n <= 0:
            return []
        levels = self.levels
        if n == 1 and self.best is not None:
            return [(self.best, levels[self.best])]
        prices = heapq.nlargest(n, levels) if self.is_bid else heapq.nsmallest(n, levels)
        return [(price, levels[price]) for price in prices]

    def iter_levels(self) -> Iterator[Level]:
        """Levels best first, lazily: the first ``k`` cost O(k log k), whatever the depth (walking the book).

        Walks the price heap from its root with a small frontier heap (a child is never better than
        its parent), skipping stale and repeated entries. Do not change the side while iterating.
        """
        heap, levels, sign = self._heap, self.levels, self._sign
        size = len(heap)
        if not size:
            return
        frontier = [(heap[0], 0)]
        seen: set[int] = set()
        pop, push = heapq.heappop, heapq.heappush
        while frontier:
            key, i = pop(frontier)
            price = sign * key
            lots = levels.get(price)
            if lots is not None and price not in seen:
                seen.add(price)
                yield price, lots
            child = 2 * i + 1
            if child < size:
                push(frontier, (heap[child], child))
                if child + 1 < size:
                    push(frontier, (heap[child + 1], child + 1))

    def depth_to(self, price: int) -> int:
        """Total lots at prices at least as good as ``price`` (>= for bids, <= for asks)."""
        if self.is_bid:
            return sum(size for level, size in self.levels.items() if level >= price)
        return sum(size for level, size in self.levels.items() if level <= price)


class OrderBook:
    """The L2 book of one instrument: prices in ticks, sizes in lots.

    Apply :class:`~jtrader.model.BookSnapshot` (replaces the book) and
    :class:`~jtrader.model.BookDelta` (absolute sizes, 0 deletes) messages with :meth:`apply`.
    """

    __slots__ = ("absent_deletes", "asks", "bids", "symbol", "update_id", "updates")

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.bids = BookSide(is_bid=True)
        self.asks = BookSide(is_bid=False)
        #: deletes of levels that were not in the book (harmless, counted)
        self.absent_deletes = 0
        #: level updates applied (snapshot levels included)
        self.updates = 0
        #: venue book version after the last message (0 when the venue has none)
        self.update_id = 0

    # -- updates ----------------------------------------------------------------------------
    def apply(self, msg: BookSnapshot | BookDelta) -> None:
        """Apply a snapshot or a delta message of this book's instrument."""
        if type(msg) is BookSnapshot:
            self.apply_snapshot(msg.bids, msg.asks)
        else:
            self.apply_delta(msg.bids, msg.asks)
        self.update_id = msg.update_id

    def apply_snapshot(self, bids: Iterable[Level], asks: Iterable[Level]) -> None:
        """Replace the whole book. Raises :class:`BookError` on a negative size (nothing changes)."""
        bids = tuple(bids)
        asks = tuple(asks)
        live_bids = BookSide._live_levels(bids)
        live_asks = BookSide._live_levels(asks)
        self.bids._install(live_bids)
        self.asks._install(live_asks)
        self.updates += len(bids) + len(asks)

    def apply_delta(self, bids: Iterable[Level], asks: Iterable[Level]) -> None:
        """Set each level to its new absolute size; size 0 deletes (absent deletes are counted).

        Levels apply in order (a later level at the same price wins). A negative size raises
        :class:`BookError` at that level; the levels before it stay applied, so the caller must
        treat the book as wrong until the next snapshot. This is the replay hot path (see
        benchmarks/test_bench_book.py): each side is updated with local variables, and when the
        best level is deleted the new best is found once, after the side's last level.
        """
        count = absent = 0
        try:
            for side, updates in ((self.bids, bids), (self.asks, asks)):
                if updates:
                    n, a = _apply_side(side, updates)
                    count += n
                    absent += a
        except _NegativeSize as exc:
            count += exc.applied
            absent += exc.absent
            self.updates += count
            self.absent_deletes += absent
            raise BookError(f"{self.symbol}: negative size {exc.size} at price {exc.price} ticks") from None
        self.updates += count
        self.absent_deletes += absent

    def clear(self) -> None:
        """Empty both sides (for example while the book awaits a resync snapshot)."""
        self.bids.clear()
        self.asks.clear()
        self.update_id = 0

    # -- reads ------------------------------------------------------------------------------
    @property
    def best_bid(self) -> int | None:
        """Highest bid price in ticks, None when there are no bids. O(1)."""
        return self.bids.best

    @property
    def best_ask(self) -> int | None:
        """Lowest ask price in ticks, None when there are no asks. O(1)."""
        return self.asks.best

    @property
    def best_bid_size(self) -> int:
        """Lots at the best bid, 0 when there are no bids."""
        best = self.bids.best
        return 0 if best is None else self.bids.levels[best]

    @property
    def best_ask_size(self) -> int:
        """Lots at the best ask, 0 when there are no asks."""
        best = self.asks.best
        return 0 if best is None else self.asks.levels[best]

    def side(self, side: Side) -> BookSide:
        """The side a resting order of ``side`` joins: bids for BUY, asks for SELL."""
        return self.bids if side is Side.BUY else self.asks

    def top(self, n: int) -> tuple[list[Level], list[Level]]:
        """``(bids, asks)``: the best ``n`` levels of each side, best first."""
        return self.bids.top(n), self.asks.top(n)

    @property
    def spread(self) -> int | None:
        """Best ask minus best bid in ticks (negative when crossed), None when a side is empty."""
        bid, ask = self.bids.best, self.asks.best
        if bid is None or ask is None:
            return None
        return ask - bid

    @property
    def mid_x2(self) -> int | None:
        """Best bid plus best ask in ticks: twice the mid, kept as an integer to stay exact."""
        bid, ask = self.bids.best, self.asks.best
        if bid is None or ask is None:
            return None
        return bid + ask

    @property
    def crossed(self) -> bool:
        """True when best bid >= best ask: the book is wrong (or the venue is in an auction)."""
        bid, ask = self.bids.best, self.asks.best
        return bid is not None and ask is not None and bid >= ask

    @property
    def empty(self) -> bool:
        """True when neither side has a level."""
        return not self.bids.levels and not self.asks.levels

    def __len__(self) -> int:
        return len(self.bids) + len(self.asks)

    def __repr__(self) -> str:
        return f"OrderBook({self.symbol!r}, bid={self.best_bid}, ask={self.best_ask}, levels={len(self)})"


class _NegativeSize(Exception):
    """Internal: a negative size met by :func:`_apply_side` (becomes a BookError with the symbol)."""

    def __init__(self, price: int, size: int, applied: int, absent: int) -> None:
        super().__init__(price, size)
        self.price, self.size, self.applied, self.absent = price, size, applied, absent


def _apply_side(side: BookSide, updates: Iterable[Level]) -> tuple[int, int]:
    """Apply ``updates`` (absolute sizes) to ``side``; return (levels applied, absent deletes).

    Same result as ``side.set`` per level, with the best price kept in a local: a deleted best is
    only marked, and the heap is cleaned once at the end (a new level better than the deleted best
    is the new best anyway). Raises :class:`_NegativeSize` after leaving the side consistent.
    """
    if type(updates) is not tuple and type(updates) is not list:
        updates = tuple(updates)
    levels = side.levels
    heap = side._heap
    sign = side._sign
    is_bid = side.is_bid
    best = side.best
    stale = False  # the best was deleted: find the new one at the end
    deleted = False
    absent = 0
    push = heapq.heappush
    try:
        for price, size in updates:
            if size > 0:
                if price not in levels:
                    push(heap, sign * price)
                    if best is None or (price > best if is_bid else price < best):
                        best = price
                        stale = False
                levels[price] = size
            elif size == 0:
                if price in levels:
                    del levels[price]
                    deleted = True
                    if price == best:
                        stale = True
                else:
                    absent += 1
            else:  # the first negative level: the ones before it are applied
                raise _NegativeSize(price, size, [lv[1] < 0 for lv in updates].index(True), absent)
    finally:
        if stale:
            while heap and sign * heap[0] not in levels:
                heapq.heappop(heap)
            best = sign * heap[0] if heap else None
        side.best = best
        if deleted and len(heap) > 2 * len(levels) + 64:
            side._rebuild()
    return len(updates), absent
