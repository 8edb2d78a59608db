"""What happens when a new order reaches the matching engine (after its entry latency).

Every check runs before anything changes: a rejected order leaves balances, books, consumption
and open orders exactly as they were. Then the order is accepted, locks its funds and executes
what it can immediately (taker fills walk the book); the rest rests, waits, or expires.
"""

from __future__ import annotations

import heapq

from jtrader.model import CancelAll, CancelOrder, CancelRejected, OrderType, RejectReason, ReplaceOrder, SubmitOrder
from jtrader.model import TimeInForce as Tif
from jtrader.sim._core import BUY, TAKER, TRIGGERED, _ExchangeCore, _SymbolState
from jtrader.sim._validate import Rejection, check_fields, check_minimums
from jtrader.sim.orders import _Order

_MARKET = OrderType.MARKET
_LIMIT = OrderType.LIMIT


class _ArrivalMixin(_ExchangeCore):
    # -- dispatch ---------------------------------------------------------------------------
    def _run_commands(self, until: int) -> None:
        """Process every command that arrived at or before ``until`` ns, in arrival order."""
        pending = self._pending
        while pending and pending[0][0] <= until:
            t, _, cmd = heapq.heappop(pending)
            kind = type(cmd)
            if kind is SubmitOrder:
                self._arrive(cmd, t)
            elif kind is CancelOrder:
                self._arrive_cancel(cmd, t)
            elif kind is ReplaceOrder:
                self._arrive_replace(cmd, t)
            else:
                assert kind is CancelAll
                self._arrive_cancel_all(cmd, t)

    def _arrive(self, cmd: SubmitOrder, t: int) -> None:
        symbol = cmd.symbol
        inst = self._instruments.get(symbol) if type(symbol) is str else None
        if inst is None:
            self._reject(cmd, t, RejectReason.UNKNOWN_INSTRUMENT, f"unknown symbol {symbol!r}")
            return
        bad = check_fields(cmd)
        if bad is None and cmd.order_id in self._known_ids:
            bad = RejectReason.DUPLICATE_ORDER_ID, f"order id {cmd.order_id!r} was used before"
        size = cmd.size
        if bad is None and cmd.reduce_only:
            # spot: a reduce-only SELL is clipped to the free base holdings
            held = self._account.free(inst.base) // inst.atoms_per_lot
            if held <= 0:
                bad = RejectReason.REDUCE_ONLY_WOULD_INCREASE, f"no free {inst.base} holdings to reduce"
            size = min(size, held)
        if bad is None:
            bad = check_minimums(cmd, inst, size)
        if bad is None:
            st = self._states[symbol]
            kind = cmd.order_type
            if kind is _MARKET:
                bad = self._arrive_market(cmd, st, size, t)
            elif kind is _LIMIT:
                bad = self._arrive_limit(cmd, st, size, t)
            else:
                bad = self._arrive_stop(cmd, st, size, t)
        if bad is not None:
            self._reject(cmd, t, bad[0], bad[1])

    # -- balance checks (no state change) ---------------------------------------------------
    def _sell_short(self, cmd: SubmitOrder, st: _SymbolState, size: int) -> Rejection | None:
        if cmd.reduce_only:
            return None
        if st.inst.base_atoms(size) > self._account.free(st.inst.base):
            return RejectReason.INSUFFICIENT_BALANCE, f"not enough free {st.inst.base} for {size} lots"
        return None

    def _quote_short(self, st: _SymbolState, atoms: int) -> Rejection | None:
        if atoms > self._account.free(st.inst.quote):
            free = self._account.free(st.inst.quote)
            return RejectReason.INSUFFICIENT_BALANCE, f"needs {atoms} {st.inst.quote} atoms, {free} free"
        return None

    def _lock_order(self, order: _Order, st: _SymbolState, buy_price: int | None) -> None:
        """Lock what ``order`` may spend: quote for a priced buy, base for a sell (not reduce-only)."""
        inst = st.inst
        if order.side is BUY:
            if order.quote_size is not None:
                currency, atoms = inst.quote, order.quote_size
            elif buy_price is not None:
                currency, atoms = inst.quote, self._buy_lock(inst, buy_price, order.size)
            else:
                return
        elif not order.reduce_only:
            currency, atoms = inst.base, order.size * inst.atoms_per_lot  # inst.base_atoms(order.size)
        else:
            return
        self._account.lock(currency, atoms)
        order.lock = atoms
        order.lock_currency = currency

    # -- market -----------------------------------------------------------------------------
    def _arrive_market(self, cmd: SubmitOrder, st: _SymbolState, size: int, t: int) -> Rejection | None:
        """Market order: walks the book as taker (remainder expires), or uses the bar price source.

        Book mode: an opposite side with no level is NO_MARKET. A buy by ``size`` must afford the
        whole walk; a buy by ``quote_size`` spends at most ``quote_size`` (fees included). FOK
        needs the full size available now. Bar mode: ``bar_fill="close"`` fills at the last bar's
        close now (size unlimited); ``"next_open"`` waits for the next bar's open.
        """
        inst = st.inst
        quote = cmd.quote_size
        buy = cmd.side is BUY
        if st.l2:
            opposite = st.book.asks if buy else st.book.bids
            if opposite.best is None:
                return RejectReason.NO_MARKET, "the opposite side of the book is empty"
            if quote is not None:
                bad = self._quote_short(st, quote)
                if bad:
                    return bad
                plan = self._plan(st, cmd.side, None, None, quote)
                if not plan:
                    return RejectReason.BELOW_MIN_SIZE, "quote_size buys less than one lot"
            else:
                if inst.notional_atoms(opposite.best, size) < inst.min_notional_atoms:
                    return RejectReason.BELOW_MIN_NOTIONAL, "notional at the best price is below the minimum"
                plan = self._plan(st, cmd.side, None, size, None)
                bad = self._quote_short(st, self._plan_cost(st, plan)) if buy else self._sell_short(cmd, st, size)
                if bad:
                    return bad
            got = sum(lots for _, lots in plan)
            if cmd.tif is Tif.FOK and got < size:
                return RejectReason.FOK_NOT_FILLABLE, f"only {got} of {size} lots available"
            order = self._accept(cmd, st, size if quote is None else got, t)
            self._take(st, order, plan, t)
            if order.open:
                self._expire(st, order, t, "book exhausted")
            return None
        close = st.bar_close
        if close is None:
            return RejectReason.NO_MARKET, "no book and no bar to price a market order"
        notional = close * size * inst.atoms_per_tick_lot  # inst.notional_atoms(close, size)
        if quote is None and notional < inst.min_notional_atoms:
            return RejectReason.BELOW_MIN_NOTIONAL, "notional at the last close is below the minimum"
        if buy:
            need = quote if quote is not None else notional + self._fees.fee(notional, TAKER)  # fees.cost
            bad = self._quote_short(st, need)
        else:
            bad = self._sell_short(cmd, st, size)
        if bad:
            return bad
        if self._close_fill:
            if quote is not None:
                size = self._fees.affordable_lots(quote, inst.notional_atoms(close, 1), TAKER)
                if size == 0:
                    return RejectReason.BELOW_MIN_SIZE, "quote_size buys less than one lot at the last close"
            order = self._accept(cmd, st, size, t)
            self._fill(st, order, close, size, TAKER, t)
            return None
        order = self._accept(cmd, st, 0 if quote is not None else size, t)
        self._lock_order(order, st, None)
        st.waiting[order.order_id] = order
        return None

    # -- limit ------------------------------------------------------------------------------
    def _arrive_limit(self, cmd: SubmitOrder, st: _SymbolState, size: int, t: int) -> Rejection | None:
        """Limit order: takes what crosses (taker, at each level's price, up to the limit), then
        GTC rests (queue: behind the displayed size at its price), IOC expires the rest, FOK
        fills completely now or is rejected. Post-only is rejected if it would cross on arrival.
        Bar mode: "marketable" means through the last close; such an order fills at the close
        (``bar_fill="close"``) or at the next open (``"next_open"``) as taker.
        """
        price = cmd.price
        assert price is not None
        buy = cmd.side is BUY
        bad = self._quote_short(st, self._buy_lock(st.inst, price, size)) if buy else self._sell_short(cmd, st, size)
        if bad:
            return bad
        if st.l2:
            best = st.book.asks.best if buy else st.book.bids.best
            crosses = best is not None and (best <= price if buy else best >= price)
            if crosses and cmd.post_only:
                return RejectReason.POST_ONLY_WOULD_CROSS, f"best opposite price {best} crosses {price}"
            plan = self._plan(st, cmd.side, price, size, None) if crosses else []
            got = sum(lots for _, lots in plan) if plan else 0
            if cmd.tif is Tif.FOK and got < size:
                return RejectReason.FOK_NOT_FILLABLE, f"only {got} of {size} lots available at {price} or better"
            order = self._accept(cmd, st, size, t)
            self._lock_order(order, st, price)
            self._take(st, order, plan, t)
            if order.open:
                if cmd.tif is Tif.GTC:
                    self._rest(st, order)
                else:
                    self._expire(st, order, t, "IOC remainder")
            return None
        close = st.bar_close
        marketable = close is not None and (close <= price if buy else close >= price)
        if marketable and cmd.post_only:
            return RejectReason.POST_ONLY_WOULD_CROSS, f"last close {close} crosses {price}"
        if not marketable and cmd.tif is Tif.FOK:
            return RejectReason.FOK_NOT_FILLABLE, "nothing available at the limit price"
        order = self._accept(cmd, st, size, t)
        self._lock_order(order, st, price)
        if marketable:
            assert close is not None
            if self._close_fill:
                self._fill(st, order, close, size, TAKER, t)
            else:
                order.taker_on_bar = True
                st.waiting[order.order_id] = order
        elif cmd.tif is Tif.GTC:
            self._rest(st, order)
        else:
            self._expire(st, order, t, "IOC remainder")
        return None

    def _rest(self, st: _SymbolState, order: _Order) -> None:
        """Put ``order`` on the book: the queue model places it behind the displayed size at its price."""
        assert order.price is not None
        displayed = st.book.side(order.side).size_at(order.price)
        order.ahead = self._queue.on_join(displayed)
        order.taker_on_bar = False
        st.resting[order.order_id] = order

    # -- stops ------------------------------------------------------------------------------
    def _arrive_stop(self, cmd: SubmitOrder, st: _SymbolState, size: int, t: int) -> Rejection | None:
        """Stop / stop-limit: rejected if the trigger is already in the market (STOP_WOULD_TRIGGER).

        A buy locks quote at its limit price (stop-limit) or its stop price (stop-market; a
        gap may cost more, then the fill is clipped to what the account can pay).
        """
        stop = cmd.stop_price
        assert stop is not None
        if self._stop_hit(st, cmd.side, stop):
            return RejectReason.STOP_WOULD_TRIGGER, f"stop {stop} is already in the market"
        lock_price = cmd.price if cmd.price is not None else stop
        if cmd.side is BUY:
            bad = self._quote_short(st, self._buy_lock(st.inst, lock_price, size))
        else:
            bad = self._sell_short(cmd, st, size)
        if bad:
            return bad
        order = self._accept(cmd, st, size, t)
        self._lock_order(order, st, lock_price)
        st.stops[order.order_id] = order
        return None

    def _trigger(self, st: _SymbolState, order: _Order, t: int) -> None:
        """A stop triggered on the book/trade tape: STOP walks the book as a market order
        (remainder expires), STOP_LIMIT takes what crosses its limit and rests the rest."""
        del st.stops[order.order_id]
        order.triggered = True
        self._emit(t, TRIGGERED, order.order_id, order.symbol)
        buy = order.side is BUY
        if order.order_type is OrderType.STOP:
            if buy:
                budget = self._account.free(st.inst.quote) + order.lock
                plan = self._plan(st, order.side, None, order.leaves, budget)
            else:
                lots = self._clip(st, order, 0, order.leaves, TAKER)
                plan = self._plan(st, order.side, None, lots, None) if lots else []
            self._take(st, order, plan, t)
            if order.open:
                self._expire(st, order, t, "book exhausted" if plan else "no market")
            return
        price = order.price
        assert price is not None
        best = st.book.asks.best if buy else st.book.bids.best
        if best is not None and (best <= price if buy else best >= price):
            lots = self._clip(st, order, price, order.leaves, TAKER)
            self._take(st, order, self._plan(st, order.side, price, lots, None) if lots else [], t)
        if order.open:
            self._rest(st, order)

    # -- cancels ----------------------------------------------------------------------------
    def _arrive_cancel(self, cmd: CancelOrder, t: int) -> None:
        order = self._orders.get(cmd.order_id) if type(cmd.order_id) is str else None
        if order is None:
            order_id = cmd.order_id if type(cmd.order_id) is str else ""
            self._emit(t, CancelRejected, order_id, RejectReason.UNKNOWN_ORDER, f"no open order {cmd.order_id!r}")
            return
        self._cancel(self._states[order.symbol], order, t, "user")

    def _arrive_replace(self, cmd: ReplaceOrder, t: int) -> None:
        """Cancel-replace: cancel ``cmd.order_id``, then the new order arrives; if the cancel fails, refuse both."""
        new = cmd.new
        order = self._orders.get(cmd.order_id) if type(cmd.order_id) is str else None
        if order is None:
            order_id = cmd.order_id if type(cmd.order_id) is str else ""
            self._emit(t, CancelRejected, order_id, RejectReason.UNKNOWN_ORDER, f"no open order {cmd.order_id!r}")
            self._reject(new, t, RejectReason.REPLACE_CANCEL_FAILED, f"order {cmd.order_id!r} to replace is not open")
            return
        self._cancel(self._states[order.symbol], order, t, "replaced")
        self._arrive(new, t)

    def _arrive_cancel_all(self, cmd: CancelAll, t: int) -> None:
        """Cancel every open order (of ``cmd.symbol`` if given), in acceptance order. None open: no event."""
        doomed = [o for o in self._orders.values() if cmd.symbol is None or o.symbol == cmd.symbol]
        for order in doomed:
            self._cancel(self._states[order.symbol], order, t, "user")
