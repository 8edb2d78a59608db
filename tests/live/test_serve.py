"""``jtrader serve`` as a venue: exact frames to a plain websockets client, protocol, late subscribers, REST."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
import pytest
from live_helpers import recorded_requests, replay_books, until
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from jtrader.book import OrderBook
from jtrader.errors import ConfigError
from jtrader.live.localvenue import FaultSpec, LocalVenue
from jtrader.model import BookDelta, BookSnapshot
from jtrader.venues import BinanceAdapter, CoinbaseAdapter


def _drain(ws: ClientConnection, into: list[bytes]) -> asyncio.Task[None]:
    """Keep reading ``ws`` into ``into`` until it closes (a client that stops reading blocks the server's
    timeline, and cannot see the server's close frame behind the unread ones)."""

    async def read() -> None:
        try:
            while True:
                into.append(await ws.recv(decode=False))
        except ConnectionClosed:
            return

    return asyncio.get_running_loop().create_task(read())


async def _quiet_read(ws: ClientConnection, into: list[bytes], quiet_s: float = 0.3, timeout: float = 20) -> None:
    """Read into ``into`` until nothing comes for ``quiet_s``."""
    async with asyncio.timeout(timeout):
        while True:
            try:
                into.append(await asyncio.wait_for(ws.recv(decode=False), quiet_s))
            except TimeoutError:
                return


async def _collect(ws: ClientConnection, n: int, timeout: float = 20) -> list[bytes]:
    got = []
    async with asyncio.timeout(timeout):
        while len(got) < n:
            got.append(await ws.recv(decode=False))
    return got


async def _exact(path: Path, url_for: Any = None) -> tuple[list[bytes], list[bytes]]:
    sends, recvs, connect_url = recorded_requests(path)
    async with LocalVenue(path) as venue:
        target = venue.url
        if venue.venue == "binance":
            target += url_for(recvs) if url_for else urlsplit(connect_url).path + "?" + urlsplit(connect_url).query
        async with connect(target, max_size=None) as ws:
            for frame in sends:
                await ws.send(frame.decode())
            got = await _collect(ws, len(recvs))
    return got, recvs


@pytest.mark.asyncio
@pytest.mark.parametrize("name", ["coinbase_btcusd_sample.jtrec", "binance_btcusdt_sample.jtrec"])
async def test_a_plain_client_receives_exactly_the_recorded_frames_in_order(name: str) -> None:
    path = Path(__file__).resolve().parents[2] / "recordings" / name
    got, recorded = await _exact(path)
    assert len(recorded) > 2000
    assert got == recorded


@pytest.mark.asyncio
async def test_the_real_coinbase_capture_is_served_byte_for_byte(shared_data: Path) -> None:
    got, recorded = await _exact(shared_data / "coinbase" / "advanced_trade_btc_eth_2026-08-09.jsonl.zst")
    assert max(map(len, got)) > 5_000_000, "the 5 MB BTC-USD snapshot went through"
    assert got == recorded


@pytest.mark.asyncio
async def test_the_real_binance_captures_are_served_byte_for_byte(shared_data: Path) -> None:
    got, recorded = await _exact(shared_data / "binance" / "cryptofeed_spot_4symbols_2021-10-12.jsonl.zst")
    assert got == recorded

    def streams(recvs: list[bytes]) -> str:  # the hftbacktest file has no connect record
        names = dict.fromkeys(orjson.loads(f)["stream"] for f in recvs if f.startswith(b'{"stream"'))
        return "/stream?streams=" + "/".join(names)

    got, recorded = await _exact(shared_data / "binance" / "spot_btcusdt_20240808.gz", streams)
    assert len(recorded) > 40_000 and got == recorded


@pytest.mark.asyncio
async def test_serve_prints_where_it_listens_first_and_stops_on_sigterm(coinbase_small: Path) -> None:
    async with asyncio.timeout(30):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "jtrader.cli", "serve", str(coinbase_small), "--port", "0",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert proc.stdout is not None
        line = (await proc.stdout.readline()).decode()
        host, port = urlsplit(line.split()[1]).hostname, urlsplit(line.split()[1]).port
        assert line.startswith("listening ws://") and host == "127.0.0.1" and port
        async with httpx.AsyncClient() as client:
            time = (await client.get(f"http://127.0.0.1:{port}/api/v3/brokerage/time")).json()
        proc.send_signal(signal.SIGTERM)
        _, stderr = await proc.communicate()
    assert proc.returncode == 0 and "REST request" in stderr.decode()
    assert int(time["epochMillis"]) > 1_700_000_000_000


def _coinbase_feed(frames: list[bytes]) -> tuple[dict[str, OrderBook], Any]:
    adapter = CoinbaseAdapter()
    books: dict[str, OrderBook] = {}
    adapter.on_connect(0, "c")
    for i, frame in enumerate(frames):
        for msg in adapter.on_frame(1_767_225_600_000_000_000 + i, frame, "c"):
            if type(msg) in (BookSnapshot, BookDelta):
                books.setdefault(msg.symbol, OrderBook(msg.symbol)).apply(msg)
    return books, adapter


@pytest.mark.asyncio
async def test_a_late_subscriber_gets_the_book_as_it_stands_then_the_updates(coinbase_small: Path) -> None:
    sends, _, _ = recorded_requests(coinbase_small)
    async with LocalVenue(coinbase_small, speed=6.0) as venue:
        async with connect(venue.url, max_size=None) as first:
            for frame in sends:
                await first.send(frame.decode())
            first_reader = _drain(first, [])
            await until(lambda: venue.market.records > 300, what="the timeline to move on")
            async with connect(venue.url, max_size=None) as late:
                await late.send('{"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"level2"}')
                frames: list[bytes] = []
                await until(lambda: venue.finished, 20, "the end of the recording")
                await _quiet_read(late, frames)
        await first_reader
    first_frames = [orjson.loads(f) for f in frames[:3]]
    assert [f["channel"] for f in first_frames] == ["l2_data", "l2_data", "subscriptions"]
    assert [f["events"][0]["type"] for f in first_frames[:2]] == ["snapshot", "snapshot"]
    assert [orjson.loads(f)["sequence_num"] for f in frames] == list(range(len(frames)))
    books, adapter = _coinbase_feed(frames)
    assert adapter.stats.gaps == 0 and adapter.stats.malformed == 0
    expected, _ = replay_books(coinbase_small)
    assert {s: (dict(b.bids.levels), dict(b.asks.levels)) for s, b in books.items()} == expected


@pytest.mark.asyncio
async def test_coinbase_bad_requests_get_error_frames_and_the_connection_stays_open(coinbase_small: Path) -> None:
    requests = [
        "{not json",
        "[1, 2]",
        '{"type":"hello"}',
        '{"type":"subscribe","channel":"level3","product_ids":["BTC-USD"]}',
        '{"type":"subscribe","channel":"level2"}',
        '{"type":"subscribe","channel":"level2","product_ids":["DOGE-USD"]}',
        '{"type":"subscribe","channel":"level2","product_ids":[1]}',
    ]
    async with LocalVenue(coinbase_small) as venue, connect(venue.url) as ws:
        for text in requests:
            await ws.send(text)
        answers = [orjson.loads(f) for f in await _collect(ws, len(requests))]
        await ws.send('{"type":"subscribe","channel":"heartbeats"}')
        ack = orjson.loads(await ws.recv())
    assert [a["type"] for a in answers] == ["error"] * len(requests)
    assert "unknown product_id 'DOGE-USD'" in answers[5]["reason"]
    assert "not supported" in answers[3]["reason"]
    assert ack["channel"] == "subscriptions" and ack["sequence_num"] == 0
    assert ack["events"][0]["subscriptions"] == {"heartbeats": ["heartbeats"]}


@pytest.mark.asyncio
async def test_coinbase_closes_a_connection_that_does_not_subscribe_in_time(coinbase_small: Path) -> None:
    async with LocalVenue(coinbase_small, subscribe_timeout_s=0.1) as venue, connect(venue.url) as ws:
        with pytest.raises(ConnectionClosed) as info:
            async with asyncio.timeout(5):
                await ws.recv()
    assert info.value.rcvd is not None and info.value.rcvd.code == 1008


@pytest.mark.asyncio
async def test_coinbase_unsubscribe_stops_the_channel_and_the_ack_says_what_is_left(coinbase_small: Path) -> None:
    async with LocalVenue(coinbase_small, speed=20.0) as venue, connect(venue.url) as ws:
        await ws.send('{"type":"subscribe","channel":"market_trades","product_ids":["BTC-USD"]}')
        await ws.send('{"type":"subscribe","channel":"heartbeats"}')
        await until(lambda: venue.market.records > 50, what="some market")
        await ws.send('{"type":"unsubscribe","channel":"market_trades"}')
        seen: list[dict] = []
        async with asyncio.timeout(10):
            while not any(f["channel"] == "subscriptions" and "market_trades" not in f["events"][0]["subscriptions"]
                          for f in seen):  # fmt: skip
                seen.append(orjson.loads(await ws.recv()))
            after = [orjson.loads(f) for f in await _collect(ws, 3)]
    assert all(f["channel"] == "heartbeats" for f in after)
    assert seen[-1]["events"][0]["subscriptions"] == {"heartbeats": ["heartbeats"]}


@pytest.mark.asyncio
async def test_binance_control_frames_and_raw_streams(binance_small: Path) -> None:
    async with LocalVenue(binance_small, max_incoming_per_s=100) as venue, connect(venue.url + "/ws") as ws:
        for text in (
            '{"method":"SUBSCRIBE","params":["btcusdt@trade","btcusdt@depth@100ms"],"id":1}',
            '{"method":"LIST_SUBSCRIPTIONS","id":2}',
            '{"method":"UNSUBSCRIBE","params":["btcusdt@depth@100ms"],"id":3}',
            '{"method":"GET_PROPERTY","params":["combined"],"id":4}',
            '{"method":"SET_PROPERTY","params":["nope",1],"id":5}',
            '{"method":"PING","id":6}',
            '{"method":"SUBSCRIBE","params":["BTC USDT"],"id":7}',
            "{oops",
        ):
            await ws.send(text)
        replies: list[dict] = []
        trades: list[dict] = []
        async with asyncio.timeout(10):
            while len(replies) < 8 or len(trades) < 3:
                frame = orjson.loads(await ws.recv())
                (trades if frame.get("e") == "trade" else replies).append(frame)
    assert replies[:4] == [
        {"result": None, "id": 1},
        {"result": ["btcusdt@depth@100ms", "btcusdt@trade"], "id": 2},
        {"result": None, "id": 3},
        {"result": False, "id": 4},
    ]
    assert [r.get("code") for r in replies[4:8]] == [0, 2, 2, 3]
    assert all(t["s"] == "BTCUSDT" for t in trades), "raw connections get bare payloads"


@pytest.mark.asyncio
async def test_binance_closes_a_connection_that_sends_more_than_five_messages_a_second(binance_small: Path) -> None:
    async with LocalVenue(binance_small) as venue, connect(venue.url + "/ws") as ws:
        for i in range(7):
            await ws.send(f'{{"method":"LIST_SUBSCRIPTIONS","id":{i}}}')
        with pytest.raises(ConnectionClosed) as info:
            async with asyncio.timeout(5):
                while True:
                    await ws.recv()
    assert info.value.rcvd is not None
    assert (info.value.rcvd.code, info.value.rcvd.reason) == (1008, "Too many requests")


@pytest.mark.asyncio
async def test_binance_rest_depth_matches_the_stream_position_at_that_moment(binance_small: Path) -> None:
    async with LocalVenue(binance_small, speed=10.0) as venue:
        rest = f"http://127.0.0.1:{venue.port}"
        async with connect(venue.url + "/stream?streams=ethusdt@depth@100ms") as ws, httpx.AsyncClient() as client:
            await until(lambda: venue.market.known("ETHUSDT"), what="the server's book")
            body = (await client.get(f"{rest}/api/v3/depth?symbol=ETHUSDT&limit=5000")).json()
            adapter = BinanceAdapter()
            book = OrderBook("ETHUSDT")
            ts = 1_767_225_600_000_000_000
            first = True
            async with asyncio.timeout(20):
                while not venue.idle:
                    try:
                        frame = await asyncio.wait_for(ws.recv(decode=False), 0.5)
                    except TimeoutError:
                        continue
                    ts += 1
                    messages = adapter.on_frame(ts, frame, "c")
                    if first:  # the snapshot goes in after the first diff, as the sync rules ask
                        first = False
                        messages += adapter.on_http(ts, f"{rest}/api/v3/depth?symbol=ETHUSDT", orjson.dumps(body))
                    for msg in messages:
                        if type(msg) in (BookSnapshot, BookDelta):
                            book.apply(msg)
    assert adapter.stats.gaps == 0 and adapter.stats.stale_snapshots == 0 and not adapter.is_resyncing("ETHUSDT")
    expected, _ = replay_books(binance_small)
    assert (dict(book.bids.levels), dict(book.asks.levels)) == expected["ETHUSDT"]


@pytest.mark.asyncio
async def test_binance_rest_endpoints(binance_small: Path) -> None:
    async with LocalVenue(binance_small) as venue, httpx.AsyncClient(base_url=f"http://127.0.0.1:{venue.port}") as c:
        info = await c.get("/api/v3/exchangeInfo", params={"symbols": '["BTCUSDT"]'})
        bad = await c.get("/api/v3/depth", params={"symbol": "NOPE"})
        klines = (await c.get("/api/v3/klines", params={"symbol": "BTCUSDT", "interval": "1m"})).json()
        seconds = (await c.get("/api/v3/klines", params={"symbol": "BTCUSDT", "interval": "1s", "limit": 3})).json()
        bad_interval = await c.get("/api/v3/klines", params={"symbol": "BTCUSDT", "interval": "7m"})
        ping = await c.get("/api/v3/ping")
        ticker = (await c.get("/api/v3/ticker/bookTicker", params={"symbol": "BTCUSDT"})).json()
        price = (await c.get("/api/v3/ticker/price", params={"symbol": "BTCUSDT"})).json()
        missing = await c.get("/api/v3/nothing")
    assert info.status_code == 200 and [s["symbol"] for s in info.json()["symbols"]] == ["BTCUSDT"]
    assert int(info.headers["x-mbx-used-weight-1m"]) >= 20
    assert bad.status_code == 400 and bad.json() == {"code": -1121, "msg": "Invalid symbol."}
    assert len(klines) == 1 and klines[0][0] % 60_000 == 0 and len(seconds) == 3
    assert klines[0][8] > 0 and float(klines[0][7]) > float(klines[0][5]) * 60_000, "quote volume and trade count"
    assert bad_interval.status_code == 400 and ping.json() == {}
    assert ticker["bidPrice"] == "0" and price["symbol"] == "BTCUSDT"  # nobody subscribed: the market has not started
    assert missing.status_code == 404


@pytest.mark.asyncio
async def test_coinbase_rest_endpoints(coinbase_small: Path) -> None:
    sends, _, _ = recorded_requests(coinbase_small)
    async with LocalVenue(coinbase_small) as venue, httpx.AsyncClient(base_url=f"http://127.0.0.1:{venue.port}") as c:
        async with connect(venue.url) as ws:
            for frame in sends:
                await ws.send(frame.decode())
            reader = _drain(ws, [])
            await until(lambda: venue.idle, what="the end of the recording")
        await reader  # it reads until the close completes (a client that stops reading cannot close quickly)
        base = "/api/v3/brokerage/market"
        products = (await c.get(f"{base}/products", params={"product_ids": ["ETH-USD"]})).json()
        product = (await c.get(f"{base}/products/BTC-USD")).json()
        book = (await c.get(f"{base}/product_book", params={"product_id": "BTC-USD", "limit": 3})).json()
        ticker = (await c.get(f"{base}/products/BTC-USD/ticker", params={"limit": 2})).json()
        start = venue.prescan.first_ts // 1_000_000_000
        candles = (
            await c.get(
                f"{base}/products/BTC-USD/candles",
                params={"start": start, "end": start + 600, "granularity": "ONE_MINUTE"},
            )
        ).json()
        too_many = await c.get(
            f"{base}/products/BTC-USD/candles", params={"start": 0, "end": 400 * 60, "granularity": "ONE_MINUTE"}
        )
        unknown = await c.get(f"{base}/products/DOGE-USD")
    assert [p["product_id"] for p in products["products"]] == ["ETH-USD"]
    assert product["price_increment"] == "0.01" and product["base_increment"] == "0.00000001"
    assert (
        len(book["pricebook"]["bids"]) == 3
        and book["pricebook"]["bids"][0]["price"] < book["pricebook"]["asks"][0]["price"]
    )
    assert len(ticker["trades"]) == 2 and ticker["best_bid"] == book["pricebook"]["bids"][0]["price"]
    assert (
        candles["candles"]
        and int(candles["candles"][0]["start"]) > int(candles["candles"][-1]["start"])
        or len(candles["candles"]) == 1
    )
    assert too_many.status_code == 400 and unknown.status_code == 404


@pytest.mark.asyncio
async def test_faults_are_the_same_for_the_same_seed_and_differ_for_another(coinbase_small: Path) -> None:
    sends, recorded, _ = recorded_requests(coinbase_small)

    async def frames(seed: int) -> tuple[list[bytes], dict[str, int]]:
        async with LocalVenue(
            coinbase_small, faults=FaultSpec.parse("drop=0.02,dup=0.02,gap_every=100"), seed=seed
        ) as venue:
            async with connect(venue.url) as ws:
                for frame in sends:
                    await ws.send(frame.decode())
                got: list[bytes] = []
                reader = _drain(ws, got)
                await until(lambda: venue.idle, what="the end")
                await asyncio.sleep(0.2)
            await reader
            return got, venue.fault_counts()

    (a, fa), (b, fb), (c, fc) = await asyncio.gather(frames(3), frames(3), frames(4))
    assert a == b and fa == fb
    assert a != c
    assert fa["drop"] > 0 and fa["dup"] > 0 and fa["gap"] > 0 and len(a) != len(recorded)


def test_fault_specs_are_checked() -> None:
    spec = FaultSpec.parse("drop=0.01, dup=0.02,gap_every=500,stall_s=0.5")
    assert (spec.drop, spec.dup, spec.gap_every, spec.stall_s) == (0.01, 0.02, 500, 0.5)
    assert spec.active and spec.text() == "drop=0.01,dup=0.02,gap_every=500,stall_s=0.5"
    assert not FaultSpec.parse("").active and not FaultSpec.parse("http_429=0.5").active
    for bad in ("drop=2", "nope=1", "drop", "gap_every=-1", "gap_every=1.5", "stall_s=inf", "stall_every=0"):
        with pytest.raises(ConfigError):
            FaultSpec.parse(bad)


@pytest.mark.asyncio
async def test_the_http_429_fault_answers_with_retry_after(binance_small: Path) -> None:
    async with LocalVenue(binance_small, faults=FaultSpec.parse("http_429=1")) as venue, httpx.AsyncClient() as c:
        response = await c.get(f"http://127.0.0.1:{venue.port}/api/v3/time")
    assert response.status_code == 429 and response.headers["retry-after"] == "0"


@pytest.mark.asyncio
async def test_rest_edge_cases_are_venue_errors(coinbase_small: Path, binance_small: Path) -> None:
    async with LocalVenue(coinbase_small) as venue, httpx.AsyncClient(base_url=f"http://127.0.0.1:{venue.port}") as c:
        base = "/api/v3/brokerage/market"
        nobook = (await c.get(f"{base}/product_book", params={"product_id": "BTC-USD"})).json()
        unknown_book = await c.get(f"{base}/product_book", params={"product_id": "DOGE-USD"})
        no_granularity = await c.get(f"{base}/products/BTC-USD/candles", params={"start": 1, "end": 2})
        empty_ticker = (await c.get(f"{base}/products/BTC-USD/ticker")).json()
        nowhere = await c.get(f"{base}/products/BTC-USD/nowhere")
    assert nobook["pricebook"]["bids"] == [], "no book before the market starts"
    assert unknown_book.status_code == 404 and no_granularity.status_code == 400 and nowhere.status_code == 404
    assert empty_ticker == {"trades": [], "best_bid": "", "best_ask": ""}
    async with (
        LocalVenue(binance_small, book_wait_s=0.1) as venue,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{venue.port}") as c,
    ):
        one = (await c.get("/api/v3/exchangeInfo", params={"symbol": "btcusdt"})).json()
        bad_list = await c.get("/api/v3/exchangeInfo", params={"symbols": "[oops"})
        unknown = await c.get("/api/v3/exchangeInfo", params={"symbols": '["NOPEUSDT"]'})
        waited = await c.get("/api/v3/depth", params={"symbol": "BTCUSDT", "limit": "7"})
        venue.api.weight_limit = 30
        limited = await c.get("/api/v3/exchangeInfo")
    assert [s["symbol"] for s in one["symbols"]] == ["BTCUSDT"]
    assert bad_list.status_code == 400 and unknown.json() == {"code": -1121, "msg": "Invalid symbol."}
    assert waited.status_code == 503, "the server's book never synced: nobody subscribed"
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.json()["code"] == -1003
