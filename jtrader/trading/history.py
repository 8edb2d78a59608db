"""Bar history a venue sent (``BarHistory``), kept per symbol for ``ctx.history(symbol)``.

History is not news: these bars are never delivered to ``on_bar``, never sent to the execution
and never mark a position. Bars are kept oldest first by their close time (``Bar.ts``), one per
close time: a later message with a bar of the same close time replaces it (a venue may resend
the last candles when a client reconnects). Completed bars delivered to ``on_bar`` are *not*
appended: the strategy receives those itself, and the candle hot path stays free of the copy.
"""

from __future__ import annotations

from collections.abc import Iterable

from jtrader.model import Bar

__all__ = ["BarStore"]


class BarStore:
    """History bars per symbol, oldest first."""

    __slots__ = ("_bars",)

    def __init__(self) -> None:
        self._bars: dict[str, dict[int, Bar]] = {}

    def add(self, symbol: str, bars: Iterable[Bar]) -> None:
        """Keep ``bars`` of ``symbol`` (any order); a bar with a close time already kept replaces it."""
        kept = self._bars.setdefault(symbol, {})
        for bar in bars:
            kept[bar.ts] = bar
        if len(kept) > 1:
            self._bars[symbol] = dict(sorted(kept.items()))

    def get(self, symbol: str) -> tuple[Bar, ...]:
        """The history bars of ``symbol``, oldest first (empty when the venue sent none)."""
        kept = self._bars.get(symbol)
        return tuple(kept.values()) if kept else ()
