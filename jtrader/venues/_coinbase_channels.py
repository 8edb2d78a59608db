"""The Coinbase channels other than ``l2_data``: one parser per channel, frame events -> messages.

This module's one job is turning the events of the trade, ticker, candle, heartbeat, status and
subscription channels into messages. The envelope, sequence numbers, book state and the hot
``l2_data`` path stay in :mod:`jtrader.venues.coinbase`, whose class binds these functions as its
handlers (``self`` is the adapter). Each parser reads the whole frame before it changes any state,
and raises one of ``PARSE_ERRORS`` on bad content (the adapter counts it). Times are ns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jtrader.errors import MalformedMessageError
from jtrader.model import (
    NS_PER_S,
    Bar,
    Heartbeat,
    Instrument,
    MarketMessage,
    Quote,
    Trade,
    VenueNotice,
    check_ts,
    parse_rfc3339_ns,
)
from jtrader.venues import coinbase_rest
from jtrader.venues._common import volume_lots

if TYPE_CHECKING:
    from jtrader.venues.coinbase import CoinbaseAdapter

__all__ = ["candles", "heartbeat", "status", "subscriptions", "ticker", "trades"]


def trades(self: CoinbaseAdapter, ts: int, msg: dict, events: list, connection: str) -> list[MarketMessage]:
    """``market_trades`` -> Trade in (exchange time, id) order; snapshot prints and repeated ids skipped."""
    new: dict[str, Instrument] = {}
    last_ids = dict(self._last_trade_id)
    fresh: list[tuple[int, int, Trade]] = []
    skipped_snapshot = duplicates = 0
    for ev in events:
        snapshot = ev["type"] == "snapshot"
        for row in ev["trades"]:
            symbol = row["product_id"]
            trade_id = str(row["trade_id"])
            number = int(trade_id) if trade_id.isdigit() else -1
            inst = self._instrument(symbol, (row["price"],), new)
            trade = Trade(
                ts,
                parse_rfc3339_ns(row["time"]),
                symbol,
                inst.price_to_ticks(row["price"]),
                inst.size_to_lots(row["size"]),
                coinbase_rest.aggressor_from_maker_side(row["side"]),
                trade_id,
            )
            if trade.price <= 0 or trade.size <= 0:
                raise MalformedMessageError(f"trade {trade_id} has a zero price or size")
            if snapshot:
                skipped_snapshot += 1
                last_ids[symbol] = max(last_ids.get(symbol, -1), number)
                continue
            fresh.append((trade.ts_exchange, number, trade))
    fresh.sort(key=lambda item: (item[0], item[1]))
    out: list[MarketMessage] = []
    for _, number, trade in fresh:
        if number >= 0:
            if number <= last_ids.get(trade.symbol, -1):
                duplicates += 1
                continue
            last_ids[trade.symbol] = number
        out.append(trade)
    self._commit(new)
    self._last_trade_id = last_ids
    self.stats.skipped_snapshot_trades += skipped_snapshot
    self.stats.duplicates += duplicates
    return out


def ticker(self: CoinbaseAdapter, ts: int, msg: dict, events: list, connection: str) -> list[MarketMessage]:
    """``ticker``/``ticker_batch`` -> Quote (``ts_exchange`` = envelope timestamp, ns)."""
    ts_ex = parse_rfc3339_ns(msg["timestamp"])
    new: dict[str, Instrument] = {}
    out: list[MarketMessage] = []
    for ev in events:
        for row in ev["tickers"]:
            symbol = row["product_id"]
            inst = self._instrument(symbol, (row["best_bid"], row["best_ask"], row.get("price", "")), new)
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
    self._commit(new)
    return out


def candles(self: CoinbaseAdapter, ts: int, msg: dict, events: list, connection: str) -> list[MarketMessage]:
    """``candles`` -> Bar (``ts`` = receive time, ``start`` = bucket open in ns; see coinbase)."""
    new: dict[str, Instrument] = {}
    out: list[MarketMessage] = []
    for ev in events:
        for row in ev["candles"]:
            symbol = row["product_id"]
            inst = self._instrument(symbol, (row["open"], row["high"], row["low"], row["close"]), new)
            p2t = inst.price_to_ticks
            start = row["start"]
            if type(start) is not str or not start.isdigit():
                raise MalformedMessageError(f"candle start {start!r} is not unix seconds")
            bar = Bar(
                ts,
                symbol,
                p2t(row["open"]),
                p2t(row["high"]),
                p2t(row["low"]),
                p2t(row["close"]),
                volume_lots(inst, row["volume"]),
                check_ts(int(start) * NS_PER_S, "candle start"),
            )
            if not bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high:
                raise MalformedMessageError(f"candle {symbol} {start}: open/close outside low..high")
            out.append(bar)
    self._commit(new)
    return out


def heartbeat(self: CoinbaseAdapter, ts: int, msg: dict, events: list, connection: str) -> list[MarketMessage]:
    """``heartbeats`` -> one Heartbeat of ``connection`` (counters checked, not kept)."""
    ts_ex = parse_rfc3339_ns(msg["timestamp"])
    for ev in events:
        counter = ev["heartbeat_counter"]
        if type(counter) is str:
            counter = int(counter)
        if type(counter) is not int or counter < 0:
            raise MalformedMessageError(f"heartbeat_counter {counter!r}")
    return [Heartbeat(ts, ts_ex, connection)]


def status(self: CoinbaseAdapter, ts: int, msg: dict, events: list, connection: str) -> list[MarketMessage]:
    """``status`` -> one VenueNotice per product; products with increments and no instrument are learned."""
    out: list[MarketMessage] = []
    learned = []
    for ev in events:
        for row in ev["products"]:
            symbol = row["id"]
            out.append(
                VenueNotice(ts, "status", f"{symbol}: {row.get('status', '')} {row.get('status_message', '')}".rstrip())
            )
            if symbol not in self.instruments and row.get("quote_increment") and row.get("base_increment"):
                learned.append(coinbase_rest.status_instrument(row))
    for inst in learned:
        self._learn(inst)
    self.stats.notices += len(out)
    return out


def subscriptions(self: CoinbaseAdapter, ts: int, msg: dict, events: list, connection: str) -> list[MarketMessage]:
    """``subscriptions`` -> the connection's subscriptions replaced (a control frame: no message)."""
    subs = {}
    for ev in events:
        subs = {str(channel): list(products) for channel, products in ev["subscriptions"].items()}
    self.subscriptions[connection] = subs
    self.stats.control += 1
    return []
