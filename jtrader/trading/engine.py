"""The engine: one loop over timestamped market messages, the same in every mode.

Per message ``msg`` (``ts = msg.ts``, local receive time in ns):

1. the clock moves to ``ts``. It never moves backwards: a message older than the clock (local
   receive times in real recordings can step back slightly) is processed at the current clock,
   with its ``ts`` replaced by the clock's, and counted in :attr:`RunResult.late`;
2. messages for a symbol the engine was not given are skipped and counted (``unknown``);
3. the execution processes commands that arrived by ``ts`` and applies the message, then
   returns the events due by ``ts``;
4. each event goes to the order tracker and the portfolio, is recorded, goes to the emergency
   manager, then to ``strategy.on_order_event`` (:class:`~jtrader.trading.delivery.Delivery`);
5. the instrument's mark moves (see :mod:`jtrader.trading.dispatch`);
6. the emergency manager checks its triggers (stale data, crossed book, resync, drawdown,
   daily loss) and may run its procedure;
7. the strategy sees the message (``on_bar``, ``on_book``, ``on_trade``, ``on_quote``).

Commands a strategy issues inside any callback go through the risk gate at the current clock
and, if they pass, to the execution right away (:class:`~jtrader.trading.router.OrderRouter`).
Denials, risk state changes and emergency steps are recorded when they happen and delivered to
the strategy right after the callback that caused them returns (never re-entrantly). Exchange
events due between two messages (latency) are delivered when the next message arrives; after
the last message the engine drains the execution, calls ``on_stop``, and drains again.
Nothing here depends on the mode.

The engine is composed, not inherited: an :class:`~jtrader.trading.account.Account` (the
read-only account the strategy, the gate and the emergency manager read), an
:class:`~jtrader.trading.router.OrderRouter` (the road out, and the emergency actions port), a
:class:`~jtrader.trading.delivery.Delivery` (the road back) and the dispatch closures. The risk
gate and the emergency manager receive the account and the router, never the engine.

A strategy callback that raises stops the run with a :class:`~jtrader.errors.StrategyError`
naming the strategy, the callback, the symbol and the time (the original exception chained).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from itertools import chain
from typing import TYPE_CHECKING, Any

from jtrader.errors import ConfigError, DataError, StrategyError, UnknownInstrumentError
from jtrader.model import Instrument, TradingState
from jtrader.risk import PassThroughGate
from jtrader.trading.account import Account
from jtrader.trading.clock import Clock
from jtrader.trading.context import Context
from jtrader.trading.delivery import Delivery
from jtrader.trading.dispatch import HANDLED_TYPES, build_dispatch, overrides
from jtrader.trading.history import BarStore
from jtrader.trading.orders import OrderTracker
from jtrader.trading.portfolio import Portfolio
from jtrader.trading.result import RunResult
from jtrader.trading.router import OrderRouter
from jtrader.trading.strategy import Strategy
from jtrader.trading.views import PortfolioView

if TYPE_CHECKING:
    from types import TracebackType

    from jtrader.risk import EmergencyHooks, RiskGate
    from jtrader.trading.execution import Execution

__all__ = ["CALLBACKS", "Engine", "RunResult"]

#: end of the message iterator
_END: Any = object()
#: the strategy callbacks the engine calls
CALLBACKS = ("on_start", "on_bar", "on_book", "on_trade", "on_quote", "on_order_event", "on_risk_event", "on_stop")


class Engine:
    """Runs one strategy against one execution through the risk gate. See the module docstring.

    Build it with :func:`jtrader.trading.build_engine` (the defaults every mode shares); the
    constructor takes the parts: ``exchange`` is the :class:`~jtrader.trading.Execution`
    (a :class:`~jtrader.sim.SimulatedExchange`), ``risk`` the gate (None: a
    :class:`~jtrader.risk.PassThroughGate`, which still obeys HALTED), ``emergency`` the
    emergency manager (None: ``ctx.kill`` raises :class:`ConfigError`).
    """

    def __init__(  # noqa: PLR0917
        self,
        instruments: Iterable[Instrument],
        strategy: Strategy,
        exchange: Execution,
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
        #: the execution orders go to (the simulated exchange)
        self.exchange = exchange
        self.portfolio = portfolio
        self.clock = clock if clock is not None else Clock()
        self.result = RunResult(portfolio=portfolio)
        self.events = self.result.events
        self.tracker = OrderTracker(self.instruments)
        #: symbols whose book is known wrong until the next snapshot
        self.resyncing: set[str] = set()
        self.history = BarStore()
        self._books = {symbol: exchange.book(symbol) for symbol in self.instruments}
        #: the read-only account the strategy, the gate and the emergency manager read
        self.account = Account(
            instruments=self.instruments,
            portfolio=portfolio,
            tracker=self.tracker,
            books=self._books,
            resyncing=self.resyncing,
            clock=self.clock,
        )
        self.risk: RiskGate = risk if risk is not None else PassThroughGate()
        self.emergency = emergency
        self._ran = False
        self._finished = False
        self._dispatch: dict[type, Any] = {}
        self._get: Any = None
        # the router exists before the context, the context before the delivery (which hands it
        # to the callbacks): the router emits through _emit, which reaches the delivery
        #: the road out: ids, the gate, the tracker, the execution; the emergency actions port
        self.router = OrderRouter(
            execution=exchange,
            gate=self.risk,
            tracker=self.tracker,
            account=self.account,
            result=self.result,
            clock=self.clock,
            emit=self._emit,
        )
        self.ctx = Context(
            clock=self.clock,
            account=self.account,
            router=self.router,
            tracker=self.tracker,
            portfolio=PortfolioView(portfolio),
            execution=exchange,
            gate=self.risk,
            history=self.history,
            kill=self.kill,
        )
        self.delivery = Delivery(
            tracker=self.tracker,
            portfolio=portfolio,
            result=self.result,
            emergency=emergency,
            ctx=self.ctx,
            on_order_event=strategy.on_order_event if overrides(strategy, "on_order_event") else None,
            on_risk_event=strategy.on_risk_event if overrides(strategy, "on_risk_event") else None,
            record_events=record_events,
        )
        self.risk.bind(self.account, self.delivery.emit)
        if emergency is not None:
            emergency.bind(self.account, self.router)
        # the strategy's callbacks by code object, to name the one that raised
        cls = type(strategy)
        self._callback_codes = {
            getattr(cls, name).__code__: name for name in CALLBACKS if hasattr(getattr(cls, name, None), "__code__")
        }

    def _emit(self, event: Any) -> None:
        """Record an event now; the strategy receives it after the current callback."""
        self.delivery.emit(event)

    @property
    def now(self) -> int:
        """The clock in ns."""
        return self.clock.now

    def instrument(self, symbol: str) -> Instrument:
        """The instrument ``symbol``; :class:`UnknownInstrumentError` when the run has none."""
        try:
            return self.instruments[symbol]
        except KeyError:
            raise UnknownInstrumentError(f"no instrument {symbol!r} in this run") from None

    def kill(self, reason: str = "manual") -> bool:
        """The manual kill switch: run the emergency procedure now. False when it already ran."""
        if self.emergency is None:
            raise ConfigError("this engine has no emergency manager: nothing to kill with")
        return self.emergency.kill_switch(reason)

    def at_rest(self) -> bool:
        """True when a bar that the strategy does not act on would change nothing but the marks.

        Nothing in flight or open at the execution (:meth:`~jtrader.trading.Execution.at_rest`),
        no event waiting for delivery, no cost waiting for a mark, and no emergency check that
        runs on every message. The candle backtest of a strategy that declared its signals skips
        bars only while this holds (see :func:`jtrader.backtest.runner.run_backtest`).
        """
        em = self.emergency
        return (
            not self.delivery.deferred
            and not self.portfolio.pending_cost
            and (em is None or not em.watching)
            and self.exchange.at_rest()
        )

    @property
    def trading_state(self) -> TradingState:
        """The gate's state: ACTIVE, REDUCING or HALTED."""
        return self.risk.state

    # -- the loop ---------------------------------------------------------------------------
    def run(self, messages: Iterable[Any]) -> RunResult:
        """Run the strategy over ``messages`` (in receive-time order) and return the result.

        An engine runs once: build a fresh engine, exchange and portfolio for every run. A
        strategy callback that raises ends the run with :class:`StrategyError`. ``run`` is
        :meth:`start`, :meth:`feed` for each message and :meth:`finish`, with the per-message step
        inlined (the same code as :meth:`feed`, without a method call per message).
        """
        if self._ran:
            raise ConfigError("an Engine runs once: build a new engine (and exchange, portfolio) per run")
        it = iter(messages)
        first = next(it, _END)
        if first is not _END and type(first) not in HANDLED_TYPES:
            raise DataError(f"the engine cannot process a {type(first).__name__}: {first!r}")
        self.start(first.ts if first is not _END else None)
        if first is not _END:
            it = chain((first,), it)
        try:
            self._loop(it)
        except StrategyError:
            raise
        except Exception as exc:
            error = self._strategy_error(exc)
            if error is None:
                raise
            raise error from exc
        return self.finish()

    def start(self, ts: int | None = None) -> None:
        """Begin a push-style run at ``ts`` (ns; the first message's time; None: the clock's).

        Then :meth:`feed` each message in receive-time order and :meth:`finish` once. The clock
        moves to ``ts`` before ``on_start`` runs, exactly as :meth:`run` does with its first
        message, so a session fed message by message gives the same events as :meth:`run`.
        """
        if self._ran:
            raise ConfigError("an Engine runs once: build a new engine (and exchange, portfolio) per run")
        self._ran = True
        self._dispatch = dispatch = build_dispatch(
            execution=self.exchange,
            clock=self.clock,
            instruments=self.instruments,
            books=self._books,
            portfolio=self.portfolio,
            resyncing=self.resyncing,
            history=self.history,
            result=self.result,
            ctx=self.ctx,
            strategy=self.strategy,
            emergency=self.emergency,
            delivery=self.delivery,
        )
        self._get = dispatch.get
        if ts is not None:
            self.clock.now = max(ts, self.clock.now)
        self.result.start_ts = self.clock.now
        try:
            self.strategy.on_start(self.ctx)
            self.delivery.flush()
        except StrategyError:
            raise
        except Exception as exc:
            error = self._strategy_error(exc)
            if error is None:
                raise
            raise error from exc

    def feed(self, msg: Any) -> None:
        """Process one market message (after :meth:`start`): the same step as one turn of :meth:`run`.

        Raises :class:`DataError` for a message type the engine cannot process and
        :class:`StrategyError` when a strategy callback raised (the session is then over).
        """
        handler = self._get(type(msg))
        if handler is None:
            raise DataError(f"the engine cannot process a {type(msg).__name__}: {msg!r}")
        result = self.result
        clock = self.clock
        ts = msg.ts
        if ts >= clock.now:
            clock.now = ts
        else:
            result.late += 1
            msg = msg._replace(ts=clock.now)
        result.messages += 1
        try:
            handler(msg)
        except StrategyError:
            raise
        except Exception as exc:
            error = self._strategy_error(exc)
            if error is None:
                raise
            raise error from exc

    def finish(self) -> RunResult:
        """End the run: deliver what the execution still holds, call ``on_stop``, deliver again.

        Returns the :class:`RunResult`. Call once, after :meth:`start` and the last :meth:`feed`.
        """
        if self._get is None:
            raise ConfigError("Engine.finish() before Engine.start()")
        if self._finished:
            raise ConfigError("Engine.finish() called twice")
        self._finished = True
        result = self.result
        clock = self.clock
        delivery = self.delivery
        try:
            delivery.drain(self.exchange, clock)
            self.strategy.on_stop(self.ctx)
            delivery.flush()
            delivery.drain(self.exchange, clock)
        except StrategyError:
            raise
        except Exception as exc:
            error = self._strategy_error(exc)
            if error is None:
                raise
            raise error from exc
        result.end_ts = clock.now
        result.trading_state = self.risk.state
        triggered = self.emergency.triggered if self.emergency is not None else None
        result.emergency_triggers = [triggered] if triggered is not None else []
        return result

    def _loop(self, it: Iterable[Any]) -> None:
        """:meth:`feed` over ``it``, inlined (the replay and backtest hot path)."""
        result = self.result
        clock = self.clock
        get = self._get
        count = result.messages
        late = result.late
        try:
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
        finally:
            result.messages = count
            result.late = late

    def _strategy_error(self, exc: BaseException) -> StrategyError | None:
        """A :class:`StrategyError` when a strategy callback is on ``exc``'s traceback (the innermost one)."""
        found: tuple[str, Any] | None = None
        tb: TracebackType | None = exc.__traceback__
        codes = self._callback_codes
        while tb is not None:
            name = codes.get(tb.tb_frame.f_code)
            if name is not None:
                found = (name, tb.tb_frame)
            tb = tb.tb_next
        if found is None:
            return None
        callback, frame = found
        code = frame.f_code
        arg = frame.f_locals.get(code.co_varnames[2]) if code.co_argcount >= 3 else None
        symbol = getattr(arg, "symbol", None)
        symbol = symbol if type(symbol) is str and symbol else None
        now = self.clock.now
        when = datetime.fromtimestamp(now // 1_000_000_000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
        when += f".{now % 1_000_000_000:09d}Z"
        strategy = type(self.strategy).name or type(self.strategy).__name__
        on = f" on {symbol}" if symbol else ""
        message = (
            f"strategy {strategy!r} raised {type(exc).__name__} in {callback}{on} at {when} ({now} ns): {exc}; "
            "the run stopped there and its results are incomplete"
        )
        return StrategyError(message, strategy=strategy, callback=callback, symbol=symbol, ts=now)
