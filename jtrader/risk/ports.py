"""The ports between the trading core and the risk layer: what a gate and an emergency manager may
read and do, and nothing more.

``jtrader.risk`` sits *below* ``jtrader.trading``: the engine implements these protocols (an
account view over its portfolio, order tracker and books; an emergency-actions port over its
order router) and hands them to the managers, so a risk manager never sees the engine, and is
unit-tested with a small fake account (``tests/unit/risk``).

Units everywhere: prices in ticks, sizes in lots, money in atoms, time in ns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from jtrader.model import Instrument, RejectReason, ReplaceOrder, Side, SubmitOrder, TradingState

if TYPE_CHECKING:
    from jtrader.model import MarketMessage

__all__ = [
    "AccountView",
    "BookReader",
    "ClockReader",
    "Denial",
    "EmergencyActions",
    "EmergencyHooks",
    "HoldingsReader",
    "RiskGate",
]

#: a denied order: the reason code and a message for people
Denial = tuple[RejectReason, str]


class BookReader(Protocol):
    """Read-only top of one L2 book (prices in ticks, sizes in lots)."""

    @property
    def best_bid(self) -> int | None:
        """Highest bid, None when there is none."""

    @property
    def best_ask(self) -> int | None:
        """Lowest ask, None when there is none."""

    @property
    def crossed(self) -> bool:
        """True when best bid >= best ask."""


class ClockReader(Protocol):
    """The engine clock, read-only: ``now`` in ns."""

    @property
    def now(self) -> int:
        """The engine clock in ns."""


class HoldingsReader(Protocol):
    """What a per-message check reads without a wrapper call: two counters and the equity."""

    @property
    def fill_count(self) -> int:
        """Fills delivered so far (equity can only move with a fill or a mark)."""

    @property
    def open_positions(self) -> int:
        """Instruments with a non-zero position."""

    def equity(self, currency: str) -> int:
        """Balance of ``currency`` plus positions quoted in it at their marks, atoms."""


class AccountView(Protocol):
    """What a pre-trade check and an emergency manager read: the account *as the strategy knows it*.

    Balances and positions move only with delivered events. The ``*_on_arrival`` reads project
    what the venue will see when a new order arrives: orders with a cancel in flight (and the
    order a replace releases, ``releasing``) no longer count, orders sent and not yet
    acknowledged already do.
    """

    @property
    def now(self) -> int:
        """The engine clock in ns."""

    @property
    def clock(self) -> ClockReader:
        """The engine clock itself (a per-message reader keeps it instead of calling :attr:`now`)."""

    @property
    def holdings(self) -> HoldingsReader:
        """Fill and open-position counters, read as attributes (see :class:`HoldingsReader`)."""

    @property
    def instruments(self) -> Mapping[str, Instrument]:
        """The run's instruments by symbol."""

    def position(self, symbol: str) -> int:
        """Position in lots from delivered fills (0 for an unknown symbol)."""

    def positions(self) -> dict[str, int]:
        """Non-zero positions in lots, in instrument order."""

    def equity(self, currency: str) -> int:
        """Balance of ``currency`` plus positions quoted in it at their marks, atoms."""

    def free_on_arrival(self, currency: str, releasing: str | None = None) -> int:
        """Atoms of ``currency`` a new order may use when it reaches the venue (see the class docstring)."""

    def open_orders_on_arrival(self, releasing: str | None = None) -> int:
        """Open orders the venue will hold when a new order arrives."""

    def exposure_on_arrival(self, symbol: str, side: Side, releasing: str | None = None) -> int:
        """Lots still open on ``side`` of ``symbol`` when a new order arrives."""

    def open_order_count(self) -> int:
        """Open orders as the strategy knows them (cancels in flight included)."""

    def market_price(self, symbol: str, side: Side) -> int | None:
        """A MARKET order's reference price in ticks: the opposite touch (best ask for a BUY, best
        bid for a SELL), else the mark rounded up to a tick, else None."""

    def mark_x2(self, symbol: str) -> int | None:
        """Twice the mark in ticks (bar close, book mid, last trade), None before any."""

    def mid_x2(self, symbol: str) -> int | None:
        """Twice the book mid in ticks, else the mark, else None."""

    def resyncing(self, symbol: str) -> bool:
        """True while the book of ``symbol`` awaits a resync snapshot."""

    def book(self, symbol: str) -> BookReader:
        """A read-only view of the book of ``symbol``."""


class RiskGate(Protocol):
    """The road from the strategy to the execution: every new order is checked here first.

    The trading state belongs to the gate: whatever the gate, HALTED denies every new order and
    REDUCING every order that does not shrink the position (the kill switch relies on it).
    """

    state: TradingState

    def bind(self, account: AccountView, emit: Callable[[Any], None]) -> None:
        """Called once by the engine: the account to read and where state changes go."""

    def check(self, cmd: SubmitOrder | ReplaceOrder) -> Denial | None:
        """None to let ``cmd`` through, else ``(reason, message)``. Must not change state on a denial."""

    def set_state(self, new: TradingState, reason: str) -> bool:
        """Move to ``new`` (emitting ``RiskStateChanged``); False when already there."""


class EmergencyActions(Protocol):
    """What an emergency manager may do to the run. Every action happens at the engine clock."""

    def halt(self, reason: str) -> None:
        """Put the risk gate in HALTED: new orders are denied, cancels pass."""

    def reduce(self, reason: str) -> None:
        """Put the risk gate in REDUCING when it is ACTIVE."""

    def cancel_all(self) -> None:
        """Cancel every open order."""

    def send_unchecked(self, symbol: str, side: Side, size: int, tag: str) -> str:
        """Send a MARKET order of ``size`` lots around the risk gate (flattening); returns its id."""

    def emit(self, event: Any) -> None:
        """Record an event; the strategy receives it after the current callback."""


class EmergencyHooks(Protocol):
    """What the engine calls on an emergency manager."""

    #: the trigger that fired, None while all is well
    triggered: str | None
    #: True when :meth:`on_message` has something to check on every market message (stale data,
    #: equity, a flatten retry); the engine skips the call otherwise. It may change during a run.
    watching: bool
    #: True when book messages must be checked (crossed book) even while not :attr:`watching`
    watching_books: bool

    def bind(self, account: AccountView, actions: EmergencyActions) -> None:
        """Called once by the engine."""

    def on_message(self, msg: MarketMessage) -> None:
        """A market message was applied and marked (called while :attr:`watching`, for book messages
        while :attr:`watching_books`, and for every status message)."""

    def on_event(self, event: object) -> None:
        """An order event was delivered (exchange events, denials)."""

    def kill_switch(self, reason: str) -> bool:
        """Run the emergency procedure now; False when it already ran."""
