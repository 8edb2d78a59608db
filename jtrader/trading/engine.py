"""The engine: one loop over timestamped market messages, the same in every mode.

Per message ``msg`` (``ts = msg.ts``, local receive time in ns):

1. the clock moves to ``ts``. It never moves backwards: a message older than the clock (local
   receive times in real recordings can step back slightly) is processed at the current clock,
   with its ``ts`` replaced by the clock's, and counted in :attr:`RunResult.late`;
2. messages for a symbol the engine was not given are skipped and counted (``unknown``);
3. the simulated exchange processes commands that arrived by ``ts`` and applies the message
   (``exchange.on_market``), then returns the events due by ``ts`` (``exchange.advance``);
4. each event goes to the order tracker and the portfolio, is recorded, goes to the emergency
   manager, then to ``strategy.on_order_event``;
5. the instrument's mark moves (bar close; mid of a two-sided book; last trade while the book
   has no two sides; mid of a quote);
6. the emergency manager checks its triggers (stale data, crossed book, resync, drawdown,
   daily loss) and may run its procedure;
7. the strategy sees the message (``on_bar``, ``on_book``, ``on_trade``, ``on_quote``).

Commands a strategy issues inside any callback go through the risk manager at the current
clock and, if they pass, to ``exchange.submit``/``exchange.cancel`` right away. Denials,
risk state changes and emergency steps are recorded when they happen and delivered to the
strategy right after the callback that caused them returns (never re-entrantly). Exchange
events due between two messages (latency) are delivered when the next message arrives; after
the last message the engine drains the exchange (``next_wakeup``/``advance``), calls
``on_stop``, and drains again. Nothing here depends on the mode.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import TYPE_CHECKING, Any

from jtrader.errors import ConfigError, DataError, OrderError, UnknownInstrumentError
from jtrader.model import (
    CancelAll,
    CancelOrder,
    Instrument,
    OrderDenied,
    OrderType,
    Side,
    SubmitOrder,
    TimeInForce,
    TradingState,
)
from jtrader.model.events import builder
from jtrader.trading import _events
from jtrader.trading._dispatch import build_dispatch, overrides
from jtrader.trading.clock import Clock
from jtrader.trading.context import Context
from jtrader.trading.gate import EmergencyHooks, PassThroughGate, RiskGate
from jtrader.trading.orders import OrderTracker, TrackedOrder
from jtrader.trading.portfolio import Portfolio
from jtrader.trading.result import RunResult
from jtrader.trading.strategy import Strategy

if TYPE_CHECKING:
    from jtrader.book import OrderBook

__all__ = ["Engine", "RunResult"]

#: end of the message iterator
_END: Any = object()
# positional constructors of the hot commands and events (see jtrader.model.events.builder)
_SUBMIT = builder(SubmitOrder)
_DENIED = builder(OrderDenied)
_CANCEL = builder(CancelOrder)
_CANCEL_ALL = builder(CancelAll)


def _number_error(size: object, price: object, stop_price: object, quote_size: object) -> str:
    """The message for the first of an order's numbers that is not an int (size must not be None)."""
    for name, value in (("size", size), ("price", price), ("stop_price", stop_price), ("quote_size", quote_size)):
        if value is not None and type(value) is not int:
            return f"{name} must be an int (ticks, lots or atoms), got {value!r}"
    return "size must be an int of lots, got None"


class Engine:
    """Runs one strategy against one exchange through the risk manager. See the module docstring."""

    def __init__(  # noqa: PLR0917
        self,
        instruments: Iterable[Instrument],
        strategy: Strategy,
        exchange: Any,
        portfolio: Portfolio,
        risk: RiskGate | None = None,
        emergency: EmergencyHooks | None = None,
        clock: Clock | None = None,
        record_events: bool = True,
    ) -> None:
        self.instruments: dict[str, Instrument] = {}
        for inst in instruments:
            self.instruments[inst.symbol] = inst
        if not self.instruments:
            raise ConfigError("the engine needs at least one instrument")
        if not isinstance(strategy, Strategy):
            raise ConfigError(f"strategy must be a jtrader.trading.Strategy, got {type(strategy).__name__}")
        self.strategy = strategy
        self.exchange = exchange
        #: the exchange's ``free_balance(currency)`` when it has one (no Balance snapshot per call)
        self._exchange_free = getattr(exchange, "free_balance", None)
        self.portfolio = portfolio
        self.clock = clock if clock is not None else Clock()
        self.record_events = record_events
        self.result = RunResult(portfolio=portfolio)
        self.events = self.result.events
        self.tracker = OrderTracker()
        #: symbols whose book is known wrong until the next snapshot
        self.resyncing: set[str] = set()
        self.ctx = Context(self)
        self._next_id = 0
        self._deferred: list[Any] = []
        self._ran = False
        if risk is None and emergency is not None:
            risk = emergency.default_risk()
        self.risk: RiskGate = risk if risk is not None else PassThroughGate()
        self.emergency = emergency
        self.risk.bind(self)
        if emergency is not None:
            emergency.bind(self)
        self._on_order_event = strategy.on_order_event if overrides(strategy, "on_order_event") else None
        self._on_risk_event = strategy.on_risk_event if overrides(strategy, "on_risk_event") else None

    # -- commands (called through the Context) ----------------------------------------------
    @property
    def now(self) -> int:
        """The clock in ns."""
        return self.clock.now

    def instrument(self, symbol: str) -> Instrument:
        try:
            return self.instruments[symbol]
        except KeyError:
            raise UnknownInstrumentError(f"no instrument {symbol!r} in this run") from None

    def book(self, symbol: str) -> OrderBook:
        """The exchange's book of ``symbol`` (read-only use)."""
        self.instrument(symbol)
        return self.exchange.book(symbol)

    def new_order_id(self) -> str:
        """The next deterministic order id: ``o-1``, ``o-2``..."""
        self._next_id += 1
        return f"o-{self._next_id}"

    def submit(  # noqa: PLR0917 - the documented positional order
        self,
        symbol: str,
        side: Side | str,
        order_type: OrderType | str,
        size: int = 0,
        price: int | None = None,
        stop_price: int | None = None,
        tif: TimeInForce | str = TimeInForce.GTC,
        post_only: bool = False,
        reduce_only: bool = False,
        quote_size: int | None = None,
        tag: str = "",
    ) -> str:
        """Build a :class:`SubmitOrder` at the clock, pass it through the risk manager, send it. Returns its id.

        Types are checked here (a float price is a programming error: :class:`OrderError`);
        values (zero size, unknown symbol, off-market price...) are for the risk manager and the
        exchange to deny or reject, as events.
        """
        if type(side) is not Side or type(order_type) is not OrderType or type(tif) is not TimeInForce:
            try:
                side = Side(side)
                order_type = OrderType(order_type)
                tif = TimeInForce(tif)
            except ValueError as exc:
                raise OrderError(str(exc)) from None
        if not (
            type(size) is int
            and (price is None or type(price) is int)
            and (stop_price is None or type(stop_price) is int)
            and (quote_size is None or type(quote_size) is int)
        ):
            raise OrderError(_number_error(size, price, stop_price, quote_size))
        if type(symbol) is not str:
            raise OrderError(f"symbol must be a str, got {symbol!r}")
        self._next_id += 1
        order_id = f"o-{self._next_id}"
        now = self.clock.now
        cmd = _SUBMIT(
            now,
            order_id,
            symbol,
            side,
            order_type,
            size,
            price,
            stop_price,
            tif,
            post_only if type(post_only) is bool else bool(post_only),
            reduce_only if type(reduce_only) is bool else bool(reduce_only),
            quote_size,
            tag if type(tag) is str else str(tag),
        )
        result = self.result
        result.orders += 1
        denial = self.risk.check(cmd)
        if denial is not None:
            result.denials += 1
            self.emit(_DENIED(now, order_id, symbol, denial[0], denial[1]))
            return order_id
        self.tracker.open[order_id] = TrackedOrder(cmd)  # self.tracker.add(cmd), inlined
        result.sent += 1
        self.exchange.submit(cmd)
        return order_id

    def send(self, cmd: SubmitOrder) -> None:
        """Send an order to the exchange without risk checks. Only the risk and emergency managers call this."""
        self.tracker.add(cmd)
        self.result.sent += 1
        self.exchange.submit(cmd)

    def cancel(self, order_id: str) -> None:
        """Cancel one order. Cancels always pass the risk manager (in every state)."""
        self.exchange.cancel(_CANCEL(self.clock.now, order_id))

    def cancel_all(self, symbol: str | None = None) -> None:
        """Cancel every open order (of ``symbol`` when given)."""
        self.exchange.cancel(_CANCEL_ALL(self.clock.now, symbol))

    def kill(self, reason: str = "manual") -> bool:
        """The manual kill switch: run the emergency procedure now. False when it already ran."""
        if self.emergency is None:
            raise ConfigError("this engine has no emergency manager: nothing to kill with")
        return self.emergency.kill_switch(reason)

    def emit(self, event: Any) -> None:
        """Record a risk/emergency event now; the strategy receives it after the current callback."""
        if self.record_events:
            self.events.append(event)
        self._deferred.append(event)

    @property
    def trading_state(self) -> TradingState:
        return self.risk.state

    def free_balance(self, currency: str) -> int:
        """Atoms of ``currency`` not locked by open orders, as the exchange reports them."""
        free = self._exchange_free
        if free is not None:
            return free(currency)  # type: ignore[no-any-return]
        return self.exchange.balance(currency).free  # type: ignore[no-any-return]

    def book_ready(self, symbol: str) -> bool:
        """True when the book of ``symbol`` has both sides and is not awaiting a resync."""
        if symbol in self.resyncing:
            return False
        book = self.exchange.book(symbol)
        return book.best_bid is not None and book.best_ask is not None

    def mid_x2(self, symbol: str) -> int | None:
        """Twice the mid price in ticks: book mid, else the portfolio's mark (last close/trade)."""
        book = self.exchange.book(symbol)
        bid, ask = book.best_bid, book.best_ask
        if bid is not None and ask is not None:
            return bid + ask
        return self.portfolio.marks_x2.get(symbol)

    # -- the loop ---------------------------------------------------------------------------
    def run(self, messages: Iterable[Any]) -> RunResult:
        """Run the strategy over ``messages`` (in receive-time order) and return the result.

        An engine runs once: build a fresh engine, exchange and portfolio for every run.
        """
        if self._ran:
            raise ConfigError("an Engine runs once: build a new engine (and exchange, portfolio) per run")
        self._ran = True
        result = self.result
        clock = self.clock
        dispatch = build_dispatch(self)
        get = dispatch.get
        count = 0
        late = 0
        it = iter(messages)
        first = next(it, _END)
        if first is not _END:
            # the run starts at the first message's time (on_start sees it), before its handler runs
            if get(type(first)) is None:
                raise DataError(f"the engine cannot process a {type(first).__name__}: {first!r}")
            clock.now = max(first.ts, clock.now)
            it = chain((first,), it)
        result.start_ts = clock.now
        self._start()
        for msg in it:
            handler = get(type(msg))
            if handler is None:
                raise DataError(f"the engine cannot process a {type(msg).__name__}: {msg!r}")
            ts = msg.ts
            if ts >= clock.now:
                clock.now = ts
            else:
                late += 1
                msg = msg._replace(ts=clock.now)
            count += 1
            handler(msg)
        result.messages = count
        result.late = late
        self._drain()
        self.strategy.on_stop(self.ctx)
        self.flush()
        self._drain()
        result.end_ts = clock.now
        result.trading_state = self.risk.state
        return result

    def _start(self) -> None:
        self.strategy.on_start(self.ctx)
        self.flush()

    # -- event delivery (see jtrader.trading._events) ---------------------------------------
    _exchange_events = _events.exchange_events
    flush = _events.flush
    _drain = _events.drain
