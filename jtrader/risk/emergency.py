"""The emergency manager: triggers, the kill switch, and the halt-cancel-flatten-verify procedure.

Triggers (each optional, see :class:`~jtrader.risk.EmergencyLimits`): drawdown from peak
equity, daily loss (UTC day on the engine clock), stale market data, crossed book, book resync
(``BookResync``/``SequenceGap``), consecutive rejections, and the manual kill switch.

On the first trigger, at the engine clock, every step is an event in the run's output:

1. ``EmergencyAction(step="trigger")`` names the trigger and what was seen;
2. the risk manager goes to HALTED (``RiskStateChanged``) and ``EmergencyAction("halt")``:
   from now on new strategy orders are denied (``HALTED``), cancels still pass;
3. ``EmergencyAction("cancel_all")``: every open order is canceled;
4. ``EmergencyAction("flatten")``: one MARKET order per non-zero position, opposite side, whole
   position (tag ``"emergency"``), sent straight to the exchange (the halted risk manager would
   deny it; this is the one road around it);
5. ``EmergencyAction("verify_flat")`` once every flatten order is done (filled, expired,
   rejected or canceled): ``"flat"``, or ``"not flat: ..."`` and another attempt on the next
   market message, up to ``flatten_attempts`` times.

Later triggers are ignored: the procedure runs once per run. Equity checks cost one
portfolio valuation per message only while a position is open, after a fill, or when a new
UTC day starts; otherwise a message costs a few comparisons. With no message-driven trigger
configured (:attr:`EmergencyManager.watching` is False) the engine calls
:meth:`~EmergencyManager.on_message` only for book messages when the crossed-book trigger is on
and for status messages (resync, gap), until a flatten retry is due.

The manager reads the run through an :class:`~jtrader.risk.ports.AccountView` and acts through
an :class:`~jtrader.risk.ports.EmergencyActions` port: it never sees the engine. It halts
whatever risk gate the run has (the state belongs to the gate protocol).
"""

from __future__ import annotations

from typing import Any

from jtrader.errors import ConfigError
from jtrader.model import (
    NS_PER_S,
    Bar,
    BookDelta,
    BookResync,
    BookSnapshot,
    EmergencyAction,
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    Quote,
    SequenceGap,
    Side,
    Trade,
)
from jtrader.risk.limits import EmergencyLimits
from jtrader.risk.ports import AccountView, ClockReader, EmergencyActions, HoldingsReader

__all__ = ["NS_PER_DAY", "EmergencyManager"]

NS_PER_DAY = 86_400 * NS_PER_S
_DATA = frozenset({Bar, BookSnapshot, BookDelta, Trade, Quote})
_BOOK = frozenset({BookSnapshot, BookDelta})
_RESYNC = frozenset({BookResync, SequenceGap})


class EmergencyManager:
    """Watches the run and halts it when a trigger fires. See the module docstring."""

    def __init__(self, limits: EmergencyLimits | None = None) -> None:
        self.limits = limits if limits is not None else EmergencyLimits()
        self._account: AccountView | None = None
        self._actions: EmergencyActions | None = None
        self._clock: ClockReader | None = None
        self._holdings: HoldingsReader | None = None
        #: name of the trigger that fired, None while all is well
        self.triggered: str | None = None
        self.attempts = 0
        self.flat: bool | None = None
        self._flatten_ids: set[str] = set()
        self._retry_due = False
        self._rejections = 0
        self._last_seen: dict[str, int] = {}
        self.peak_equity: int | None = None
        self.day_start_equity: int | None = None
        self._next_day_ns = 0
        self._fills_seen = -1
        limits = self.limits
        self._equity_checks = (
            limits.max_drawdown_bps is not None
            or limits.reduce_at_drawdown_bps is not None
            or limits.daily_loss is not None
        )
        self._currency = limits.equity_currency
        #: whether :meth:`on_message` has something to check on every message (stale data, equity,
        #: a flatten retry); book messages are also checked when ``watching_books``
        self.watching = self._equity_checks or limits.stale_after_ns is not None
        self.watching_books = limits.halt_on_crossed_book

    # -- wiring -----------------------------------------------------------------------------
    def bind(self, account: AccountView, actions: EmergencyActions) -> None:
        """Attach to the run's account view and actions port (called once by the engine)."""
        self._account = account
        self._actions = actions
        self._clock = account.clock
        self._holdings = account.holdings
        if self._currency is None:
            self._currency = next(iter(account.instruments.values())).quote

    def _bound(self) -> tuple[AccountView, EmergencyActions]:
        if self._account is None or self._actions is None:
            raise ConfigError("this EmergencyManager is not attached to an engine")
        return self._account, self._actions

    # -- per message and per event ----------------------------------------------------------
    def on_message(self, msg: Any) -> None:
        """Check the message-driven triggers (called by the engine after marks are updated)."""
        account = self._account
        if account is None or self._clock is None or self._holdings is None:
            return
        if self.triggered is not None:
            if self._retry_due:
                self._retry_due = False
                self.watching = False  # nothing else to watch once triggered
                self._flatten()
            return
        limits = self.limits
        kind = type(msg)
        now = self._clock.now
        stale = limits.stale_after_ns
        if stale is not None:
            last_seen = self._last_seen
            if kind in _DATA:
                previous = last_seen.get(msg.symbol)
                if previous is not None and now - previous > stale:
                    self.trigger("stale_data", f"{msg.symbol}: no market data for {now - previous} ns")
                    return
                last_seen[msg.symbol] = now
            for symbol, seen in last_seen.items():
                if now - seen > stale:
                    self.trigger("stale_data", f"{symbol}: no market data for {now - seen} ns")
                    return
        if limits.halt_on_crossed_book and kind in _BOOK:
            book = account.book(msg.symbol)
            if book.crossed:
                self.trigger("crossed_book", f"{msg.symbol}: bid {book.best_bid} >= ask {book.best_ask}")
                return
        if limits.halt_on_resync and kind in _RESYNC:
            what = msg.symbol if kind is BookResync else ",".join(msg.symbols) or msg.connection
            self.trigger("book_resync", f"{kind.__name__} {what}")
            return
        if self._equity_checks:
            holdings = self._holdings
            if holdings.open_positions or holdings.fill_count != self._fills_seen or now >= self._next_day_ns:
                self._check_equity(now)

    def _check_equity(self, now: int) -> None:
        holdings = self._holdings
        assert holdings is not None  # on_message checked it
        self._fills_seen = holdings.fill_count
        equity = holdings.equity(self._currency or "")
        limits = self.limits
        if now >= self._next_day_ns:
            self._next_day_ns = (now // NS_PER_DAY + 1) * NS_PER_DAY
            self.day_start_equity = equity
        if self.peak_equity is None or equity > self.peak_equity:
            self.peak_equity = equity
        peak = self.peak_equity
        if limits.daily_loss is not None and self.day_start_equity is not None:
            loss = self.day_start_equity - equity
            if loss >= limits.daily_loss:
                self.trigger("daily_loss", f"equity {equity} atoms is {loss} below the day's start")
                return
        if peak > 0:
            drawdown = peak - equity
            if limits.max_drawdown_bps is not None and drawdown * 10_000 >= limits.max_drawdown_bps * peak:
                self.trigger("max_drawdown", f"equity {equity} atoms is {drawdown} below the peak {peak}")
                return
            soft = limits.reduce_at_drawdown_bps
            if soft is not None and drawdown * 10_000 >= soft * peak:
                _, actions = self._bound()
                actions.reduce(f"drawdown {drawdown} atoms from the peak {peak}")

    def on_event(self, event: Any) -> None:
        """Count rejections and follow the flatten orders (called by the engine for every order event)."""
        kind = type(event)
        if self._flatten_ids:
            order_id = getattr(event, "order_id", None)
            if order_id in self._flatten_ids:
                done = kind in (OrderRejected, OrderExpired, OrderCanceled) or (
                    kind is OrderFilled and event.leaves <= 0
                )
                if done:
                    self._flatten_ids.discard(order_id)
                    if not self._flatten_ids:
                        self._verify()
                return
        if kind is OrderRejected or kind is OrderDenied:
            self._rejections += 1
            limit = self.limits.max_consecutive_rejections
            if limit is not None and self._rejections >= limit and self.triggered is None:
                self.trigger("consecutive_rejections", f"{self._rejections} rejections in a row, last {event.reason}")
        elif kind is OrderAccepted or kind is OrderFilled:
            self._rejections = 0

    # -- the procedure ----------------------------------------------------------------------
    def kill_switch(self, reason: str = "manual") -> bool:
        """The manual kill switch: run the procedure now. False when it already ran."""
        return self.trigger("kill_switch", reason)

    def trigger(self, name: str, detail: str = "") -> bool:
        """Run the emergency procedure for trigger ``name`` at the engine clock. False if it already ran."""
        account, actions = self._bound()
        if self.triggered is not None:
            return False
        self.triggered = name
        now = account.now
        actions.emit(EmergencyAction(now, "trigger", name, detail))
        actions.halt(f"emergency: {name}")
        actions.emit(EmergencyAction(now, "halt", name, "new orders are denied; cancels pass"))
        open_orders = account.open_order_count()
        actions.cancel_all()
        actions.emit(EmergencyAction(now, "cancel_all", name, f"{open_orders} open orders"))
        if self.limits.flatten:
            self._flatten()
        return True

    def _flatten(self) -> None:
        account, actions = self._bound()
        name = self.triggered or ""
        now = account.now
        self.attempts += 1
        sent = []
        for symbol, inst in account.instruments.items():
            position = account.position(symbol)
            if position == 0:
                continue
            side = Side.SELL if position > 0 else Side.BUY
            order_id = actions.send_unchecked(symbol, side, abs(position), "emergency")
            self._flatten_ids.add(order_id)
            sent.append(f"{order_id} {side.value} {inst.lots_to_size(abs(position))} {symbol}")
        detail = "; ".join(sent) if sent else "no position"
        actions.emit(EmergencyAction(now, "flatten", name, f"attempt {self.attempts}: {detail}"))
        if not sent:
            self._verify()

    def _verify(self) -> None:
        account, actions = self._bound()
        now = account.now
        name = self.triggered or ""
        instruments = account.instruments
        left = [f"{symbol} {instruments[symbol].lots_to_size(pos)}" for symbol, pos in account.positions().items()]
        if not left:
            self.flat = True
            actions.emit(EmergencyAction(now, "verify_flat", name, "flat"))
            return
        self.flat = False
        if self.attempts < self.limits.flatten_attempts:
            self._retry_due = True
            self.watching = True
            actions.emit(EmergencyAction(now, "verify_flat", name, f"not flat: {', '.join(left)}; retrying"))
        else:
            actions.emit(EmergencyAction(now, "verify_flat", name, f"not flat: {', '.join(left)}; giving up"))

    def __repr__(self) -> str:
        return f"EmergencyManager(triggered={self.triggered!r}, limits={self.limits})"
