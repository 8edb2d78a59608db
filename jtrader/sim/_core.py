"""State and bookkeeping primitives shared by the matching mixins of the simulated exchange.

Nothing here decides *whether* an order fills; it records fills (balances, locks, events),
closes orders and plans book walks. Times are int ns, prices ticks, sizes lots, money atoms.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from jtrader.book import OrderBook
from jtrader.errors import ConfigError
from jtrader.model import (
    Instrument,
    LiquiditySide,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderTriggered,
    Side,
    SubmitOrder,
)
from jtrader.model.events import builder
from jtrader.model.timestamps import MIN_TS_NS
from jtrader.sim.account import Account
from jtrader.sim.fees import FeeModel
from jtrader.sim.latency import ConstantLatency, LatencyModel
from jtrader.sim.orders import _Order
from jtrader.sim.queue import QueueModel, RiskAverseQueue

BAR_FILL_MODES = ("next_open", "close")
TAKER = LiquiditySide.TAKER
MAKER = LiquiditySide.MAKER
BUY = Side.BUY
SELL = Side.SELL
# positional constructors of the events the exchange emits (see jtrader.model.events.builder)
ACCEPTED = builder(OrderAccepted)
CANCELED = builder(OrderCanceled)
EXPIRED = builder(OrderExpired)
FILLED = builder(OrderFilled)
REJECTED = builder(OrderRejected)
TRIGGERED = builder(OrderTriggered)


class _SymbolState:
    """Everything the exchange knows about one instrument."""

    __slots__ = (
        "bar_close",
        "book",
        "consumed_ask",
        "consumed_bid",
        "from_quotes",
        "inst",
        "l2",
        "last_price",
        "resting",
        "resyncing",
        "stops",
        "waiting",
    )

    def __init__(self, inst: Instrument) -> None:
        self.inst = inst
        self.book = OrderBook(inst.symbol)
        #: last trade price or bar close (ticks)
        self.last_price: int | None = None
        #: close of the last bar (ticks): the price source of bar mode
        self.bar_close: int | None = None
        #: the book has been fed (depth or quotes): matching uses it rather than bars
        self.l2 = False
        #: the book was built from Quote messages (top of book only)
        self.from_quotes = False
        #: BookResync seen: the book is empty and deltas are ignored until a snapshot
        self.resyncing = False
        #: lots our taker/crossed fills took per level, until a fresh update of that level
        self.consumed_bid: dict[int, int] = {}
        self.consumed_ask: dict[int, int] = {}
        #: resting limit orders (triggered stop-limits included), in acceptance order
        self.resting: dict[str, _Order] = {}
        #: stop orders waiting for their trigger
        self.stops: dict[str, _Order] = {}
        #: bar mode, ``bar_fill="next_open"``: orders that execute at the next bar's open
        self.waiting: dict[str, _Order] = {}


def _instrument_map(instruments: Iterable[Instrument] | Mapping[str, Instrument]) -> dict[str, Instrument]:
    items = instruments.values() if isinstance(instruments, Mapping) else instruments
    result: dict[str, Instrument] = {}
    for inst in items:
        if not isinstance(inst, Instrument):
            raise ConfigError(f"instruments must be Instrument objects, got {inst!r}")
        if inst.symbol in result:
            raise ConfigError(f"instrument {inst.symbol} is defined twice")
        result[inst.symbol] = inst
    return result


class _ExchangeCore:
    """Fields and bookkeeping of :class:`jtrader.sim.SimulatedExchange`."""

    def __init__(
        self,
        instruments: Iterable[Instrument] | Mapping[str, Instrument],
        balances: Mapping[str, int] | None = None,
        *,
        fees: FeeModel | None = None,
        latency: LatencyModel | None = None,
        queue: QueueModel | None = None,
        bar_fill: str = "next_open",
    ) -> None:
        if bar_fill not in BAR_FILL_MODES:
            raise ConfigError(f"bar_fill must be one of {BAR_FILL_MODES}, got {bar_fill!r}")
        self._instruments = _instrument_map(instruments)
        self._states = {symbol: _SymbolState(inst) for symbol, inst in self._instruments.items()}
        self._account = Account(balances)
        self._fees = fees if fees is not None else FeeModel()
        self._latency: LatencyModel = latency if latency is not None else ConstantLatency()
        #: the ConstantLatency whose fields are read directly (no method call), None for another model
        self._constant: ConstantLatency | None = self._latency if type(self._latency) is ConstantLatency else None
        self._queue: QueueModel = queue if queue is not None else RiskAverseQueue()
        self._bar_fill = bar_fill
        self._close_fill = bar_fill == "close"
        #: commands in flight: (arrival ns, sequence, command)
        self._pending: list[tuple[int, int, Any]] = []
        #: arrival time of the last command sent: one connection delivers commands in send order
        self._last_arrival = 0
        #: events not yet delivered, in delivery order: delivery times never decrease (one FIFO
        #: connection, see _emit), so a queue is enough; an event's ``ts`` is its delivery time
        self._outbox: deque[Any] = deque()
        self._seq = 0
        self._fill_id = 0
        #: exchange time: the latest market message or advance() time seen (ns)
        self._now = MIN_TS_NS
        #: delivery time of the last event: responses leave in order (one FIFO connection)
        self._last_delivery = 0
        #: open orders by id, in acceptance order
        self._orders: dict[str, _Order] = {}
        #: every order id ever accepted (a reused id is rejected)
        self._known_ids: set[str] = set()
        self._reduce_only_open = 0
        #: market messages for symbols the exchange does not know (ignored)
        self.ignored_messages = 0
        #: book deltas dropped while a book awaited its resync snapshot
        self.dropped_deltas = 0

    # -- events -----------------------------------------------------------------------------
    def _delivery(self, t: int) -> int:
        """The delivery time (ns) of an event the exchange produces at exchange time ``t``.

        ``t`` plus the response latency. Deliveries keep the order in which the exchange produced
        them (a venue connection is FIFO), so with random latency a delivery may wait for the one
        before it: delivery times never decrease.
        """
        constant = self._constant
        ts = t + (constant.response_ns if constant is not None else self._latency.response())
        last = self._last_delivery
        if ts < last:  # noqa: PLR1730 - cheaper than max() on the hot path
            ts = last
        self._last_delivery = ts
        return ts

    def _emit(self, t: int, build: Any, *args: Any) -> None:
        """Queue ``build(delivery ts, *args)``: an event produced at exchange time ``t`` (see :meth:`_delivery`)."""
        self._outbox.append(build(self._delivery(t), *args))

    def _reject(self, cmd: SubmitOrder, t: int, reason: Any, message: str) -> None:
        symbol = cmd.symbol if type(cmd.symbol) is str else ""
        order_id = cmd.order_id if type(cmd.order_id) is str else ""
        self._emit(t, REJECTED, order_id, symbol, reason, message)

    # -- order lifecycle --------------------------------------------------------------------
    def _accept(self, cmd: SubmitOrder, st: _SymbolState, size: int, t: int) -> _Order:
        self._seq += 1
        order = _Order(cmd, size, self._seq, t)
        order_id = order.order_id
        self._orders[order_id] = order
        self._known_ids.add(order_id)
        if order.reduce_only:
            self._reduce_only_open += 1
        constant = self._constant  # self._delivery(t), inlined: once per order
        ts = t + (constant.response_ns if constant is not None else self._latency.response())
        last = self._last_delivery
        if ts < last:  # noqa: PLR1730 - cheaper than max() on the hot path
            ts = last
        self._last_delivery = ts
        self._outbox.append(ACCEPTED(ts, order_id, order.symbol))
        return order

    def _buy_lock(self, inst: Instrument, price: int, size: int) -> int:
        """Quote atoms a buy of ``size`` lots at up to ``price`` ticks locks.

        Notional plus the larger of maker/taker fee, plus one atom per lot when fees are
        charged: each fill's fee is rounded up separately, and an order fills at most once per lot.
        """
        notional = inst.notional_atoms(price, size)
        slack = size if self._fees.charges else 0
        return notional + self._fees.max_fee(notional) + slack

    def _close(self, st: _SymbolState, order: _Order) -> None:
        """Remove ``order`` from every open structure and release what it still locks."""
        order.open = False
        if order.lock:
            self._account.unlock(order.lock_currency, order.lock)
            order.lock = 0
        order_id = order.order_id
        del self._orders[order_id]
        if st.resting:
            st.resting.pop(order_id, None)
        if st.stops:
            st.stops.pop(order_id, None)
        if st.waiting:
            st.waiting.pop(order_id, None)
        if order.reduce_only:
            self._reduce_only_open -= 1

    def _cancel(self, st: _SymbolState, order: _Order, t: int, reason: str) -> None:
        self._close(st, order)
        self._outbox.append(CANCELED(self._delivery(t), order.order_id, order.symbol, reason))

    def _expire(self, st: _SymbolState, order: _Order, t: int, reason: str) -> None:
        self._close(st, order)
        self._outbox.append(EXPIRED(self._delivery(t), order.order_id, order.symbol, reason))

    def _cut(self, st: _SymbolState, order: _Order, t: int) -> None:
        """End an order whose next fill the account cannot pay (or, reduce-only, cannot deliver)."""
        if order.reduce_only:
            self._cancel(st, order, t, "reduce_only: holdings exhausted")
        else:
            self._cancel(st, order, t, "insufficient balance")

    # -- fills ------------------------------------------------------------------------------
    def _clip(self, st: _SymbolState, order: _Order, price: int, lots: int, liquidity: LiquiditySide) -> int:
        """The most of ``lots`` at ``price`` the account can pay for (buy) or deliver (sell)."""
        inst = st.inst
        if order.side is BUY:
            avail = self._account.free(inst.quote) + order.lock
            per_lot = price * inst.atoms_per_tick_lot  # inst.notional_atoms(price, 1)
            notional = per_lot * lots
            if notional + self._fees.fee(notional, liquidity) > avail:  # fees.cost(notional)
                return self._fees.affordable_lots(avail, per_lot, liquidity)
            return lots
        avail_lots = (self._account.free(inst.base) + order.lock) // inst.atoms_per_lot
        return lots if lots <= avail_lots else avail_lots

    def _fill(  # noqa: PLR0917
        self, st: _SymbolState, order: _Order, price: int, lots: int, liquidity: LiquiditySide, t: int
    ) -> None:
        """Record one fill of ``lots`` at ``price``: balances, lock, event; close the order when done.

        Buys pay notional plus fee in quote and receive base; sells deliver base and receive
        notional minus fee in quote. The fee is :meth:`FeeModel.fee` (rounded up to the atom).
        """
        inst = st.inst
        account = self._account
        notional = price * lots * inst.atoms_per_tick_lot  # inst.notional_atoms(price, lots)
        fee = self._fees.fee(notional, liquidity)
        side = order.side
        lock = order.lock
        if side is BUY:
            cost = notional + fee
            from_lock = lock if lock < cost else cost
            account.pay(inst.quote, cost, from_lock)
            order.lock = lock - from_lock
            account.credit(inst.base, lots * inst.atoms_per_lot)
        else:
            base = lots * inst.atoms_per_lot
            from_lock = lock if lock < base else base
            account.pay(inst.base, base, from_lock)
            order.lock = lock - from_lock
            account.credit(inst.quote, notional - fee)
        filled = order.filled = order.filled + lots
        self._fill_id += 1
        constant = self._constant  # self._delivery(t), inlined: once per fill
        ts = t + (constant.response_ns if constant is not None else self._latency.response())
        last = self._last_delivery
        if ts < last:  # noqa: PLR1730 - cheaper than max() on the hot path
            ts = last
        self._last_delivery = ts
        self._outbox.append(
            FILLED(
                ts,
                order.order_id,
                order.symbol,
                side,
                price,
                lots,
                liquidity,
                fee,
                inst.quote,
                self._fill_id,
                order.size - filled,
            )
        )
        if filled >= order.size:
            self._close(st, order)
        if side is SELL and self._reduce_only_open:
            self._sweep_reduce_only(inst.base, t)

    def _sweep_reduce_only(self, base: str, t: int) -> None:
        """Cancel reduce-only sells of ``base`` once the free holdings are below one lot."""
        free = self._account.free(base)
        instruments = self._instruments
        doomed = [
            o
            for o in self._orders.values()
            if o.reduce_only and instruments[o.symbol].base == base and free < instruments[o.symbol].atoms_per_lot
        ]
        for order in doomed:
            self._cancel(self._states[order.symbol], order, t, "reduce_only: holdings exhausted")

    def _plan(
        self, st: _SymbolState, side: Side, limit: int | None, lots: int | None, budget: int | None
    ) -> list[tuple[int, int]]:
        """Taker walk of the opposite book, best level first, without changing anything.

        Takes at most the displayed size minus what our orders already consumed at each level,
        stops at ``limit`` (ticks, None: no limit), after ``lots`` (None: no size limit) and,
        for buys with a ``budget`` (quote atoms, taker fees included), when the budget is spent.
        Returns ``[(price_ticks, lots), ...]``.
        """
        if side is BUY:
            levels, consumed, buy = st.book.asks, st.consumed_ask, True
        else:
            levels, consumed, buy = st.book.bids, st.consumed_bid, False
        plan: list[tuple[int, int]] = []
        fees = self._fees
        for price, size in levels.iter_levels():
            if limit is not None and (price > limit if buy else price < limit):
                break
            avail = size - consumed.get(price, 0)
            if avail <= 0:
                continue
            take = avail if lots is None or avail < lots else lots
            if budget is not None:
                per_lot = st.inst.notional_atoms(price, 1)
                cost = fees.cost(per_lot * take, TAKER)
                if cost > budget:
                    take = fees.affordable_lots(budget, per_lot, TAKER)
                    if take:
                        plan.append((price, take))
                    break
                budget -= cost
            plan.append((price, take))
            if lots is not None:
                lots -= take
                if lots == 0:
                    break
        return plan

    def _take(self, st: _SymbolState, order: _Order, plan: list[tuple[int, int]], t: int) -> None:
        """Execute a planned taker walk: fills at each level's price, recorded as consumed."""
        consumed = st.consumed_ask if order.side is BUY else st.consumed_bid
        for price, lots in plan:
            if not order.open:
                break
            consumed[price] = consumed.get(price, 0) + lots
            self._fill(st, order, price, lots, TAKER, t)

    def _plan_cost(self, st: _SymbolState, plan: list[tuple[int, int]]) -> int:
        """Quote atoms a planned taker buy spends, fees included."""
        inst, fees = st.inst, self._fees
        return sum(fees.cost(inst.notional_atoms(price, lots), TAKER) for price, lots in plan)

    def _stop_hit(self, st: _SymbolState, side: Side, stop: int) -> bool:
        """Is a stop of ``side`` at ``stop`` ticks triggered by the current market?

        BUY: last trade (or bar close) >= stop, or best ask >= stop; SELL: last <= stop, or
        best bid <= stop.
        """
        last = st.last_price
        if side is BUY:
            ask = st.book.asks.best
            return (last is not None and last >= stop) or (ask is not None and ask >= stop)
        bid = st.book.bids.best
        return (last is not None and last <= stop) or (bid is not None and bid <= stop)
