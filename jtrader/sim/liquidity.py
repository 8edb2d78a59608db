"""What an order can take on one instrument: the L2 book and what is already gone from it.

:class:`Liquidity` owns the instrument's :class:`OrderBook` (fed by depth or quote messages)
and the **consumption** record: lots per level that the book still displays but that are no
longer there, because

* our own taker fills took them (rule: two of our orders never take the same displayed size);
* a **print** traded through them: a print at price ``p`` took every ask below ``p`` and every
  bid above it (the resting side at ``p`` existed, so nothing better did), and its size from the
  maker's level at ``p`` (the aggressor's opposite side; for an unknown aggressor, the side the
  price reaches). Depth that comes every 100 ms (Binance) lags the tape, so without this a market
  order right after a print would fill at prices the print already took;
* a **bookTicker** newer than the depth (a higher venue update id) shows a better level gone, for
  as long as the depth has not caught up with it.

Consumption at a level lasts until a newer depth message names that level (or a snapshot
replaces the book); a quote-built book is rebuilt, and its consumption cleared, by each quote.
"Everything better than p is gone" is kept as a mark per side (plus the prices a depth message
named since, which are back), not level by level: a print far through a stale book costs the same
as one at the touch. Prices are ticks, sizes lots.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

from jtrader.book import OrderBook
from jtrader.model import BookDelta, BookSnapshot, Instrument, Quote, Side
from jtrader.sim._walk import Walk, plan_walk
from jtrader.sim.fees import FeeModel
from jtrader.sim.orders import WorkingOrder

__all__ = ["Liquidity"]

BUY, SELL = Side.BUY, Side.SELL


class Liquidity:
    """The book of one instrument and the consumption record over it (see the module docstring)."""

    __slots__ = (
        "_on_start",
        "asks_back",
        "asks_back_order",
        "asks_gone_below",
        "bids_back",
        "bids_back_order",
        "bids_gone_above",
        "book",
        "consumed_ask",
        "consumed_bid",
        "dropped_deltas",
        "from_quotes",
        "l2",
        "resyncing",
        "ticker",
    )

    def __init__(self, symbol: str, on_start: Callable[[int], None] | None = None) -> None:
        #: called with the message's ts when the book is first fed (the instrument stops using bars)
        self._on_start = on_start
        self.book = OrderBook(symbol)
        #: the book has been fed (depth or quotes)
        self.l2 = False
        #: the book was built from Quote messages (top of book only)
        self.from_quotes = False
        #: BookResync seen: the book is empty and deltas are ignored until a snapshot
        self.resyncing = False
        #: the last quote newer than the depth (levels better than its bid/ask are gone), until the
        #: depth catches up
        self.ticker: Quote | None = None
        #: every ask below / bid above this price is gone (None: no such mark) ...
        self.asks_gone_below: int | None = None
        self.bids_gone_above: int | None = None
        #: ... except these prices, which a depth message named since (with a heap each, worst
        #: first for the next gone mark: asks by price, bids by -price)
        self.asks_back: set[int] = set()
        self.bids_back: set[int] = set()
        self.asks_back_order: list[int] = []
        self.bids_back_order: list[int] = []
        #: lots per level displayed but taken (our fills, a print's size at its price)
        self.consumed_bid: dict[int, int] = {}
        self.consumed_ask: dict[int, int] = {}
        #: deltas dropped while the book awaited its resync snapshot
        self.dropped_deltas = 0

    # -- depth ------------------------------------------------------------------------------
    def on_delta(self, msg: BookDelta) -> bool:
        """Apply a depth delta; the levels it names are fresh again. False when dropped (resyncing)."""
        if self.resyncing:
            self.dropped_deltas += 1
            return False
        self.book.apply_delta(msg.bids, msg.asks)
        if not self.l2:
            self._start(msg.ts)
        if self.from_quotes:
            self.from_quotes = False
        self.book.update_id = msg.update_id
        # one pass per side: a named level's consumption ends, and it is back if a mark had it gone;
        # a mark with no displayed level beyond it any more hides nothing: it is cleared (see _caught_up)
        consumed, mark = self.consumed_bid, self.bids_gone_above
        if mark is not None:
            back, heap = self.bids_back, self.bids_back_order
            for price, _ in msg.bids:
                if consumed:
                    consumed.pop(price, None)
                if price > mark and price not in back:
                    back.add(price)
                    heapq.heappush(heap, -price)
            best = self.book.bids.best
            if best is None or best <= mark:
                self.bids_gone_above = None
                back.clear()
                heap.clear()
        elif consumed:
            for price, _ in msg.bids:
                consumed.pop(price, None)
        consumed, mark = self.consumed_ask, self.asks_gone_below
        if mark is not None:
            back, heap = self.asks_back, self.asks_back_order
            for price, _ in msg.asks:
                if consumed:
                    consumed.pop(price, None)
                if price < mark and price not in back:
                    back.add(price)
                    heapq.heappush(heap, price)
            best = self.book.asks.best
            if best is None or best >= mark:
                self.asks_gone_below = None
                back.clear()
                heap.clear()
        elif consumed:
            for price, _ in msg.asks:
                consumed.pop(price, None)
        ticker = self.ticker
        if ticker is not None and msg.update_id >= ticker.update_id:
            self.ticker = None  # the depth caught up with the quote: the depth rules again
        return True

    def _forget(self) -> None:
        """No consumption at all (a new book)."""
        self.asks_gone_below = self.bids_gone_above = None
        self.asks_back.clear()
        self.bids_back.clear()
        self.asks_back_order.clear()
        self.bids_back_order.clear()
        self.consumed_bid.clear()
        self.consumed_ask.clear()

    def on_snapshot(self, msg: BookSnapshot) -> None:
        """Replace the book: ends a resync and all consumption."""
        self.book.apply(msg)
        if not self.l2:
            self._start(msg.ts)
        self.from_quotes = False
        self.resyncing = False
        self._forget()
        ticker = self.ticker
        if ticker is not None and msg.update_id >= ticker.update_id:
            self.ticker = None

    def _start(self, t: int) -> None:
        self.l2 = True
        if self._on_start is not None:
            self._on_start(t)

    def resync(self) -> None:
        """The book is wrong until the next snapshot: empty it so nothing fills against it."""
        self.book.clear()
        self.resyncing = True
        self._forget()
        self.ticker = None

    # -- quotes -----------------------------------------------------------------------------
    def on_quote(self, msg: Quote) -> None:
        """A one-level book from a quote, for an instrument without depth data."""
        self.book.apply_snapshot(((msg.bid, msg.bid_size),), ((msg.ask, msg.ask_size),))
        if not self.l2:
            self._start(msg.ts)
        self.from_quotes = True
        self._forget()

    def newer_quote(self, msg: Quote) -> None:
        """A quote newer than the depth (update id above ``book.update_id``; Binance bookTicker).

        Until the depth catches up (a depth message with an update id at least the quote's), the
        levels better than its bid and ask are gone; a newer quote replaces it.
        """
        self.ticker = msg

    def asks_gone(self, bound: int) -> None:
        """Every ask below ``bound`` (ticks) is gone, including those a depth message brought back."""
        mark = self.asks_gone_below
        if mark is None or bound > mark:
            self.asks_gone_below = bound
        heap, back = self.asks_back_order, self.asks_back
        while heap and heap[0] < bound:
            back.discard(heapq.heappop(heap))

    def bids_gone(self, bound: int) -> None:
        """Every bid above ``bound`` (ticks) is gone, including those a depth message brought back."""
        mark = self.bids_gone_above
        if mark is None or bound < mark:
            self.bids_gone_above = bound
        heap, back = self.bids_back_order, self.bids_back
        while heap and -heap[0] > bound:
            back.discard(-heapq.heappop(heap))

    # -- prints -----------------------------------------------------------------------------
    def on_print(self, price: int, size: int, aggressor: Side | None) -> None:
        """A print at ``price`` of ``size`` lots consumes what it traded through (module docstring)."""
        book = self.book
        asks, bids = book.asks, book.bids
        ask, bid = asks.best, bids.best
        if ask is not None and ask < price:  # self.asks_gone(price), its cheap tests inlined (per print)
            mark, heap = self.asks_gone_below, self.asks_back_order
            if mark is None or price > mark or (heap and heap[0] < price):
                self.asks_gone(price)
        if bid is not None and bid > price:
            mark, heap = self.bids_gone_above, self.bids_back_order
            if mark is None or price < mark or (heap and -heap[0] > price):
                self.bids_gone(price)
        if aggressor is BUY or (aggressor is None and ask is not None and price >= ask):
            level, consumed = asks.levels.get(price), self.consumed_ask
        elif aggressor is SELL or (aggressor is None and bid is not None and price <= bid):
            level, consumed = bids.levels.get(price), self.consumed_bid
        else:
            return
        if level:
            taken = consumed.get(price, 0) + size
            consumed[price] = taken if taken < level else level

    # -- taking -----------------------------------------------------------------------------
    def available(self, side: Side, price: int) -> int:
        """Lots at ``price`` a taker of ``side`` can take: displayed on the opposite side, net of consumption."""
        ticker = self.ticker
        if side is BUY:
            mark = self.asks_gone_below
            if (mark is not None and price < mark and price not in self.asks_back) or (
                ticker is not None and price < ticker.ask
            ):
                return 0
            return self.book.asks.levels.get(price, 0) - self.consumed_ask.get(price, 0)
        mark = self.bids_gone_above
        if (mark is not None and price > mark and price not in self.bids_back) or (
            ticker is not None and price > ticker.bid
        ):
            return 0
        return self.book.bids.levels.get(price, 0) - self.consumed_bid.get(price, 0)

    def walk(  # noqa: PLR0917
        self,
        side: Side,
        own: list[WorkingOrder],
        limit: int | None,
        lots: int | None,
        budget: int | None,
        inst: Instrument,
        fees: FeeModel,
        stp: str,
    ) -> Walk:
        """Plan a taker walk of ``side`` (see :func:`jtrader.sim._walk.plan_walk`); changes nothing."""
        if side is BUY:
            return plan_walk(self.book.asks, self.available, own, True, limit, lots, budget, inst, fees, stp)
        return plan_walk(self.book.bids, self.available, own, False, limit, lots, budget, inst, fees, stp)

    def take(self, side: Side, price: int, lots: int) -> None:
        """Our taker of ``side`` took ``lots`` at ``price``: gone until the level updates."""
        consumed = self.consumed_ask if side is BUY else self.consumed_bid
        consumed[price] = consumed.get(price, 0) + lots
