"""Exchange-made check of book reconstruction: Binance ``bookTicker`` against the rebuilt book.

A Binance ``bookTicker`` carries ``u``, the update id of the book state it shows. Where a depth
event ends exactly at that id, the best bid and ask (price and size) of a correctly rebuilt book
after applying it must equal the bookTicker. bookTickers are real time and depth events come
every 100 ms, so the ticker usually arrives first: it is held until the book reaches its id.

Protocol (the replay runner drives it; the adapter keeps no book)::

    check = BookTickerCheck()
    for msg in adapter.on_frame(ts, frame):
        if type(msg) is Quote and msg.update_id:
            check.on_quote(msg)
        elif type(msg) in (BookSnapshot, BookDelta):
            book.apply(msg)
            check.on_book(msg.symbol, msg.update_id, book)   # after applying
        elif type(msg) is BookResync:
            check.reset(msg.symbol)

Held quotes whose id the book passes without landing on it exactly are discarded (the common
case: most depth events end between two tickers). At most ``max_held`` quotes are held per symbol
(oldest dropped). ``checked``, ``mismatched`` and the first ``keep`` mismatch details are kept.
"""

from __future__ import annotations

from collections import deque
from typing import Protocol

from jtrader.model import Quote

__all__ = ["BookTickerCheck", "TopOfBook"]


class TopOfBook(Protocol):
    """What the check reads from a book (an :class:`~jtrader.book.OrderBook` fits)."""

    @property
    def best_bid(self) -> int | None: ...
    @property
    def best_ask(self) -> int | None: ...
    @property
    def best_bid_size(self) -> int: ...
    @property
    def best_ask_size(self) -> int: ...


class BookTickerCheck:
    """Counts bookTicker-vs-book comparisons (``checked``) and disagreements (``mismatched``)."""

    def __init__(self, max_held: int = 256, keep: int = 10) -> None:
        self.max_held = max_held
        self.keep = keep
        self.checked = 0
        self.mismatched = 0
        #: quotes dropped unchecked: passed by the book, or pushed out of a full hold list
        self.discarded = 0
        #: the first ``keep`` mismatches, as readable strings for the log
        self.mismatches: list[str] = []
        self._held: dict[str, deque[Quote]] = {}
        self._last: dict[str, tuple[int, int | None, int, int | None, int]] = {}

    def on_quote(self, quote: Quote) -> None:
        """Feed a Quote with ``update_id``; checked now if the book is at that id, else held."""
        symbol = quote.symbol
        last = self._last.get(symbol)
        if last is not None and quote.update_id <= last[0]:
            if quote.update_id == last[0]:
                self._compare(quote, last)
            else:
                self.discarded += 1
            return
        held = self._held.get(symbol)
        if held is None:
            held = self._held[symbol] = deque()
        held.append(quote)
        if len(held) > self.max_held:
            held.popleft()
            self.discarded += 1

    def on_book(self, symbol: str, update_id: int, book: TopOfBook) -> None:
        """The book of ``symbol`` now stands at ``update_id`` (call after applying each message)."""
        state = (update_id, book.best_bid, book.best_bid_size, book.best_ask, book.best_ask_size)
        self._last[symbol] = state
        held = self._held.get(symbol)
        while held and held[0].update_id <= update_id:
            quote = held.popleft()
            if quote.update_id == update_id:
                self._compare(quote, state)
            else:
                self.discarded += 1

    def reset(self, symbol: str) -> None:
        """Forget ``symbol``'s book state and held quotes (its book is resyncing)."""
        self._last.pop(symbol, None)
        self.discarded += len(self._held.pop(symbol, ()))

    def _compare(self, quote: Quote, state: tuple[int, int | None, int, int | None, int]) -> None:
        self.checked += 1
        _, bid, bid_size, ask, ask_size = state
        if (quote.bid, quote.bid_size, quote.ask, quote.ask_size) != (bid, bid_size, ask, ask_size):
            self.mismatched += 1
            if len(self.mismatches) < self.keep:
                self.mismatches.append(
                    f"{quote.symbol} u={quote.update_id}: ticker {quote.bid}x{quote.bid_size} / "
                    f"{quote.ask}x{quote.ask_size}, book {bid}x{bid_size} / {ask}x{ask_size}"
                )

    def summary(self) -> dict[str, int]:
        """Counters for the run report."""
        return {"checked": self.checked, "mismatched": self.mismatched, "discarded": self.discarded}
