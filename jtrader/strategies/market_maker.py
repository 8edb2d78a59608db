"""``market_maker``: post-only quotes around the mid of the L2 book, with an inventory skew.

For replay and paper trading (it reacts to book updates; bars are ignored). Per symbol:

* ``mid`` = (best bid + best ask) / 2 in ticks (floored). The half spread is ``half_spread_ticks``
  when set (> 0), else ``half_spread_bps`` of the mid (at least one tick).
* Inventory skew: both quotes move by ``-skew_bps`` of the mid times ``position / max_position``,
  so a long book quotes lower (sells sooner, buys later) and a short one higher.
* bid = ``mid - half + skew``, ask = ``mid + half + skew``, clamped so a quote never crosses the
  book (bid below the best ask, ask above the best bid): the quotes are post-only.
* Size: ``size`` (base units, decimal string) per quote, cut so that a fill cannot take
  ``|position|`` past ``max_position``; spot: the ask never offers more than the base held.
  A side with no room is not quoted.
* Requote only when the wanted prices moved by at least ``requote_ticks`` (or at all when 0) or
  the position changed: a live quote the venue has acknowledged moves with ``ctx.replace`` (one
  cancel-replace request); a missing quote is placed; a side with no room is canceled.
* One request in flight per side: while the venue has not yet answered a quote (accepted,
  rejected, denied), that side is left alone and requoted on the first book after the answer. A
  quote sent on a stale view (the position or the book moved while the order was on its way) is
  what a venue rejects; sending another one before the answer only repeats the mistake.
* A replacement the risk manager denies leaves the old quote resting, so the strategy cancels it.
  A book that is not ready (resyncing, crossed or one-sided) cancels the quotes and waits.

On BTC-USD where one lot is 1e-8 BTC, ``size="0.001"`` is 100,000 lots and
``max_position="0.01"`` one million.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from jtrader.errors import ConfigError
from jtrader.model import (
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderType,
    Side,
)
from jtrader.trading import Strategy

if TYPE_CHECKING:
    from jtrader.model import BookDelta, BookSnapshot
    from jtrader.trading import Context

__all__ = ["MarketMaker"]


class _Quotes:
    """What is quoted on one symbol: order ids and prices, and the position they were made for."""

    __slots__ = ("ask", "ask_id", "bid", "bid_id", "max_lots", "position", "size_lots")

    def __init__(self, size_lots: int, max_lots: int) -> None:
        self.size_lots = size_lots
        self.max_lots = max_lots
        self.bid_id: str | None = None
        self.ask_id: str | None = None
        self.bid = 0
        self.ask = 0
        self.position: int | None = None


class MarketMaker(Strategy):
    """Two-sided post-only quotes around the mid, requoted when the mid moves, with inventory limits."""

    name: ClassVar[str] = "market_maker"
    description: ClassVar[str] = (
        "post-only bid/ask around the book mid (ticks or bps), requote on mid moves, size and inventory limits, skew"
    )
    params: ClassVar[dict[str, object]] = {
        "symbol": "",
        "size": Decimal("0.001"),
        "max_position": Decimal("0.01"),
        "half_spread_bps": Decimal("5"),
        "half_spread_ticks": 0,
        "requote_ticks": 0,
        "skew_bps": Decimal("5"),
    }

    def __init__(self, **overrides: object) -> None:
        super().__init__(**overrides)
        p = self.p
        if p.size <= 0 or p.max_position < p.size:
            raise ConfigError(f"market_maker: need 0 < size <= max_position, got {p.size} and {p.max_position}")
        if p.half_spread_bps < 0 or p.half_spread_ticks < 0 or p.requote_ticks < 0 or p.skew_bps < 0:
            raise ConfigError("market_maker: spreads, requote_ticks and skew_bps must not be negative")
        self._books: dict[str, _Quotes] = {}
        #: replacement order id -> the quote it replaces (until the venue answers)
        self._replacing: dict[str, str] = {}
        #: quotes sent that the venue has not answered yet (no OrderAccepted, rejection or denial)
        self._pending: set[str] = set()

    def _state(self, ctx: Context, symbol: str) -> _Quotes:
        state = self._books.get(symbol)
        if state is None:
            instrument = ctx.instrument(symbol)
            size = instrument.size_to_lots(self.p.size.quantize(instrument.size_lot, rounding="ROUND_DOWN"))
            max_lots = instrument.size_to_lots(self.p.max_position.quantize(instrument.size_lot, rounding="ROUND_DOWN"))
            state = self._books[symbol] = _Quotes(max(size, 1), max(max_lots, 1))
        return state

    def on_book(self, ctx: Context, msg: BookSnapshot | BookDelta) -> None:
        """Recompute the wanted quotes of ``msg.symbol`` and requote when they moved."""
        symbol = msg.symbol
        if self.p.symbol and symbol != self.p.symbol:
            return
        state = self._state(ctx, symbol)
        book = ctx.book(symbol)
        bid, ask = book.best_bid, book.best_ask
        if not ctx.book_ready(symbol) or bid is None or ask is None or bid >= ask:
            self._cancel(ctx, state)
            return
        mid = (bid + ask) // 2
        half = self.p.half_spread_ticks or max(1, int(mid * self.p.half_spread_bps / 10_000))
        position = ctx.position(symbol)
        skew = -int(mid * self.p.skew_bps / 10_000 * position / state.max_lots)
        want_bid = min(mid - half + skew, ask - 1)
        want_ask = max(mid + half + skew, bid + 1)
        moved = abs(want_bid - state.bid) + abs(want_ask - state.ask)
        live = state.bid_id is not None or state.ask_id is not None
        if live and position == state.position and (moved == 0 or moved < self.p.requote_ticks):
            return
        room_buy = min(state.size_lots, state.max_lots - position) if want_bid > 0 else 0
        room_sell = min(state.size_lots, state.max_lots + position, max(position, 0))  # spot: sell what we hold
        state.position = position
        if state.bid_id in self._pending or state.ask_id in self._pending:
            state.position = None  # a side waits for its answer: look again on the next book
        if state.bid_id not in self._pending:
            state.bid = want_bid
            state.bid_id = self._quote(ctx, symbol, Side.BUY, state.bid_id, size=room_buy, price=want_bid)
        if state.ask_id not in self._pending:
            state.ask = want_ask
            state.ask_id = self._quote(ctx, symbol, Side.SELL, state.ask_id, size=room_sell, price=want_ask)

    def _quote(self, ctx: Context, symbol: str, side: Side, live: str | None, *, size: int, price: int) -> str | None:
        """Move the acknowledged live quote (cancel-replace), place a new one, or cancel it when there is no room."""
        if size <= 0:
            if live is not None:
                ctx.cancel(live)
            return None
        if live is None:
            new = ctx.submit(symbol, side, OrderType.LIMIT, size=size, price=price, post_only=True)
        else:
            new = ctx.replace(live, price=price, size=size)
            self._replacing[new] = live
        self._pending.add(new)
        return new

    def _cancel(self, ctx: Context, state: _Quotes) -> None:
        for order_id in (state.bid_id, state.ask_id):
            if order_id is not None:
                ctx.cancel(order_id)
        state.bid_id = state.ask_id = None
        state.position = None

    def on_order_event(self, ctx: Context, event: Any) -> None:
        """A quote that filled completely or was refused is no longer live; requote on the next book."""
        order_id = getattr(event, "order_id", None)
        replaced = self._replacing.pop(order_id, None) if self._replacing else None
        match event:
            case OrderAccepted():
                self._pending.discard(order_id)
                return
            case OrderDenied() if replaced is not None:
                self._pending.discard(order_id)
                ctx.cancel(replaced)  # the denied replacement left the old quote resting
            case OrderFilled(leaves=0) | OrderCanceled() | OrderRejected() | OrderDenied() | OrderExpired():
                self._pending.discard(order_id)
            case OrderFilled():  # partial fill: the position changed, requote next time
                for state in self._books.values():
                    if order_id in (state.bid_id, state.ask_id):
                        state.position = None
                return
            case _:
                return
        for state in self._books.values():
            if state.bid_id == order_id:
                state.bid_id = None
                state.position = None
            elif state.ask_id == order_id:
                state.ask_id = None
                state.position = None
