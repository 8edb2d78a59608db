"""Coinbase candles: each completed candle once, in time order; the subscription snapshot is history."""

from __future__ import annotations

import datetime as dt

import orjson

from jtrader.model import NS_PER_S, Bar, BarHistory, Instrument
from jtrader.venues import CoinbaseAdapter
from jtrader.venues.coinbase.candles import CANDLE_NS

BTC = Instrument("BTC-USD", "BTC", "USD", "0.01", "0.00000001", venue="coinbase")
ETH = Instrument("ETH-USD", "ETH", "USD", "0.01", "0.00000001", venue="coinbase")
#: 2026-08-09T21:05:48Z: the 21:05 bucket (start 1786309500) is open, the 21:00 one is complete
T0 = 1_786_309_548 * NS_PER_S
OPEN = 1_786_309_500
FIVE_MIN = 300


def stamp(ns: int) -> str:
    seconds, frac = divmod(ns, NS_PER_S)
    base = dt.datetime.fromtimestamp(seconds, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{frac:09d}Z"


def candle(start: int, close: str = "100.5", product: str = "BTC-USD", volume: str = "1.5") -> dict:
    high = max("101", close, key=float)
    return {
        "start": str(start),
        "high": high,
        "low": "99",
        "open": "100",
        "close": close,
        "volume": volume,
        "product_id": product,
    }


class Feed:
    """One connection's frames, numbered, each with an envelope timestamp equal to its receive time."""

    def __init__(self, adapter: CoinbaseAdapter, connection: str = "c1") -> None:
        self.adapter = adapter
        self.connection = connection
        self.seq = 0
        adapter.on_connect(T0, connection)

    def send(self, ts: int, kind: str, rows: list[dict]) -> list:
        body = {"channel": "candles", "timestamp": stamp(ts), "sequence_num": self.seq, "events": []}
        body["events"] = [{"type": kind, "candles": rows}]
        self.seq += 1
        return self.adapter.on_frame(ts, orjson.dumps(body), self.connection)


def bar(start: int, ts: int, close: str = "100.5", symbol: str = "BTC-USD") -> Bar:
    ticks = BTC.price_to_ticks
    return Bar(ts, symbol, 10000, max(10100, ticks(close)), 9900, ticks(close), 150_000_000, start * NS_PER_S)


def new_adapter() -> CoinbaseAdapter:
    return CoinbaseAdapter({"BTC-USD": BTC, "ETH-USD": ETH})


def test_the_snapshot_is_one_bar_history_of_completed_candles_and_never_a_bar() -> None:
    a = new_adapter()
    starts = [OPEN - 3 * FIVE_MIN, OPEN - FIVE_MIN, OPEN]  # a gap (no trades) and the open bucket
    out = Feed(a).send(T0, "snapshot", [candle(s) for s in reversed(starts)])  # any order in the frame
    assert out == [BarHistory(T0, "BTC-USD", tuple(bar(s, s * NS_PER_S + CANDLE_NS) for s in starts[:2]))]
    assert a.candles.open_buckets() == 1
    assert (a.stats.bars_history, a.stats.partial_bars) == (2, 0)


def test_updates_of_the_open_bucket_emit_nothing_until_a_later_bucket_proves_it_complete() -> None:
    a = new_adapter()
    feed = Feed(a)
    feed.send(T0, "snapshot", [candle(OPEN - FIVE_MIN), candle(OPEN)])
    assert feed.send(T0 + 1 * NS_PER_S, "update", [candle(OPEN, "100.7")]) == []
    assert feed.send(T0 + 2 * NS_PER_S, "update", [candle(OPEN, "100.9")]) == []
    proof = (OPEN + FIVE_MIN) * NS_PER_S + 7  # the first frame of the next bucket proves this one complete
    assert feed.send(proof, "update", [candle(OPEN + FIVE_MIN, "101")]) == [bar(OPEN, proof, "100.9")]
    assert feed.send(proof + 1, "update", [candle(OPEN, "99.5")]) == []  # a late update of a done bucket
    assert (a.stats.partial_bars, a.stats.stale_bars) == (3, 1)


def test_each_bucket_is_delivered_once_in_time_order_across_a_frame_with_several_buckets() -> None:
    a = new_adapter()
    feed = Feed(a)
    out = feed.send(T0, "update", [candle(OPEN + 2 * FIVE_MIN), candle(OPEN), candle(OPEN + FIVE_MIN)])
    assert out == [bar(OPEN, T0), bar(OPEN + FIVE_MIN, T0)]  # oldest first; the newest stays open
    assert feed.send(T0 + 1, "update", [candle(OPEN + FIVE_MIN)]) == []
    assert a.stats.stale_bars == 1 and a.candles.open_buckets() == 1


def test_a_snapshot_whose_newest_bucket_has_ended_keeps_no_open_bucket() -> None:
    a = new_adapter()
    late = (OPEN + FIVE_MIN) * NS_PER_S  # the envelope time says the 21:05 bucket is over
    (history,) = Feed(a).send(late, "snapshot", [candle(OPEN - FIVE_MIN), candle(OPEN)])
    assert [b.start // NS_PER_S for b in history.bars] == [OPEN - FIVE_MIN, OPEN]
    assert a.candles.open_buckets() == 0


def test_an_open_bucket_is_dropped_unfinished_at_a_disconnect_and_never_becomes_a_bar() -> None:
    a = new_adapter()
    feed = Feed(a)
    feed.send(T0, "snapshot", [candle(OPEN - FIVE_MIN), candle(OPEN)])
    feed.send(T0 + 1, "update", [candle(OPEN, "100.8")])
    a.on_disconnect(T0 + 2, "c1")
    assert a.candles.open_buckets() == 0 and a.stats.unfinished_bars == 1
    again = Feed(a)  # the resubscription's snapshot: candles completed meanwhile, as history only
    later = (OPEN + FIVE_MIN + 60) * NS_PER_S  # 21:11: the 21:05 bucket ended, the 21:10 one is open
    out = again.send(later, "snapshot", [candle(OPEN - FIVE_MIN), candle(OPEN), candle(OPEN + FIVE_MIN)])
    assert out == [BarHistory(later, "BTC-USD", (bar(OPEN, OPEN * NS_PER_S + CANDLE_NS),))]
    proof = later + CANDLE_NS
    assert again.send(proof, "update", [candle(OPEN + 2 * FIVE_MIN)]) == [bar(OPEN + FIVE_MIN, proof)]


def test_the_open_bucket_at_the_end_of_the_data_is_never_emitted() -> None:
    a = new_adapter()
    feed = Feed(a)
    messages = feed.send(T0, "snapshot", [candle(OPEN)])
    for i in range(1, 30):
        messages += feed.send(T0 + i * NS_PER_S, "update", [candle(OPEN, f"100.{i:02d}")])
    assert messages == [] and a.candles.open_buckets() == 1  # the data ends here: no Bar, ever


def test_products_are_assembled_independently() -> None:
    a = new_adapter()
    feed = Feed(a)
    feed.send(T0, "update", [candle(OPEN), candle(OPEN, product="ETH-USD")])
    out = feed.send(T0 + 1, "update", [candle(OPEN + FIVE_MIN)])
    assert [m.symbol for m in out] == ["BTC-USD"] and a.candles.open_buckets() == 2


def test_candles_frames_whose_timestamp_jumps_a_day_from_the_feeds_clock_are_malformed() -> None:
    a = new_adapter()
    feed = Feed(a)
    feed.send(T0, "update", [candle(OPEN)])  # sets the feed's clock offset
    body = {"channel": "candles", "timestamp": stamp(T0 + 2 * 86_400 * NS_PER_S), "sequence_num": 1}
    body["events"] = [{"type": "update", "candles": [candle(OPEN)]}]
    assert a.on_frame(T0, orjson.dumps(body), feed.connection) == []
    assert a.stats.malformed == 1 and "more than a day" in a.stats.last_error


def test_an_update_older_than_the_open_bucket_is_stale() -> None:
    a = new_adapter()
    feed = Feed(a)
    feed.send(T0, "update", [candle(OPEN)])
    assert feed.send(T0 + 1, "update", [candle(OPEN - FIVE_MIN)]) == []
    assert a.stats.stale_bars == 1 and a.candles.open_buckets() == 1
