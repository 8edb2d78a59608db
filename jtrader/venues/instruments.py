"""The instruments of one venue adapter: known, learned from the venue, or inferred from the data.

Written once for both venues. A frame parser *reads* the registry (:meth:`InstrumentRegistry.lookup`
puts a fallback instrument for an unknown symbol into the caller's ``new`` dict, nothing else);
the adapter *commits* ``new`` (:meth:`InstrumentRegistry.commit`) only after the whole frame
parsed, so a malformed frame leaves no instrument behind. REST bodies and status frames teach
instruments through :meth:`InstrumentRegistry.learn`, which keeps the grid already in use when a
body disagrees with it (books and orders already live on that grid).
"""

from __future__ import annotations

from collections.abc import Iterable

from jtrader.errors import MalformedMessageError
from jtrader.model import Instrument
from jtrader.venues._common import LevelMemo, VenueClock, default_instrument, max_decimals, same_grid
from jtrader.venues.stats import AdapterStats

__all__ = ["InstrumentRegistry"]


class InstrumentRegistry:
    """Instruments by venue symbol, with the conversion memo of each (see :class:`LevelMemo`).

    ``instruments`` is the dict the adapter exposes (the same object). With ``infer`` false an
    unknown symbol makes its frame malformed; with ``infer`` true a fallback grid is built from
    the frame's numbers (:func:`jtrader.venues._common.default_instrument`).
    """

    __slots__ = ("clock", "infer", "instruments", "memos", "stats", "venue")

    def __init__(self, venue: str, instruments: dict[str, Instrument] | None, infer: bool, stats: AdapterStats) -> None:
        self.venue = venue
        self.instruments: dict[str, Instrument] = dict(instruments or {})
        self.infer = infer
        self.stats = stats
        #: symbol -> strings already converted on its grid (replay hot path, bounded)
        self.memos: dict[str, LevelMemo] = {}
        #: the feed's venue-time offset: venue times that jump away from it are malformed
        self.clock = VenueClock()

    def lookup(self, symbol: object, samples: Iterable[str], new: dict[str, Instrument]) -> Instrument:
        """The instrument of ``symbol``; a fallback (from ``samples``, the frame's prices) goes into ``new``.

        Raises :class:`MalformedMessageError` for a symbol that is not a non-empty string, or an
        unknown one when inference is off.
        """
        if type(symbol) is not str or not symbol:
            raise MalformedMessageError(f"symbol {symbol!r}")
        inst = self.instruments.get(symbol) or new.get(symbol)
        if inst is None:
            if not self.infer:
                raise MalformedMessageError(f"unknown symbol {symbol!r}")
            inst = new[symbol] = default_instrument(symbol, self.venue, max_decimals(samples))
        return inst

    def memo(self, inst: Instrument) -> LevelMemo:
        """The conversion memo of ``inst`` (a new one when the symbol's instrument changed)."""
        memo = self.memos.get(inst.symbol)
        if memo is None or memo.instrument is not inst:
            memo = self.memos[inst.symbol] = LevelMemo(inst)
        return memo

    def commit(self, new: dict[str, Instrument]) -> None:
        """Keep the fallback instruments a frame that parsed completely needed (counted as inferred)."""
        for symbol, inst in new.items():
            self.instruments[symbol] = inst
            self.stats.instruments_inferred += 1

    def learn(self, inst: Instrument) -> None:
        """An instrument the venue described (REST, status): kept unless it changes a grid in use."""
        old = self.instruments.get(inst.symbol)
        if old is not None and not same_grid(old, inst):
            self.stats.instrument_conflicts += 1
            return
        self.instruments[inst.symbol] = inst
        self.stats.instruments_learned += 1
