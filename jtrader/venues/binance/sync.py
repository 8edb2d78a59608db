"""The Binance diff-depth sync state machine: per symbol, which diffs to hold, emit or drop.

This module's one job is the book sync rules (BN-WS "How to manage a local order book
correctly"); :mod:`jtrader.venues.binance.adapter` parses the frames and feeds it. Per symbol::

    unsynced: diffs are held (not emitted); the symbol is in ``resyncing``
    snapshot L arrives: drop held diffs with u <= L; if the first one left has U > L + 1 the
        snapshot is older than the stream -> ignored (stats.stale_snapshots), wait for another;
        else emit the snapshot, then the held diffs (re-stamped with the snapshot's ts)
    synced at id X, diff (U, u): u <= X -> dropped (stats.stale); U > X + 1 -> gap:
        BookResync, back to unsynced holding this diff; else emitted and X = u

So the messages emitted, applied in order to an :class:`~jtrader.book.OrderBook`, give the right
book. Ids are Binance update ids (ints); ``ts`` values are receive times in ns.
"""

from __future__ import annotations

from jtrader.model import BookDelta, BookResync, BookSnapshot, MarketMessage
from jtrader.venues.stats import AdapterStats

__all__ = ["HOLD_LIMIT", "DepthSync", "SymbolSync"]

#: diffs held per symbol while waiting for a snapshot (10 minutes of 100 ms events); oldest dropped
HOLD_LIMIT = 6000


class SymbolSync:
    """The sync state of one symbol: its connection, whether synced, the last update id, held diffs."""

    __slots__ = ("connection", "held", "last_u", "synced")

    def __init__(self, connection: str) -> None:
        self.connection = connection
        self.synced = False
        self.last_u = 0
        self.held: list[BookDelta] = []


class DepthSync:
    """The sync rules for every symbol of one adapter (see the module docstring).

    ``states`` and ``resyncing`` are shared with the adapter (same objects); counters go to
    ``stats``. Never raises on data: a bad sequence is a BookResync or a counted drop.
    """

    __slots__ = ("resyncing", "states", "stats")

    def __init__(self, stats: AdapterStats) -> None:
        self.stats = stats
        #: symbol -> its sync state (created by the first diff or snapshot of the symbol)
        self.states: dict[str, SymbolSync] = {}
        #: symbols whose book is known wrong or incomplete (waiting for a usable snapshot)
        self.resyncing: set[str] = set()

    def disconnect(self, ts: int, connection: str) -> list[MarketMessage]:
        """Books fed by ``connection`` are resyncing (a BookResync for each that was synced)."""
        out: list[MarketMessage] = []
        for symbol in sorted(self.states):
            state = self.states[symbol]
            if state.connection != connection:
                continue
            if state.synced:
                out.append(BookResync(ts, symbol, f"disconnected: {connection}"))
                self.stats.resyncs += 1
            state.synced = False
            state.held = []
            self.resyncing.add(symbol)
        return out

    def _state(self, symbol: str, connection: str | None) -> SymbolSync:
        state = self.states.get(symbol)
        if state is None:
            state = self.states[symbol] = SymbolSync(connection or "")
            self.resyncing.add(symbol)
        elif connection is not None:
            state.connection = connection
        return state

    def held(self) -> int:
        """Diffs held right now, waiting for a usable snapshot (never applied if the data ends here)."""
        return sum(len(state.held) for state in self.states.values())

    def _hold(self, state: SymbolSync, delta: BookDelta) -> None:
        held = state.held
        held.append(delta)
        self.stats.buffered += 1
        if len(held) > HOLD_LIMIT:
            del held[0]
            self.stats.buffer_overflow += 1

    def apply_diff(self, delta: BookDelta, connection: str) -> list[MarketMessage]:
        """A parsed ``depthUpdate`` from ``connection`` -> the messages to emit (maybe none)."""
        state = self._state(delta.symbol, connection)
        if not state.synced:
            self._hold(state, delta)
            return []
        return self._step(state, delta)

    def _step(self, state: SymbolSync, delta: BookDelta) -> list[MarketMessage]:
        book_id = state.last_u
        if delta.update_id <= book_id:
            self.stats.stale += 1
            return []
        if delta.first_update_id > book_id + 1:
            self.stats.gaps += 1
            self.stats.resyncs += 1
            state.synced = False
            state.held = []
            self._hold(state, delta)
            self.resyncing.add(delta.symbol)
            reason = f"update id gap: expected U <= {book_id + 1}, got U={delta.first_update_id}"
            return [BookResync(delta.ts, delta.symbol, reason)]
        state.last_u = delta.update_id
        return [delta]

    def apply_snapshot(self, ts: int, snap: BookSnapshot) -> list[MarketMessage]:
        """A parsed depth snapshot received at ``ts`` (ns) -> the messages to emit (maybe none)."""
        state = self._state(snap.symbol, None)
        last = snap.update_id
        if state.synced:
            if last < state.last_u:
                self.stats.stale_snapshots += 1
                return []
            state.last_u = last
            return [snap]
        held = [delta for delta in state.held if delta.update_id > last]
        self.stats.stale += len(state.held) - len(held)
        if held and held[0].first_update_id > last + 1:
            state.held = held
            self.stats.stale_snapshots += 1
            return []
        state.synced = True
        state.last_u = last
        state.held = []
        self.resyncing.discard(snap.symbol)
        out: list[MarketMessage] = [snap]
        for delta in held:
            delta = delta._replace(ts=ts)
            if state.synced:
                out += self._step(state, delta)
            else:
                self._hold(state, delta)
        return out
