"""WebSocketHandler against real servers on 127.0.0.1: typed errors, keepalive, stalls, reconnects, big frames."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
from live_helpers import FAST, until
from websockets.asyncio.server import ServerConnection, serve

from jtrader.errors import (
    ConnectionLostError,
    ConnectRefusedError,
    ConnectTimeoutError,
    HandshakeRejectedError,
    StallError,
    SubscribeTimeoutError,
    VenueErrorFrame,
)
from jtrader.live.feeds import make_plan
from jtrader.live.handler import HandlerConfig, HandlerState, WebSocketHandler
from jtrader.live.localvenue import FaultSpec, LocalVenue
from jtrader.live.rest import RestClient
from jtrader.recording import Direction, Record


def _heartbeat(seq: int) -> bytes:
    return orjson.dumps(
        {
            "channel": "heartbeats",
            "timestamp": "2026-01-01T00:00:00Z",
            "sequence_num": seq,
            "events": [{"current_time": "x", "heartbeat_counter": seq}],
        }
    )


ACK = orjson.dumps(
    {
        "channel": "subscriptions",
        "timestamp": "2026-01-01T00:00:00Z",
        "sequence_num": 0,
        "events": [{"subscriptions": {"level2": ["BTC-USD"], "heartbeats": ["heartbeats"]}}],
    }
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def _server(handler: Callable[[ServerConnection], Awaitable[None]], **kwargs: Any):  # type: ignore[no-untyped-def]
    async with serve(handler, "127.0.0.1", 0, **kwargs) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}"


def _coinbase(url: str, **config: Any) -> WebSocketHandler:
    plan = make_plan("coinbase", ["BTC-USD"], ["level2"], url, stall_timeout_s=config.pop("stall", 5.0))
    return WebSocketHandler(plan, config=HandlerConfig(**{**FAST, **config}))


@pytest.mark.asyncio
async def test_connection_refused_raises_a_typed_error_and_logs_the_attempt(caplog: pytest.LogCaptureFixture) -> None:
    url = f"ws://127.0.0.1:{_free_port()}"
    handler = _coinbase(url)
    caplog.set_level(logging.INFO, logger="jtrader.live")
    async with asyncio.timeout(10):
        with pytest.raises(ConnectRefusedError) as info:
            await handler.connect()
    assert info.value.url == url
    assert handler.is_connected is False
    assert handler.state is HandlerState.DISCONNECTED
    assert isinstance(handler.last_error, ConnectRefusedError)
    assert f"connecting to {url} (attempt 1)" in caplog.text
    assert "attempt 1 failed" in caplog.text


@pytest.mark.asyncio
async def test_run_keeps_retrying_with_backoff_until_stopped() -> None:
    handler = _coinbase(f"ws://127.0.0.1:{_free_port()}")
    states: list[HandlerState] = []
    handler.on_state = states.append
    async with asyncio.timeout(10):
        task = asyncio.get_running_loop().create_task(handler.run())
        await until(lambda: handler.counters.connects >= 3, what="three attempts")
        handler.stop()
        await task
    assert handler.state is HandlerState.CLOSED and states[-1] is HandlerState.CLOSED
    assert HandlerState.CONNECTING in states and HandlerState.LIVE not in states
    assert isinstance(handler.last_error, ConnectRefusedError) and handler.counters.reconnects == 0


@pytest.mark.asyncio
async def test_a_handshake_answered_with_an_http_error_is_a_typed_rejection(binance_small: Path) -> None:
    async with LocalVenue(binance_small) as venue:
        plan = make_plan("binance", ["NOPEUSDT"], ["trade"], venue.url)
        handler = WebSocketHandler(plan, config=HandlerConfig(**FAST))
        async with asyncio.timeout(10):
            with pytest.raises(HandshakeRejectedError) as info:
                await handler.connect()
    assert info.value.status == 400 and handler.is_connected is False


@pytest.mark.asyncio
async def test_a_server_that_never_answers_the_handshake_times_out() -> None:
    done = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1 << 16)
        await reader.read(1 << 16)  # until the client gives up and closes
        writer.close()
        await writer.wait_closed()
        done.set()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        handler = _coinbase(f"ws://127.0.0.1:{port}", connect_timeout_s=0.2)
        async with asyncio.timeout(10):
            with pytest.raises(ConnectTimeoutError):
                await handler.connect()
            await done.wait()  # the client closed its socket
        assert handler.is_connected is False
    finally:
        server.close()
        await server.wait_closed()


async def _run_until(handler: WebSocketHandler, condition: Callable[[], bool], what: str) -> None:
    task = asyncio.get_running_loop().create_task(handler.run())
    try:
        await until(condition, 10, what)
    finally:
        handler.stop()
        await asyncio.wait_for(task, 10)


@pytest.mark.asyncio
async def test_a_server_that_never_acks_ends_in_a_subscribe_timeout_and_a_reconnect() -> None:
    seen: list[bytes] = []

    async def mute(ws: ServerConnection) -> None:
        async for message in ws:
            seen.append(message if isinstance(message, bytes) else message.encode())

    async with _server(mute) as url:
        handler = _coinbase(url, subscribe_timeout_s=0.2)
        errors: list[object] = []
        handler.on_state = lambda s: errors.append(handler.last_error) if s is HandlerState.DISCONNECTED else None
        await _run_until(handler, lambda: handler.counters.connects >= 2, "a second connection")
    assert any(isinstance(e, SubscribeTimeoutError) for e in errors)
    assert handler.is_connected is False
    assert [orjson.loads(m)["channel"] for m in seen[:2]] == ["level2", "heartbeats"]


@pytest.mark.asyncio
async def test_a_venue_error_frame_is_a_typed_error_and_the_handler_reconnects() -> None:
    async def erring(ws: ServerConnection) -> None:
        await ws.recv()
        await ws.send('{"type":"error","message":"too many L2 streams requested in a single session"}')
        await ws.wait_closed()

    async with _server(erring) as url:
        handler = _coinbase(url)
        await _run_until(handler, lambda: handler.counters.reconnects >= 1, "a reconnect")
    assert handler.counters.errors >= 1
    assert isinstance(handler.last_error, VenueErrorFrame)
    assert "too many L2 streams" in str(handler.last_error)
    assert handler.is_connected is False


@pytest.mark.asyncio
async def test_a_server_closing_mid_stream_is_a_connection_loss_with_its_close_code() -> None:
    async def closing(ws: ServerConnection) -> None:
        await ws.recv()
        await ws.send(ACK)
        await ws.close(1011, "internal error")

    async with _server(closing) as url:
        handler = _coinbase(url)
        lost: list[object] = []
        handler.on_state = lambda s: lost.append(handler.last_error) if s is HandlerState.DISCONNECTED else None
        await _run_until(handler, lambda: handler.counters.reconnects >= 2, "two reconnects")
    first = next(e for e in lost if e is not None)
    assert isinstance(first, ConnectionLostError) and first.code == 1011
    assert handler.counters.frames >= 2


@pytest.mark.asyncio
async def test_silence_after_the_ack_is_a_stall_and_the_handler_reconnects() -> None:
    async def quiet(ws: ServerConnection) -> None:
        await ws.recv()
        await ws.send(ACK)
        await ws.wait_closed()

    async with _server(quiet) as url:
        handler = _coinbase(url, stall=0.2)
        states: list[HandlerState] = []
        handler.on_state = states.append
        stalls: list[object] = []
        handler.on_state = lambda s: (states.append(s), stalls.append(handler.last_error))
        await _run_until(handler, lambda: handler.counters.stalls >= 1 and handler.counters.reconnects >= 1, "a stall")
    assert any(isinstance(e, StallError) for e in stalls)
    assert states[:4] == [
        HandlerState.CONNECTING,
        HandlerState.SUBSCRIBING,
        HandlerState.LIVE,
        HandlerState.DISCONNECTED,
    ]


@pytest.mark.asyncio
async def test_every_frame_is_handed_on_with_its_receive_time_before_parsing_even_a_malformed_one() -> None:
    async def talk(ws: ServerConnection) -> None:
        await ws.recv()
        await ws.send(ACK)
        await ws.send("{not json")
        await ws.wait_closed()

    async with _server(talk) as url:
        records: list[Record] = []
        handed: list[tuple[Record, list]] = []
        handler = _coinbase(url)
        handler.on_record = records.append
        handler.on_messages = lambda r, m: handed.append((r, m))
        await _run_until(handler, lambda: handler.counters.malformed >= 1, "the malformed frame")
    recv = [r for r in records if r.direction is Direction.RECV]
    assert [r.payload for r in recv][:2] == [ACK, b"{not json"]
    assert all(type(r.ts) is int and r.conn == "coinbase.ws.1" for r in recv)
    assert [r.ts for r in records] == sorted(r.ts for r in records), "receive times never go back"
    directions = [r.direction for r in records][:4]
    assert directions == [Direction.CONNECT, Direction.SEND, Direction.SEND, Direction.RECV]
    assert [r for r, _ in handed if r.direction is Direction.RECV][:2] == recv[:2]


@pytest.mark.asyncio
async def test_a_multi_megabyte_frame_arrives_whole() -> None:
    levels = [
        {
            "side": "bid",
            "event_time": "2026-01-01T00:00:00Z",
            "price_level": f"{60000 - i * 0.01:.2f}",
            "new_quantity": "1",
        }
        for i in range(60_000)
    ]
    snapshot = orjson.dumps(
        {
            "channel": "l2_data",
            "timestamp": "2026-01-01T00:00:00Z",
            "sequence_num": 1,
            "events": [{"type": "snapshot", "product_id": "BTC-USD", "updates": levels}],
        }
    )
    assert len(snapshot) > 5_000_000

    async def big(ws: ServerConnection) -> None:
        await ws.recv()
        await ws.send(ACK)
        await ws.send(snapshot)
        await ws.wait_closed()

    async with _server(big, max_size=None) as url:
        handler = _coinbase(url)
        await _run_until(handler, lambda: handler.counters.frames >= 2, "the snapshot")
    assert handler.counters.malformed == 0 and handler.counters.messages >= 1


@pytest.mark.asyncio
async def test_server_pings_are_answered_and_keep_the_connection_open() -> None:
    latencies: list[float] = []

    async def pinging(ws: ServerConnection) -> None:
        await ws.recv()
        await ws.send(ACK)
        for i in range(8):
            await asyncio.sleep(0.05)
            await ws.send(_heartbeat(i + 1))
        latencies.append(ws.latency)
        await ws.wait_closed()

    async with _server(pinging, ping_interval=0.05, ping_timeout=0.3) as url:
        handler = _coinbase(url, ping_interval_s=None)
        await _run_until(handler, lambda: bool(latencies), "the pings")
    assert latencies[0] > 0, "the server received pongs"
    assert handler.counters.reconnects == 0 and handler.counters.gaps == 0


@pytest.mark.asyncio
async def test_a_planned_reconnect_before_the_venue_limit_resyncs_the_books(binance_small: Path) -> None:
    async with LocalVenue(binance_small, speed=4.0) as venue:
        plan = make_plan("binance", ["BTCUSDT", "ETHUSDT"], (), venue.url)
        plan = dataclasses.replace(plan, max_connection_age_s=0.6, diff_wait_s=0.05)
        rest = RestClient("binance", plan.rest_url)
        handler = WebSocketHandler(plan, rest=rest, config=HandlerConfig(**FAST))
        try:
            await _run_until(
                handler,
                lambda: handler.counters.reconnects >= 2 and handler.state is HandlerState.LIVE,
                "two planned reconnects",
            )
        finally:
            await rest.aclose()
    assert "planned reconnect" in str(handler.last_error)
    assert handler.counters.http >= 3, "each connection synced its books from REST"


@pytest.mark.asyncio
async def test_binance_subscribe_frames_are_acked_and_the_loop_restart_is_survived(binance_small: Path) -> None:
    async with LocalVenue(binance_small, loop=True) as venue:
        plan = make_plan("binance", ["BTCUSDT"], ["depth@100ms", "trade"], venue.url, subscribe_by_frame=True)
        plan = dataclasses.replace(plan, diff_wait_s=0.05)
        rest = RestClient("binance", plan.rest_url)
        sent: list[bytes] = []
        handler = WebSocketHandler(
            plan,
            rest=rest,
            config=HandlerConfig(**FAST),
            on_record=lambda r: sent.append(r.payload) if r.direction is Direction.SEND else None,
        )
        try:
            await _run_until(
                handler,
                lambda: venue.plays >= 2 and handler.counters.reconnects >= 1 and handler.state is HandlerState.LIVE,
                "the second play",
            )
        finally:
            await rest.aclose()
    assert orjson.loads(sent[0]) == {"method": "SUBSCRIBE", "params": ["btcusdt@depth@100ms", "btcusdt@trade"], "id": 1}
    assert handler.adapter.stats.control >= 2 and handler.adapter.stats.notices >= 1  # acks, serverShutdown


def test_a_slow_consumer_loses_nothing_and_is_not_taken_for_a_stall(coinbase_small: Path) -> None:
    """serve in its own process, a consumer that takes 0.5 ms a frame: every frame arrives, in order."""

    async def main() -> WebSocketHandler:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "jtrader.cli", "serve", str(coinbase_small),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            url = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().split()[1]
            handler = _coinbase(url, stall=0.5)
            handler.plan = make_plan("coinbase", ["BTC-USD", "ETH-USD"], (), url, stall_timeout_s=0.5)
            handler.recovery = handler.plan.new_recovery()
            handler.on_messages = lambda r, m: time.sleep(0.0005) if r.direction is Direction.RECV else None
            frames = sum(1 for _ in _recv_frames(coinbase_small))
            await _run_until(handler, lambda: handler.counters.frames >= frames, "every frame")
            return handler
        finally:
            proc.terminate()
            await proc.wait()

    handler = asyncio.run(asyncio.wait_for(main(), 60))
    counters = handler.counters
    assert (counters.gaps, counters.stalls, counters.reconnects, counters.malformed) == (0, 0, 0, 0)
    assert handler.adapter.stats.duplicates == 0


def _recv_frames(path: Path):  # type: ignore[no-untyped-def]
    from jtrader.recording import open_source

    return (r for r in open_source(path) if r.direction == Direction.RECV)


@pytest.mark.asyncio
async def test_a_101_with_a_wrong_accept_key_is_a_failed_handshake() -> None:
    async def liar(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Accept: wrong\r\n\r\n")  # fmt: skip
        await writer.drain()
        await reader.read()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(liar, "127.0.0.1", 0)
    try:
        handler = _coinbase(f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}")
        async with asyncio.timeout(10):
            with pytest.raises(HandshakeRejectedError, match="handshake failed"):
                await handler.connect()
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.asyncio
async def test_misuse_is_refused_clearly() -> None:
    handler = _coinbase("ws://127.0.0.1:65535/x?y")
    with pytest.raises(ConnectionLostError, match="not connected"):
        await handler.receive()
    handler.stop()
    with pytest.raises(ConnectionLostError, match="stopped"):
        await handler.connect()
    await handler.close()
    assert handler.state is HandlerState.CLOSED


@pytest.mark.asyncio
async def test_receive_times_never_go_back_even_when_the_clock_does() -> None:
    async def talk(ws: ServerConnection) -> None:
        await ws.recv()
        await ws.send(ACK)
        for i in range(5):
            await ws.send(_heartbeat(i + 1))
        await ws.wait_closed()

    ticks = iter(range(10**18, 0, -1000))  # a clock that runs backwards
    async with _server(talk) as url:
        records: list[Record] = []
        plan = make_plan("coinbase", ["BTC-USD"], ["level2"], url)
        handler = WebSocketHandler(
            plan, config=HandlerConfig(**FAST), clock=lambda: next(ticks), on_record=records.append
        )
        await _run_until(handler, lambda: handler.counters.frames >= 6, "the heartbeats")
    stamps = [r.ts for r in records]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)


@pytest.mark.asyncio
async def test_a_snapshot_that_cannot_be_fetched_is_retried_later(binance_small: Path) -> None:
    async with LocalVenue(binance_small, faults=FaultSpec.parse("http_429=1")) as venue:
        plan = dataclasses.replace(make_plan("binance", ["BTCUSDT"], ["depth@100ms"], venue.url), diff_wait_s=0.05)
        rest = RestClient("binance", plan.rest_url, max_retries=0)
        handler = WebSocketHandler(plan, rest=rest, config=HandlerConfig(**FAST))
        try:
            await _run_until(handler, lambda: handler.recovery.stale >= 2, "two failed fetches")
        finally:
            await rest.aclose()
    assert handler.counters.resyncs >= 2 and handler.adapter.is_resyncing("BTCUSDT")
    async with LocalVenue(binance_small) as venue:
        plan = dataclasses.replace(make_plan("binance", ["BTCUSDT"], ["depth@100ms"], venue.url), diff_wait_s=0.05)
        no_rest = WebSocketHandler(plan, config=HandlerConfig(**FAST))
        await _run_until(no_rest, lambda: no_rest.recovery.stale >= 1, "a fetch without a REST client")
