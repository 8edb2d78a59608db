"""Prints consume the book they trade through; a bookTicker newer than the depth trims what it shows gone;
several own orders at one price share the queue (synthetic; the real Binance capture is in
``test_sim_binance_capture.py``)."""

from __future__ import annotations

from sim_helpers import BUY, LIMIT, MARKET, SELL, STOP, SYM, T0, delta, exchange, fills, kinds, order, send, snap, trade

from jtrader.model import BookDelta, BookSnapshot, Quote


def binance_like() -> object:
    """A book at update id 100 with three ask and three bid levels."""
    ex = exchange()
    ex.on_market(BookSnapshot(T0, 0, SYM, ((99, 5), (98, 5), (97, 5)), ((100, 5), (101, 5), (105, 9)), 100))
    return ex


def test_a_market_order_after_a_print_through_the_touch_never_fills_better_than_the_print() -> None:
    ex = binance_like()
    ex.on_market(trade(T0 + 1, 101, 2, BUY))  # the depth still shows 100 and 101: the print took 100
    assert fills(send(ex, order(T0 + 2, "m", BUY, MARKET, 5))) == [(101, 3, "TAKER"), (105, 2, "TAKER")]
    assert fills(send(ex, order(T0 + 3, "s", SELL, MARKET, 1))) == [(99, 1, "TAKER")]  # bids: untouched


def test_a_buy_stop_triggered_by_a_print_at_105_fills_at_105_not_at_the_stale_100() -> None:
    ex = binance_like()
    send(ex, order(T0 + 1, "stop", BUY, STOP, 3, stop_price=104))
    ex.on_market(trade(T0 + 2, 105, 1, BUY))
    events = ex.advance(T0 + 2)
    assert kinds(events)[0] == "OrderTriggered"
    assert fills(events) == [(105, 3, "TAKER")]


def test_a_newer_depth_update_naming_a_level_gives_it_back() -> None:
    ex = binance_like()
    ex.on_market(trade(T0 + 1, 101, 2, BUY))
    ex.on_market(BookDelta(T0 + 2, 0, SYM, (), ((100, 4),), 101, 101))
    assert fills(send(ex, order(T0 + 3, "m", BUY, MARKET, 5))) == [(100, 4, "TAKER"), (101, 1, "TAKER")]


def test_a_book_ticker_newer_than_the_depth_trims_the_levels_it_shows_gone() -> None:
    ex = binance_like()
    ex.on_market(Quote(T0 + 1, 0, SYM, 98, 5, 101, 5, 103))  # u=103 > depth 100: 100 and 99 are gone
    assert fills(send(ex, order(T0 + 2, "b", BUY, MARKET, 1))) == [(101, 1, "TAKER")]
    assert fills(send(ex, order(T0 + 3, "s", SELL, MARKET, 1))) == [(98, 1, "TAKER")]
    assert ex.book(SYM).best_ask == 100  # the book itself still shows what the depth said


def test_a_book_ticker_older_than_the_depth_or_without_an_update_id_changes_nothing() -> None:
    ex = binance_like()
    ex.on_market(Quote(T0 + 1, 0, SYM, 98, 5, 101, 5, 99))  # older than the depth
    ex.on_market(Quote(T0 + 1, 0, SYM, 98, 5, 101, 5, 0))  # no update id (Coinbase ticker)
    assert fills(send(ex, order(T0 + 2, "b", BUY, MARKET, 1))) == [(100, 1, "TAKER")]


def test_an_older_depth_delta_after_a_newer_ticker_does_not_bring_back_what_the_ticker_showed_gone() -> None:
    ex = binance_like()
    assert ex.on_quote(Quote(T0 + 1, 0, SYM, 99, 5, 101, 5, 103)) == ()
    ex.on_market(BookDelta(T0 + 2, 0, SYM, (), ((100, 7),), 101, 102))  # older than the ticker
    assert fills(send(ex, order(T0 + 3, "b", BUY, MARKET, 1))) == [(101, 1, "TAKER")]
    ex.on_market(BookDelta(T0 + 4, 0, SYM, (), ((100, 7),), 103, 104))  # caught up: the depth rules
    assert fills(send(ex, order(T0 + 5, "b2", BUY, MARKET, 1))) == [(100, 1, "TAKER")]


def test_a_print_of_150_with_100_displayed_ahead_fills_two_own_orders_of_50_only_50_in_all() -> None:
    ex = exchange()
    ex.on_market(snap(T0, [(100, 100)], [(101, 10)]))
    send(ex, order(T0 + 1, "a", BUY, LIMIT, 50, price=100))
    send(ex, order(T0 + 1, "b", BUY, LIMIT, 50, price=100))
    ex.on_market(trade(T0 + 2, 100, 150, SELL))
    events = ex.advance(T0 + 2)
    assert [(e.order_id, e.size) for e in events if type(e).__name__ == "OrderFilled"] == [("a", 50)]


def test_prints_and_tickers_give_the_same_events_through_the_fused_paths_and_on_market() -> None:
    def run(fused: bool) -> list[object]:
        ex = binance_like()
        send(ex, order(T0 + 1, "bid", BUY, LIMIT, 3, price=99))
        send(ex, order(T0 + 1, "stop", BUY, STOP, 2, stop_price=104))
        msgs = [
            trade(T0 + 2, 101, 2, BUY),
            Quote(T0 + 3, 0, SYM, 98, 5, 101, 3, 101),
            delta(T0 + 4, bids=[(99, 2)]),
            trade(T0 + 5, 99, 8, SELL),
            trade(T0 + 6, 105, 1, BUY),
        ]
        out: list[object] = []
        for msg in msgs:
            if fused:
                out += {"Trade": ex.on_trade, "Quote": ex.on_quote, "BookDelta": ex.on_book}[type(msg).__name__](msg)
            else:
                ex.on_market(msg)
                out += ex.advance(msg.ts)
        return out

    assert run(True) == run(False)
    assert fills(run(True)) == [(99, 3, "MAKER"), (105, 2, "TAKER")]
