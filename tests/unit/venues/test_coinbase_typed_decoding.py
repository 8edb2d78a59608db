"""The typed (msgspec) reading of Coinbase frames against the general (orjson dicts) reading as the oracle.

Two adapters, ``typed_decoding`` on and off, are fed the same frames one at a time; after every
frame their messages, counters (``last_error`` included), resyncing sets and sequence state must
be equal. The corpus: the bundled recording, the real capture (skipped when absent) and hand-made
frames that are valid JSON of the wrong shape, with missing, extra or mistyped fields, odd numbers,
huge snapshots and bad UTF-8. Other tests check the typed path is really the one taken.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jtrader.errors import ValueFormatError
from jtrader.model import BookDelta, BookSnapshot, Instrument
from jtrader.recording import Direction, open_recording
from jtrader.venues import CoinbaseAdapter
from jtrader.venues._common import LevelMemo
from jtrader.venues.coinbase.levels import split_l2_levels, split_typed
from jtrader.venues.coinbase.wire import DECODE_ERRORS, FRAME_DECODER, HeartbeatsFrame, L2Frame

T0 = 1_786_309_548_000_000_000
STAMP = "2026-08-09T21:05:48.228568804Z"
BTC = Instrument("BTC-USD", "BTC", "USD", "0.01", "0.00000001", venue="coinbase")
SAMPLE = Path(__file__).resolve().parents[3] / "recordings" / "coinbase_btcusd_sample.jtrec"


def envelope(channel: str, seq: object, events: object, **extra: object) -> dict:
    return {"channel": channel, "client_id": "", "timestamp": STAMP, "sequence_num": seq, "events": events, **extra}


def level(side: object = "bid", price: object = "100.00", qty: object = "1", **extra: object) -> dict:
    return {"side": side, "event_time": STAMP, "price_level": price, "new_quantity": qty, **extra}


def l2_event(kind: object = "update", product: object = "BTC-USD", updates: object = None, **extra: object) -> dict:
    if updates is None:
        updates = [level("bid", "100.00", "1"), level("offer", "100.01", "2")]
    return {"type": kind, "product_id": product, "updates": updates, **extra}


def l2(seq: object, *events: dict, **extra: object) -> bytes:
    return orjson.dumps(envelope("l2_data", seq, list(events) or [l2_event()], **extra))


def snapshot(seq: int, n: int = 4) -> bytes:
    levels = [level("bid", f"{100 - i % 100}.{i // 100 % 100:02d}", "1") for i in range(n)] + [
        level("offer", f"{101 + i}.00", "2") for i in range(n)
    ]
    return l2(seq, l2_event("snapshot", updates=levels))


def trade_row(**extra: object) -> dict:
    row = {
        "product_id": "BTC-USD",
        "trade_id": "7",
        "price": "100.50",
        "size": "0.1",
        "time": STAMP,
        "side": "BUY",
    }
    return {**row, **extra}


def ticker_row(**extra: object) -> dict:
    row = {
        "type": "ticker",
        "product_id": "BTC-USD",
        "price": "100.50",
        "best_bid": "100.00",
        "best_bid_quantity": "1",
        "best_ask": "100.01",
        "best_ask_quantity": "2",
    }
    return {**row, **extra}


def candle_row(**extra: object) -> dict:
    row = {
        "start": "1786309500",
        "high": "101",
        "low": "99",
        "open": "100",
        "close": "100.5",
        "volume": "3",
        "product_id": "BTC-USD",
    }
    return {**row, **extra}


def dumps(obj: object) -> bytes:
    return orjson.dumps(obj)


#: frame 1 after a snapshot at 0 (then a valid update follows at 2): name -> frame bytes
ODD_FRAMES: dict[str, bytes | str] = {
    "valid update": l2(1),
    "valid update as str": l2(1).decode(),
    "two events, one of another book": l2(1, l2_event(), l2_event(product="ETH-USD")),
    "two updates of the same book": l2(1, l2_event(), l2_event()),
    "snapshot and update in one frame": l2(1, l2_event("snapshot"), l2_event()),
    "update of an unknown product": l2(1, l2_event(product="SOL-USD")),
    "no events": l2(1, l2_event())[:0] + dumps(envelope("l2_data", 1, [])),
    "JSON list": b"[1, 2]",
    "JSON string": b'"l2_data"',
    "JSON number": b"12",
    "JSON null": b"null",
    "empty": b"",
    "not JSON": b"{nope",
    "bad UTF-8": l2(1).replace(b"BTC-USD", b"BTC-\xff\xfe", 1),
    "truncated": l2(1)[:-5],
    "events an object": dumps(envelope("l2_data", 1, {"type": "update"})),
    "events null": dumps(envelope("l2_data", 1, None)),
    "event a list": dumps(envelope("l2_data", 1, [[1, 2]])),
    "event without updates": dumps(envelope("l2_data", 1, [{"type": "update", "product_id": "BTC-USD"}])),
    "event without product": dumps(envelope("l2_data", 1, [{"type": "update", "updates": []}])),
    "event type unknown": l2(1, l2_event("delta")),
    "event type a number": l2(1, l2_event(3)),
    "product a number": l2(1, l2_event(product=5)),
    "updates an object": l2(1, l2_event(updates={"side": "bid"})),
    "update a string": l2(1, l2_event(updates=["bid 100 1"])),
    "update without side": l2(1, l2_event(updates=[{"price_level": "100.00", "new_quantity": "1"}])),
    "update without quantity": l2(1, l2_event(updates=[{"side": "bid", "price_level": "100.00"}])),
    "update without event_time": l2(
        1, l2_event(updates=[{"side": "bid", "price_level": "100.00", "new_quantity": "1"}])
    ),
    "side ask": l2(1, l2_event(updates=[level("ask")])),
    "side a number": l2(1, l2_event(updates=[level(1)])),
    "price a number": l2(1, l2_event(updates=[level("bid", 100.0)])),
    "price an int": l2(1, l2_event(updates=[level("bid", 100)])),
    "quantity null": l2(1, l2_event(updates=[level("bid", "100.00", None)])),
    "price not a number": l2(1, l2_event(updates=[level("bid", "abc")])),
    "price negative": l2(1, l2_event(updates=[level("bid", "-1.00")])),
    "price off the grid": l2(1, l2_event(updates=[level("bid", "100.001"), level("offer", "100.02")])),
    "quantity off the grid": l2(1, l2_event(updates=[level("bid", "100.00", "0.000000001")])),
    "price in exponent form": l2(1, l2_event(updates=[level("bid", "1e2")])),
    "delete": l2(1, l2_event(updates=[level("bid", "100.00", "0")])),
    "extra envelope field": l2(1, extra_field=1),
    "extra event field": l2(1, l2_event(extra_field="x")),
    "extra level field": l2(1, l2_event(updates=[level(extra_field=[1])])),
    "no client_id": dumps({"channel": "l2_data", "timestamp": STAMP, "sequence_num": 1, "events": [l2_event()]}),
    "client_id a number": l2(1, client_id=5),
    "no timestamp": dumps({"channel": "l2_data", "sequence_num": 1, "events": [l2_event()]}),
    "timestamp a number": l2(1, timestamp=5),
    "timestamp not a time": l2(1, timestamp="yesterday"),
    "timestamp a week off": l2(1, timestamp="2026-08-16T21:05:48.228568804Z"),
    "no sequence_num": dumps({"channel": "l2_data", "timestamp": STAMP, "events": [l2_event()]}),
    "sequence_num a string": l2("1"),
    "sequence_num a float": l2(1.0),
    "sequence_num true": l2(True),
    "sequence_num negative": l2(-1),
    "sequence_num repeated": l2(0),
    "sequence_num jumps": l2(5),
    "sequence_num past 2**63": l2(1).replace(b'"sequence_num":1', b'"sequence_num":' + str(2**63).encode()),
    "sequence_num past 2**64": l2(1).replace(b'"sequence_num":1', b'"sequence_num":' + str(2**64 + 1).encode()),
    "no channel": dumps({"timestamp": STAMP, "sequence_num": 1, "events": []}),
    "channel unknown": dumps(envelope("level3", 1, [])),
    "channel a number": dumps(envelope(7, 1, [])),
    "channel given twice": l2(1).replace(b'{"channel":"l2_data"', b'{"channel":"ticker","channel":"l2_data"', 1),
    "events given twice": l2(1).replace(b'"events":', b'"events":[],"events":', 1),
    "error frame": dumps({"type": "error", "message": "authentication failure"}),
    "status frame": dumps(
        envelope(
            "status",
            1,
            [{"type": "snapshot", "products": [{"id": "ETH-USD", "status": "online", "quote_increment": "0.01"}]}],
        )
    ),
    "trades": dumps(envelope("market_trades", 1, [{"type": "update", "trades": [trade_row()]}])),
    "trades snapshot": dumps(envelope("market_trades", 1, [{"type": "snapshot", "trades": [trade_row()]}])),
    "trade id a number": dumps(envelope("market_trades", 1, [{"type": "update", "trades": [trade_row(trade_id=7)]}])),
    "trade id not numeric": dumps(
        envelope("market_trades", 1, [{"type": "update", "trades": [trade_row(trade_id="x")]}])
    ),
    "trade without size": dumps(
        envelope(
            "market_trades",
            1,
            [{"type": "update", "trades": [{k: v for k, v in trade_row().items() if k != "size"}]}],
        )
    ),
    "trade extra field": dumps(envelope("market_trades", 1, [{"type": "update", "trades": [trade_row(x=1)]}])),
    "trades null": dumps(envelope("market_trades", 1, [{"type": "update", "trades": None}])),
    "ticker": dumps(envelope("ticker", 1, [{"type": "update", "tickers": [ticker_row()]}])),
    "ticker_batch": dumps(envelope("ticker_batch", 1, [{"type": "update", "tickers": [ticker_row()]}])),
    "ticker without price": dumps(
        envelope(
            "ticker",
            1,
            [{"type": "update", "tickers": [{k: v for k, v in ticker_row().items() if k != "price"}]}],
        )
    ),
    "ticker best_bid a number": dumps(envelope("ticker", 1, [{"type": "update", "tickers": [ticker_row(best_bid=1)]}])),
    "ticker extra field": dumps(envelope("ticker", 1, [{"type": "update", "tickers": [ticker_row(new_field="1")]}])),
    "candles": dumps(envelope("candles", 1, [{"type": "snapshot", "candles": [candle_row()]}])),
    "candles start a number": dumps(envelope("candles", 1, [{"type": "update", "candles": [candle_row(start=1)]}])),
    "candles high below low": dumps(envelope("candles", 1, [{"type": "update", "candles": [candle_row(high="1")]}])),
    "heartbeat": dumps(envelope("heartbeats", 1, [{"current_time": STAMP, "heartbeat_counter": 3}])),
    "heartbeat counter a string": dumps(envelope("heartbeats", 1, [{"current_time": STAMP, "heartbeat_counter": "3"}])),
    "heartbeat counter a float": dumps(envelope("heartbeats", 1, [{"current_time": STAMP, "heartbeat_counter": 3.5}])),
    "heartbeat without time": dumps(envelope("heartbeats", 1, [{"heartbeat_counter": 3}])),
    "subscriptions": dumps(envelope("subscriptions", 1, [{"subscriptions": {"level2": ["BTC-USD"]}}])),
    "subscriptions a list": dumps(envelope("subscriptions", 1, [{"subscriptions": ["level2"]}])),
    "huge snapshot": snapshot(1, 30_000),
    "huge snapshot, one level off the grid": l2(
        1,
        l2_event(
            "snapshot",
            updates=[level("bid", f"{i}.00") for i in range(1, 20_000)] + [level("offer", "20000.005")],
        ),
    ),
    "huge snapshot, one bad side": l2(
        1, l2_event("snapshot", updates=[level("bid", f"{i}.00") for i in range(1, 20_000)] + [level("ask")])
    ),
    "deeply nested": b'{"channel":"l2_data","events":' + b"[" * 5000 + b"]" * 5000 + b"}",
}


def state(adapter: CoinbaseAdapter) -> tuple:
    return (
        adapter.stats.as_dict(),
        sorted(adapter.resyncing),
        sorted(adapter._seq.items()),  # noqa: SLF001 - the sequence state is what the paths must agree on
        sorted((k, sorted(v)) for k, v in adapter._books.items()),  # noqa: SLF001
        sorted(adapter.instruments),
    )


def check_same(frames: list[tuple[int, bytes | str, str]], instruments: dict | None = None) -> CoinbaseAdapter:
    """Feed both readings; equal messages and state after every frame. Returns the typed adapter."""
    typed = CoinbaseAdapter(dict(instruments) if instruments else None)
    general = CoinbaseAdapter(dict(instruments) if instruments else None, typed_decoding=False)
    for i, (ts, frame, conn) in enumerate(frames):
        got, want = typed.on_frame(ts, frame, conn), general.on_frame(ts, frame, conn)
        assert got == want, f"frame {i}: {frame[:200]!r}"
        assert state(typed) == state(general), f"frame {i}: {frame[:200]!r}"
    return typed


@pytest.mark.parametrize("name", list(ODD_FRAMES))
def test_an_odd_frame_reads_the_same_both_ways(name: str) -> None:
    frames = [(T0, snapshot(0), "c"), (T0 + 1, ODD_FRAMES[name], "c"), (T0 + 2, l2(2), "c"), (T0 + 3, l2(3), "c")]
    check_same(frames, {"BTC-USD": BTC})
    check_same(frames)  # the instruments inferred from the frames


def test_the_typed_decoder_takes_the_frames_it_describes() -> None:
    assert type(FRAME_DECODER.decode(l2(1))) is L2Frame
    assert type(FRAME_DECODER.decode(ODD_FRAMES["heartbeat counter a string"])) is HeartbeatsFrame
    for name in ("extra level field", "sequence_num past 2**63", "side ask", "bad UTF-8", "JSON list", "no client_id"):
        frame = ODD_FRAMES[name]
        if name == "no client_id":
            assert type(FRAME_DECODER.decode(frame)) is L2Frame  # real frames have none
            continue
        with pytest.raises(DECODE_ERRORS):
            FRAME_DECODER.decode(frame)


def test_malformed_frames_are_counted_and_explained_the_same_way() -> None:
    typed = check_same([(T0, snapshot(0), "c"), (T0 + 1, ODD_FRAMES["price a number"], "c")], {"BTC-USD": BTC})
    assert typed.stats.malformed == 1
    assert typed.stats.last_error  # the general path's reason, word for word (compared in check_same)
    typed = check_same([(T0, snapshot(0), "c"), (T0 + 1, ODD_FRAMES["price off the grid"], "c")], {"BTC-USD": BTC})
    assert typed.stats.off_grid_levels == 1 and typed.stats.malformed == 0


def test_a_huge_snapshot_makes_one_snapshot_message() -> None:
    typed = CoinbaseAdapter({"BTC-USD": BTC})
    (snap,) = typed.on_frame(T0, ODD_FRAMES["huge snapshot"], "c")  # sequence number 1
    assert type(snap) is BookSnapshot and len(snap.bids) == len(snap.asks) == 30_000
    assert typed.stats.malformed == 0
    (delta,) = typed.on_frame(T0 + 1, l2(2), "c")
    assert type(delta) is BookDelta and delta.bids == ((10_000, 100_000_000),)


def recording_frames(path: Path) -> list[tuple[int, bytes | str, str]]:
    return [(r.ts, r.payload, r.conn) for r in open_recording(path) if r.direction == Direction.RECV]


def test_the_bundled_recording_reads_the_same_both_ways() -> None:
    typed = check_same(recording_frames(SAMPLE))
    assert typed.stats.malformed == 0 and typed.stats.messages > 100


def test_the_real_capture_reads_the_same_both_ways(coinbase_records: list[tuple[str, int, dict]]) -> None:
    frames = [(ts, rec["data"], rec["conn"]) for kind, ts, rec in coinbase_records if kind == "recv"]
    typed = check_same(frames)
    assert typed.stats.messages > 1000 and typed.stats.malformed == 0


# -- long typed update lists: prices through the level memo, the rest column by column --------------------------
POOL = [f"{100 + i // 100}.{i % 100:02d}" for i in range(0, 400, 7)]  # repeated prices, as near a touch
long_levels = st.lists(
    st.builds(
        level,
        st.sampled_from(["bid", "offer"]),
        st.one_of(st.sampled_from(POOL), st.sampled_from(POOL), st.sampled_from(["-1", "1e3", "0.001", "7.5"])),
        st.sampled_from(["1", "0.5", "0", "0.00000001", "2.000000001"]),
    ),
    min_size=64,
    max_size=90,
)


@settings(max_examples=60, deadline=None)
@given(lists=st.lists(long_levels, min_size=1, max_size=4))
def test_long_update_lists_read_the_same_both_ways_however_their_prices_repeat(lists: list[list[dict]]) -> None:
    frames = [(T0, snapshot(0), "c")] + [
        (T0 + i, l2(i, l2_event("update", updates=updates)), "c") for i, updates in enumerate(lists, start=1)
    ]
    check_same(frames, {"BTC-USD": BTC})


def test_the_memo_of_long_typed_lists_stays_bounded_and_gives_the_same_levels() -> None:
    memo = LevelMemo(BTC, limit=100)
    for start in (0, 50, 0, 500):  # some prices seen, some new; then more new ones than the memo holds
        n = 80 if start < 500 else 150
        updates = [level("bid" if i % 3 else "offer", f"{100 + start + i}.25", f"0.{i + 1:08d}") for i in range(n)]
        (typed,) = FRAME_DECODER.decode(l2(1, l2_event("update", updates=updates))).events
        got = split_typed(BTC, typed.updates, memo)
        assert got == split_l2_levels(BTC, updates, None)
        assert len(memo.prices) <= 100
    # the last list had more new prices than the memo holds: they were not kept, the previous ones were
    assert memo.prices["179.25"] == 17_925 and "600.25" not in memo.prices and len(memo.prices) == 80
    bad = [*updates[:70], level("bid", "1e3", "1")]
    (typed,) = FRAME_DECODER.decode(l2(2, l2_event("update", updates=bad))).events
    with pytest.raises(ValueFormatError):
        split_typed(BTC, typed.updates, memo)
