"""Fills on candles: the price source of an instrument that has no L2 book.

Once an instrument has a book (depth or quotes), bars never match its orders, never set its last
price and never trigger its stops (a venue's candles describe ranges that traded before our
orders existed). On a candle-only instrument, every fill made by a bar is stamped at the bar's
``ts`` (its close time) plus the response latency. Within one bar the order of work is:

1. orders waiting for this bar's open (``bar_fill="next_open"``): MARKET fills at the open;
   a limit that was marketable on arrival fills at the open if the open is still at or
   better than its limit (taker), otherwise IOC/FOK expire and GTC rests (step 3 applies);
2. **stops before limits** (stop-loss first when a stop and a take-profit both lie inside the
   bar: backtesting.py, backtrader, vectorbt and freqtrade agree): a BUY stop triggers if
   ``high >= stop`` and fills at ``max(open, stop)`` (a gap worsens the price), a SELL stop if
   ``low <= stop`` at ``min(open, stop)``. A STOP_LIMIT acts as a limit in the same bar only
   when unambiguous: triggered at the open (the bar gapped through the stop) it fills at the
   open if marketable there, else at its limit if the bar reaches it; triggered inside the bar
   it fills at the stop price only if its limit is at or beyond the stop, else it rests for
   the next bars;
3. resting limits: a BUY fills if ``low <= limit`` at ``min(open, limit)`` (a gap improves
   the price, as backtesting.py), a SELL if ``high >= limit`` at ``max(open, limit)``; maker.

Bar fills are **not size-limited** by default. ``volume_cap`` (percent) caps what our fills
take from one bar at that share of its volume, together (first come, first served in the order
above); the rest stays open: a market or stop-market remainder fills at the next bar's open, a
limit keeps resting, a FOK the cap would split expires unfilled. Fills that take a bar's fills
past its whole volume are counted in ``fills_over_volume`` (never with a cap of at most 100).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import TYPE_CHECKING

from jtrader.errors import ConfigError
from jtrader.model import Bar, LiquiditySide, OrderType, RejectReason, Side, SubmitOrder
from jtrader.model import TimeInForce as Tif
from jtrader.sim._validate import check_market_notional
from jtrader.sim.ledger import TRIGGERED, Rejection
from jtrader.sim.orders import WorkingOrder

if TYPE_CHECKING:
    from jtrader.sim.matcher import Matcher

__all__ = ["BAR_FILL_MODES", "BarMatcher", "parse_volume_cap"]

BAR_FILL_MODES = ("next_open", "close")
BUY = Side.BUY
MAKER, TAKER = LiquiditySide.MAKER, LiquiditySide.TAKER
_MARKET, _STOP = OrderType.MARKET, OrderType.STOP
_NONE: frozenset[str] = frozenset()


def parse_volume_cap(value: object) -> Fraction | None:
    """``volume_cap`` in percent of a bar's volume (str, int, Decimal or Fraction in (0, 100]) as a share, or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal | Fraction):
        raise ConfigError(f"volume_cap must be a str, int, Decimal or Fraction of percent, got {value!r}")
    try:
        pct = Fraction(Decimal(value)) if isinstance(value, str) else Fraction(value)
    except (InvalidOperation, ValueError) as exc:
        raise ConfigError(f"volume_cap {value!r} is not a finite decimal number of percent") from exc
    if not 0 < pct <= 100:
        raise ConfigError(f"volume_cap must be in (0, 100] percent, got {value!r}")
    return pct / 100


class BarMatcher:
    """Candle fills of one instrument's :class:`~jtrader.sim.matcher.Matcher` (whose orders it fills)."""

    __slots__ = ("_bar", "_m", "_used", "cap", "close_fill", "fills_over_volume")

    def __init__(self, matcher: Matcher, close_fill: bool, cap: Fraction | None) -> None:
        self._m = matcher
        #: ``bar_fill="close"``: market orders fill at the last close on arrival
        self.close_fill = close_fill
        #: share of a bar's volume our fills may take together (:func:`parse_volume_cap`), None: no cap
        self.cap = cap
        #: fills that took a bar's fills past its volume
        self.fills_over_volume = 0
        #: the bar whose volume ``_used`` lots of our fills took
        self._bar: Bar | None = None
        self._used = 0

    # -- arrival ----------------------------------------------------------------------------
    def arrive_market(self, cmd: SubmitOrder, size: int, t: int) -> Rejection | None:
        """Market order priced by bars: ``bar_fill="close"`` fills at the last close now,
        ``"next_open"`` waits for the next bar's open. Venue notional rules use the last close."""
        m = self._m
        inst, ledger = m.inst, m.ledger
        bar = m.last_bar
        if bar is None:
            return RejectReason.NO_MARKET, "no book and no bar to price a market order"
        close = bar.close
        quote = cmd.quote_size
        notional = close * size * inst.atoms_per_tick_lot  # inst.notional_atoms(close, size)
        if quote is None:
            if notional < inst.min_notional_atoms:
                return RejectReason.BELOW_MIN_NOTIONAL, "notional at the last close is below the minimum"
            bad = check_market_notional(inst, size, close, "the last close")
            if bad:
                return bad
        if cmd.side is BUY:
            bad = ledger.quote_short(inst, quote if quote is not None else ledger.fees.cost(notional, TAKER))
        else:
            bad = ledger.sell_short(cmd, inst, size)
        if bad:
            return bad
        if self.close_fill:
            if quote is not None:
                size = ledger.fees.affordable_lots(quote, inst.notional_atoms(close, 1), TAKER)
                if size == 0:
                    return RejectReason.BELOW_MIN_SIZE, "quote_size buys less than one lot at the last close"
            order = ledger.accept(cmd, size, t)
            self.fill(order, close, TAKER, t, bar)
            self._carry(order, t)
            return None
        order = ledger.accept(cmd, 0 if quote is not None else size, t)
        ledger.lock(order, inst, None)
        m.waiting[order.order_id] = order
        return None

    def arrive_limit(self, cmd: SubmitOrder, size: int, t: int) -> Rejection | None:
        """Limit order priced by bars: "marketable" means through the last close; such an order
        fills at the close (``bar_fill="close"``) or at the next open (``"next_open"``) as taker."""
        m = self._m
        price = cmd.price
        assert price is not None
        bar = m.last_bar
        close = bar.close if bar is not None else None
        marketable = close is not None and (close <= price if cmd.side is BUY else close >= price)
        if marketable and cmd.post_only:
            return RejectReason.POST_ONLY_WOULD_CROSS, f"last close {close} crosses {price}"
        if not marketable and cmd.tif is Tif.FOK:
            return RejectReason.FOK_NOT_FILLABLE, "nothing available at the limit price"
        order = m.ledger.accept(cmd, size, t)
        m.ledger.lock(order, m.inst, price)
        if not marketable:
            if cmd.tif is Tif.GTC:
                m.rest(order)
            else:
                m.expire(order, t, "IOC remainder")
        elif self.close_fill:
            assert bar is not None and close is not None
            self.fill(order, close, TAKER, t, bar)
            self._rest_or_expire(order, t)
        else:
            order.taker_on_bar = True
            m.waiting[order.order_id] = order
        return None

    def _carry(self, order: WorkingOrder, t: int) -> None:
        """A market or stop-market remainder the volume cap left: GTC waits for the next bar's open, IOC/FOK expire."""
        if order.open:
            if order.tif is Tif.GTC:
                self._m.waiting[order.order_id] = order
            else:
                self._m.expire(order, t, "IOC remainder")

    def _rest_or_expire(self, order: WorkingOrder, t: int) -> None:
        if order.open:
            if order.tif is Tif.GTC:
                self._m.rest(order)
            else:
                self._m.expire(order, t, "IOC remainder")

    # -- one bar ----------------------------------------------------------------------------
    def match(self, bar: Bar, t: int) -> None:
        """Match this instrument's waiting orders, stops and resting limits against ``bar``."""
        m = self._m
        op, high, low = bar.open, bar.high, bar.low
        if m.waiting:
            for order in list(m.waiting.values()):
                if not order.open:
                    continue
                del m.waiting[order.order_id]
                if order.order_type is _MARKET or order.order_type is _STOP:  # a stop here is a capped remainder
                    if order.quote_size is not None and order.size == 0:
                        self._size_by_quote(order, op, t)
                    if order.open:
                        self.fill(order, op, TAKER, t, bar)
                    self._carry(order, t)
                elif (op <= order.price) if order.side is BUY else (op >= order.price):  # type: ignore[operator]
                    self.fill(order, op, TAKER, t, bar)
                    self._rest_or_expire(order, t)
                else:
                    self._rest_or_expire(order, t)
        fresh: set[str] | frozenset[str] = set() if m.stops else _NONE
        if m.stops:
            for order in list(m.stops.values()):
                if order.open:
                    self._stop(order, bar, t, fresh)  # type: ignore[arg-type]
        if m.resting:
            for order in list(m.resting.values()):
                if not order.open or order.order_id in fresh:
                    continue
                limit = order.price
                assert limit is not None
                if order.side is BUY:
                    if low <= limit:
                        self.fill(order, op if op < limit else limit, MAKER, t, bar)
                elif high >= limit:
                    self.fill(order, op if op > limit else limit, MAKER, t, bar)

    def _stop(self, order: WorkingOrder, bar: Bar, t: int, fresh: set[str]) -> None:
        m = self._m
        stop = order.stop_price
        assert stop is not None
        op = bar.open
        buy = order.side is BUY
        if buy:
            if bar.high < stop:
                return
            gapped = op >= stop
        else:
            if bar.low > stop:
                return
            gapped = op <= stop
        del m.stops[order.order_id]
        order.triggered = True
        m.ledger.out.emit(t, TRIGGERED, order.order_id, order.symbol)
        if order.order_type is _STOP:
            self.fill(order, op if gapped else stop, TAKER, t, bar)
            self._carry(order, t)
            return
        limit = order.price
        assert limit is not None
        if gapped:
            if op <= limit if buy else op >= limit:
                self.fill(order, op, TAKER, t, bar)
            elif bar.low <= limit if buy else bar.high >= limit:
                self.fill(order, limit, MAKER, t, bar)
        elif limit >= stop if buy else limit <= stop:
            self.fill(order, stop, TAKER, t, bar)
        if order.open:
            m.rest(order)
            fresh.add(order.order_id)

    def _size_by_quote(self, order: WorkingOrder, price: int, t: int) -> None:
        """Size a MARKET BUY by ``quote_size`` at the open: the lots its budget (fees included) buys."""
        m = self._m
        inst, ledger = m.inst, m.ledger
        assert order.quote_size is not None
        budget = min(order.quote_size, ledger.account.free(inst.quote) + order.lock)
        lots = ledger.fees.affordable_lots(budget, inst.notional_atoms(price, 1), TAKER)
        if lots == 0:
            m.expire(order, t, "quote_size buys less than one lot")
            return
        order.size = lots

    def fill(self, order: WorkingOrder, price: int, liquidity: LiquiditySide, t: int, bar: Bar) -> None:
        """Fill what is left of ``order`` at ``price`` against ``bar``: within the volume cap, clipped
        to the balance (a shortfall ends the order). A remainder the cap leaves stays open."""
        m = self._m
        if self._bar is not bar:
            self._bar = bar
            self._used = 0
        want = order.size - order.filled
        cap = self.cap
        if cap is not None:
            room = bar.volume * cap.numerator // cap.denominator - self._used
            if room < want:
                want = 0 if room <= 0 or order.tif is Tif.FOK else room
        lots = m.ledger.clip(m.inst, order, price, want, liquidity) if want else 0
        if lots:
            m.fill(order, price, lots, liquidity, t)
            self._used += lots
            if self._used > bar.volume:
                self.fills_over_volume += 1
        if lots < want and order.open:
            if order.order_type is _MARKET or order.order_type is _STOP:
                m.expire(order, t, "insufficient balance")
            else:
                m.cut(order, t)
