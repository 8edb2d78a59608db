"""The risk manager: the only road from a strategy to the execution.

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
know is let through so that the exchange rejects it (``UNKNOWN_INSTRUMENT``). A
:class:`~jtrader.model.ReplaceOrder` is checked as its new order, with the replaced order
counted as gone (it is one request: one token of the rate).

**Projection: the account as the venue will see it when the order arrives.** A venue processes
one connection's requests in order, so a cancel sent before an order is processed before it.
The balance, open-order and position checks therefore read the account view's ``*_on_arrival``
figures: the balance from *delivered* fills, minus what every open order locks, except the
orders with a cancel in flight and the order a replace releases; orders sent and not yet
acknowledged already count. What an order locks, fees excluded (the exchange rejects an order
whose fees do not fit): a priced BUY its limit (or stop) price times the lots still open, a
quote-sized market BUY its ``quote_size``, a market BUY by size the touch (else the mark) at
sending times its size, a SELL its base lots (a reduce-only SELL nothing). When the cancel in
flight then fails (the order filled meanwhile), the exchange rejects the new order as a real one
would; a fill still travelling back to the strategy is not counted (the strategy does not know it
yet, and neither does this check).

The reference price of an order (for notional, balance and minimums) is its limit price
(LIMIT, STOP_LIMIT), its stop price (STOP), else for a MARKET order the opposite touch of the
book, else the last mark (bar close or last trade). Without any price the price-dependent
checks are skipped (the exchange rejects a market order it cannot fill with ``NO_MARKET``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jtrader.model import Instrument, OrderType, RejectReason, ReplaceOrder, Side, SubmitOrder, TradingState
from jtrader.risk.gate import StatefulGate
from jtrader.risk.limits import RiskLimits
from jtrader.risk.ports import AccountView, Denial

__all__ = ["RiskManager"]

#: units of the token bucket per order: 1e9 ns x 1000 (rates are kept in milli-orders per second)
_TOKEN = 1_000_000_000_000


class RiskManager(StatefulGate):
    """Pre-trade checks and the trading state (ACTIVE, REDUCING, HALTED). See the module docstring."""

    def __init__(self, limits: RiskLimits | None = None, state: TradingState = TradingState.ACTIVE) -> None:
        super().__init__(state)
        self.limits = limits if limits is not None else RiskLimits()
        self._rate = self.limits.rate_milli()
        self._capacity = self.limits.burst_tokens() * _TOKEN
        self._tokens = self._capacity
        self._last_refill: int | None = None
        #: denials per reason code (for reports)
        self.denials: dict[str, int] = {}
        self._instruments: Mapping[str, Instrument] = {}
        self._clock: Any = None

    def bind(self, account: AccountView, emit: Callable[[Any], None]) -> None:
        """Attach to the run's account view and event emitter (called once by the engine)."""
        super().bind(account, emit)
        self._instruments = account.instruments
        self._clock = account.clock

    @property
    def limits(self) -> RiskLimits:
        """The limits in force; a new value applies from the next order (the rate bucket keeps its own)."""
        return self._limits

    @limits.setter
    def limits(self, limits: RiskLimits) -> None:
        self._limits = limits
        #: whether any optional limit is set (most runs skip that whole block)
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

    # -- checks -----------------------------------------------------------------------------
    def check(self, cmd: SubmitOrder | ReplaceOrder) -> Denial | None:
        """None when ``cmd`` may go to the exchange, else ``(reason, message)``."""
        account = self._account
        if account is None:
            account, _ = self._bound()  # raises ConfigError
        if type(cmd) is ReplaceOrder:
            denial = self._check(account, cmd.new, cmd.order_id)
        else:
            denial = self._check(account, cmd, None)  # type: ignore[arg-type]
        if denial is not None:
            key = denial[0].value
            self.denials[key] = self.denials.get(key, 0) + 1
        return denial

    def _check(self, account: AccountView, cmd: SubmitOrder, releasing: str | None) -> Denial | None:
        if self.state is not _ACTIVE:
            denial = self.check_state(cmd)
            if denial is not None:
                return denial
        symbol = cmd.symbol
        inst = self._instruments.get(symbol)
        if inst is None:
            return None
        limits = self._limits
        if limits.deny_while_resyncing and account.resyncing(symbol):
            return RejectReason.BOOK_RESYNCING, f"the book of {symbol} awaits a resync snapshot"
        kind = cmd.order_type
        if kind is _LIMIT or kind is _STOP_LIMIT:
            ref = cmd.price
        elif kind is _STOP:
            ref = cmd.stop_price
        else:
            ref = account.market_price(symbol, cmd.side)
        size = cmd.size
        quote_size = cmd.quote_size
        if quote_size is not None and size == 0 and ref:
            size = quote_size // (ref * inst.atoms_per_tick_lot)
            notional: int | None = quote_size
        else:
            notional = None if ref is None else inst.notional_atoms(ref, size)
        if self._optional:
            denial = self._check_limits(account, cmd, size, notional, releasing)
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
                currency, need = inst.quote, notional
            elif not cmd.reduce_only:
                currency, need = inst.base, inst.base_atoms(size)
            else:
                currency, need = inst.base, None  # the exchange clips a reduce-only sell to the holdings
            if need is not None:
                free = account.free_on_arrival(currency, releasing)
                if need > free:
                    return RejectReason.INSUFFICIENT_BALANCE, f"needs {need} {currency} atoms, {free} free on arrival"
        if self._rate is None:
            return None
        return self._take_token(self._clock.now)

    def _check_limits(
        self, account: AccountView, cmd: SubmitOrder, size: int, notional: int | None, releasing: str | None
    ) -> Denial | None:
        """The optional limits (size, notional, position, open orders, price band), in that order."""
        limits = self._limits
        symbol = cmd.symbol
        max_size = limits.max_order_size_lots
        if isinstance(max_size, dict):  # isinstance narrows for mypy (the compiled core needs it)
            max_size = max_size.get(symbol)
        if max_size is not None and size > max_size:
            return RejectReason.MAX_ORDER_SIZE, f"{size} lots > max {max_size} lots per order"
        if limits.max_order_notional is not None and notional is not None and notional > limits.max_order_notional:
            return RejectReason.MAX_ORDER_NOTIONAL, f"notional {notional} atoms > max {limits.max_order_notional}"
        max_pos = limits.max_position_lots
        if isinstance(max_pos, dict):
            max_pos = max_pos.get(symbol)
        if max_pos is not None:
            position = account.position(symbol)
            open_lots = account.exposure_on_arrival(symbol, cmd.side, releasing)
            projected = position + cmd.side.sign * (size + open_lots)
            if abs(projected) > max_pos and abs(projected) > abs(position):
                return RejectReason.MAX_POSITION, f"position would reach {projected} lots, max {max_pos}"
        if limits.max_open_orders is not None:
            count = account.open_orders_on_arrival(releasing)
            if count >= limits.max_open_orders:
                return RejectReason.MAX_OPEN_ORDERS, f"{count} open orders, max {limits.max_open_orders}"
        if limits.price_band_bps is not None and cmd.price is not None and cmd.order_type in _PRICED:
            mid_x2 = account.mid_x2(symbol)
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
_BUY = Side.BUY
_ACTIVE = TradingState.ACTIVE
