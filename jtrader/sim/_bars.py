"""Fills on candles (a Bar message for an instrument that has no L2 book).

Bar fills are **not size-limited**: a bar has no book, and its volume is not used (assumption,
as backtesting.py and backtrader without fillers). Every fill made by a bar is stamped at the
bar's ``ts`` (its close time) plus the response latency. Within one bar the order of work is:

1. orders waiting for this bar's open (``bar_fill="next_open"``): MARKET fills at the open;
   a limit that was marketable on arrival fills at the open if the open is still at or
   better than its limit (taker), otherwise IOC/FOK expire and GTC rests (step 3 applies);
2. **stops before limits** (stop-loss first when a stop and a take-profit both lie inside the
   bar: backtesting.py, backtrader, vectorbt and freqtrade agree): a BUY stop triggers if
   ``high >= stop`` and fills at ``max(open, stop)`` (a gap worsens the price), a SELL stop if
   ``low <= stop`` at ``min(open, stop)``. A STOP_LIMIT acts as a limit in the same bar only
   when unambiguous: triggered at the open (the bar gapped through the stop) it fills at the
   open if marketable there, else at its limit if the bar reaches it; triggered inside the bar
   it fills at the stop price only if its limit is at or beyond the stop, else it rests for
   the next bars;
3. resting limits: a BUY fills if ``low <= limit`` at ``min(open, limit)`` (a gap improves
   the price, as backtesting.py), a SELL if ``high >= limit`` at ``max(open, limit)``; maker.
"""

from __future__ import annotations

from jtrader.model import Bar, LiquiditySide, OrderType
from jtrader.model import TimeInForce as Tif
from jtrader.sim._core import BUY, MAKER, TAKER, TRIGGERED, _SymbolState
from jtrader.sim._resting import _RestingMixin
from jtrader.sim.orders import _Order

_NONE: frozenset[str] = frozenset()


class _BarMixin(_RestingMixin):
    def _match_bar(self, st: _SymbolState, bar: Bar, t: int) -> None:
        op, high, low = bar.open, bar.high, bar.low
        if st.waiting:
            for order in list(st.waiting.values()):
                if not order.open:
                    continue
                del st.waiting[order.order_id]
                if order.order_type is OrderType.MARKET:
                    if order.quote_size is None:  # self._bar_market, without the quote_size sizing
                        self._fill_bar(st, order, op, TAKER, t)
                    else:
                        self._bar_market(st, order, op, t)
                elif (op <= order.price) if order.side is BUY else (op >= order.price):  # type: ignore[operator]
                    self._fill_bar(st, order, op, TAKER, t)
                elif order.tif is Tif.GTC:
                    self._rest(st, order)
                else:
                    self._expire(st, order, t, "IOC remainder")
        fresh: set[str] | frozenset[str] = set() if st.stops else _NONE
        if st.stops:
            for order in list(st.stops.values()):
                if order.open:
                    self._bar_stop(st, order, op, high, low, t, fresh)
        if st.resting:
            for order in list(st.resting.values()):
                if not order.open or order.order_id in fresh:
                    continue
                limit = order.price
                assert limit is not None
                if order.side is BUY:
                    if low <= limit:
                        self._fill_bar(st, order, op if op < limit else limit, MAKER, t)
                elif high >= limit:
                    self._fill_bar(st, order, op if op > limit else limit, MAKER, t)

    def _bar_stop(  # noqa: PLR0917
        self, st: _SymbolState, order: _Order, op: int, high: int, low: int, t: int, fresh: set[str]
    ) -> None:
        stop = order.stop_price
        assert stop is not None
        buy = order.side is BUY
        if buy:
            if high < stop:
                return
            gapped = op >= stop
        else:
            if low > stop:
                return
            gapped = op <= stop
        del st.stops[order.order_id]
        order.triggered = True
        self._emit(t, TRIGGERED, order.order_id, order.symbol)
        if order.order_type is OrderType.STOP:
            self._fill_bar(st, order, op if gapped else stop, TAKER, t)
            return
        limit = order.price
        assert limit is not None
        if gapped:
            if op <= limit if buy else op >= limit:
                self._fill_bar(st, order, op, TAKER, t)
            elif low <= limit if buy else high >= limit:
                self._fill_bar(st, order, limit, MAKER, t)
        elif limit >= stop if buy else limit <= stop:
            self._fill_bar(st, order, stop, TAKER, t)
        if order.open:
            self._rest(st, order)
            fresh.add(order.order_id)  # type: ignore[union-attr]

    def _bar_market(self, st: _SymbolState, order: _Order, price: int, t: int) -> None:
        if order.quote_size is not None:
            budget = min(order.quote_size, self._account.free(st.inst.quote) + order.lock)
            lots = self._fees.affordable_lots(budget, st.inst.notional_atoms(price, 1), TAKER)
            if lots == 0:
                self._expire(st, order, t, "quote_size buys less than one lot")
                return
            order.size = lots
        self._fill_bar(st, order, price, TAKER, t)

    def _fill_bar(self, st: _SymbolState, order: _Order, price: int, liquidity: LiquiditySide, t: int) -> None:
        """Fill all that is left at ``price`` (bars are not size-limited), clipped to the balance."""
        lots = self._clip(st, order, price, order.size - order.filled, liquidity)
        if lots:
            self._fill(st, order, price, lots, liquidity, t)
        if order.open:
            if order.order_type is OrderType.MARKET or (order.order_type is OrderType.STOP):
                self._expire(st, order, t, "insufficient balance")
            else:
                self._cut(st, order, t)
