"""Market data into the simulated exchange: books, quotes and trades, and their fused hot paths.

``on_book``, ``on_quote`` and ``on_trade`` are ``on_market(msg)`` then ``advance(msg.ts)`` in one
call for one message type: the same checks, the same order of work and the same events as those
two calls (matching sends no command, so nothing new is pending after the message is applied).
A message with no command due, no order of its symbol open and no event due costs its state
update and a few comparisons, and returns an empty tuple. Prices are ticks, sizes lots, ts ns.
"""

from __future__ import annotations

from jtrader.errors import DataError, TimestampError
from jtrader.model import BookDelta, BookSnapshot, OrderEvent, Quote, Trade
from jtrader.model.timestamps import MAX_TS_NS
from jtrader.sim._bars import _BarMixin


class _MarketMixin(_BarMixin):
    def _late(self, kind: type, ts: object) -> TimestampError:
        """The error for a message whose ``ts`` is not an int of ns at or after the exchange time."""
        now = self._now
        return TimestampError(f"{kind.__name__}.ts {ts!r} is not an int of ns at or after the exchange time {now}")

    # -- depth --------------------------------------------------------------------------------
    def _on_delta(self, msg: BookDelta) -> None:
        st = self._states.get(msg.symbol)
        if st is None:
            self.ignored_messages += 1
            return
        if st.resyncing:
            self.dropped_deltas += 1
            return
        st.book.apply_delta(msg.bids, msg.asks)
        st.l2 = True
        if st.from_quotes:
            st.from_quotes = False
        # a fresh update of a level ends the consumption our fills recorded there
        if st.consumed_bid:
            for price, _ in msg.bids:
                st.consumed_bid.pop(price, None)
        if st.consumed_ask:
            for price, _ in msg.asks:
                st.consumed_ask.pop(price, None)
        if st.resting or st.stops:
            self._match_book(st, msg.ts)

    def _on_snapshot(self, msg: BookSnapshot) -> None:
        st = self._states.get(msg.symbol)
        if st is None:
            self.ignored_messages += 1
            return
        st.book.apply(msg)
        st.l2 = True
        st.from_quotes = False
        st.resyncing = False
        st.consumed_bid.clear()
        st.consumed_ask.clear()
        if st.resting or st.stops:
            self._match_book(st, msg.ts)

    def on_book(self, msg: BookSnapshot | BookDelta) -> list[OrderEvent] | tuple[()]:
        """``on_market(msg)`` then ``advance(msg.ts)`` in one call: the replay hot path of depth data.

        Raises :class:`DataError` when ``msg`` is not a BookSnapshot or BookDelta and
        :class:`TimestampError` as :meth:`on_market` does.
        """
        kind = type(msg)
        if kind is not BookDelta and kind is not BookSnapshot:
            raise DataError(f"on_book() takes a BookSnapshot or BookDelta, got {kind.__name__}")
        ts = msg.ts
        if type(ts) is not int or ts < self._now or ts >= MAX_TS_NS:
            raise self._late(kind, ts)
        self._now = ts
        pending = self._pending
        if pending and pending[0][0] <= ts:
            self._run_commands(ts)
        if kind is BookDelta:
            self._on_delta(msg)  # type: ignore[arg-type]
        else:
            self._on_snapshot(msg)  # type: ignore[arg-type]
        outbox = self._outbox
        if outbox and outbox[0].ts <= ts:
            return self._take_due(ts)
        return ()

    # -- top of book --------------------------------------------------------------------------
    def _on_quote(self, msg: Quote) -> None:
        """Top of book. Builds a one-level book only for instruments that get no depth data."""
        st = self._states.get(msg.symbol)
        if st is None:
            self.ignored_messages += 1
            return
        if st.l2 and not st.from_quotes:
            return  # the depth book is authoritative
        st.book.apply_snapshot(((msg.bid, msg.bid_size),), ((msg.ask, msg.ask_size),))
        st.l2 = st.from_quotes = True
        st.consumed_bid.clear()
        st.consumed_ask.clear()
        if st.resting or st.stops:
            self._match_book(st, msg.ts)

    def on_quote(self, msg: Quote) -> list[OrderEvent] | tuple[()]:
        """``on_market(msg)`` then ``advance(msg.ts)`` in one call for a :class:`Quote`.

        A quote of an instrument with depth data changes nothing (the depth book is
        authoritative). Raises :class:`DataError` when ``msg`` is not a Quote and
        :class:`TimestampError` as :meth:`on_market` does.
        """
        if type(msg) is not Quote:
            raise DataError(f"on_quote() takes a Quote, got {type(msg).__name__}")
        ts = msg.ts
        if type(ts) is not int or ts < self._now or ts >= MAX_TS_NS:
            raise self._late(Quote, ts)
        self._now = ts
        pending = self._pending
        if pending and pending[0][0] <= ts:
            self._run_commands(ts)
        st = self._states.get(msg.symbol)
        if st is None:
            self.ignored_messages += 1
        elif not st.l2 or st.from_quotes:
            self._on_quote(msg)
        outbox = self._outbox
        if outbox and outbox[0].ts <= ts:
            return self._take_due(ts)
        return ()

    # -- trades -------------------------------------------------------------------------------
    def _on_trade(self, msg: Trade) -> None:
        st = self._states.get(msg.symbol)
        if st is None:
            self.ignored_messages += 1
            return
        st.last_price = msg.price
        if st.resting or st.stops:
            self._match_trade(st, msg, msg.ts)

    def on_trade(self, msg: Trade) -> list[OrderEvent] | tuple[()]:
        """``on_market(msg)`` then ``advance(msg.ts)`` in one call for a :class:`Trade`.

        Raises :class:`DataError` when ``msg`` is not a Trade and :class:`TimestampError` as
        :meth:`on_market` does.
        """
        if type(msg) is not Trade:
            raise DataError(f"on_trade() takes a Trade, got {type(msg).__name__}")
        ts = msg.ts
        if type(ts) is not int or ts < self._now or ts >= MAX_TS_NS:
            raise self._late(Trade, ts)
        self._now = ts
        pending = self._pending
        if pending and pending[0][0] <= ts:
            self._run_commands(ts)
        st = self._states.get(msg.symbol)
        if st is None:
            self.ignored_messages += 1
        else:
            st.last_price = msg.price
            if st.resting or st.stops:
                self._match_trade(st, msg, ts)
        outbox = self._outbox
        if outbox and outbox[0].ts <= ts:
            return self._take_due(ts)
        return ()
