"""The model's fast message builders: the field order every hot-path caller relies on, pinned."""

from __future__ import annotations

import pytest

from jtrader.model import Bar, BookDelta, BookSnapshot, Quote, Side, Trade
from jtrader.model.messages import make_bar, make_book_delta, make_book_snapshot, make_quote, make_trade

#: the declaration order the builders' callers (venue adapters) write their tuples in
PINNED = {
    BookSnapshot: ("ts", "ts_exchange", "symbol", "bids", "asks", "update_id"),
    BookDelta: ("ts", "ts_exchange", "symbol", "bids", "asks", "update_id", "first_update_id"),
    Trade: ("ts", "ts_exchange", "symbol", "price", "size", "aggressor", "trade_id"),
    Quote: ("ts", "ts_exchange", "symbol", "bid", "bid_size", "ask", "ask_size", "update_id"),
    Bar: ("ts", "symbol", "open", "high", "low", "close", "volume", "start"),
}

SAMPLES = [
    (make_book_snapshot, BookSnapshot, (1, 2, "BTC-USD", ((100, 1),), ((101, 2),), 7)),
    (make_book_delta, BookDelta, (1, 2, "BTC-USD", ((100, 0),), (), 9, 8)),
    (make_trade, Trade, (1, 2, "BTC-USD", 100, 5, Side.BUY, "42")),
    (make_quote, Quote, (1, 2, "BTC-USD", 100, 3, 101, 4, 11)),
    (make_bar, Bar, (1, "BTC-USD", 100, 110, 90, 105, 12, 0)),
]


@pytest.mark.parametrize(("cls", "fields"), PINNED.items(), ids=lambda v: getattr(v, "__name__", ""))
def test_message_fields_are_pinned_in_declaration_order(cls: type, fields: tuple[str, ...]) -> None:
    assert cls._fields == fields  # type: ignore[attr-defined]


@pytest.mark.parametrize(("builder", "cls", "values"), SAMPLES, ids=lambda v: getattr(v, "__name__", ""))
def test_a_builder_gives_the_same_message_as_the_class_with_named_fields(builder, cls, values) -> None:  # type: ignore[no-untyped-def]
    built = builder(values)
    assert type(built) is cls
    assert built == cls(**dict(zip(cls._fields, values, strict=True)))
    assert built._asdict() == dict(zip(PINNED[cls], values, strict=True))
