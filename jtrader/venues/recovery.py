"""Gap recovery for live feeds, sans-I/O: what the adapter said in, what the transport must do out.

A live client (``jtrader.live.WebSocketHandler``) feeds every frame to a venue adapter; when the
adapter reports a lost update (``SequenceGap``, ``BookResync``) or a venue notice, *something* has
to be sent or fetched to make the book right again. That decision lives here, with no socket, no
clock and no asyncio, so it is tested from messages alone. The handler tells a policy what it
subscribed on each connection, hands it the messages of every frame, and carries out the
returned actions:

* :class:`SendFrames`: send these frames, in order, on connection ``connection``;
* :class:`FetchSnapshot`: GET ``url`` and hand the body to the adapter's ``on_http``;
* :class:`Reconnect`: close ``connection`` and open a new one (subscriptions are sent again).

Coinbase Advanced Trade (``shared/notes/venue-protocols.md`` 1.4): ``sequence_num`` is one counter
per connection for every channel and product, so a gap means *any* book of that connection may
have lost an update; the adapter clears them all. The REST ``product_book`` has no version, so the
only consistent restart is a new ``level2`` snapshot: :class:`CoinbaseRecovery` unsubscribes and
subscribes ``level2`` again for every level2 product of the connection. A book that went bad on its
own (a malformed ``l2_data`` frame) gets the same for its product only. A resubscribed product
whose snapshot has not come ``retry_after_ns`` later is resubscribed again (:meth:`on_tick`).

Binance spot (BN-WS "How to manage a local order book correctly"): the adapter holds diffs of a
symbol that is resyncing and syncs it from a REST depth snapshot. :class:`BinanceRecovery` fetches
``/api/v3/depth`` for a resyncing symbol once its connection has held a diff since it (re)opened
(fetching before the first diff can give a snapshot older than the stream: pitfall P4 of the
notes), or once the stream stayed quiet ``diff_wait_ns`` (then the snapshot is the book), at most
one fetch in flight per symbol. A symbol still resyncing after its snapshot was
handed over (the snapshot was older than the held diffs) is fetched again ``retry_after_ns``
later. ``serverShutdown`` frames ask for a reconnect.

Both venues: a venue error frame (``VenueNotice`` of kind ``"error"``) asks for a reconnect; the
handler raises it as :class:`~jtrader.errors.VenueErrorFrame` first, so the caller sees it.

Times are int ns on the caller's clock (receive times), used only to space retries.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from jtrader.model import BookResync, BookSnapshot, MarketMessage, SequenceGap, VenueNotice
from jtrader.venues import coinbase_rest

__all__ = [
    "BinanceRecovery",
    "CoinbaseRecovery",
    "FetchSnapshot",
    "Reconnect",
    "RecoveryAction",
    "RecoveryPolicy",
    "SendFrames",
    "binance_depth_url",
    "is_diff_depth_stream",
]

_NS_PER_S = 1_000_000_000


@dataclass(frozen=True, slots=True)
class SendFrames:
    """Send ``frames`` (JSON text), in order, on ``connection``; ``products`` are the books they resync."""

    connection: str
    frames: tuple[str, ...]
    products: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class FetchSnapshot:
    """GET ``url`` (a REST depth snapshot of ``symbol``) and hand the body to the adapter's ``on_http``."""

    symbol: str
    url: str
    reason: str


@dataclass(frozen=True, slots=True)
class Reconnect:
    """Close ``connection`` and open a new one; ``reason`` says why (for the log and the counters)."""

    connection: str
    reason: str


RecoveryAction = SendFrames | FetchSnapshot | Reconnect


class RecoveryPolicy(Protocol):
    """What a transport asks of a recovery policy (both venues' policies fit)."""

    def subscribed(self, connection: str, products: Iterable[str], channels: Iterable[str]) -> None:
        """``channels`` (``level2``, ``depth@100ms``...) of ``products`` were subscribed on ``connection``."""
        ...

    @property
    def idle(self) -> bool:
        """True when nothing is awaited: the transport may skip :meth:`on_messages` while books are in sync."""
        ...

    def on_disconnect(self, connection: str) -> None:
        """``connection`` closed."""
        ...

    def on_messages(
        self, ts: int, connection: str, messages: Sequence[MarketMessage], resyncing: Collection[str], held: bool
    ) -> list[RecoveryAction]:
        """The adapter's messages for one frame -> actions."""
        ...

    def on_fetched(self, ts: int, symbol: str, resyncing: Collection[str]) -> None:
        """A snapshot fetch of ``symbol`` ended (its body, if any, went to ``on_http``)."""
        ...

    def on_tick(self, ts: int, resyncing: Collection[str]) -> list[RecoveryAction]:
        """Time passed: retries that are due."""
        ...


def _notice_action(connection: str, msg: VenueNotice) -> Reconnect | None:
    if msg.kind == "error":
        return Reconnect(connection, f"venue error frame: {msg.message}")
    if msg.kind == "shutdown":
        return Reconnect(connection, f"venue shutdown notice: {msg.message}")
    return None


class CoinbaseRecovery:
    """Coinbase Advanced Trade: resubscribe ``level2`` after a gap (see the module docstring).

    ``retry_after_ns``: a resubscribed product whose snapshot has not arrived this long after is
    resubscribed again by :meth:`on_tick`. ``resubscribes`` counts products resubscribed.
    """

    def __init__(self, retry_after_ns: int = 5 * _NS_PER_S) -> None:
        self.retry_after_ns = retry_after_ns
        self.resubscribes = 0
        #: connection -> products subscribed on ``level2`` there, in subscription order
        self._level2: dict[str, list[str]] = {}
        #: product -> (connection, ts of its last resubscribe) while its snapshot is awaited
        self._pending: dict[str, tuple[str, int]] = {}

    @property
    def pending(self) -> set[str]:
        """Products resubscribed whose fresh snapshot has not arrived yet."""
        return set(self._pending)

    @property
    def idle(self) -> bool:
        """True when no resubscribed product awaits its snapshot."""
        return not self._pending

    def subscribed(self, connection: str, products: Iterable[str], channels: Iterable[str]) -> None:
        """The handler subscribed ``channels`` for ``products`` on ``connection`` (only ``level2`` matters)."""
        if "level2" not in channels:
            return
        have = self._level2.setdefault(connection, [])
        have.extend(p for p in products if p not in have)

    def on_disconnect(self, connection: str) -> None:
        """``connection`` closed: forget what was subscribed there and the snapshots awaited on it."""
        self._level2.pop(connection, None)
        for product in [p for p, (conn, _) in self._pending.items() if conn == connection]:
            del self._pending[product]

    def on_messages(
        self,
        ts: int,
        connection: str,
        messages: Sequence[MarketMessage],
        resyncing: Collection[str] = (),
        held: bool = False,
    ) -> list[RecoveryAction]:
        """The adapter's messages for one frame of ``connection`` -> actions (often none).

        ``resyncing`` and ``held`` are part of the common signature (see :class:`BinanceRecovery`);
        Coinbase needs neither: its messages say everything.
        """
        targets: list[str] = []
        actions: list[RecoveryAction] = []
        reason = ""
        for msg in messages:
            kind = type(msg)
            if kind is BookSnapshot:
                self._pending.pop(msg.symbol, None)  # type: ignore[union-attr]
            elif kind is SequenceGap:
                # anything of this connection may be lost, the snapshot we wait for included
                targets = list(self._level2.get(connection, ()))
                reason = f"sequence gap: expected {msg.expected}, got {msg.received}"  # type: ignore[union-attr]
            elif kind is BookResync:
                symbol = msg.symbol  # type: ignore[union-attr]
                if symbol in self._level2.get(connection, ()) and symbol not in targets and symbol not in self._pending:
                    targets.append(symbol)
                    reason = reason or f"book resync: {msg.reason}"  # type: ignore[union-attr]
            elif kind is VenueNotice:
                action = _notice_action(connection, msg)  # type: ignore[arg-type]
                if action is not None:
                    actions.append(action)
        if targets:
            actions.insert(0, self._resubscribe(ts, connection, targets, reason))
        return actions

    def on_fetched(self, ts: int, symbol: str, resyncing: Collection[str]) -> None:
        """Coinbase books never come from REST: nothing to do (common signature)."""

    def on_tick(self, ts: int, resyncing: Collection[str] = ()) -> list[RecoveryAction]:
        """Resubscribe products whose snapshot is overdue (``retry_after_ns`` since their resubscribe)."""
        due: dict[str, list[str]] = {}
        for product, (connection, since) in sorted(self._pending.items()):
            if ts - since >= self.retry_after_ns:
                due.setdefault(connection, []).append(product)
        return [self._resubscribe(ts, conn, products, "snapshot overdue") for conn, products in due.items()]

    def _resubscribe(self, ts: int, connection: str, products: list[str], reason: str) -> SendFrames:
        for product in products:
            self._pending[product] = (connection, ts)
        self.resubscribes += len(products)
        frames = (
            *coinbase_rest.unsubscribe_frames(products, ["level2"]),
            *coinbase_rest.subscribe_frames(products, ["level2"]),
        )
        return SendFrames(connection, frames, tuple(products), reason)


def is_diff_depth_stream(stream: str) -> bool:
    """``depth``, ``depth@100ms``, ``depth@1000ms`` are diff streams (need a REST snapshot); ``depth5`` is not."""
    name, _, speed = stream.partition("@")
    return name == "depth" and speed in ("", "100ms", "1000ms")


def binance_depth_url(rest_base: str, symbol: str, limit: int) -> str:
    """``{rest_base}/api/v3/depth?symbol=BTCUSDT&limit=1000`` (``rest_base`` without a trailing slash)."""
    return f"{rest_base.rstrip('/')}/api/v3/depth?symbol={symbol.upper()}&limit={limit}"


class BinanceRecovery:
    """Binance spot: REST depth snapshots for resyncing symbols (see the module docstring).

    ``rest_base`` is the REST root (``https://api.binance.com``), ``depth_limit`` the levels asked
    for (1000 weighs 50 of the 6000/min budget; 5000 weighs 250), ``retry_after_ns`` the wait before
    fetching again when a snapshot did not sync its symbol. ``fetches`` counts snapshots asked for
    and ``stale`` those that did not sync their symbol.
    """

    def __init__(
        self,
        rest_base: str,
        depth_limit: int = 1000,
        retry_after_ns: int = _NS_PER_S,
        diff_wait_ns: int = 2 * _NS_PER_S,
    ) -> None:
        self.rest_base = rest_base
        self.depth_limit = depth_limit
        self.retry_after_ns = retry_after_ns
        self.diff_wait_ns = diff_wait_ns
        #: symbol -> first tick (ns) seen while it awaited a diff (a quiet stream is fetched after diff_wait_ns)
        self._awaiting_since: dict[str, int] = {}
        self.fetches = 0
        self.stale = 0
        #: connection -> symbols (upper case) with a diff-depth stream on it
        self._depth: dict[str, list[str]] = {}
        self._fetching: set[str] = set()
        #: symbols whose connection has not held a diff since it (re)opened: no fetch yet
        self._awaiting_diff: set[str] = set()
        self._retry_at: dict[str, int] = {}

    @property
    def fetching(self) -> set[str]:
        """Symbols with a snapshot fetch in flight."""
        return set(self._fetching)

    @property
    def idle(self) -> bool:
        """True when no fetch is in flight and no retry is scheduled."""
        return not self._fetching and not self._retry_at

    def subscribed(self, connection: str, symbols: Iterable[str], streams: Iterable[str]) -> None:
        """The handler subscribed ``streams`` (``depth@100ms``, ``trade``...) of ``symbols`` on ``connection``."""
        if not any(is_diff_depth_stream(stream) for stream in streams):
            return
        have = self._depth.setdefault(connection, [])
        for symbol in symbols:
            upper = symbol.upper()
            if upper not in have:
                have.append(upper)
            self._awaiting_diff.add(upper)

    def on_disconnect(self, connection: str) -> None:
        """``connection`` closed: its symbols wait for a diff on their next connection before a fetch."""
        for symbol in self._depth.pop(connection, ()):
            self._awaiting_diff.add(symbol)
            self._awaiting_since.pop(symbol, None)
            self._retry_at.pop(symbol, None)

    def on_messages(
        self,
        ts: int,
        connection: str,
        messages: Sequence[MarketMessage],
        resyncing: Collection[str],
        held: bool,
    ) -> list[RecoveryAction]:
        """One frame of ``connection`` was parsed into ``messages``; ``resyncing`` is the adapter's set
        of resyncing symbols after it, ``held`` whether the adapter held a diff for a later snapshot.
        """
        symbols = self._depth.get(connection, ())
        if held:
            self._awaiting_diff.difference_update(symbols)
            for symbol in symbols:
                self._awaiting_since.pop(symbol, None)
        actions: list[RecoveryAction] = []
        for msg in messages:
            if type(msg) is VenueNotice:
                action = _notice_action(connection, msg)
                if action is not None:
                    actions.append(action)
        actions.extend(self._fetch(ts, symbols, resyncing, due_only=False))
        return actions

    def on_fetched(self, ts: int, symbol: str, resyncing: Collection[str]) -> None:
        """The snapshot of ``symbol`` was handed to the adapter (or the fetch failed); ``resyncing`` after it."""
        self._fetching.discard(symbol)
        if symbol in resyncing:
            self.stale += 1
            self._retry_at[symbol] = ts + self.retry_after_ns

    def on_tick(self, ts: int, resyncing: Collection[str]) -> list[RecoveryAction]:
        """Fetch again the symbols whose retry time has come and that are still resyncing; fetch the
        symbols whose stream stayed quiet for ``diff_wait_ns`` after it opened (nothing to hold)."""
        symbols = [s for conn_symbols in self._depth.values() for s in conn_symbols]
        for symbol in symbols:
            if symbol in self._awaiting_diff and symbol in resyncing:
                since = self._awaiting_since.setdefault(symbol, ts)
                if ts - since >= self.diff_wait_ns:
                    self._awaiting_diff.discard(symbol)
                    del self._awaiting_since[symbol]
                    self._retry_at[symbol] = ts  # due now
        return list(self._fetch(ts, symbols, resyncing, due_only=True))

    def _fetch(
        self, ts: int, symbols: Iterable[str], resyncing: Collection[str], due_only: bool
    ) -> list[FetchSnapshot]:
        out = []
        for symbol in symbols:
            if symbol not in resyncing or symbol in self._fetching or symbol in self._awaiting_diff:
                continue
            retry_at = self._retry_at.get(symbol)
            if retry_at is not None and ts < retry_at:
                continue
            if due_only and retry_at is None:
                continue
            self._retry_at.pop(symbol, None)
            self._fetching.add(symbol)
            self.fetches += 1
            url = binance_depth_url(self.rest_base, symbol, self.depth_limit)
            out.append(FetchSnapshot(symbol, url, "retry" if retry_at is not None else "resyncing"))
        return out
