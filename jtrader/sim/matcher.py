"""The matching engine of one instrument: our orders on it, how they arrive, trigger, fill and end.

A :class:`Matcher` owns, for one instrument, the :class:`~jtrader.sim.liquidity.Liquidity`
(the book and what is consumed from it), our :class:`~jtrader.sim.resting.RestingOrders`,
our stops waiting for their trigger, our orders waiting for the next bar, and the
:class:`~jtrader.sim._bars.BarMatcher` that fills on candles while the instrument has no book.
Money, fees and open orders by id belong to the exchange's shared
:class:`~jtrader.sim.ledger.Ledger`. Every rule is in ``docs/fills.md``.

An order that takes liquidity (market, crossing limit, triggered stop) walks the opposite side
best price first, meeting displayed levels and our own resting orders (self-trade prevention:
:mod:`jtrader.sim._walk`). Stops on a book trigger on prints (``stop_trigger="trade"``, as
both venues do) or also on the best bid/ask (``"book"``). Prices are ticks, sizes lots, times ns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from jtrader.errors import ConfigError
from jtrader.model import Bar, Instrument, LiquiditySide, OrderType, RejectReason, Side, SubmitOrder, Trade
from jtrader.model import TimeInForce as Tif
from jtrader.model.rules import STP_MODES
from jtrader.sim._bars import BAR_FILL_MODES, BarMatcher, parse_volume_cap
from jtrader.sim._validate import check_market_notional
from jtrader.sim._walk import DECREMENT, EXPIRE_MAKER, SELF_TRADE, TAKE, Walk, walk_cost
from jtrader.sim.ledger import CANCELED, EXPIRED, TRIGGERED, Ledger, Rejection
from jtrader.sim.liquidity import Liquidity
from jtrader.sim.orders import WorkingOrder
from jtrader.sim.queue import QueueModel
from jtrader.sim.resting import RestingOrders

__all__ = ["STOP_TRIGGERS", "Matcher", "build_matchers"]

#: what triggers a stop on an instrument with a book: prints only, or prints and the best bid/ask
STOP_TRIGGERS = ("trade", "book")

BUY, SELL = Side.BUY, Side.SELL
MAKER, TAKER = LiquiditySide.MAKER, LiquiditySide.TAKER
_MARKET, _LIMIT, _STOP = OrderType.MARKET, OrderType.LIMIT, OrderType.STOP
_NOTHING = Walk([], 0, 0, False)


class Matcher:
    """Our orders on one instrument and their matching; money goes through the shared ``ledger``.

    ``stp``: self-trade prevention mode (``jtrader.model.rules.STP_MODES``); ``stop_trigger``:
    ``"trade"`` or ``"book"``; ``close_fill`` (market orders on candles fill at the last close)
    and ``volume_cap`` (share of a bar's volume our candle fills may take, None: no cap).
    """

    __slots__ = (
        "bars",
        "book",
        "book_stops",
        "has_book",
        "inst",
        "last_bar",
        "last_price",
        "ledger",
        "liq",
        "resting",
        "resting_orders",
        "stops",
        "stp",
        "waiting",
    )

    def __init__(
        self,
        inst: Instrument,
        ledger: Ledger,
        queue: QueueModel,
        *,
        stp: str = "NONE",
        stop_trigger: str = "trade",
        close_fill: bool = False,
        volume_cap: Fraction | None = None,
    ) -> None:
        self.inst = inst
        self.ledger = ledger
        self.stp = stp
        #: stops also trigger on the best bid/ask (``stop_trigger="book"``), not only on prints
        self.book_stops = stop_trigger == "book"
        self.liq = Liquidity(inst.symbol, self._book_started)
        #: the book has been fed (``liq.l2``, mirrored here for the per-message paths)
        self.has_book = False
        #: the instrument's book (``liq.book``)
        self.book = self.liq.book
        #: last trade price (ticks); on an instrument without a book, the last bar's close
        self.last_price: int | None = None
        #: the last bar (the price source while there is no book), None before any
        self.last_bar: Bar | None = None
        self.resting_orders = RestingOrders(self.liq, queue, self._fill_resting)
        #: resting limit orders (triggered stop-limits included), in acceptance order
        self.resting = self.resting_orders.orders
        #: stop orders waiting for their trigger
        self.stops: dict[str, WorkingOrder] = {}
        #: candle mode, ``bar_fill="next_open"``: orders that execute at the next bar's open
        self.waiting: dict[str, WorkingOrder] = {}
        self.bars = BarMatcher(self, close_fill, volume_cap)

    # -- the market moved (the exchange applied the message to ``liq`` first) ---------------
    def _book_started(self, t: int) -> None:
        """The instrument got a book: bars are ignored from now on, so forget their price, and
        orders waiting for the next bar's open can never fill: they expire."""
        self.has_book = True
        if self.last_bar is not None:
            self.last_bar = None
            self.last_price = None
        for order in list(self.waiting.values()):
            self.expire(order, t, "no bars on an instrument with a book")

    def after_book(self, t: int) -> None:
        """The book changed: resting orders fill if crossed; stops trigger if they follow the book."""
        if self.resting:
            self.resting_orders.on_book(t)
        if self.stops and self.book_stops:
            self.check_stops(t)

    def on_trade(self, msg: Trade) -> None:
        """A print (``last_price`` already set): it consumes the book, fills resting orders, triggers stops."""
        if self.liq.l2:
            self.liq.on_print(msg.price, msg.size, msg.aggressor)
        if self.resting:
            self.resting_orders.on_print(msg.price, msg.size, msg.aggressor, msg.ts)
        if self.stops:
            self.check_stops(msg.ts)

    # -- arrival ----------------------------------------------------------------------------
    def arrive(self, cmd: SubmitOrder, size: int, t: int) -> Rejection | None:
        """A checked new order of ``size`` lots reaches this instrument at ``t``; a rejection changes nothing."""
        kind = cmd.order_type
        if kind is _MARKET:
            return self._arrive_market(cmd, size, t) if self.liq.l2 else self.bars.arrive_market(cmd, size, t)
        if kind is _LIMIT:
            return self._arrive_limit(cmd, size, t)
        return self._arrive_stop(cmd, size, t)

    def _own(self, side: Side, limit: int | None) -> list[WorkingOrder]:
        return self.resting_orders.opposite(side, limit) if self.resting else []

    def _walk(
        self, side: Side, own: list[WorkingOrder], limit: int | None, lots: int | None, budget: int | None
    ) -> Walk:
        return self.liq.walk(side, own, limit, lots, budget, self.inst, self.ledger.fees, self.stp)

    def _arrive_market(self, cmd: SubmitOrder, size: int, t: int) -> Rejection | None:
        """Market order on a book: walks as taker (remainder expires); nothing to meet: NO_MARKET.

        A buy by ``size`` must afford the whole walk; a buy by ``quote_size`` spends at most it
        (fees included); FOK needs the full size now. Venue notional rules use the touch.
        """
        inst, ledger = self.inst, self.ledger
        buy = cmd.side is BUY
        best = self.book.asks.best if buy else self.book.bids.best
        own = self._own(cmd.side, None)
        if best is None and not own:
            return RejectReason.NO_MARKET, "the opposite side of the book is empty"
        quote = cmd.quote_size
        if quote is not None:
            bad = ledger.quote_short(inst, quote)
            if bad:
                return bad
            walk = self._walk(cmd.side, own, None, None, quote)
            if not walk.steps and not walk.stopped:
                return RejectReason.BELOW_MIN_SIZE, "quote_size buys less than one lot"
        else:
            touch = best if best is not None else own[0].price
            assert touch is not None
            if inst.notional_atoms(touch, size) < inst.min_notional_atoms:
                return RejectReason.BELOW_MIN_NOTIONAL, "notional at the best price is below the minimum"
            bad = check_market_notional(inst, size, touch, "the touch")
            if bad:
                return bad
            walk = self._walk(cmd.side, own, None, size, None)
            if buy:
                bad = ledger.quote_short(inst, walk_cost(walk, inst, ledger.fees))
            else:
                bad = ledger.sell_short(cmd, inst, size)
            if bad:
                return bad
        if cmd.tif is Tif.FOK and walk.lots < size:
            return RejectReason.FOK_NOT_FILLABLE, f"only {walk.lots} of {size} lots available"
        order = ledger.accept(cmd, size if quote is None else walk.lots + walk.prevented, t)
        self._execute(order, walk, t)
        if order.open:
            self.expire(order, t, "book exhausted")
        return None

    def _arrive_limit(self, cmd: SubmitOrder, size: int, t: int) -> Rejection | None:
        """Limit order: takes what crosses (displayed levels and our own orders, up to its price),
        then GTC rests (queue: behind the displayed size at its price), IOC expires the rest, FOK
        fills completely now or is rejected. Post-only is rejected if it would take on arrival."""
        price = cmd.price
        assert price is not None
        inst, ledger = self.inst, self.ledger
        buy = cmd.side is BUY
        if buy:
            bad = ledger.quote_short(inst, ledger.buy_lock(inst, price, size))
        else:
            bad = ledger.sell_short(cmd, inst, size)
        if bad:
            return bad
        if not self.liq.l2:
            return self.bars.arrive_limit(cmd, size, t)
        best = self.book.asks.best if buy else self.book.bids.best
        own = self._own(cmd.side, price)
        crosses = best is not None and (best <= price if buy else best >= price)
        if (crosses or own) and cmd.post_only:
            what = f"best opposite price {best}" if crosses else f"our own order {own[0].order_id}"
            return RejectReason.POST_ONLY_WOULD_CROSS, f"{what} crosses {price}"
        walk = self._walk(cmd.side, own, price, size, None) if crosses or own else _NOTHING
        if cmd.tif is Tif.FOK and walk.lots < size:
            return RejectReason.FOK_NOT_FILLABLE, f"only {walk.lots} of {size} lots available at {price} or better"
        order = ledger.accept(cmd, size, t)
        ledger.lock(order, inst, price)
        if walk.steps or walk.stopped:
            self._execute(order, walk, t)
        if order.open:
            if cmd.tif is Tif.GTC:
                self.rest(order)
            else:
                self.expire(order, t, "IOC remainder")
        return None

    def _arrive_stop(self, cmd: SubmitOrder, size: int, t: int) -> Rejection | None:
        """Stop / stop-limit: rejected if its trigger source already reached it (STOP_WOULD_TRIGGER).
        A buy locks quote at its limit price (stop-limit) or its stop price (stop-market; a gap
        may cost more, then the fill is clipped to what the account can pay)."""
        stop = cmd.stop_price
        assert stop is not None
        if self._stop_hit(cmd.side, stop):
            return RejectReason.STOP_WOULD_TRIGGER, f"stop {stop} is already in the market"
        inst, ledger = self.inst, self.ledger
        lock_price = cmd.price if cmd.price is not None else stop
        if cmd.side is BUY:
            bad = ledger.quote_short(inst, ledger.buy_lock(inst, lock_price, size))
        else:
            bad = ledger.sell_short(cmd, inst, size)
        if bad:
            return bad
        order = ledger.accept(cmd, size, t)
        ledger.lock(order, inst, lock_price)
        self.stops[order.order_id] = order
        return None

    def rest(self, order: WorkingOrder) -> None:
        """Put ``order`` on the book, behind the displayed size at its price."""
        self.resting_orders.add(order)

    def _execute(self, order: WorkingOrder, walk: Walk, t: int) -> None:
        """Carry out a planned taker walk: fills at each level's price (recorded as consumed) and
        the self-trade steps; a taker that self-trade prevention stops expires."""
        liq, side = self.liq, order.side
        for kind, price, lots, maker in walk.steps:
            if not order.open:
                break
            if kind == TAKE:
                liq.take(side, price, lots)
                self.fill(order, price, lots, TAKER, t)
            elif maker is None or not maker.open:
                continue
            elif kind == SELF_TRADE:
                lots = min(lots, maker.size - maker.filled)
                self.fill(order, price, lots, TAKER, t)
                self.fill(maker, price, lots, MAKER, t)
            elif kind == EXPIRE_MAKER:
                self.expire(maker, t, self._stp_reason())
            else:
                assert kind == DECREMENT
                lots = min(lots, maker.size - maker.filled, order.size - order.filled)
                maker.size -= lots
                order.size -= lots
                if maker.size <= maker.filled:
                    self.expire(maker, t, self._stp_reason())
                if order.size <= order.filled:
                    self.expire(order, t, self._stp_reason())
        if walk.stopped and order.open:
            self.expire(order, t, self._stp_reason())

    def _stp_reason(self) -> str:
        return f"self-trade prevention {self.stp}: EXPIRED_IN_MATCH"

    # -- order ends and fills ---------------------------------------------------------------
    def close(self, order: WorkingOrder) -> None:
        """Remove ``order`` from every open structure and release what it still locks."""
        order_id = order.order_id
        if self.resting:
            self.resting_orders.remove(order)
        if self.stops:
            self.stops.pop(order_id, None)
        if self.waiting:
            self.waiting.pop(order_id, None)
        self.ledger.release(order)

    def cancel(self, order: WorkingOrder, t: int, reason: str) -> None:
        """End ``order`` with ``OrderCanceled(reason)`` produced at ``t``."""
        self.close(order)
        self.ledger.out.emit(t, CANCELED, order.order_id, order.symbol, reason)

    def expire(self, order: WorkingOrder, t: int, reason: str) -> None:
        """End ``order`` with ``OrderExpired(reason)`` produced at ``t``."""
        self.close(order)
        self.ledger.out.emit(t, EXPIRED, order.order_id, order.symbol, reason)

    def cut(self, order: WorkingOrder, t: int) -> None:
        """End an order whose next fill the account cannot pay (or, reduce-only, cannot deliver)."""
        self.cancel(order, t, "reduce_only: holdings exhausted" if order.reduce_only else "insufficient balance")

    def fill(self, order: WorkingOrder, price: int, lots: int, liquidity: LiquiditySide, t: int) -> None:
        """Record one fill (the ledger moves the money); close the order when done; sweep reduce-only sells."""
        ledger = self.ledger
        ledger.fill(self.inst, order, price, lots, liquidity, t)
        if order.filled >= order.size:
            self.close(order)
        if order.side is SELL and ledger.reduce_only_open:
            ledger.sweep_reduce_only(self.inst.base, t)

    def _fill_resting(self, order: WorkingOrder, want: int, t: int) -> int:
        """Maker fill of up to ``want`` lots at the order's price; clips to the balance and ends the rest."""
        price = order.price
        assert price is not None
        lots = self.ledger.clip(self.inst, order, price, want, MAKER)
        if lots:
            self.fill(order, price, lots, MAKER, t)
        if lots < want and order.open:
            self.cut(order, t)
        return lots

    # -- stops ------------------------------------------------------------------------------
    def _stop_hit(self, side: Side, stop: int) -> bool:
        """Is a stop of ``side`` at ``stop`` ticks triggered? BUY: last trade >= stop; SELL: last <= stop.

        With ``stop_trigger="book"`` also when the best ask (BUY) or best bid (SELL) reaches it.
        On an instrument without a book the last price is the last bar's close.
        """
        last = self.last_price
        if side is BUY:
            if last is not None and last >= stop:
                return True
            ask = self.book.asks.best
            return self.book_stops and ask is not None and ask >= stop
        if last is not None and last <= stop:
            return True
        bid = self.book.bids.best
        return self.book_stops and bid is not None and bid <= stop

    def check_stops(self, t: int) -> None:
        """Trigger every stop the market now reaches, in acceptance order."""
        hit = self._stop_hit
        fired = [o for o in self.stops.values() if hit(o.side, o.stop_price)]  # type: ignore[arg-type]
        for order in fired:
            if order.open:
                self._trigger(order, t)

    def _trigger(self, order: WorkingOrder, t: int) -> None:
        """A stop triggered on the book: STOP walks the book as a market order (remainder expires),
        STOP_LIMIT takes what crosses its limit and rests the rest. Both are takers (STP applies)."""
        del self.stops[order.order_id]
        order.triggered = True
        inst, ledger = self.inst, self.ledger
        ledger.out.emit(t, TRIGGERED, order.order_id, order.symbol)
        buy = order.side is BUY
        if order.order_type is _STOP:
            own = self._own(order.side, None)
            if buy:
                budget = ledger.account.free(inst.quote) + order.lock
                walk = self._walk(order.side, own, None, order.leaves, budget)
            else:
                lots = ledger.clip(inst, order, 0, order.leaves, TAKER)
                walk = self._walk(order.side, own, None, lots, None) if lots else _NOTHING
            self._execute(order, walk, t)
            if order.open:
                self.expire(order, t, "book exhausted" if walk.steps else "no market")
            return
        price = order.price
        assert price is not None
        best = self.book.asks.best if buy else self.book.bids.best
        own = self._own(order.side, price)
        if own or (best is not None and (best <= price if buy else best >= price)):
            lots = ledger.clip(inst, order, price, order.leaves, TAKER)
            self._execute(order, self._walk(order.side, own, price, lots, None) if lots else _NOTHING, t)
        if order.open:
            self.rest(order)


def build_matchers(
    instruments: Iterable[Instrument] | Mapping[str, Instrument],
    ledger: Ledger,
    queue: QueueModel,
    *,
    bar_fill: str,
    stp_mode: str | None,
    stop_trigger: str,
    volume_cap: Any,
) -> dict[str, Matcher]:
    """One :class:`Matcher` per instrument, by symbol, with the exchange's options checked.

    ``stp_mode`` None takes each instrument's ``rules.stp_mode`` (``NONE`` without rules);
    ``volume_cap`` is in percent (see :func:`jtrader.sim._bars.parse_volume_cap`). Raises
    :class:`ConfigError` for a bad option, a non-instrument or a symbol defined twice.
    """
    if bar_fill not in BAR_FILL_MODES:
        raise ConfigError(f"bar_fill must be one of {BAR_FILL_MODES}, got {bar_fill!r}")
    if stp_mode is not None and stp_mode not in STP_MODES:
        raise ConfigError(f"stp_mode must be None or one of {STP_MODES}, got {stp_mode!r}")
    if stop_trigger not in STOP_TRIGGERS:
        raise ConfigError(f"stop_trigger must be one of {STOP_TRIGGERS}, got {stop_trigger!r}")
    cap = parse_volume_cap(volume_cap)
    matchers: dict[str, Matcher] = {}
    for inst in instruments.values() if isinstance(instruments, Mapping) else instruments:
        if not isinstance(inst, Instrument):
            raise ConfigError(f"instruments must be Instrument objects, got {inst!r}")
        if inst.symbol in matchers:
            raise ConfigError(f"instrument {inst.symbol} is defined twice")
        stp = stp_mode if stp_mode is not None else (inst.rules.stp_mode if inst.rules is not None else "NONE")
        matchers[inst.symbol] = Matcher(
            inst, ledger, queue, stp=stp, stop_trigger=stop_trigger, close_fill=bar_fill == "close", volume_cap=cap
        )
    return matchers
