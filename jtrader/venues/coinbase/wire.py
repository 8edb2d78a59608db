"""Coinbase Advanced Trade websocket frames as typed :mod:`msgspec` structs (the replay hot path's decoder).

:data:`FRAME_DECODER` decodes one frame of the channels the replay hot path cares about straight
into these structs (a union tagged by ``channel``): ``l2_data``, ``market_trades``, ``ticker`` and
``ticker_batch``, ``candles``, ``heartbeats`` and ``subscriptions``. Prices and sizes stay strings:
converting them to ticks and lots exactly is ours (:class:`~jtrader.model.Instrument`).

The structs describe the frames exactly (every field Coinbase sends, unknown fields refused,
``sequence_num`` within 0..2**63-1), so a frame they accept reads the same through ``orjson`` and
the general parsers: there is no skipped field whose content one decoder would refuse and the
other accept. Anything else (an error or ``status`` frame, a new field, a value of another type,
a number past 64 bits, bad UTF-8) makes the decoder raise, and the adapter takes its general path
for that frame, which counts and explains it exactly as before (:class:`CoinbaseAdapter
<jtrader.venues.coinbase.adapter.CoinbaseAdapter>`). :data:`DECODE_ERRORS` is what the decoder
raises on such frames.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

__all__ = [
    "DECODE_ERRORS",
    "FRAME_DECODER",
    "CandleRow",
    "CandlesEvent",
    "CandlesFrame",
    "HeartbeatEvent",
    "HeartbeatsFrame",
    "L2Event",
    "L2Frame",
    "L2Level",
    "SubscriptionsEvent",
    "SubscriptionsFrame",
    "TickerEvent",
    "TickerFrame",
    "TickerBatchFrame",
    "TickerRow",
    "TradeRow",
    "TradesEvent",
    "TradesFrame",
    "TypedFrame",
]

#: a sequence number: msgspec reads integers of any size, orjson reads those past 64 bits as floats
#: (which the general path refuses); bounds must fit an int64, larger ones take the general path
SEQ = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]

#: what the typed decoder raises for a frame it does not describe (bad UTF-8 is a ValueError,
#: a frame nested past the interpreter's limit a RecursionError): the general path takes over
DECODE_ERRORS = (ValueError, RecursionError)  # msgspec.DecodeError and ValidationError are ValueErrors


class L2Level(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """One ``l2_data`` update: ``side`` ``bid`` or ``offer``, absolute ``new_quantity`` (``"0"`` deletes)."""

    side: Literal["bid", "offer"]
    price_level: str
    new_quantity: str
    event_time: str = ""


class L2Event(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A ``snapshot`` or ``update`` of one product's book."""

    type: str
    product_id: str
    updates: list[L2Level]


class TradeRow(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """One print; ``side`` is the maker's."""

    product_id: str
    trade_id: str
    price: str
    size: str
    time: str
    side: str


class TradesEvent(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """``snapshot`` (recent prints: history) or ``update`` (tape)."""

    type: str
    trades: list[TradeRow]


class TickerRow(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """One product's ticker: best bid and ask with their sizes (the other fields are not used)."""

    product_id: str
    best_bid: str
    best_bid_quantity: str
    best_ask: str
    best_ask_quantity: str
    type: str = ""
    price: str = ""
    volume_24_h: str = ""
    low_24_h: str = ""
    high_24_h: str = ""
    low_52_w: str = ""
    high_52_w: str = ""
    price_percent_chg_24_h: str = ""


class TickerEvent(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """``snapshot`` or ``update`` of tickers."""

    type: str
    tickers: list[TickerRow]


class CandleRow(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """One 5-minute candle; ``start`` is unix seconds as a string."""

    start: str
    high: str
    low: str
    open: str
    close: str
    volume: str
    product_id: str


class CandlesEvent(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """``snapshot`` (history and the open bucket) or ``update`` (the open bucket's values)."""

    type: str
    candles: list[CandleRow]


class HeartbeatEvent(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """``heartbeat_counter`` is an int in real frames, a string in the docs' examples."""

    heartbeat_counter: int | str
    current_time: str = ""


class SubscriptionsEvent(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """The connection's subscriptions: subscribe channel name -> product ids."""

    subscriptions: dict[str, list[str]]


class _Envelope(msgspec.Struct, forbid_unknown_fields=True, tag_field="channel", gc=False):
    timestamp: str
    sequence_num: SEQ


class L2Frame(_Envelope, tag="l2_data", gc=False):
    """An ``l2_data`` frame (``level2`` subscription)."""

    events: list[L2Event]
    client_id: str = ""


class TradesFrame(_Envelope, tag="market_trades", gc=False):
    """A ``market_trades`` frame."""

    events: list[TradesEvent]
    client_id: str = ""


class TickerFrame(_Envelope, tag="ticker", gc=False):
    """A ``ticker`` frame."""

    events: list[TickerEvent]
    client_id: str = ""


class TickerBatchFrame(_Envelope, tag="ticker_batch", gc=False):
    """A ``ticker_batch`` frame (same rows as ``ticker``)."""

    events: list[TickerEvent]
    client_id: str = ""


class CandlesFrame(_Envelope, tag="candles", gc=False):
    """A ``candles`` frame."""

    events: list[CandlesEvent]
    client_id: str = ""


class HeartbeatsFrame(_Envelope, tag="heartbeats", gc=False):
    """A ``heartbeats`` frame."""

    events: list[HeartbeatEvent]
    client_id: str = ""


class SubscriptionsFrame(_Envelope, tag="subscriptions", gc=False):
    """A ``subscriptions`` frame (the cumulative ack of every subscribe)."""

    events: list[SubscriptionsEvent]
    client_id: str = ""


TypedFrame = (
    L2Frame | TradesFrame | TickerFrame | TickerBatchFrame | CandlesFrame | HeartbeatsFrame | SubscriptionsFrame
)

#: bytes or str of one frame -> one of the ``*Frame`` structs; raises one of :data:`DECODE_ERRORS`
FRAME_DECODER: msgspec.json.Decoder[TypedFrame] = msgspec.json.Decoder(TypedFrame)
