"""The REST client calls the cassettes hold: the same sequence when recording (against ``jtrader serve``)
and when replaying (tests). Times are those of the recordings the cassettes were made from."""

from __future__ import annotations

from typing import Any

from jtrader.live.rest import RestClient

#: the generated sessions the cassettes were recorded from (``record_cassettes.py`` makes them)
SESSIONS = {
    "coinbase": {"seconds": 200, "seed": 5, "symbols": ["BTC-USD"], "product": "BTC-USD"},
    "binance": {"seconds": 40, "seed": 6, "symbols": ["BTCUSDT"], "product": "BTCUSDT"},
}
#: 2026-01-01T00:00:00Z, where generated sessions start
START_NS = 1_767_225_600 * 1_000_000_000
_MIN = 60 * 1_000_000_000


async def calls(client: RestClient) -> dict[str, Any]:
    """Every public call of ``client``'s venue, in a fixed order; the results by name."""
    product = SESSIONS[client.venue]["product"]
    out: dict[str, Any] = {}
    out["instruments"] = (await client.instruments([product])).body
    out["order_book"] = (await client.order_book(product, 10)).body
    out["ticker"] = await client.ticker(product)
    out["server_time"] = await client.server_time()
    if client.venue == "coinbase":
        # 1-minute candles over 400 minutes: two pages (350 a page), the data in the first minutes
        out["candles"] = await client.candles(product, START_NS, START_NS + 400 * _MIN, "1m")
    else:
        # 1-second klines over 25 minutes: two pages (1000 a page)
        out["candles"] = await client.candles(product, START_NS, START_NS + 25 * _MIN, "1s")
    return out
