"""The gap recovery policy, sans-I/O: adapter messages and subscriptions in, actions out (no sockets)."""

from __future__ import annotations

import orjson

from jtrader.model import BookResync, BookSnapshot, Heartbeat, SequenceGap, VenueNotice
from jtrader.venues import BinanceAdapter, CoinbaseAdapter
from jtrader.venues.recovery import (
    BinanceRecovery,
    CoinbaseRecovery,
    FetchSnapshot,
    Reconnect,
    SendFrames,
    binance_depth_url,
    is_diff_depth_stream,
)

S = 1_000_000_000
T0 = 1_767_225_600 * S


def _gap(connection: str = "c1", symbols: tuple[str, ...] = ("BTC-USD",)) -> list:
    return [SequenceGap(T0, connection, 5, 7, symbols), *(BookResync(T0, s, "gap") for s in symbols)]


def test_a_coinbase_gap_resubscribes_level2_for_every_product_of_that_connection() -> None:
    policy = CoinbaseRecovery()
    policy.subscribed("c1", ["BTC-USD", "ETH-USD"], ["level2", "market_trades"])
    policy.subscribed("c2", ["SOL-USD"], ["level2"])
    policy.subscribed("c1", ["DOGE-USD"], ["ticker"])  # not level2: nothing to recover
    (action,) = policy.on_messages(T0, "c1", _gap("c1", ("BTC-USD",)))
    assert isinstance(action, SendFrames) and action.connection == "c1"
    assert action.products == ("BTC-USD", "ETH-USD") and "expected 5, got 7" in action.reason
    assert [orjson.loads(f) for f in action.frames] == [
        {"type": "unsubscribe", "product_ids": ["BTC-USD", "ETH-USD"], "channel": "level2"},
        {"type": "subscribe", "product_ids": ["BTC-USD", "ETH-USD"], "channel": "level2"},
    ]
    assert policy.pending == {"BTC-USD", "ETH-USD"} and not policy.idle and policy.resubscribes == 2


def test_a_snapshot_ends_the_wait_and_a_second_resync_of_a_waiting_book_sends_nothing() -> None:
    policy = CoinbaseRecovery()
    policy.subscribed("c1", ["BTC-USD"], ["level2"])
    assert policy.on_messages(T0, "c1", [BookResync(T0, "BTC-USD", "malformed l2_data")])
    assert policy.on_messages(T0 + 1, "c1", [BookResync(T0 + 1, "BTC-USD", "malformed again")]) == []
    assert policy.on_messages(T0 + 2, "c1", [BookSnapshot(T0 + 2, 0, "BTC-USD", ((1, 1),), ((2, 1),))]) == []
    assert policy.idle
    # but a gap always resubscribes: the snapshot awaited may be the frame that was lost
    policy.on_messages(T0 + 3, "c1", [BookResync(T0 + 3, "BTC-USD", "bad")])
    assert len(policy.on_messages(T0 + 4, "c1", _gap())) == 1


def test_an_overdue_snapshot_is_asked_for_again_and_a_closed_connection_is_forgotten() -> None:
    policy = CoinbaseRecovery(retry_after_ns=5 * S)
    policy.subscribed("c1", ["BTC-USD"], ["level2"])
    policy.on_messages(T0, "c1", _gap())
    assert policy.on_tick(T0 + 4 * S) == []
    (again,) = policy.on_tick(T0 + 5 * S)
    assert isinstance(again, SendFrames) and again.reason == "snapshot overdue"
    policy.on_disconnect("c1")
    assert policy.idle and policy.on_messages(T0, "c1", _gap()) == []
    policy.on_fetched(T0, "BTC-USD", set())  # Coinbase books never come from REST: nothing to do


def test_venue_error_and_shutdown_notices_ask_for_a_reconnect_others_do_not() -> None:
    coinbase = CoinbaseRecovery()
    actions = coinbase.on_messages(
        T0, "c1", [VenueNotice(T0, "error", "too many L2 streams"), VenueNotice(T0, "status", "BTC-USD: online")]
    )
    assert actions == [Reconnect("c1", "venue error frame: too many L2 streams")]
    binance = BinanceRecovery("https://api.binance.com")
    actions = binance.on_messages(T0, "b1", [VenueNotice(T0, "shutdown", "server shutdown: reconnect")], set(), False)
    assert actions == [Reconnect("b1", "venue shutdown notice: server shutdown: reconnect")]
    assert coinbase.on_messages(T0, "c1", [Heartbeat(T0, T0, "c1")]) == []


def test_binance_fetches_a_snapshot_only_after_its_connection_held_a_diff() -> None:
    policy = BinanceRecovery("https://api.binance.com/", depth_limit=1000)
    policy.subscribed("b1", ["btcusdt", "ETHUSDT"], ["depth@100ms", "trade"])
    policy.subscribed("b1", ["SOLUSDT"], ["trade", "depth5@100ms"])  # partial depth carries its own snapshots
    assert policy.on_messages(T0, "b1", [], {"BTCUSDT"}, held=False) == []
    actions = policy.on_messages(T0, "b1", [], {"BTCUSDT"}, held=True)
    assert actions == [
        FetchSnapshot("BTCUSDT", "https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000", "resyncing")
    ]
    # one fetch in flight per symbol
    assert policy.on_messages(T0, "b1", [], {"BTCUSDT", "ETHUSDT"}, held=True) == [
        FetchSnapshot("ETHUSDT", "https://api.binance.com/api/v3/depth?symbol=ETHUSDT&limit=1000", "resyncing")
    ]
    assert policy.fetching == {"BTCUSDT", "ETHUSDT"} and not policy.idle and policy.fetches == 2


def test_binance_a_snapshot_that_did_not_sync_is_fetched_again_later() -> None:
    policy = BinanceRecovery("https://x", retry_after_ns=S)
    policy.subscribed("b1", ["BTCUSDT"], ["depth"])
    policy.on_messages(T0, "b1", [], {"BTCUSDT"}, held=True)
    policy.on_fetched(T0 + 10, "BTCUSDT", {"BTCUSDT"})  # older than the held diffs: still resyncing
    assert policy.stale == 1 and not policy.idle
    assert policy.on_messages(T0 + 20, "b1", [], {"BTCUSDT"}, held=True) == []  # not before the retry time
    assert policy.on_tick(T0 + S // 2, {"BTCUSDT"}) == []
    (retry,) = policy.on_tick(T0 + 10 + S, {"BTCUSDT"})
    assert retry.reason == "retry"
    policy.on_fetched(T0 + 2 * S, "BTCUSDT", set())
    assert policy.idle and policy.stale == 1


def test_binance_after_a_disconnect_waits_for_a_diff_or_a_quiet_spell() -> None:
    policy = BinanceRecovery("https://x", diff_wait_ns=2 * S)
    policy.subscribed("b1", ["BTCUSDT"], ["depth@100ms"])
    policy.on_messages(T0, "b1", [], {"BTCUSDT"}, held=True)
    policy.on_fetched(T0, "BTCUSDT", set())
    policy.on_disconnect("b1")
    policy.subscribed("b2", ["BTCUSDT"], ["depth@100ms"])
    assert policy.on_messages(T0 + S, "b2", [], {"BTCUSDT"}, held=False) == []
    assert policy.on_tick(T0 + S, {"BTCUSDT"}) == []  # starts the quiet-stream clock
    assert policy.on_tick(T0 + 2 * S, {"BTCUSDT"}) == []
    (fetch,) = policy.on_tick(T0 + 3 * S, {"BTCUSDT"})
    assert fetch.symbol == "BTCUSDT"


def test_stream_names_and_urls() -> None:
    assert (
        is_diff_depth_stream("depth") and is_diff_depth_stream("depth@100ms") and is_diff_depth_stream("depth@1000ms")
    )
    assert not is_diff_depth_stream("depth5@100ms") and not is_diff_depth_stream("trade")
    assert (
        binance_depth_url("http://127.0.0.1:9/", "ethbtc", 5000)
        == "http://127.0.0.1:9/api/v3/depth?symbol=ETHBTC&limit=5000"
    )


def test_the_policy_recovers_a_real_adapter_from_a_coinbase_gap() -> None:
    """End to end without sockets: adapter -> policy -> frames that a venue answers with a snapshot."""
    adapter, policy = CoinbaseAdapter(), CoinbaseRecovery()
    adapter.on_connect(T0, "c1")
    policy.subscribed("c1", ["BTC-USD"], ["level2"])

    def frame(seq: int, kind: str) -> bytes:
        ev = {
            "type": kind,
            "product_id": "BTC-USD",
            "updates": [
                {"side": "bid", "event_time": "2026-01-01T00:00:00Z", "price_level": "100.00", "new_quantity": "1"}
            ],
        }
        envelope = {"channel": "l2_data", "timestamp": "2026-01-01T00:00:00Z", "sequence_num": seq}
        return orjson.dumps({**envelope, "events": [ev]})

    assert policy.on_messages(T0, "c1", adapter.on_frame(T0, frame(0, "snapshot"), "c1")) == []
    (action,) = policy.on_messages(T0, "c1", adapter.on_frame(T0, frame(2, "update"), "c1"))
    assert isinstance(action, SendFrames) and adapter.is_resyncing("BTC-USD")
    assert policy.on_messages(T0, "c1", adapter.on_frame(T0, frame(3, "snapshot"), "c1")) == []
    assert not adapter.is_resyncing("BTC-USD") and policy.idle


def test_the_policy_recovers_a_real_adapter_from_a_binance_gap() -> None:
    adapter, policy = BinanceAdapter(), BinanceRecovery("https://x")
    policy.subscribed("b1", ["BTCUSDT"], ["depth@100ms"])

    def diff(first: int, last: int) -> bytes:
        data = {
            "e": "depthUpdate",
            "E": 1767225600000,
            "s": "BTCUSDT",
            "U": first,
            "u": last,
            "b": [["100.00", "1"]],
            "a": [],
        }
        return orjson.dumps({"stream": "btcusdt@depth@100ms", "data": data})

    before = adapter.stats.buffered
    adapter.on_frame(T0, diff(10, 12), "b1")
    (fetch,) = policy.on_messages(T0, "b1", [], adapter.resyncing, adapter.stats.buffered != before)
    adapter.on_http(T0, fetch.url, b'{"lastUpdateId": 11, "bids": [["99.00", "2"]], "asks": []}')
    policy.on_fetched(T0, "BTCUSDT", adapter.resyncing)
    assert not adapter.is_resyncing("BTCUSDT") and policy.idle
    messages = adapter.on_frame(T0, diff(20, 21), "b1")  # U jumps past 13: a gap
    assert any(type(m) is BookResync for m in messages)
    (again,) = policy.on_messages(T0, "b1", messages, adapter.resyncing, True)
    assert again.symbol == "BTCUSDT"
