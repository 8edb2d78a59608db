"""The Coinbase l2 fast paths (column parsing, level memo, one-event frames) change no result and no error."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jtrader.errors import MalformedMessageError, OffGridError, ValueFormatError
from jtrader.model import BookDelta, BookResync, Instrument
from jtrader.venues import CoinbaseAdapter
from jtrader.venues._common import PARSE_ERRORS, LevelMemo
from jtrader.venues.coinbase_rest import split_l2_levels

T0 = 1_786_309_548_000_000_000
STAMP = "2026-08-09T21:05:48.228568804Z"
BTC = Instrument("BTC-USD", "BTC", "USD", "0.01", "0.00000001", venue="coinbase")
COARSE = Instrument("X-USD", "X", "USD", "0.05", "0.001", venue="coinbase")


def level(side: object, price: object, qty: object) -> dict:
    return {"side": side, "event_time": STAMP, "price_level": price, "new_quantity": qty}


def reference_split(inst: Instrument, updates: list, off_grid: list[int] | None) -> tuple[list, list]:
    """The plain one-level-at-a-time rule the fast paths must reproduce."""
    bids, asks = [], []
    for u in updates:
        side = u["side"]
        try:
            lv = (inst.price_to_ticks(u["price_level"]), inst.size_to_lots(u["new_quantity"]))
        except OffGridError:
            if off_grid is None:
                raise
            off_grid[0] += 1
            continue
        if side == "bid":
            bids.append(lv)
        elif side == "offer":
            asks.append(lv)
        else:
            raise MalformedMessageError(f"l2_data side {side!r}")
    return bids, asks


def outcome(fn, *args) -> tuple[str, object]:  # type: ignore[no-untyped-def]
    try:
        return "ok", fn(*args)
    except PARSE_ERRORS as exc:
        return type(exc).__name__, str(exc)


def many(n: int, side: str | None = None) -> list[dict]:
    sides = ("bid", "offer")
    return [level(side or sides[i % 2], f"{100 + i}.{i % 100:02d}", f"0.{i:08d}") for i in range(n)]


@pytest.mark.parametrize("side", [None, "bid", "offer"])
@pytest.mark.parametrize("n", [8, 9, 100, 2_000])
def test_long_update_lists_split_like_the_plain_loop(n: int, side: str | None) -> None:
    updates = many(n, side)
    assert split_l2_levels(BTC, updates, None) == reference_split(BTC, updates, None)


@pytest.mark.parametrize("order", [("bid", "offer"), ("offer", "bid")])
def test_long_update_lists_grouped_by_side_split_like_the_plain_loop(order: tuple[str, str]) -> None:
    updates = many(7, order[0]) + many(5, order[1])
    bids, asks = split_l2_levels(BTC, updates, None)
    assert (bids, asks) == reference_split(BTC, updates, None)
    assert (len(bids), len(asks)) == ((7, 5) if order[0] == "bid" else (5, 7))


@pytest.mark.parametrize(
    ("position", "bad", "error"),
    [
        (3, level("ask", "1.00", "1"), MalformedMessageError),
        (5, {"side": "bid", "price_level": "1.00"}, KeyError),
        (9, level("bid", "1.001", "1"), OffGridError),
        (2, level("bid", "-1.00", "1"), ValueFormatError),
        (4, level("bid", 1.5, "1"), ValueFormatError),
        (6, level("bid", ["1"], "1"), ValueFormatError),
        (0, "not an update", TypeError),
    ],
)
def test_a_bad_level_in_a_long_list_raises_what_the_plain_loop_raises(position: int, bad: object, error: type) -> None:
    updates = many(12)
    updates.insert(position, bad)  # type: ignore[arg-type]
    with pytest.raises(error):
        split_l2_levels(BTC, updates, None)
    assert outcome(split_l2_levels, BTC, updates, None) == outcome(reference_split, BTC, updates, None)


def test_off_grid_levels_of_a_long_list_are_left_out_and_counted_on_request() -> None:
    updates = many(20)
    updates[7] = level("bid", "50.001", "1")
    updates[15] = level("offer", "60.00", "0.000000001")
    counted, expected = [0], [0]
    assert split_l2_levels(BTC, updates, counted) == reference_split(BTC, updates, expected)
    assert counted == expected == [2]


def test_a_coarse_grid_is_checked_level_by_level_in_long_lists() -> None:
    good = [level("bid", f"{i}.05", "0.002") for i in range(10)]
    assert split_l2_levels(COARSE, good, None) == reference_split(COARSE, good, None)
    off = [*good, level("bid", "3.02", "1")]
    with pytest.raises(OffGridError, match="not a multiple of the tick 0.05"):
        split_l2_levels(COARSE, off, None)


def test_the_memo_remembers_successful_string_conversions_only() -> None:
    memo = LevelMemo(BTC)
    updates = [level("bid", "1", "1"), level("offer", "2.5", "0")]
    assert split_l2_levels(BTC, updates, None, memo) == ([(100, 100_000_000)], [(250, 0)])
    assert memo.prices == {"1": 100, "2.5": 250} and memo.sizes == {"1": 100_000_000, "0": 0}
    with pytest.raises(ValueFormatError, match="not a number"):  # True == 1, but is no price
        split_l2_levels(BTC, [level("bid", True, "1")], None, memo)
    with pytest.raises(ValueFormatError, match="not a decimal string"):
        split_l2_levels(BTC, [level("bid", 1.0, "1")], None, memo)
    with pytest.raises(ValueFormatError, match="not a decimal string"):  # unhashable: the plain loop names it
        split_l2_levels(BTC, [level("bid", ["1"], "1")], None, memo)
    with pytest.raises(MalformedMessageError, match="side 'ask'"):
        split_l2_levels(BTC, [level("ask", "1", "1")], None, memo)
    assert set(memo.prices) == {"1", "2.5"}


def test_the_memo_is_emptied_when_full_so_memory_stays_bounded() -> None:
    memo = LevelMemo(BTC, limit=4)
    for i in range(50):
        updates = [level("bid", f"{i}.01", f"{i}"), level("offer", f"{i}.02", f"0.{i}")]
        assert split_l2_levels(BTC, updates, None, memo) == reference_split(BTC, updates, None)
        assert len(memo.prices) <= 4 and len(memo.sizes) <= 4


# -- the adapter, frame by frame ----------------------------------------------------------------
def l2_frame(seq: int, events: list) -> bytes:
    return orjson.dumps({"channel": "l2_data", "timestamp": STAMP, "sequence_num": seq, "events": events})


def event(kind: str, updates: list, product: str = "BTC-USD") -> dict:
    return {"type": kind, "product_id": product, "updates": updates}


def ready_adapter() -> CoinbaseAdapter:
    a = CoinbaseAdapter({"BTC-USD": BTC})
    a.on_connect(T0, "c1")
    a.on_frame(T0, l2_frame(0, [event("snapshot", many(10))]), "c1")
    return a


prices = st.one_of(
    st.from_regex(r"\A[0-9]{1,6}(\.[0-9]{1,3})?\Z"), st.sampled_from(["-1", "1e3", "", "0.001"]), st.just(7)
)
sizes = st.one_of(st.from_regex(r"\A[0-9]{1,3}(\.[0-9]{1,9})?\Z"), st.sampled_from(["-2", "nan"]))
updates = st.lists(
    st.builds(level, st.sampled_from(["bid", "bid", "offer", "offer", "ask"]), prices, sizes), max_size=20
)


@settings(max_examples=300)
@given(frames=st.lists(updates, min_size=1, max_size=6))
def test_one_event_update_frames_give_what_the_plain_rule_gives(frames: list[list[dict]]) -> None:
    a = ready_adapter()
    seq = off_grid = 0
    for ts, ups in enumerate(frames, start=1):
        seq += 1
        out = a.on_frame(T0 + ts, l2_frame(seq, [event("update", ups)]), "c1")
        counted = [0]
        kind, expected = outcome(reference_split, BTC, ups, counted)
        if kind != "ok":
            assert out == [BookResync(T0 + ts, "BTC-USD", "malformed l2_data frame on 'c1'")]
            assert a.stats.malformed == 1 and a.stats.last_error.startswith(kind)
            a, seq, off_grid = ready_adapter(), 0, 0  # the book resyncs: start again from a snapshot
            continue
        off_grid += counted[0]
        bids, asks = expected  # type: ignore[misc]
        assert out == [BookDelta(T0 + ts, 1786309548228568804, "BTC-USD", tuple(bids), tuple(asks))]
        assert (a.stats.off_grid_levels, a.stats.malformed) == (off_grid, 0)


def test_frames_with_several_events_or_unknown_books_take_the_general_path() -> None:
    a = ready_adapter()
    out = a.on_frame(T0 + 1, l2_frame(1, [event("update", many(2)), event("update", many(1), "ETH-USD")]), "c1")
    assert [type(m) for m in out] == [BookDelta]
    assert a.stats.skipped_resyncing == 1
    assert a.on_frame(T0 + 2, l2_frame(2, [event("update", many(1), "ETH-USD")]), "c1") == []
    assert a.stats.skipped_resyncing == 2
    a.instruments["BTC-USD"] = Instrument("BTC-USD", "BTC", "USD", "0.01", "0.0001", venue="coinbase")
    (delta,) = a.on_frame(T0 + 3, l2_frame(3, [event("update", [level("bid", "1.00", "0.5")])]), "c1")
    assert delta.bids == ((100, 5000),)  # the memo follows the instrument now in use
