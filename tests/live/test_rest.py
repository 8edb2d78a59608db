"""The REST client: cassettes recorded against ``jtrader serve`` (vcrpy), and rate limits on a fake transport."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import httpx
import orjson
import pytest
import vcr
from rest_calls import START_NS, calls

from jtrader.errors import ConfigError, IpBannedError, MalformedMessageError, RateLimitedError, RestError
from jtrader.live.candles import candle_requests, interval_seconds, parse_candle_rows
from jtrader.live.rest import RestClient, binance_depth_weight
from jtrader.venues import binance_rest, coinbase_rest

CASSETTES = Path(__file__).resolve().parent / "cassettes"
_MIN = 60 * 1_000_000_000


async def _replay(venue: str) -> dict:
    # the cassettes were made on a random port: match on method, path and query only
    with vcr.use_cassette(
        str(CASSETTES / f"{venue}_rest.yaml"), record_mode="none", match_on=("method", "path", "query")
    ) as cassette:
        client = RestClient(venue, "http://127.0.0.1:1")
        try:
            out = await calls(client)
        finally:
            await client.aclose()
        assert cassette.all_played
    return out


@pytest.mark.asyncio
async def test_coinbase_public_endpoints_from_the_cassette() -> None:
    out = await _replay("coinbase")
    instruments = coinbase_rest.parse_products(out["instruments"])
    inst = instruments["BTC-USD"]
    assert (inst.price_tick, inst.size_lot) == (Decimal("0.01"), Decimal("0.00000001"))
    book = coinbase_rest.parse_product_book(0, out["order_book"], inst)
    assert len(book.bids) == 10 and book.bids[0][0] < book.asks[0][0]
    assert out["ticker"]["best_bid"] == inst.ticks_to_price(book.bids[0][0])
    assert START_NS < out["server_time"] < START_NS + 300 * 10**9, "the venue clock is the recording's"
    candles = out["candles"]
    assert len(candles) >= 3 and [c.start for c in candles] == sorted({c.start for c in candles})
    assert all(c.start % _MIN == 0 and Decimal(c.low) <= Decimal(c.open) <= Decimal(c.high) for c in candles)


@pytest.mark.asyncio
async def test_binance_public_endpoints_from_the_cassette() -> None:
    out = await _replay("binance")
    inst = binance_rest.parse_exchange_info(out["instruments"])["BTCUSDT"]
    book = binance_rest.parse_depth_snapshot(0, out["order_book"], inst)
    assert len(book.bids) == 10 and book.update_id > 0
    assert Decimal(out["ticker"]["best_bid"]) < Decimal(out["ticker"]["best_ask"])
    assert START_NS < out["server_time"] < START_NS + 60 * 10**9
    candles = out["candles"]
    assert 20 < len(candles) <= 40 and all(c.start % 10**9 == 0 for c in candles)


def test_candle_pages_cover_the_range_without_overlap() -> None:
    pages = candle_requests("coinbase", "BTC-USD", START_NS + 30 * 10**9, START_NS + 400 * _MIN, "1m")
    assert len(pages) == 2 and pages[0].start == START_NS and pages[0].end == pages[1].start
    assert "granularity=ONE_MINUTE" in pages[0].path and f"start={START_NS // 10**9}" in pages[0].path
    assert f"end={START_NS // 10**9 + 350 * 60 - 1}" in pages[0].path
    pages = candle_requests("binance", "btcusdt", START_NS, START_NS + 1001 * 10**9, "1s")
    assert len(pages) == 2 and "symbol=BTCUSDT&interval=1s" in pages[0].path and "limit=1000" in pages[0].path
    assert interval_seconds("binance", "1w") == 604800
    for venue, bad in (("coinbase", "1s"), ("coinbase", "3m"), ("binance", "7m"), ("binance", "x")):
        with pytest.raises(ConfigError):
            interval_seconds(venue, bad)
    with pytest.raises(ConfigError):
        candle_requests("binance", "BTCUSDT", START_NS, START_NS, "1m")


def test_candle_bodies_keep_the_venue_decimals_and_refuse_bad_ones() -> None:
    keys = ("start", "low", "high", "open", "close", "volume")
    rows = [("1767225660", "1.5", "2", "1.6", "1.7", "3"), ("1767225600", "1.0", "2", "1.1", "1.2", "0.5")]
    body = orjson.dumps({"candles": [dict(zip(keys, row, strict=True)) for row in rows]})
    rows = parse_candle_rows("coinbase", body, START_NS, START_NS + 10 * _MIN)
    assert [(r.start, r.open, r.volume) for r in rows] == [(START_NS, "1.1", "0.5"), (START_NS + _MIN, "1.6", "3")]
    kline = [[1767225600000, "65000.01000000", "65001.00", "64999.00", "65000.50", "1.2", 0, "0", 0, "0", "0", "0"]]
    assert parse_candle_rows("binance", orjson.dumps(kline), START_NS, START_NS + _MIN)[0].open == "65000.01000000"
    for venue, bad in (
        ("coinbase", b"not json"),
        ("coinbase", b'{"candles":[{"start":"1"}]}'),
        ("coinbase", b'{"candles":[{"start":"1","low":"NaN","high":"1","open":"1","close":"1","volume":"1"}]}'),
        ("binance", b'{"code":-1121}'),
        ("binance", b'[[1, "1e3", "1", "1", "1", "1"]]'),
        ("binance", b'[[1, "-1", "1", "1", "1", "1"]]'),
    ):
        with pytest.raises(MalformedMessageError):
            parse_candle_rows(venue, bad, 0, 2**62)


# -- rate limits and errors, on a fake transport ---------------------------------------------------------
class _Script:
    """A fake venue: answers each request with the next scripted response, records the requests."""

    def __init__(self, *responses: httpx.Response | Exception) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.responses.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _client(venue: str, script: _Script, **kwargs: object) -> tuple[RestClient, list[float]]:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    client = RestClient(venue, "https://api.example", transport=httpx.MockTransport(script), sleep=sleep, **kwargs)
    return client, waits


@pytest.mark.asyncio
async def test_429_waits_for_retry_after_and_tries_again() -> None:
    script = _Script(
        httpx.Response(429, headers={"Retry-After": "3"}, json={"code": -1003, "msg": "Too much request weight used"}),
        httpx.Response(200, json={"serverTime": 1767225600000}),
    )
    client, waits = _client("binance", script)
    assert await client.server_time() == 1767225600000 * 1_000_000
    await client.aclose()
    assert waits == [3.0] and client.retries == 1 and len(script.requests) == 2


@pytest.mark.asyncio
async def test_418_with_a_long_ban_raises_at_once_with_the_venue_code() -> None:
    ban = httpx.Response(
        418, headers={"Retry-After": "7200"}, json={"code": -1003, "msg": "IP banned until 1767232800000"}
    )
    client, waits = _client("binance", _Script(ban))
    with pytest.raises(IpBannedError) as info:
        await client.get("/api/v3/depth?symbol=BTCUSDT&limit=5")
    await client.aclose()
    assert (info.value.status, info.value.code, info.value.retry_after_s) == (418, -1003, 7200.0)
    assert isinstance(info.value, RateLimitedError) and waits == []


@pytest.mark.asyncio
async def test_429_without_retry_after_backs_off_until_the_retries_run_out() -> None:
    client, waits = _client(
        "coinbase", _Script(*[httpx.Response(429, json={"error": "RATE_LIMITED"})] * 3), max_retries=2
    )
    with pytest.raises(RateLimitedError) as info:
        await client.get("/api/v3/brokerage/time")
    await client.aclose()
    assert len(waits) >= 2 and all(w > 0 for w in waits) and info.value.code == "RATE_LIMITED"


@pytest.mark.asyncio
async def test_server_errors_and_network_errors_are_retried_client_errors_are_not() -> None:
    script = _Script(httpx.ConnectError("refused"), httpx.Response(503, text="busy"), httpx.Response(200, json={}))
    client, waits = _client("binance", script)
    assert (await client.get("/api/v3/ping")).body == b"{}"
    assert len(waits) == 2
    script.responses.append(httpx.Response(400, json={"code": -1121, "msg": "Invalid symbol."}))
    with pytest.raises(RestError) as info:
        await client.get("/api/v3/depth?symbol=NOPE")
    await client.aclose()
    assert (info.value.status, info.value.code) == (400, -1121) and "Invalid symbol." in str(info.value)


@pytest.mark.asyncio
async def test_binance_weight_near_the_limit_waits_for_the_next_minute() -> None:
    heavy = httpx.Response(
        200, headers={"X-MBX-USED-WEIGHT-1M": "5390"}, json={"lastUpdateId": 1, "bids": [], "asks": []}
    )
    script = _Script(heavy, httpx.Response(200, json={"lastUpdateId": 2, "bids": [], "asks": []}))
    client, waits = _client("binance", script, wall_clock=lambda: 1767225630.0)
    await client.order_book("BTCUSDT", 1000)
    assert client.used_weight == 5390
    await client.order_book("BTCUSDT", 1000)  # 5390 + 50 > 90% of 6000: wait for the minute to turn
    await client.aclose()
    assert waits == [pytest.approx(30.05)]
    assert binance_depth_weight(100) == 5 and binance_depth_weight(500) == 25 and binance_depth_weight(5000) == 250


@pytest.mark.asyncio
async def test_bodies_that_are_not_what_the_venue_sends_are_rest_errors() -> None:
    script = _Script(
        httpx.Response(200, text="<html>"),
        httpx.Response(200, json={"best_bid": 1}),
        httpx.Response(200, json={"iso": "x"}),
        httpx.Response(200, text="not json"),
    )
    client, _ = _client("coinbase", script)
    with pytest.raises(RestError):
        await client.get_json("/x")
    with pytest.raises(RestError):
        await client.ticker("BTC-USD")
    with pytest.raises(RestError):
        await client.server_time()
    with pytest.raises(RestError):
        await client.candles("BTC-USD", START_NS, START_NS + _MIN, "1m")
    await client.aclose()
    with pytest.raises(ConfigError):
        RestClient("kraken", "https://x")


def test_requests_are_paced_on_coinbase() -> None:
    async def main() -> list[float]:
        script = _Script(*[httpx.Response(200, json={}) for _ in range(12)])
        client, waits = _client("coinbase", script)
        for _ in range(12):
            await client.get("/api/v3/brokerage/time")
        await client.aclose()
        return waits

    waits = asyncio.run(main())
    assert len(waits) >= 1, "past a burst of 10, requests wait for the 10/s budget"
