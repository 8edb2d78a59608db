"""Fills of resting orders driven by the market: book updates, trade prints, stop triggers.

All fills here are at the resting order's **own limit price** as **maker** (no price
improvement), whatever price the book or trade shows:

* **book crosses us** (best ask <= our bid, best bid >= our ask): filled up to the displayed
  crossed size, minus what our other orders already consumed at those levels;
* **trade through us** (a trade strictly better than our price, from an eligible aggressor):
  filled up to the trade size; the queue ahead of us is gone;
* **trade at our price**: filled only by the excess of the trade over the queue ahead of us;
* each trade's size is one budget shared by our orders in price-time priority.

Eligible aggressor: a SELL-aggressor trade fills resting BUYs, a BUY-aggressor trade resting
SELLs, a trade without aggressor either side.
"""

from __future__ import annotations

from jtrader.model import Side, Trade
from jtrader.sim._arrival import _ArrivalMixin
from jtrader.sim._core import BUY, MAKER, SELL, _SymbolState
from jtrader.sim.orders import _Order
from jtrader.sim.queue import RiskAverseQueue


def _priority(side: Side) -> object:
    if side is BUY:
        return lambda o: (-o.price, o.seq)
    return lambda o: (o.price, o.seq)


class _RestingMixin(_ArrivalMixin):
    def _match_book(self, st: _SymbolState, t: int) -> None:
        """After a book update: cap queues at the new level sizes, fill crossed orders, check stops."""
        if st.resting:
            book = st.book
            bid_levels, ask_levels = book.bids.levels, book.asks.levels
            ask, bid = book.asks.best, book.bids.best
            queue = self._queue
            # RiskAverseQueue.on_level is min(ahead, level): inlined for the default model (per order, per update)
            on_level = None if type(queue) is RiskAverseQueue else queue.on_level
            cross_buy = cross_sell = False
            for order in st.resting.values():
                price = order.price
                ahead = order.ahead
                if order.side is BUY:
                    if ahead:
                        level = bid_levels.get(price, 0)
                        if on_level is not None:
                            order.ahead = on_level(ahead, level)
                        elif level < ahead:
                            order.ahead = level
                    if ask is not None and ask <= price:
                        cross_buy = True
                else:
                    if ahead:
                        level = ask_levels.get(price, 0)
                        if on_level is not None:
                            order.ahead = on_level(ahead, level)
                        elif level < ahead:
                            order.ahead = level
                    if bid is not None and bid >= price:
                        cross_sell = True
            if cross_buy:
                self._cross(st, BUY, t)
            if cross_sell:
                self._cross(st, SELL, t)
        if st.stops:
            self._check_stops(st, t)

    def _cross(self, st: _SymbolState, side: Side, t: int) -> None:
        """Fill resting orders of ``side`` that the opposite book now crosses, at their own price."""
        buy = side is BUY
        opposite = st.book.asks if buy else st.book.bids
        consumed = st.consumed_ask if buy else st.consumed_bid
        best = opposite.best
        assert best is not None
        orders = [o for o in st.resting.values() if o.side is side and (best <= o.price if buy else best >= o.price)]
        orders.sort(key=_priority(side))  # type: ignore[arg-type]
        for order in orders:
            for price, size in opposite.iter_levels():
                if not order.open or (price > order.price if buy else price < order.price):
                    break
                avail = size - consumed.get(price, 0)
                if avail <= 0:
                    continue
                want = avail if avail < order.leaves else order.leaves
                got = self._fill_resting(st, order, order.price, want, t)
                if got:
                    consumed[price] = consumed.get(price, 0) + got

    def _fill_resting(self, st: _SymbolState, order: _Order, price: int, want: int, t: int) -> int:
        """Maker fill of up to ``want`` lots; clips to what the account can deliver and ends the rest."""
        lots = self._clip(st, order, price, want, MAKER)
        if lots:
            self._fill(st, order, price, lots, MAKER, t)
        if lots < want and order.open:
            self._cut(st, order, t)
        return lots

    def _match_trade(self, st: _SymbolState, msg: Trade, t: int) -> None:
        """A print on the tape: trade-driven fills of eligible resting orders, then stop triggers."""
        if st.resting:
            aggressor = msg.aggressor
            if aggressor is not Side.BUY:
                self._trade_side(st, BUY, msg.price, msg.size, t)
            if aggressor is not Side.SELL:
                self._trade_side(st, SELL, msg.price, msg.size, t)
        if st.stops:
            self._check_stops(st, t)

    def _trade_side(self, st: _SymbolState, side: Side, price: int, size: int, t: int) -> None:
        buy = side is BUY
        orders = [o for o in st.resting.values() if o.side is side and (o.price >= price if buy else o.price <= price)]
        if not orders:
            return
        orders.sort(key=_priority(side))  # type: ignore[arg-type]
        budget = size
        on_trade = self._queue.on_trade
        for order in orders:
            if order.price == price:
                order.ahead, executable = on_trade(order.ahead, size)
            else:
                order.ahead, executable = 0, size
            if not order.open:
                continue
            want = min(executable, order.leaves, budget)
            if want > 0:
                budget -= self._fill_resting(st, order, order.price, want, t)

    def _check_stops(self, st: _SymbolState, t: int) -> None:
        """Trigger every stop the current last price or best bid/ask reaches, in acceptance order."""
        hit = self._stop_hit
        fired = [o for o in st.stops.values() if hit(st, o.side, o.stop_price)]  # type: ignore[arg-type]
        for order in fired:
            if order.open:
                self._trigger(st, order, t)
