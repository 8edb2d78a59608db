"""The Coinbase channels other than ``l2_data`` and ``candles``: pure parsers, frame events -> results.

Each parser reads one frame's ``events`` and returns what the frame means (messages, plus the
state changes it asks for) without touching the adapter: :class:`~jtrader.venues.coinbase.adapter.
CoinbaseAdapter` commits the result only when the whole frame parsed. Instruments are read through
an :class:`~jtrader.venues.instruments.InstrumentRegistry` (``lookup`` writes a fallback for an
unknown product into the caller's ``new`` dict, nothing else). Bad content raises one of
``PARSE_ERRORS`` (the adapter counts the frame as malformed). Times are int ns; ``ts`` is the
frame's receive time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jtrader.errors import MalformedMessageError
from jtrader.model import Heartbeat, Instrument, MarketMessage, Quote, Trade, VenueNotice, parse_rfc3339_ns
from jtrader.venues.coinbase.products import status_instrument
from jtrader.venues.coinbase.rest import aggressor_from_maker_side
from jtrader.venues.instruments import InstrumentRegistry

__all__ = [
    "TradesResult",
    "objects",
    "parse_heartbeats",
    "parse_status",
    "parse_subscriptions",
    "parse_ticker",
    "parse_trades",
]


def objects(value: object, what: str) -> list[dict]:
    """``value`` if it is a list of JSON objects; :class:`MalformedMessageError` naming ``what`` otherwise."""
    if type(value) is not list:
        raise MalformedMessageError(f"{what} is not a list")
    for item in value:
        if type(item) is not dict:
            raise MalformedMessageError(f"{what} holds a {type(item).__name__}, not an object")
    return value


@dataclass(slots=True)
class TradesResult:
    """What one ``market_trades`` frame means: new prints, and the bookkeeping the adapter commits."""

    trades: list[MarketMessage] = field(default_factory=list)
    #: fallback instruments the frame needed
    new: dict[str, Instrument] = field(default_factory=dict)
    #: symbol -> highest numeric trade id seen, to replace the adapter's map
    last_ids: dict[str, int] = field(default_factory=dict)
    skipped_snapshot: int = 0
    duplicates: int = 0


def parse_trades(ts: int, events: list, registry: InstrumentRegistry, last_trade_ids: dict[str, int]) -> TradesResult:
    """``market_trades`` -> Trade in (exchange time, id) order; snapshot prints and repeated ids skipped.

    Snapshot prints are history (recent trades), not tape: they only raise the last id seen. An
    update print's ``time`` must be within a day of the receive time (snapshot prints may be older).
    """
    result = TradesResult(last_ids=dict(last_trade_ids))
    new, last_ids = result.new, result.last_ids
    fresh: list[tuple[int, int, Trade]] = []
    for ev in objects(events, "market_trades events"):
        snapshot = ev["type"] == "snapshot"
        for row in objects(ev["trades"], "market_trades trades"):
            symbol = row["product_id"]
            trade_id = str(row["trade_id"])
            number = int(trade_id) if trade_id.isdigit() else -1
            inst = registry.lookup(symbol, (row["price"],), new)
            ts_ex = parse_rfc3339_ns(row["time"])
            if not snapshot:
                registry.clock.check(ts, ts_ex, f"trade {trade_id} time")
            trade = Trade(
                ts,
                ts_ex,
                symbol,
                inst.price_to_ticks(row["price"]),
                inst.size_to_lots(row["size"]),
                aggressor_from_maker_side(row["side"]),
                trade_id,
            )
            if trade.price <= 0 or trade.size <= 0:
                raise MalformedMessageError(f"trade {trade_id} has a zero price or size")
            if snapshot:
                result.skipped_snapshot += 1
                last_ids[symbol] = max(last_ids.get(symbol, -1), number)
                continue
            fresh.append((trade.ts_exchange, number, trade))
    fresh.sort(key=lambda item: (item[0], item[1]))
    for _, number, trade in fresh:
        if number >= 0:
            if number <= last_ids.get(trade.symbol, -1):
                result.duplicates += 1
                continue
            last_ids[trade.symbol] = number
        result.trades.append(trade)
    return result


def parse_ticker(
    ts: int, ts_ex: int, events: list, registry: InstrumentRegistry, new: dict[str, Instrument]
) -> list[MarketMessage]:
    """``ticker``/``ticker_batch`` -> Quote (``ts_exchange`` = the envelope timestamp ``ts_ex``, ns)."""
    out: list[MarketMessage] = []
    for ev in objects(events, "ticker events"):
        for row in objects(ev["tickers"], "ticker rows"):
            symbol = row["product_id"]
            inst = registry.lookup(symbol, (row["best_bid"], row["best_ask"], row.get("price", "")), new)
            p2t, s2l = inst.price_to_ticks, inst.size_to_lots
            quote = Quote(
                ts,
                ts_ex,
                symbol,
                p2t(row["best_bid"]),
                s2l(row["best_bid_quantity"]),
                p2t(row["best_ask"]),
                s2l(row["best_ask_quantity"]),
            )
            if quote.bid <= 0 or quote.ask <= 0:
                raise MalformedMessageError(f"ticker {symbol} has a zero best price")
            out.append(quote)
    return out


def parse_heartbeats(ts: int, ts_ex: int, events: list, connection: str) -> list[MarketMessage]:
    """``heartbeats`` -> one Heartbeat of ``connection`` (counters checked, not kept)."""
    for ev in objects(events, "heartbeats events"):
        counter = ev["heartbeat_counter"]
        if type(counter) is str:
            counter = int(counter)
        if type(counter) is not int or counter < 0:
            raise MalformedMessageError(f"heartbeat_counter {counter!r}")
    return [Heartbeat(ts, ts_ex, connection)]


def parse_status(ts: int, events: list, known: dict[str, Instrument]) -> tuple[list[MarketMessage], list[Instrument]]:
    """``status`` -> (one VenueNotice per product, instruments to learn for products not in ``known``)."""
    notices: list[MarketMessage] = []
    learned: list[Instrument] = []
    for ev in objects(events, "status events"):
        for row in objects(ev["products"], "status products"):
            symbol = row["id"]
            text = f"{symbol}: {row.get('status', '')} {row.get('status_message', '')}".rstrip()
            notices.append(VenueNotice(ts, "status", text))
            if symbol not in known and row.get("quote_increment") and row.get("base_increment"):
                learned.append(status_instrument(row))
    return notices, learned


def parse_subscriptions(events: list) -> dict[str, list[str]]:
    """``subscriptions`` -> the connection's current subscriptions, channel -> product ids (the last event)."""
    subs: dict[str, list[str]] = {}
    for ev in objects(events, "subscriptions events"):
        channels = ev["subscriptions"]
        if type(channels) is not dict:
            raise MalformedMessageError("subscriptions is not an object")
        subs = {}
        for channel, products in channels.items():
            if type(products) is not list:
                raise MalformedMessageError(f"subscriptions of {channel!r} is not a list")
            subs[str(channel)] = [str(p) for p in products]
    return subs
