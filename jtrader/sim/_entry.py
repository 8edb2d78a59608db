"""Order entry of the simulated exchange: commands in flight, and what happens when each arrives.

Commands travel on **one connection**: :meth:`OrderEntry.send` puts a command in flight to
arrive at its send time plus its latency, but never before the command sent ahead of it (a
venue processes one connection's requests in order, so a cancel sent just before an order is
processed first even when the cancel leg is slower). :meth:`OrderEntry.run` processes the
commands that arrived by a time, in arrival order: a new order is checked in full before
anything changes (fields, duplicate id, reduce-only clipping, minimums, venue rules) and then
handed to its instrument's :class:`~jtrader.sim.matcher.Matcher`.
"""

from __future__ import annotations

import heapq
from typing import Any

from jtrader.errors import TimestampError
from jtrader.model import CancelAll, CancelOrder, CancelRejected, RejectReason, ReplaceOrder, SubmitOrder, check_ts
from jtrader.model.timestamps import MAX_TS_NS
from jtrader.sim._validate import check_fields, check_minimums, check_rules, raw_field, reduce_only_size
from jtrader.sim.latency import ConstantLatency, LatencyModel
from jtrader.sim.ledger import Ledger
from jtrader.sim.matcher import Matcher

__all__ = ["OrderEntry"]


class OrderEntry:
    """The command queue (``pending``: a heap of ``(arrival ns, sequence, command)``) and its arrivals."""

    __slots__ = ("_constant", "_last_arrival", "_latency", "_ledger", "_matchers", "_seq", "pending")

    def __init__(self, ledger: Ledger, matchers: dict[str, Matcher], latency: LatencyModel) -> None:
        self._ledger = ledger
        self._matchers = matchers
        self._latency = latency
        #: the ConstantLatency whose fields are read directly (no method call), None for another model
        self._constant: ConstantLatency | None = latency if type(latency) is ConstantLatency else None
        self.pending: list[tuple[int, int, Any]] = []
        #: arrival time of the last command sent
        self._last_arrival = 0
        self._seq = 0

    def send(self, cmd: Any, now: int, cancel: bool) -> None:
        """Put ``cmd`` (sent at ``cmd.ts``) in flight: it arrives after the entry latency (``cancel``:
        the cancel latency), never before the command sent before it. Raises
        :class:`TimestampError` when ``cmd.ts`` is not an int of ns in 2000..2200 or is before
        ``now``, the exchange time (ns)."""
        ts = cmd.ts
        if type(ts) is not int or ts < now or ts >= MAX_TS_NS:  # the exchange time is >= 2000
            what = f"{type(cmd).__name__}.ts"
            ts = check_ts(ts, what)
            if ts < now:
                raise TimestampError(f"{what} {ts} ns is before the exchange time {now} ns")
        constant = self._constant
        if constant is not None:
            arrival = ts + (constant.cancel_ns if cancel else constant.entry_ns)
        else:
            arrival = ts + (self._latency.cancel() if cancel else self._latency.entry())
        last = self._last_arrival
        if arrival < last:  # noqa: PLR1730 - cheaper than max() on the order path
            arrival = last
        self._last_arrival = arrival
        self._seq += 1
        heapq.heappush(self.pending, (arrival, self._seq, cmd))

    def run(self, until: int) -> None:
        """Process every command that arrived at or before ``until`` ns, in arrival order."""
        pending = self.pending
        while pending and pending[0][0] <= until:
            t, _, cmd = heapq.heappop(pending)
            kind = type(cmd)
            if kind is SubmitOrder:
                self.arrive(cmd, t)
            elif kind is CancelOrder:
                self._arrive_cancel(cmd, t)
            elif kind is ReplaceOrder:
                self._arrive_replace(cmd, t)
            else:
                assert kind is CancelAll
                self._arrive_cancel_all(cmd, t)

    def arrive(self, cmd: SubmitOrder, t: int) -> None:
        """A new order reaches the matching engine at ``t``: every check, then its instrument's matcher."""
        ledger = self._ledger
        symbol = raw_field(cmd, "symbol")  # not cmd.symbol: a compiled read of a wrong type raises
        matcher = self._matchers.get(symbol) if type(symbol) is str else None
        if matcher is None:
            ledger.reject(cmd, t, RejectReason.UNKNOWN_INSTRUMENT, f"unknown symbol {symbol!r}")
            return
        inst = matcher.inst
        bad = check_fields(cmd)
        if bad is not None:  # a field of the wrong type: read no further
            ledger.reject(cmd, t, bad[0], bad[1])
            return
        if cmd.order_id in ledger.known_ids:
            bad = RejectReason.DUPLICATE_ORDER_ID, f"order id {cmd.order_id!r} was used before"
        size = cmd.size
        if bad is None and cmd.reduce_only:
            size, bad = reduce_only_size(cmd, inst, ledger.account.free(inst.base))
        if bad is None:
            bad = check_minimums(cmd, inst, size)
        if bad is None and inst.rules is not None:
            bad = check_rules(cmd, inst, size)
        if bad is None:
            bad = matcher.arrive(cmd, size, t)
        if bad is not None:
            ledger.reject(cmd, t, bad[0], bad[1])

    def _unknown_order(self, order_id: object, t: int) -> None:
        text = order_id if type(order_id) is str else ""
        self._ledger.out.emit(t, CancelRejected, text, RejectReason.UNKNOWN_ORDER, f"no open order {order_id!r}")

    def _arrive_cancel(self, cmd: CancelOrder, t: int) -> None:
        order_id = raw_field(cmd, "order_id")
        order = self._ledger.orders.get(order_id) if type(order_id) is str else None
        if order is None:
            self._unknown_order(order_id, t)
            return
        self._matchers[order.symbol].cancel(order, t, "user")

    def _arrive_replace(self, cmd: ReplaceOrder, t: int) -> None:
        """Cancel-replace: cancel ``cmd.order_id``, then the new order arrives; if the cancel fails, refuse both."""
        order_id = raw_field(cmd, "order_id")
        order = self._ledger.orders.get(order_id) if type(order_id) is str else None
        if order is None:
            self._unknown_order(order_id, t)
            reason = RejectReason.REPLACE_CANCEL_FAILED
            self._ledger.reject(cmd.new, t, reason, f"order {order_id!r} to replace is not open")
            return
        self._matchers[order.symbol].cancel(order, t, "replaced")
        self.arrive(cmd.new, t)

    def _arrive_cancel_all(self, cmd: CancelAll, t: int) -> None:
        """Cancel every open order (of ``cmd.symbol`` if given), in acceptance order. None open: no event."""
        symbol = raw_field(cmd, "symbol")
        doomed = [o for o in self._ledger.orders.values() if symbol is None or o.symbol == symbol]
        for order in doomed:
            self._matchers[order.symbol].cancel(order, t, "user")
