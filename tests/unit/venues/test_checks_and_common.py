"""BookTickerCheck, adapter stats and the fallback-instrument helpers."""

from __future__ import annotations

from decimal import Decimal

from jtrader.book import OrderBook
from jtrader.model import BookDelta, BookSnapshot, Quote
from jtrader.venues import AdapterStats, BookTickerCheck, default_instrument
from jtrader.venues._common import decimals_of, max_decimals, split_symbol

T0 = 1_723_161_254_000_000_000


def book_at(update_id: int, bid=(100, 5), ask=(101, 7)) -> OrderBook:
    book = OrderBook("X")
    book.apply(BookSnapshot(T0, 0, "X", (bid,), (ask,), update_id))
    return book


def quote(update_id: int, bid=(100, 5), ask=(101, 7)) -> Quote:
    return Quote(T0, 0, "X", bid[0], bid[1], ask[0], ask[1], update_id)


def test_a_held_ticker_is_checked_when_the_book_lands_exactly_on_its_id() -> None:
    check = BookTickerCheck()
    check.on_quote(quote(10))
    check.on_book("X", 9, book_at(9))
    assert check.checked == 0
    check.on_book("X", 10, book_at(10))
    assert (check.checked, check.mismatched, check.discarded) == (1, 0, 0)


def test_a_ticker_the_book_jumps_over_is_discarded_unchecked() -> None:
    check = BookTickerCheck()
    check.on_quote(quote(10))
    check.on_quote(quote(12))
    check.on_book("X", 11, book_at(11))
    assert (check.checked, check.discarded) == (0, 1)
    check.on_book("X", 12, book_at(12))
    assert check.checked == 1


def test_a_ticker_arriving_after_its_book_state_is_checked_at_once_or_dropped_if_passed() -> None:
    check = BookTickerCheck()
    check.on_book("X", 10, book_at(10))
    check.on_quote(quote(10, bid=(100, 4)))
    assert (check.checked, check.mismatched) == (1, 1)
    assert check.mismatches == ["X u=10: ticker 100x4 / 101x7, book 100x5 / 101x7"]
    check.on_quote(quote(9))
    assert check.discarded == 1
    assert check.summary() == {"checked": 1, "mismatched": 1, "discarded": 1}


def test_mismatch_details_are_capped_and_held_tickers_are_capped() -> None:
    check = BookTickerCheck(max_held=2, keep=1)
    for i in range(3):
        check.on_quote(quote(20 + i, ask=(102, 1)))
    assert check.discarded == 1
    check.on_book("X", 21, book_at(21))
    check.on_book("X", 22, book_at(22))
    assert (check.checked, check.mismatched, len(check.mismatches)) == (2, 2, 1)


def test_reset_forgets_book_state_and_held_tickers() -> None:
    check = BookTickerCheck()
    check.on_book("X", 5, book_at(5))
    check.on_quote(quote(7))
    check.reset("X")
    assert check.discarded == 1
    check.on_quote(quote(5))
    check.on_book("X", 6, BookDeltaBook())
    assert check.checked == 0


class BookDeltaBook:
    """A duck-typed book: the check needs only the four best-level properties."""

    best_bid = None
    best_ask = None
    best_bid_size = 0
    best_ask_size = 0


def test_an_empty_side_compares_as_none_and_zero() -> None:
    check = BookTickerCheck()
    book = OrderBook("X")
    book.apply(BookDelta(T0, 0, "X", ((100, 5),), (), 3))
    check.on_book("X", 3, book)
    check.on_quote(quote(3))
    assert check.mismatched == 1


def test_stats_list_every_counter_in_order() -> None:
    stats = AdapterStats()
    stats.gaps = 2
    record = stats.as_dict()
    assert list(record)[:2] == ["frames", "messages"] and record["gaps"] == 2 and record["last_error"] == ""


def test_decimals_are_counted_without_trailing_zeros() -> None:
    assert [decimals_of(t) for t in ("0.01000000", "5", "65083.66", "1.")] == [2, 0, 2, 0]
    assert max_decimals(["1.5", "0.001", 3]) == 3 and max_decimals([]) == 0


def test_symbols_split_on_dashes_or_known_quote_suffixes() -> None:
    assert split_symbol("BTC-USD") == ("BTC", "USD")
    assert split_symbol("BTCUSDT") == ("BTC", "USDT")
    assert split_symbol("LRCBTC") == ("LRC", "BTC")
    assert split_symbol("WEIRD") == ("WEIRD", "?")
    assert split_symbol("USD") == ("USD", "?")


def test_fallback_instruments_use_the_data_decimals_at_least_cents_and_8_decimal_lots() -> None:
    coarse = default_instrument("BTCUSDT", "binance", 0)
    assert (coarse.price_tick, coarse.size_lot, coarse.venue) == (Decimal("0.01"), Decimal("1E-8"), "binance")
    fine = default_instrument("SHIB-USD", "coinbase", 8, 2)
    assert (fine.price_tick, fine.size_lot) == (Decimal("1E-8"), Decimal("0.01"))


def test_adapters_expose_their_instruments_and_inference_setting() -> None:
    from jtrader.model import Instrument
    from jtrader.venues import BinanceAdapter, CoinbaseAdapter

    btc = Instrument("BTC-USD", "BTC", "USD", venue="coinbase")
    for adapter in (CoinbaseAdapter(infer_instruments=False), BinanceAdapter(infer_instruments=False)):
        assert adapter.infer_instruments is False and adapter.instruments == {}
        adapter.instruments = {"BTC-USD": btc}
        assert adapter.registry.instruments["BTC-USD"] is btc and adapter.held_diffs == 0
