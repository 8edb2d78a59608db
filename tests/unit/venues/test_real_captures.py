"""Venue adapters on real captured exchange data (read in place from ../shared/data)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from venue_capture_helpers import Replay, replay_cryptofeed

from jtrader.book import OrderBook
from jtrader.model import NS_PER_S, Bar, BarHistory, BookDelta, BookSnapshot, Heartbeat, Quote, Side, Trade, VenueNotice
from jtrader.venues import BinanceAdapter, CoinbaseAdapter
from jtrader.venues.coinbase.candles import CANDLE_NS

pytestmark = pytest.mark.shared_data


# -- Coinbase Advanced Trade -------------------------------------------------------------------
@pytest.fixture(scope="module")
def coinbase_replay(coinbase_records) -> tuple[CoinbaseAdapter, Replay]:
    adapter = CoinbaseAdapter()
    return adapter, replay_cryptofeed(adapter, coinbase_records)


def test_coinbase_capture_parses_every_frame_with_no_gap_duplicate_or_malformed_frame(coinbase_replay) -> None:
    adapter, _ = coinbase_replay
    stats = adapter.stats
    assert stats.frames == 1030
    assert (stats.malformed, stats.gaps, stats.duplicates, stats.resyncs, stats.unknown_channel) == (0, 0, 0, 0, 0)
    assert adapter._seq["COINBASE.ws.2"] == 1029
    assert adapter.resyncing == set()


def test_coinbase_capture_yields_each_channel_as_its_message_type(coinbase_replay) -> None:
    adapter, result = coinbase_replay
    assert result.counts["BookSnapshot"] == 2
    assert result.counts["BookDelta"] == 773
    assert result.counts["Heartbeat"] == 25
    assert result.counts["Quote"] == 160
    assert result.counts["Trade"] == 57 + 22  # 57 update frames, some carry several prints
    assert adapter.stats.skipped_snapshot_trades == 200
    assert (result.counts["BarHistory"], result.counts["Bar"]) == (2, 0)  # see the candle test below
    assert adapter.stats.control == 5  # subscriptions acks
    assert adapter.subscriptions["COINBASE.ws.2"]["level2"] == ["BTC-USD", "ETH-USD"]


def test_coinbase_capture_candles_are_history_once_and_the_open_bucket_is_never_a_bar(coinbase_replay) -> None:
    """Two snapshots of 100 candles (the newest one the open 21:05 bucket), then 4 updates of it."""
    adapter, result = coinbase_replay
    histories = [m for m in result.messages if type(m) is BarHistory]
    assert [h.symbol for h in histories] == ["ETH-USD", "BTC-USD"]
    open_start = 1_786_309_500 * NS_PER_S
    for history in histories:
        starts = [bar.start for bar in history.bars]
        assert len(starts) == 99 and starts == sorted(set(starts)) and starts[-1] < open_start
        assert all(bar.ts == bar.start + CANDLE_NS <= history.ts for bar in history.bars)
    assert not any(type(m) is Bar for m in result.messages)
    assert (adapter.stats.bars_history, adapter.stats.partial_bars, adapter.stats.stale_bars) == (198, 4, 0)
    assert adapter.candles.open_buckets() == 2


def test_coinbase_capture_learns_instruments_from_the_products_http_record(coinbase_replay) -> None:
    adapter, _ = coinbase_replay
    btc = adapter.instruments["BTC-USD"]
    assert (str(btc.price_tick), str(btc.size_lot), btc.quote, btc.min_notional) == ("0.01", "1E-8", "USD", 1)
    assert adapter.stats.instruments_learned == 920
    assert adapter.stats.instruments_inferred == 0


def test_coinbase_capture_rebuilds_books_that_are_never_crossed(coinbase_replay) -> None:
    _, result = coinbase_replay
    assert result.crossed_after == 0
    btc = result.books["BTC-USD"]
    assert len(btc) > 40_000
    assert btc.best_bid is not None and btc.best_ask is not None and btc.spread > 0
    assert result.books["ETH-USD"].spread > 0


def test_coinbase_capture_snapshot_keeps_both_sides_with_offer_mapped_to_asks(coinbase_replay) -> None:
    _, result = coinbase_replay
    snapshot = next(m for m in result.messages if type(m) is BookSnapshot and m.symbol == "BTC-USD")
    assert len(snapshot.bids) + len(snapshot.asks) == 46_000
    assert snapshot.bids and snapshot.asks
    assert max(snapshot.bids)[0] == 6508366 and min(snapshot.asks)[0] == 6508367
    assert snapshot.ts_exchange > 0


def test_coinbase_capture_ticker_agrees_with_the_rebuilt_book_most_of_the_time(coinbase_records) -> None:
    """The ticker and level2 are separate channels, so agreement is approximate, not exact."""
    adapter = CoinbaseAdapter()
    books: dict[str, OrderBook] = {}
    agree = total = 0
    for kind, ts, rec in coinbase_records:
        msgs = adapter.on_frame(ts, rec["data"], rec["conn"]) if kind == "recv" else []
        for msg in msgs:
            if type(msg) in (BookSnapshot, BookDelta):
                books.setdefault(msg.symbol, OrderBook(msg.symbol)).apply(msg)
            elif type(msg) is Quote and msg.symbol in books:
                book = books[msg.symbol]
                total += 1
                agree += (msg.bid, msg.ask) == (book.best_bid, book.best_ask)
    assert total > 100
    assert agree / total > 0.5


def test_coinbase_trade_side_is_read_as_the_maker_side(coinbase_replay) -> None:
    _, result = coinbase_replay
    first = next(m for m in result.messages if type(m) is Trade)
    assert first.trade_id == "1068572091" and first.aggressor is Side.BUY  # printed "SELL" at the ask
    ids = [int(m.trade_id) for m in result.messages if type(m) is Trade and m.symbol == "BTC-USD"]
    assert ids == sorted(set(ids))


def test_coinbase_heartbeats_carry_the_connection_and_the_venue_time(coinbase_replay) -> None:
    _, result = coinbase_replay
    beat = next(m for m in result.messages if type(m) is Heartbeat)
    assert beat.connection == "COINBASE.ws.2" and beat.ts_exchange > 0


def test_coinbase_replay_is_deterministic(coinbase_records, coinbase_replay) -> None:
    _, first = coinbase_replay
    second = replay_cryptofeed(CoinbaseAdapter(), coinbase_records)
    assert second.messages == first.messages


# -- Binance -----------------------------------------------------------------------------------
def test_binance_hftbacktest_capture_syncs_and_matches_every_book_ticker_check(binance_hft_lines) -> None:
    adapter = BinanceAdapter()
    result = Replay()
    for ts, data in binance_hft_lines:
        result.feed(adapter.on_frame(ts, data, "hft"))
    stats = adapter.stats
    assert (stats.malformed, stats.gaps, stats.resyncs, stats.stale_snapshots) == (0, 0, 0, 0)
    assert stats.stale == 2  # the two diffs that ended before lastUpdateId
    assert result.check.checked > 500
    assert result.check.mismatched == 0, result.check.mismatches
    assert result.crossed_after == 0
    snapshot = next(m for m in result.messages if type(m) is BookSnapshot)
    assert snapshot.update_id == 50093239218 and snapshot.symbol == "BTCUSDT"
    first = next(m for m in result.messages if type(m) is BookDelta)
    assert first.first_update_id <= snapshot.update_id + 1 <= first.update_id
    assert first.ts == snapshot.ts  # held diffs are re-stamped with the snapshot's receive time
    assert not adapter.is_resyncing("BTCUSDT")
    assert str(adapter.instruments["BTCUSDT"].price_tick) == "0.01"  # inferred from the data


def test_binance_four_symbol_capture_has_zero_gaps_and_zero_book_ticker_mismatches(binance_cf_records) -> None:
    adapter = BinanceAdapter()
    result = replay_cryptofeed(adapter, binance_cf_records)
    stats = adapter.stats
    assert (stats.malformed, stats.gaps, stats.resyncs) == (0, 0, 0)
    assert result.check.checked > 10 and result.check.mismatched == 0, result.check.mismatches
    assert set(result.books) == {"NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR"}
    assert adapter.resyncing == set()
    assert result.crossed_after == 0
    assert stats.off_grid_levels == 34  # NKNUSDT legacy-tick bids far below the market
    assert stats.partial_bars == 2 and result.counts["Bar"] == 0  # both kline_1m frames are x=false
    assert result.counts["Trade"] == 2
    assert adapter.order_steps["NKNUSDT"] == 1
    assert str(adapter.instruments["RUNEEUR"].price_tick) == "0.001"


# -- misc real frames and REST bodies -------------------------------------------------------------
def test_real_coinbase_error_frames_become_venue_notices(shared_data: Path) -> None:
    lines = (shared_data / "misc" / "coinbase_ws_messages_from_issue_threads.jsonl").read_text().splitlines()
    records = [orjson.loads(line) for line in lines if line.strip()]
    adapter = CoinbaseAdapter()
    notices = []
    for rec in records:
        if rec["kind"] == "error":
            notices += adapter.on_frame(1_786_309_548_000_000_000, rec["raw"])
    assert notices == [
        VenueNotice(1_786_309_548_000_000_000, "error", "authentication failure"),
        VenueNotice(1_786_309_548_000_000_000, "error", "Failed to subscribe: No channels provided"),
    ]
    ticker = next(orjson.loads(rec["raw"]) for rec in records if rec["kind"] == "ticker_object")
    frame = {
        "channel": "ticker",
        "timestamp": "2024-04-23T10:00:00Z",
        "sequence_num": 0,
        "events": [{"type": "update", "tickers": [ticker]}],
    }
    (quote,) = adapter.on_frame(1_713_866_400_000_000_000, orjson.dumps(frame))  # received at its timestamp
    assert (quote.symbol, quote.bid, quote.ask, quote.bid_size) == ("BTC-USDT", 6680198, 6681868, 2423890)
