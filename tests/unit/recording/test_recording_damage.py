"""Damaged, cut-off, empty, foreign and missing files: the reader's promises."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jtrader.errors import RecordingError
from jtrader.recording import Direction, Record, RecordingWriter, open_recording
from jtrader.recording._format import CHUNK_HEAD, MAGIC, RECORD_HEAD
from jtrader.recording.damage import TimestampGuard
from jtrader.recording.reader import _decode_batch

T0 = 1_767_225_600_000_000_000


def make(path: Path, n: int = 30, per_chunk: int = 5) -> tuple[list[Record], list[int]]:
    """Write n records in chunks of per_chunk; return them and the byte offset where each chunk ends."""
    records = [Record(T0 + i, Direction.RECV, "c", b"payload-%d" % i) for i in range(n)]
    ends = []
    with RecordingWriter(path, "coinbase", ["BTC-USD"], created_ns=T0, max_records=per_chunk) as writer:
        ends.append(path.stat().st_size)
        for record in records:
            writer.write_record(record)
            if writer._n == 0:  # a chunk was just written
                ends.append(path.stat().st_size)
    return records, ends


def test_a_file_cut_at_any_byte_reads_back_every_complete_chunk_and_says_it_is_truncated(tmp_path: Path) -> None:
    """A cut between two chunks too: only the end marker, written by ``close``, makes a file complete."""
    source = tmp_path / "full.jtrec"
    records, ends = make(source, n=12, per_chunk=3)
    data = source.read_bytes()
    assert len(data) > ends[-1]  # the end marker follows the last chunk
    header_end = ends[0]
    cut = tmp_path / "cut.jtrec"
    for size in range(len(data) + 1):
        cut.write_bytes(data[:size])
        if size < header_end:
            with pytest.raises(RecordingError):
                open_recording(cut)
            continue
        reader = open_recording(cut)
        got = list(reader)
        complete_chunks = sum(1 for end in ends[1:] if end <= size)
        assert got == records[: 3 * complete_chunks], size
        complete = size == len(data)
        assert reader.truncated is (not complete), size
        assert reader.truncated_at == (None if complete else max(e for e in ends if e <= size)), size
        assert reader.ended is complete and reader.damage.problems == (0 if complete else 1)


def test_a_corrupt_chunk_in_the_middle_is_skipped_and_counted(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "a.jtrec"
    records, ends = make(path, n=20, per_chunk=5)
    data = bytearray(path.read_bytes())
    middle = (ends[2] + ends[3]) // 2  # inside the third records chunk
    data[middle] ^= 0xFF
    path.write_bytes(bytes(data))
    reader = open_recording(path)
    with caplog.at_level(logging.WARNING, logger="jtrader.recording"):
        got = list(reader)
    assert got == records[:10] + records[15:]
    assert reader.corrupt_chunks == 1
    assert not reader.truncated
    assert reader.damage.lost_records == 5  # the end marker counts 20 records
    assert f"corrupt chunks at byte {ends[2]}" in caplog.text and "5 records announced" in caplog.text


def test_a_corrupt_chunk_length_in_the_middle_is_skipped_by_scanning_for_the_next_frame(tmp_path: Path) -> None:
    path = tmp_path / "a.jtrec"
    records, ends = make(path, n=20, per_chunk=5)
    data = bytearray(path.read_bytes())
    data[ends[1] : ends[1] + 4] = (2**31).to_bytes(4, "little")  # absurd length of chunk 2
    path.write_bytes(bytes(data))
    reader = open_recording(path)
    assert list(reader) == records[:5] + records[10:]
    assert reader.corrupt_chunks == 1


def test_garbage_appended_after_the_end_marker_is_reported_and_ignored(tmp_path: Path) -> None:
    path = tmp_path / "a.jtrec"
    records, _ = make(path, n=10, per_chunk=5)
    size = path.stat().st_size
    with open(path, "ab") as f:
        f.write(b"\x00garbage\x28\xb5\x2f\xfdnot a frame")
    reader = open_recording(path)
    assert list(reader) == records
    assert not reader.truncated and reader.ended and reader.corrupt_chunks == 1
    assert reader.damage.events[0].offset == size


def test_garbage_after_the_last_chunk_of_an_unfinished_file_marks_it_truncated(tmp_path: Path) -> None:
    path = tmp_path / "a.jtrec"
    writer = RecordingWriter(path, "coinbase", ["BTC-USD"], created_ns=T0)
    writer.write(T0, "recv", "c", b"one")
    writer.abort()  # flushed, no end marker
    end = path.stat().st_size
    with open(path, "ab") as f:
        f.write(b"\x00garbage\x28\xb5\x2f\xfdnot a frame")
    reader = open_recording(path)
    assert [r.payload for r in reader] == [b"one"]
    assert reader.truncated and reader.truncated_at == end and not reader.ended


def test_a_chunk_whose_records_overrun_it_is_treated_as_corrupt(tmp_path: Path) -> None:
    import zstandard

    path = tmp_path / "a.jtrec"
    records = [Record(T0 + i, Direction.RECV, "c", b"payload-%d" % i) for i in range(5)]
    with pytest.raises(KeyboardInterrupt), RecordingWriter(path, "coinbase", ["BTC-USD"], created_ns=T0) as writer:
        for record in records:
            writer.write_record(record)
        raise KeyboardInterrupt  # an interrupted session: what was written stays, without an end marker
    bad_raw = b"\x00\x00" + b"\x01" * 10  # no conns, then half a record head
    compressed = zstandard.ZstdCompressor(write_checksum=True).compress(bad_raw)
    with open(path, "ab") as f:
        f.write(CHUNK_HEAD.pack(len(compressed), len(bad_raw)) + compressed)
    reader = open_recording(path)
    assert list(reader) == records
    assert reader.truncated


def test_a_damaged_end_marker_reads_as_truncated_and_the_records_before_it_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.jtrec"
    records, ends = make(path, n=6, per_chunk=3)
    data = bytearray(path.read_bytes())
    data[-2] ^= 0xFF  # inside the end marker's JSON: its CRC no longer matches
    path.write_bytes(bytes(data))
    reader = open_recording(path)
    assert list(reader) == records
    assert reader.truncated and reader.truncated_at == ends[-1] and not reader.ended


def test_records_with_impossible_times_are_skipped_counted_and_never_move_the_clock(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    day = 86_400_000_000_000
    path = tmp_path / "a.jtrec"
    times = [T0, T0 + 2 * day, T0 + 1, T0 + 31 * 365 * day, T0 + 2, T0 + 3]
    with RecordingWriter(path, "coinbase", ["BTC-USD"], created_ns=T0) as writer:
        for i, ts in enumerate(times):
            writer.write(ts, "recv", "c", b"%d" % i)
    reader = open_recording(path)
    with caplog.at_level(logging.WARNING, logger="jtrader.recording"):
        got = list(reader)
    assert [r.ts for r in got] == [T0, T0 + 1, T0 + 2, T0 + 3]
    assert reader.damage.bad_timestamps == 2 and reader.damage.lost_records == 0
    assert "jumps more than a day" in caplog.text


def test_a_version_1_recording_without_an_end_marker_is_read_as_it_always_was(tmp_path: Path) -> None:
    path = tmp_path / "old.jtrec"
    records = [Record(T0 + i, Direction.RECV, "c", b"%d" % i) for i in range(4)]
    writer = RecordingWriter(path, "coinbase", ["BTC-USD"], created_ns=T0)
    for record in records:
        writer.write_record(record)
    writer.abort()  # version 1 writers wrote no end marker
    data = bytearray(path.read_bytes())
    data[6] = 1
    path.write_bytes(bytes(data))
    reader = open_recording(path)
    assert reader.version == 1 and list(reader) == records
    assert not reader.truncated and not reader.ended and reader.damage.problems == 0


def test_an_empty_file_raises_one_clear_recording_error(tmp_path: Path) -> None:
    (tmp_path / "e.jtrec").write_bytes(b"")
    with pytest.raises(RecordingError, match="is empty"):
        open_recording(tmp_path / "e.jtrec")


def test_a_file_of_another_format_raises_a_recording_error(tmp_path: Path) -> None:
    (tmp_path / "x.jtrec").write_text("timestamp,open,high,low,close\n")
    with pytest.raises(RecordingError, match="not a jtrader recording"):
        open_recording(tmp_path / "x.jtrec")


def test_a_missing_file_raises_a_recording_error(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="does not exist"):
        open_recording(tmp_path / "nope.jtrec")


def test_a_directory_raises_a_recording_error(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="cannot open"):
        open_recording(tmp_path)


def test_a_newer_format_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.jtrec"
    make(path, n=1)
    data = bytearray(path.read_bytes())
    data[6] = 99
    path.write_bytes(bytes(data))
    with pytest.raises(RecordingError, match="version 99"):
        open_recording(path)


def test_a_header_that_is_not_jtrader_json_is_refused(tmp_path: Path) -> None:
    import zstandard

    raw = b'{"hello": 1}'
    compressed = zstandard.ZstdCompressor().compress(raw)
    path = tmp_path / "a.jtrec"
    path.write_bytes(MAGIC + CHUNK_HEAD.pack(len(compressed), len(raw)) + compressed)
    with pytest.raises(RecordingError, match="header is unreadable"):
        open_recording(path)


WRITER_SCRIPT = textwrap.dedent(
    """
    import sys
    from jtrader.recording import RecordingWriter
    with RecordingWriter(sys.argv[1], "coinbase", ["BTC-USD"], created_ns=1, max_records=7) as w:
        i = 0
        while True:
            w.write(1_767_225_600_000_000_000 + i, "recv", "ws", b'{"n": %d}' % i)
            i += 1
    """
)


def test_a_writer_killed_with_sigkill_leaves_a_readable_file(tmp_path: Path) -> None:
    path = tmp_path / "killed.jtrec"
    proc = subprocess.Popen([sys.executable, "-c", WRITER_SCRIPT, str(path)])
    try:
        for _ in range(2_000):  # wait (bounded by a count, not by a clock) until chunks land on disk
            if path.exists() and path.stat().st_size > 4_096:
                break
            time.sleep(0.01)
        else:
            pytest.fail("the writer process wrote nothing")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    reader = open_recording(path)
    got = list(reader)
    assert reader.truncated and not reader.ended  # killed: no end marker
    assert len(got) >= 7
    assert len(got) % 7 == 0  # whole chunks only
    assert [r.payload for r in got] == [b'{"n": %d}' % i for i in range(len(got))]
    assert [r.ts for r in got] == sorted(r.ts for r in got)


DAY = 86_400_000_000_000
step = st.one_of(
    st.integers(min_value=-(10**9), max_value=10**12),  # the usual: small steps, some backwards
    st.integers(min_value=-2 * DAY, max_value=2 * DAY),  # around the one-day limit
    st.sampled_from([DAY, -DAY, DAY + 1, -DAY - 1, DAY // 2, DAY // 2 + 1, 40 * 365 * DAY, -(2**62)]),
)


@settings(max_examples=300)
@given(start=st.integers(min_value=T0 - 30 * DAY, max_value=T0 + 30 * DAY), steps=st.lists(step, max_size=40))
def test_the_fast_time_window_refuses_exactly_what_the_one_day_rule_refuses(start: int, steps: list[int]) -> None:
    times = [start]
    for delta in steps:
        times.append(times[-1] + delta)
    raw = b"\x01\x00\x01\x00c" + b"".join(RECORD_HEAD.pack(ts, 0, 0, 0, 0) for ts in times if -(2**63) <= ts < 2**63)
    batch = _decode_batch(raw, None)
    guard = TimestampGuard()
    expected = [ts for ts in times if -(2**63) <= ts < 2**63 and guard.check(ts) is None]
    assert [record.ts for record in batch.records] == expected
    assert len(batch.bad) == sum(1 for ts in times if -(2**63) <= ts < 2**63) - len(expected)


def end_marker(body: bytes) -> bytes:
    import zlib

    from jtrader.recording._format import END_HEAD, END_TAG

    return CHUNK_HEAD.pack(0, len(body)) + END_HEAD.pack(END_TAG, zlib.crc32(body)) + body


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"records": "many"}'])
def test_an_end_marker_whose_json_is_not_a_record_count_reads_as_truncated(tmp_path: Path, body: bytes) -> None:
    path = tmp_path / "a.jtrec"
    records, ends = make(path, n=3, per_chunk=3)
    path.write_bytes(path.read_bytes()[: ends[-1]] + end_marker(body))
    reader = open_recording(path)
    assert list(reader) == records and reader.truncated and not reader.ended


def test_a_corrupt_last_chunk_is_skipped_to_the_end_marker_which_counts_the_loss(tmp_path: Path) -> None:
    path = tmp_path / "a.jtrec"
    records, ends = make(path, n=6, per_chunk=3)
    data = bytearray(path.read_bytes())
    data[(ends[1] + ends[2]) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    reader = open_recording(path)
    assert list(reader) == records[:3]
    assert reader.ended and not reader.truncated
    assert (reader.corrupt_chunks, reader.damage.lost_records) == (1, 3)


def test_a_corrupt_chunk_longer_than_the_scan_block_is_skipped(tmp_path: Path) -> None:
    import random

    path = tmp_path / "a.jtrec"
    noise = random.Random(3).randbytes(3 << 20)  # incompressible: the chunk stays 3 MiB on disk
    with RecordingWriter(path, "coinbase", [], created_ns=T0, max_records=1) as writer:
        writer.write(T0, "recv", "c", noise)
        writer.write(T0 + 1, "recv", "c", b"after")
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF
    path.write_bytes(bytes(data))
    reader = open_recording(path)
    assert [r.payload for r in reader] == [b"after"] and reader.corrupt_chunks == 1


def test_two_broken_chunks_in_a_row_are_both_passed_over(tmp_path: Path) -> None:
    import zstandard

    path = tmp_path / "a.jtrec"
    writer = RecordingWriter(path, "coinbase", [], created_ns=T0)
    writer.write(T0, "recv", "c", b"one")
    writer.abort()
    bad_raw = b"\x00\x00" + b"\x01" * 10
    compressed = zstandard.ZstdCompressor(write_checksum=True).compress(bad_raw)
    with open(path, "ab") as f:
        f.write((CHUNK_HEAD.pack(len(compressed), len(bad_raw)) + compressed) * 2)
    reader = open_recording(path)
    assert [r.payload for r in reader] == [b"one"] and reader.truncated


def test_a_broken_record_layout_with_an_impossible_time_is_a_broken_chunk() -> None:
    raw = b"\x01\x00\x01\x00c" + RECORD_HEAD.pack(-5, 9, 0, 0, 0)  # bad time and a direction code of 9
    with pytest.raises(ValueError, match="direction code 9"):
        _decode_batch(raw, None)


def test_the_timestamp_guard_refuses_what_is_not_an_integer() -> None:
    guard = TimestampGuard(anchor=5)  # an implausible anchor is no anchor
    assert guard.last is None
    assert guard.check(1.5e18) == "timestamp 1.5e+18 is not an integer of ns"
    assert guard.check(T0) is None and guard.last == T0


def test_the_writer_keeps_a_source_damage_report_and_refuses_one_that_is_not_json(tmp_path: Path) -> None:
    writer = RecordingWriter(tmp_path / "a.jtrec", "coinbase", [], created_ns=T0)
    writer.source_damage = {"problems": object()}
    with pytest.raises(RecordingError, match="not JSON"):
        writer.close()
    writer.abort()  # closed already: nothing happens
    other = RecordingWriter(tmp_path / "b.jtrec", "coinbase", [], created_ns=T0)
    other.abort()
    other.abort()
    assert open_recording(tmp_path / "b.jtrec").header.venue == "coinbase"
