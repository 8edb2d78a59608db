"""``record`` against ``serve``: the recording replays to the source's books, with and without faults."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from live_helpers import FAST, binance_observable_losses, record_until_settled, replay_books

from jtrader.errors import RecordingError
from jtrader.live.feeds import make_plan
from jtrader.live.handler import HandlerConfig
from jtrader.live.localvenue import FaultSpec, LocalVenue
from jtrader.live.record import Recorder, RecordOptions
from jtrader.model import BookResync, SequenceGap
from jtrader.recording import Direction, Record, open_recording, open_source
from jtrader.replay.runner import ReplayConfig, replay
from jtrader.venues import BinanceAdapter, CoinbaseAdapter

# fault kinds, at rates that hit a ~1,000-frame recording a handful of times
FAULTS = {
    "drop": "drop=0.02",
    "dup": "dup=0.03",
    "reorder": "reorder=0.05",
    "gap_every": "gap_every=150",
    "disconnect_every": "disconnect_every=300",
    "stall": "stall_s=0.6,stall_every=250",
    "malformed": "malformed=0.01",
    "error": "error=0.004",
    "all": "drop=0.01,dup=0.01,reorder=0.01,gap_every=200,disconnect_every=500,"
    "stall_s=0.6,stall_every=400,malformed=0.003",
}
#: the fault kinds that make the client see a gap on both venues (a Binance reorder swaps frames of
#: different streams more often than two diffs of one symbol: it may cause no gap at all; and under
#: "all" on Binance every loss may fall before the late snapshot of a reconnected client: see
#: binance_observable_losses, which the Binance gaps must equal)
LOSSY = {"drop", "reorder", "gap_every", "malformed", "all"}
_FAULT_KEY = {"gap_every": "gap", "disconnect_every": "disconnect", "stall": "stall"}


async def _run(source: Path, spec: str, out: Path, seed: int) -> dict[str, Any]:
    async with LocalVenue(source, faults=FaultSpec.parse(spec), seed=seed, heartbeat_fill_s=0.1) as venue:
        # the stall fault needs a stall timeout below its 0.6 s stall; elsewhere a stall or a missing
        # ack is not what is tested, and 18 sessions with their servers share this one event loop:
        # generous timeouts keep a loaded machine (the two-worker suite) from reconnecting them
        stall = 0.4 if "stall" in spec else 5.0
        summary = await record_until_settled(
            venue, out, stall_timeout_s=stall, timeout=60, quiet_s=0.25, subscribe_timeout_s=5.0
        )
        summary["server_connections"] = venue.connections
        summary["faults"] = venue.fault_counts()
    return summary


@pytest.fixture(scope="module")
def fault_runs(
    coinbase_small: Path, binance_small: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, str], tuple[dict[str, Any], Path, Path]]:
    """Every fault kind on both venues, recorded concurrently (one event loop: the waits overlap)."""
    folder = tmp_path_factory.mktemp("faults")
    jobs = {}
    for venue, source in (("coinbase", coinbase_small), ("binance", binance_small)):
        for name, spec in {"none": "", **FAULTS}.items():
            jobs[(venue, name)] = (source, spec, folder / f"{venue}_{name}.jtrec")

    async def main() -> list[dict[str, Any]]:
        async with asyncio.timeout(120):
            return await asyncio.gather(*(_run(src, spec, out, seed=7) for src, spec, out in jobs.values()))

    summaries = asyncio.run(main())
    return {key: (summary, job[0], job[2]) for (key, job), summary in zip(jobs.items(), summaries, strict=True)}


@pytest.mark.parametrize("venue", ["coinbase", "binance"])
def test_a_recording_of_serve_without_faults_replays_to_the_books_of_the_source(fault_runs: dict, venue: str) -> None:
    summary, source, out = fault_runs[(venue, "none")]
    counters = summary["counters"]
    assert (counters["gaps"], counters["reconnects"], counters["malformed"], counters["stalls"]) == (0, 0, 0, 0)
    books, _ = replay_books(out)
    assert books and books == replay_books(source)[0]
    # the replay runner agrees: same top of book, nothing resyncing
    theirs = replay(source, ReplayConfig(top=20, record_events=False)).summary["books"]
    ours = replay(out, ReplayConfig(top=20, record_events=False)).summary["books"]
    assert ours == theirs
    assert all(not book["resyncing"] for book in ours.values())


def _gaps_and_resyncs(path: Path) -> tuple[list[int], list[int]]:
    """Record numbers of the gaps a replay of ``path`` finds, and of the resync actions recorded
    (a level2 resubscribe, a REST depth snapshot, or a new connection)."""
    source = open_source(path)
    adapter: Any = CoinbaseAdapter() if source.header.venue == "coinbase" else BinanceAdapter()
    gaps, resyncs = [], []
    for n, (ts, direction, conn, payload, url) in enumerate(source):
        resubscribe = direction == Direction.SEND and b'"subscribe"' in payload and b'"level2"' in payload
        snapshot = direction == Direction.HTTP and url is not None and "/depth" in url
        if resubscribe or snapshot or direction == Direction.CONNECT:
            resyncs.append(n)
        before = adapter.stats.gaps
        if direction == Direction.RECV:
            messages = adapter.on_frame(ts, payload, conn)
            if adapter.stats.gaps != before or any(type(m) in (SequenceGap, BookResync) for m in messages):
                gaps.append(n)
        elif direction == Direction.HTTP:
            adapter.on_http(ts, url or "", payload)
            if adapter.stats.gaps != before:  # a held diff stepped after the snapshot was not the next one
                gaps.append(n)
        elif direction == Direction.CONNECT:
            adapter.on_connect(ts, conn)
        elif direction == Direction.DISCONNECT:
            adapter.on_disconnect(ts, conn)
    return gaps, resyncs


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("venue", ["coinbase", "binance"])
def test_with_each_fault_every_gap_is_followed_by_a_resync_and_the_books_still_match(
    fault_runs: dict, venue: str, fault: str
) -> None:
    summary, source, out = fault_runs[(venue, fault)]
    counters = summary["counters"]
    gaps, resyncs = _gaps_and_resyncs(out)
    for gap in gaps:
        assert any(r > gap for r in resyncs), f"gap at record {gap} is never followed by a resync"
    if fault != "all":
        assert summary["faults"][_FAULT_KEY.get(fault, fault)] > 0, "the server injected that fault"
    if venue == "binance":
        # exactly the losses the venue's rules make visible, no more, no fewer
        assert gaps == binance_observable_losses(out)
    if fault in LOSSY and not (venue == "binance" and fault in ("reorder", "all")):
        assert gaps and counters["gaps"] > 0 and counters["resyncs"] > 0
    if fault == "all":
        # every kind was injected; on Binance whether one of them lands after the snapshot depends on
        # how late the snapshot comes (the equality above is the check there)
        assert all(summary["faults"][kind] > 0 for kind in ("drop", "dup", "reorder", "gap", "stall"))
    assert replay_books(out)[0] == replay_books(source)[0]
    # the counters say what happened
    if fault == "dup":
        assert replay_books(out)[1].duplicates + replay_books(out)[1].stale > 0
    if fault == "malformed":
        assert counters["malformed"] > 0
    if fault == "disconnect_every":
        assert counters["reconnects"] > 0 and summary["server_connections"] == counters["connects"]
    if fault == "stall":
        assert counters["stalls"] > 0 and counters["reconnects"] > 0
    if fault == "error":
        assert counters["errors"] > 0 and counters["reconnects"] > 0
        assert "error" in summary["last_error"] or summary["last_error"] is None


def test_the_summary_names_the_handler_counters_and_the_recording_reads_back(fault_runs: dict) -> None:
    summary, _, out = fault_runs[("coinbase", "none")]
    assert set(summary["counters"]) >= {"frames", "messages", "reconnects", "gaps", "resyncs", "malformed", "stalls"}
    assert summary["stopped_by"] == "test"
    reader = open_recording(out)
    records = list(reader)
    assert not reader.truncated and len(records) == summary["records"]
    assert reader.header.venue == "coinbase" and reader.header.metadata["recorder"] == "jtrader record"
    directions = {r.direction for r in records}
    assert directions == {Direction.HTTP, Direction.CONNECT, Direction.SEND, Direction.RECV}


# -- the command, in subprocesses ----------------------------------------------------------------------
async def _start_serve(recording: Path, *extra: str) -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "jtrader.cli", "serve", str(recording), *extra,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
    assert line.startswith("listening ws://127.0.0.1:"), line
    return proc, line.split()[1]


def _records_so_far(path: Path) -> int:
    """Records readable in a recording another process is writing (0 before its header is on disk)."""
    try:
        return len(list(open_recording(path)))
    except RecordingError:  # not created yet, or created and still empty
        return 0


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), 15)


@pytest.mark.asyncio
async def test_record_stops_cleanly_on_sigint_and_prints_its_summary(binance_small: Path, tmp_path: Path) -> None:
    async with asyncio.timeout(60):
        serve, url = await _start_serve(binance_small, "--speed", "1")
        out = tmp_path / "sigint.jtrec"
        try:
            rec = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "jtrader.cli", "record", "--venue", "binance", "--products", "BTCUSDT,ETHUSDT",
                "--url", url, "--out", str(out), "--json",
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            while _records_so_far(out) < 20:
                await asyncio.sleep(0.1)
            rec.send_signal(signal.SIGINT)
            stdout, stderr = await rec.communicate()
        finally:
            await _stop(serve)
    assert rec.returncode == 0, stderr.decode()
    summary = orjson.loads(stdout)
    assert summary["stopped_by"] == "signal" and summary["state"] == "closed"
    reader = open_recording(out)
    assert len(list(reader)) == summary["records"] and not reader.truncated


@pytest.mark.asyncio
async def test_a_recording_killed_with_sigkill_replays_up_to_its_last_chunk(
    coinbase_small: Path, tmp_path: Path
) -> None:
    async with asyncio.timeout(60):
        serve, url = await _start_serve(coinbase_small, "--speed", "2")
        out = tmp_path / "killed.jtrec"
        try:
            rec = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "jtrader.cli", "record", "--venue", "coinbase", "--products", "BTC-USD,ETH-USD",
                "--url", url, "--out", str(out),
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            while _records_so_far(out) < 100:
                await asyncio.sleep(0.1)
            os.kill(rec.pid, signal.SIGKILL)
            await rec.wait()
        finally:
            await _stop(serve)
    assert rec.returncode == -signal.SIGKILL
    records = list(open_recording(out))
    assert len(records) >= 100
    outcome = replay(out, ReplayConfig(record_events=False))
    assert outcome.summary["records"] == len(records)
    assert outcome.summary["books"]["BTC-USD"]["bids"], "the replay of the killed recording has a book"


@pytest.mark.asyncio
async def test_record_stops_after_max_messages_and_writes_what_it_received(
    coinbase_small: Path, tmp_path: Path
) -> None:
    async with asyncio.timeout(60):
        serve, url = await _start_serve(coinbase_small)
        out = tmp_path / "max.jtrec"
        try:
            rec = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "jtrader.cli", "record", "--venue", "coinbase", "--products", "BTC-USD",
                "--channels", "level2", "--url", url, "--max-messages", "50", "--out", str(out),
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            stdout, stderr = await rec.communicate()
        finally:
            await _stop(serve)
    assert rec.returncode == 0, stderr.decode()
    assert "stopped by max-messages" in stdout.decode()
    recv = [r for r in open_recording(out) if r.direction == Direction.RECV]
    assert len(recv) == 50


# -- the end of a --duration session: a resync under way is finished, within --settle-timeout -------------------
async def _finish_at_the_first_gap(source: Path, out: Path, settle_timeout_s: float) -> tuple[Recorder, dict]:
    """Record ``source`` served with a sequence gap every 100 frames; call :meth:`Recorder.finish` (what
    ``--duration`` running out does) right after the frame that shows the first gap, with its resync under way."""
    async with LocalVenue(source, faults=FaultSpec.parse("gap_every=100"), seed=3, heartbeat_fill_s=0.1) as venue:
        plan = make_plan(venue.venue, list(venue.prescan.products), (), venue.url, stall_timeout_s=2.0)
        options = RecordOptions(out=out, settle_timeout_s=settle_timeout_s, handler=HandlerConfig(**FAST))
        recorder = Recorder(plan, options)
        finishing: list[asyncio.Task[None]] = []

        def on_messages(record: Record, messages: list[Any]) -> None:
            if not finishing and any(type(m) is SequenceGap for m in messages):
                finishing.append(asyncio.get_running_loop().create_task(recorder.finish("duration")))

        recorder.handler.on_messages = on_messages
        summary = await asyncio.wait_for(recorder.run(), 30)
        assert finishing and finishing[0].done()
    return recorder, summary


def _resubscribed_products(path: Path) -> int:
    """Products resubscribed in ``path``: ``level2`` subscribe frames sent right after a ``level2`` unsubscribe."""
    count, previous = 0, None
    for record in open_source(path):
        if record.direction != Direction.SEND:
            continue
        frame = orjson.loads(record.payload)
        if frame["type"] == "subscribe" and frame["channel"] == "level2" and previous == ("unsubscribe", "level2"):
            count += len(frame["product_ids"])
        previous = (frame["type"], frame["channel"])
    return count


@pytest.mark.asyncio
async def test_a_duration_that_ends_during_a_resync_waits_for_it_and_the_recording_ends_in_sync(
    coinbase_small: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "settled.jtrec"
    with caplog.at_level(logging.INFO, logger="jtrader.live.record"):
        recorder, summary = await _finish_at_the_first_gap(coinbase_small, out, settle_timeout_s=20.0)
    assert summary["stopped_by"] == "duration" and summary["resyncing_at_end"] == []
    assert summary["settle_s"] > 0, "the session went on after the duration, for the resync"
    assert "a resync is under way" in caplog.text and "still resyncing" not in caplog.text
    gaps, resyncs = _gaps_and_resyncs(out)
    assert gaps and all(any(r > gap for r in resyncs) for gap in gaps)
    # the replay ends with every book known and counts the resyncs the live session started
    outcome = replay(out, ReplayConfig(top=5, record_events=False))
    assert all(not book["resyncing"] for book in outcome.summary["books"].values())
    assert outcome.summary["resyncs"] == summary["adapter"]["resyncs"] > 0
    # every resync the session counted was carried out before it stopped: its frames are in the file
    assert summary["counters"]["resyncs"] == _resubscribed_products(out) > 0
    books, _ = replay_books(out)
    assert set(books) == set(recorder.plan.products)


@pytest.mark.asyncio
async def test_a_resync_that_cannot_finish_within_the_settle_timeout_is_named_in_the_summary_and_the_log(
    coinbase_small: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "unsettled.jtrec"
    with caplog.at_level(logging.INFO, logger="jtrader.live.record"):
        recorder, summary = await _finish_at_the_first_gap(coinbase_small, out, settle_timeout_s=0.0)
    products = sorted(recorder.plan.products)
    assert summary["stopped_by"] == "duration" and summary["resyncing_at_end"] == products
    assert "still resyncing" in caplog.text and all(p in caplog.text for p in products)
    # the recording says the same: its replay ends with those books resyncing, never a wrong book
    outcome = replay(out, ReplayConfig(top=5, record_events=False))
    assert sorted(s for s, book in outcome.summary["books"].items() if book["resyncing"]) == products
    assert replay_books(out)[0] == {}
