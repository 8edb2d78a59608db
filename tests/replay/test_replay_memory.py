"""Replay memory stays flat as the recording grows: reader, adapter, engine and books stream.

Peak memory is measured with ``tracemalloc`` around whole replays (reader, decompression, adapter,
engine, simulated exchange) of a generated session and of one four times longer, after a warm-up
replay (imports, first-use caches). It is a memory bound, not a time: the longer session must not
need even twice the peak of the shorter one (a replay holding its messages would need about 4x).
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from jtrader.marketgen import generate
from jtrader.replay.runner import ReplayConfig, replay

SHORT_S = 60


def peak_bytes_of_replay(path: Path) -> tuple[int, int]:
    """(peak traced bytes during the replay, frames replayed)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        outcome = replay(path, ReplayConfig(record_events=False))
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    return peak, outcome.summary["messages"]


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    folder = tmp_path_factory.mktemp("memory")
    out = {}
    for seconds in (5, SHORT_S, 4 * SHORT_S):
        out[seconds] = folder / f"coinbase_{seconds}s.jtrec"
        generate("coinbase", seconds, 5, out[seconds])
    return out


@pytest.mark.skipif(tracemalloc.is_tracing(), reason="tracemalloc is already in use by this interpreter")
def test_a_recording_four_times_longer_does_not_need_twice_the_peak_memory(sessions: dict[int, Path]) -> None:
    replay(sessions[5], ReplayConfig(record_events=False))  # warm-up: imports and first-use caches
    short_peak, short_frames = peak_bytes_of_replay(sessions[SHORT_S])
    long_peak, long_frames = peak_bytes_of_replay(sessions[4 * SHORT_S])
    assert long_frames > 3.5 * short_frames  # the long replay really did about four times the work
    assert long_peak < 2 * short_peak, f"peak {short_peak} B for {SHORT_S} s, {long_peak} B for {4 * SHORT_S} s"


def test_keeping_every_message_would_break_the_memory_bound(sessions: dict[int, Path]) -> None:
    """The bound can fail: memory that grows with the recording (here, events kept) does break it."""
    from jtrader.recording import open_recording

    def held(path: Path) -> int:
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            records = list(open_recording(path))
            peak = tracemalloc.get_traced_memory()[1] - before
            del records
        finally:
            tracemalloc.stop()
        return peak

    if tracemalloc.is_tracing():
        pytest.skip("tracemalloc is already in use by this interpreter")
    assert held(sessions[4 * SHORT_S]) > 2 * held(sessions[SHORT_S])
