"""The risk manager: the only road from a strategy to the exchange.

Every new order is checked, in this order, and the first failing check denies it with a
:class:`~jtrader.model.RejectReason` (the engine turns it into an ``OrderDenied`` event; no
state changes on a denial, not even the rate bucket):

1. trading state: HALTED denies every new order (``HALTED``); REDUCING lets through only an
   order on the opposite side of the position and no larger than it (``REDUCING_ONLY``);
2. the book of the symbol awaits a resync snapshot (``BOOK_RESYNCING``);
3. order size (``MAX_ORDER_SIZE``), notional (``MAX_ORDER_NOTIONAL``), projected position
   (``MAX_POSITION``), open orders (``MAX_OPEN_ORDERS``), price band around the mid
   (``PRICE_BAND``), venue minimums (``BELOW_MIN_SIZE``, ``BELOW_MIN_NOTIONAL``), free balance
   (``INSUFFICIENT_BALANCE``);
4. the order rate: a token bucket refilled on the engine clock (``RATE_LIMIT``).

Cancels are never checked: they pass in every state. An order for a symbol the run does not
know is let through so that the exchange rejects it (``UNKNOWN_INSTRUMENT``).

The reference price of an order (for notional, balance and minimums) is its limit price
(LIMIT, STOP_LIMIT), its stop price (STOP), else for a MARKET order the opposite touch of the
book, else the last mark (bar close or last trade). Without any price the price-dependent
checks are skipped (the exchange rejects a market order it cannot fill with ``NO_MARKET``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jtrader.model import OrderType, RejectReason, RiskStateChanged, Side, SubmitOrder, TradingState
from jtrader.risk.limits import RiskLimits

if TYPE_CHECKING:
    from jtrader.trading import Engine

__all__ = ["RiskManager"]

#: units of the token bucket per order: 1e9 ns x 1000 (rates are kept in milli-orders per second)
_TOKEN = 1_000_000_000_000

Denial = tuple[RejectReason, str]


class RiskManager:
    """Pre-trade checks and the trading state (ACTIVE, REDUCING, HALTED). See the module docstring."""

    def __init__(self, limits: RiskLimits | None = None, state: TradingState = TradingState.ACTIVE) -> None:
        self.limits = limits if limits is not None else RiskLimits()
        self.state = TradingState(state)
        self._engine: Engine | None = None
        self._rate = self.limits.rate_milli()
        self._capacity = self.limits.burst_tokens() * _TOKEN
        self._tokens = self._capacity
        self._last_refill: int | None = None
        #: denials per reason code (for reports)
        self.denials: dict[str, int] = {}
        #: the exchange's book per symbol (one object per instrument for the whole run)
        self._books: dict[str, Any] = {}
        #: whether ``limits`` sets any optional limit, computed for the limits object seen last
        self._limits_seen: RiskLimits | None = None
        self._optional = True

    def bind(self, engine: Engine) -> None:
        """Attach to the engine (called by its constructor)."""
        self._engine = engine

    def _bound(self) -> Engine:
        if self._engine is None:
            from jtrader.errors import ConfigError

            raise ConfigError("this RiskManager is not attached to an Engine")
        return self._engine

    # -- state ------------------------------------------------------------------------------
    def set_state(self, new: TradingState, reason: str) -> bool:
        """Move to ``new`` and emit :class:`RiskStateChanged` at the engine clock. False when already there."""
        new = TradingState(new)
        if new is self.state:
            return False
        engine = self._bound()
        old, self.state = self.state, new
        engine.emit(RiskStateChanged(engine.clock.now, old, new, reason))
        return True

    # -- checks -----------------------------------------------------------------------------
    def check(self, cmd: SubmitOrder) -> Denial | None:
        """None when ``cmd`` may go to the exchange, else ``(reason, message)``."""
        engine = self._engine
        if engine is None:
            self._bound()
        denial = self._check(engine, cmd)  # type: ignore[arg-type]
        if denial is not None:
            key = denial[0].value
            self.denials[key] = self.denials.get(key, 0) + 1
        return denial

    def _check(self, engine: Engine, cmd: SubmitOrder) -> Denial | None:
        state = self.state
        if state is _HALTED:
            return RejectReason.HALTED, "trading is halted: only cancels pass"
        symbol = cmd.symbol
        inst = engine.instruments.get(symbol)
        if inst is None:
            return None
        position = engine.portfolio.position(symbol)
        if state is _REDUCING and not self._reduces(cmd, position):
            return RejectReason.REDUCING_ONLY, f"reducing: only orders that shrink the position of {position} lots pass"
        if self.limits.deny_while_resyncing and symbol in engine.resyncing:
            return RejectReason.BOOK_RESYNCING, f"the book of {symbol} awaits a resync snapshot"
        kind = cmd.order_type
        if kind is _LIMIT or kind is _STOP_LIMIT:
            ref = cmd.price
        elif kind is _STOP:
            ref = cmd.stop_price
        else:
            ref = self._market_reference(engine, cmd)
        size = cmd.size
        quote_size = cmd.quote_size
        if quote_size is not None and size == 0 and ref:
            size = quote_size // (ref * inst.atoms_per_tick_lot)
            notional: int | None = quote_size
        else:
            notional = None if ref is None else ref * size * inst.atoms_per_tick_lot  # inst.notional_atoms
        limits = self.limits
        if limits is not self._limits_seen:
            self._limits_seen = limits
            self._optional = any(
                value is not None
                for value in (
                    limits.max_order_size_lots,
                    limits.max_order_notional,
                    limits.max_position_lots,
                    limits.max_open_orders,
                    limits.price_band_bps,
                )
            )
        if self._optional:
            denial = self._check_limits(engine, cmd, size, notional, position)
            if denial is not None:
                return denial
        if limits.check_venue_minimums:
            if 0 < size < inst.min_size_lots and quote_size is None:
                return RejectReason.BELOW_MIN_SIZE, f"{size} lots < venue minimum {inst.min_size_lots} lots"
            if notional is not None and 0 < notional < inst.min_notional_atoms:
                return RejectReason.BELOW_MIN_NOTIONAL, (
                    f"notional {notional} atoms < venue minimum {inst.min_notional_atoms} atoms"
                )
        if limits.check_balance and size > 0:
            if cmd.side is _BUY:
                if notional is not None:
                    free = engine.free_balance(inst.quote)
                    if notional > free:
                        return RejectReason.INSUFFICIENT_BALANCE, f"needs {notional} {inst.quote} atoms, {free} free"
            else:
                need = size * inst.atoms_per_lot  # inst.base_atoms(size)
                free = engine.free_balance(inst.base)
                if need > free:
                    return RejectReason.INSUFFICIENT_BALANCE, f"needs {need} {inst.base} atoms, {free} free"
        if self._rate is None:
            return None
        return self._take_token(engine.clock.now)

    @staticmethod
    def _reduces(cmd: SubmitOrder, position: int) -> bool:
        if position > 0:
            return cmd.side is Side.SELL and 0 < cmd.size <= position
        if position < 0:
            return cmd.side is Side.BUY and 0 < cmd.size <= -position
        return False

    def _market_reference(self, engine: Engine, cmd: SubmitOrder) -> int | None:
        """A MARKET order's reference price: the opposite touch, else the mark (rounded up), else None."""
        symbol = cmd.symbol
        book = self._books.get(symbol)
        if book is None:  # the exchange keeps one book object per instrument for the whole run
            book = self._books[symbol] = engine.exchange.book(symbol)
        touch = book.best_ask if cmd.side is _BUY else book.best_bid
        if touch is not None:
            return touch
        mark = engine.portfolio.marks_x2.get(symbol)
        return None if mark is None else (mark + 1) // 2

    def _check_limits(
        self, engine: Engine, cmd: SubmitOrder, size: int, notional: int | None, position: int
    ) -> Denial | None:
        """The optional limits (size, notional, position, open orders, price band), in that order."""
        limits = self.limits
        symbol = cmd.symbol
        max_size = limits.max_order_size_lots
        if max_size is not None and type(max_size) is dict:
            max_size = max_size.get(symbol)
        if max_size is not None and size > max_size:
            return RejectReason.MAX_ORDER_SIZE, f"{size} lots > max {max_size} lots per order"
        if limits.max_order_notional is not None and notional is not None and notional > limits.max_order_notional:
            return RejectReason.MAX_ORDER_NOTIONAL, f"notional {notional} atoms > max {limits.max_order_notional}"
        max_pos = limits.max_position_lots
        if max_pos is not None and type(max_pos) is dict:
            max_pos = max_pos.get(symbol)
        if max_pos is not None:
            sign = cmd.side.sign
            projected = position + sign * (size + engine.tracker.open_exposure(symbol, cmd.side))
            if abs(projected) > max_pos and abs(projected) > abs(position):
                return RejectReason.MAX_POSITION, f"position would reach {projected} lots, max {max_pos}"
        if limits.max_open_orders is not None and len(engine.tracker) >= limits.max_open_orders:
            return RejectReason.MAX_OPEN_ORDERS, f"{len(engine.tracker)} open orders, max {limits.max_open_orders}"
        if limits.price_band_bps is not None and cmd.price is not None and cmd.order_type in _PRICED:
            mid_x2 = engine.mid_x2(symbol)
            if mid_x2:
                distance = abs(2 * cmd.price - mid_x2)
                if distance * 10_000 > limits.price_band_bps * mid_x2:
                    return RejectReason.PRICE_BAND, (
                        f"price {cmd.price} ticks is more than {limits.price_band_bps} bps from the mid {mid_x2 / 2}"
                    )
        return None

    def _take_token(self, now: int) -> Denial | None:
        rate = self._rate
        assert rate is not None
        last = self._last_refill
        tokens = self._tokens
        if last is not None and now > last:
            tokens = min(self._capacity, tokens + (now - last) * rate)
        if last is None or now > last:
            self._last_refill = now
        if tokens < _TOKEN:
            self._tokens = tokens
            return RejectReason.RATE_LIMIT, f"more than {rate / 1000:g} orders/s (burst {self._capacity // _TOKEN})"
        self._tokens = tokens - _TOKEN
        return None

    def __repr__(self) -> str:
        return f"RiskManager(state={self.state.value}, limits={self.limits})"


_PRICED = (OrderType.LIMIT, OrderType.STOP_LIMIT)
_LIMIT, _STOP, _STOP_LIMIT = OrderType.LIMIT, OrderType.STOP, OrderType.STOP_LIMIT
_HALTED, _REDUCING = TradingState.HALTED, TradingState.REDUCING
_BUY = Side.BUY
