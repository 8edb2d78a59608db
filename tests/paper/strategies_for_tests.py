"""Small strategies for specific paper cases (loaded by the CLI as ``path.py:Class``)."""

from __future__ import annotations

from typing import Any

from jtrader.model import OrderFilled
from jtrader.strategies.market_maker import MarketMaker
from jtrader.trading import Context, Strategy


class KillAfterFills(MarketMaker):
    """The market maker, until its ``fills``-th fill: then the kill switch (halt, cancel all, flatten)."""

    name = "kill_after_fills"
    params = {**MarketMaker.params, "fills": 2}

    seen_fills = 0

    def on_order_event(self, ctx: Context, event: Any) -> None:
        super().on_order_event(ctx, event)
        if type(event) is OrderFilled:
            self.seen_fills += 1
            if self.seen_fills == self.p.fills:
                ctx.kill("test kill switch")


class RaiseOnBook(Strategy):
    """Quotes one resting bid, then raises in ``on_book`` at the ``at``-th book message."""

    name = "raise_on_book"
    params = {"at": 300}

    books = 0

    def on_book(self, ctx: Context, msg: Any) -> None:
        self.books += 1
        if self.books == 5 and ctx.book_ready(msg.symbol):
            inst = ctx.instrument(msg.symbol)
            bid = ctx.book(msg.symbol).best_bid
            ctx.buy(msg.symbol, inst.size_to_lots("0.001"), bid - 10, post_only=True)
        if self.books == self.p.at:
            raise RuntimeError(f"boom at book {self.books}")


class RestingBid(Strategy):
    """One post-only bid 20 ticks under the best bid of ``symbol``'s first ready book, left resting; and on every
    message while that book resyncs (the other symbol's books, trades, quotes go on), one more bid at the
    same price that the risk manager must deny (BOOK_RESYNCING), up to five."""

    name = "resting_bid"
    params = {"symbol": ""}

    symbol: str | None = None
    price = 0
    tried_while_resyncing = 0

    @property
    def placed(self) -> bool:
        return self.symbol is not None

    def on_book(self, ctx: Context, msg: Any) -> None:
        if self.symbol is None and msg.symbol == self.p.symbol and ctx.book_ready(msg.symbol):
            self.symbol, self.price = msg.symbol, ctx.book(msg.symbol).best_bid - 20
            ctx.buy(msg.symbol, ctx.instrument(msg.symbol).size_to_lots("0.001"), self.price, post_only=True)
        self._try_while_resyncing(ctx)

    def on_trade(self, ctx: Context, msg: Any) -> None:
        self._try_while_resyncing(ctx)

    def on_quote(self, ctx: Context, msg: Any) -> None:
        self._try_while_resyncing(ctx)

    def _try_while_resyncing(self, ctx: Context) -> None:
        if self.symbol is not None and not ctx.book_ready(self.symbol) and self.tried_while_resyncing < 5:
            self.tried_while_resyncing += 1
            ctx.buy(self.symbol, ctx.instrument(self.symbol).size_to_lots("0.001"), self.price, post_only=True)
