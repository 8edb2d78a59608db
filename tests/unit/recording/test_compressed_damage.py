"""Cut and corrupt zstd/gzip captures: every reader says what it lost, where, and keeps the rest."""

from __future__ import annotations

import gzip
import logging
import zlib
from pathlib import Path

import orjson
import pytest
import zstandard

from jtrader.recording import CryptofeedSource, HftbacktestSource, open_source
from jtrader.recording._textfiles import LineReader
from jtrader.recording.damage import DamageReport

DAY = 86_400_000_000_000
H0 = 1_723_161_253_000_000_000
HEADER = b'{"t":"header","exchange":"BINANCE","config":{"trades":["BTC-USDT"]},"recorded":1723161253.0}\n'


def cf_lines(n: int, start: int = 0) -> bytes:
    """``n`` cryptofeed recv lines, one per ms from 1723161253 s."""
    return b"".join(
        orjson.dumps({"t": "recv", "conn": "ws", "ts": 1723161253 + (start + i) / 1000, "data": f"frame-{start + i}"})
        + b"\n"
        for i in range(n)
    )


def hft_lines(n: int, start: int = 0) -> bytes:
    return b"".join(
        b'%d {"stream":"btcusdt@trade","data":{"i":%d}}\n' % (H0 + (start + i) * 1000, start + i) for i in range(n)
    )


def payloads(source: object) -> list[bytes]:
    return [record.payload for record in source]  # type: ignore[attr-defined]


# -- cut off ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("compression", ["zstd", "gzip"])
def test_a_cut_compressed_capture_keeps_every_whole_line_and_is_truncated_where_it_stops(
    tmp_path: Path, compression: str, caplog: pytest.LogCaptureFixture
) -> None:
    raw = HEADER + cf_lines(5_000)
    data = zstandard.ZstdCompressor().compress(raw) if compression == "zstd" else gzip.compress(raw, mtime=0)
    path = tmp_path / f"c.jsonl.{compression}"
    cut = len(data) * 2 // 3
    path.write_bytes(data[:cut])
    source = CryptofeedSource(path)
    with caplog.at_level(logging.WARNING, logger="jtrader.recording"):
        got = payloads(source)
    assert 1_000 < len(got) < 5_000  # before: 0 records (zstd) or all of them read as complete (gzip)
    assert got == [b"frame-%d" % i for i in range(len(got))]
    assert source.truncated and source.damage.truncated_at == cut
    assert f"truncated at byte {cut}" in caplog.text


def test_a_cut_gzip_hftbacktest_capture_reads_the_lines_before_the_cut(tmp_path: Path) -> None:
    data = gzip.compress(hft_lines(20_000), mtime=0)
    path = tmp_path / "h.gz"
    path.write_bytes(data[: len(data) // 3])
    source = HftbacktestSource(path)
    got = [record.ts for record in source]
    assert got == [H0 + i * 1000 for i in range(len(got))] and len(got) > 1_000
    assert source.truncated and source.damage.describe()[0].startswith(f"truncated at byte {len(data) // 3}")


# -- corrupt -------------------------------------------------------------------------------------------
def test_a_corrupt_zstd_frame_in_the_middle_is_skipped_and_the_next_frame_read(tmp_path: Path) -> None:
    cctx = zstandard.ZstdCompressor(write_checksum=True)
    frames = [
        cctx.compress(HEADER + cf_lines(100)),
        cctx.compress(cf_lines(100, 100)),
        cctx.compress(cf_lines(100, 200)),
    ]
    data = bytearray(b"".join(frames))
    second = len(frames[0])
    data[second + len(frames[1]) // 2] ^= 0xFF
    path = tmp_path / "c.jsonl.zst"
    path.write_bytes(bytes(data))
    source = CryptofeedSource(path)
    got = payloads(source)
    assert got[:100] == [b"frame-%d" % i for i in range(100)]
    assert got[-100:] == [b"frame-%d" % i for i in range(200, 300)]
    assert source.damage.corrupt_chunks == 1 and source.damage.events[0].offset == second
    assert not source.truncated


def test_a_corrupt_single_zstd_frame_says_the_rest_of_the_file_is_unreadable(tmp_path: Path) -> None:
    data = bytearray(zstandard.ZstdCompressor(write_checksum=True).compress(HEADER + cf_lines(3_000)))
    data[len(data) - 10] ^= 0xFF
    path = tmp_path / "c.jsonl.zst"
    path.write_bytes(bytes(data))
    source = CryptofeedSource(path)
    payloads(source)
    (event,) = [e for e in source.damage.events if e.kind == "corrupt_chunks"]
    assert event.offset == 0 and "the rest of the file is unreadable" in event.detail


def test_a_gzip_member_that_fails_its_crc_is_corrupt_and_a_later_member_is_still_read(tmp_path: Path) -> None:
    members = [gzip.compress(HEADER + cf_lines(50), mtime=0), gzip.compress(cf_lines(50, 50), mtime=0)]
    data = bytearray(b"".join(members))
    data[len(members[0]) - 6] ^= 0xFF  # inside the first member's CRC32 trailer
    path = tmp_path / "c.jsonl.gz"
    path.write_bytes(bytes(data))
    source = CryptofeedSource(path)
    got = payloads(source)
    salvaged = len(got) - 50  # the first member's lines up to its last small step before the bad CRC
    assert got == [b"frame-%d" % i for i in (*range(salvaged), *range(50, 100))] and salvaged > 30
    assert source.damage.corrupt_chunks == 1 and "CRC" in source.damage.events[0].detail
    assert source.damage.unreadable_lines == 0  # the line cut by the damage is part of the damage


def test_trailing_garbage_after_the_last_zstd_frame_is_reported(tmp_path: Path) -> None:
    frame = zstandard.ZstdCompressor().compress(HEADER + cf_lines(10))
    path = tmp_path / "c.jsonl.zst"
    path.write_bytes(frame + b"\x00garbage")
    source = CryptofeedSource(path)
    assert len(payloads(source)) == 10
    assert source.damage.corrupt_chunks == 1 and source.damage.events[0].offset == len(frame)


@pytest.mark.shared_data
def test_a_flipped_byte_in_the_real_gzip_capture_never_moves_the_clock_and_is_reported(
    shared_data: Path, tmp_path: Path
) -> None:
    data = bytearray((shared_data / "binance" / "spot_btcusdt_20240808.gz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    path = tmp_path / "flip.gz"
    path.write_bytes(bytes(data))
    source = open_source(path)
    times = [record.ts for record in source]
    damage = source.damage
    (crc,) = [event for event in damage.events if event.kind == "corrupt_chunks"]
    assert damage.corrupt_chunks == 1 and "CRC" in crc.detail and crc.offset == 0  # deflate knows at the end
    assert damage.bad_timestamps > 0 and damage.unreadable_lines > 0  # the garbled lines after the flip
    assert max(times) - min(times) < DAY  # before: receive times in 1975, 2006, 2032...
    assert len(times) > 20_000


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("relative", "kept"),
    [
        # the exchangeInfo line (2.2 MB of the 2.3 MB) comes first: cut after it
        ("binance/cryptofeed_spot_4symbols_2021-10-12.jsonl.zst", 0.97),
        ("coinbase/advanced_trade_btc_eth_2026-08-09.jsonl.zst", 0.5),
    ],
)
def test_a_real_zstd_capture_cut_short_reads_every_whole_line_before_the_cut_and_is_truncated(
    shared_data: Path, tmp_path: Path, relative: str, kept: float
) -> None:
    data = (shared_data / relative).read_bytes()
    cut = int(len(data) * kept)
    path = tmp_path / "cut.jsonl.zst"
    path.write_bytes(data[:cut])
    source = open_source(path)
    got = list(source)
    full = list(open_source(shared_data / relative))
    whole = zstandard.ZstdDecompressor().decompressobj().decompress(data[:cut])
    complete_lines = whole.count(b"\n") - 1  # minus the header line
    assert len(got) == complete_lines > 0  # before: "replayed 0 records"
    assert set(got) <= set(full)
    assert source.truncated and source.damage.truncated_at == cut


# -- the line reader itself ---------------------------------------------------------------------------
def test_plain_files_and_a_missing_last_newline(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_bytes(b"a\nb\n\nc")
    reader = LineReader(path, DamageReport(str(path)))
    assert list(reader) == [b"a", b"b", b"", b"c"] and reader.unterminated
    path.write_bytes(b"a\n")
    reader = LineReader(path, DamageReport(str(path)))
    assert list(reader) == [b"a"] and not reader.unterminated


def test_many_gzip_members_and_zstd_frames_read_as_one_stream(tmp_path: Path) -> None:
    text = [b"line %d" % i for i in range(30)]
    members = b"".join(gzip.compress(b"\n".join(text[i : i + 10]) + b"\n", mtime=0) for i in range(0, 30, 10))
    frames = b"".join(
        zstandard.ZstdCompressor().compress(b"\n".join(text[i : i + 10]) + b"\n") for i in range(0, 30, 10)
    )
    for name, data in (("m.gz", members), ("f.zst", frames)):
        path = tmp_path / name
        path.write_bytes(data)
        report = DamageReport(str(path))
        assert list(LineReader(path, report)) == text and report.problems == 0


def test_a_corrupt_gzip_member_with_no_later_member_reports_the_rest_unreadable(tmp_path: Path) -> None:
    data = bytearray(gzip.compress(b"x" * 100_000, mtime=0))
    data[20] ^= 0xFF
    path = tmp_path / "c.gz"
    path.write_bytes(bytes(data))
    report = DamageReport(str(path))
    list(LineReader(path, report))
    assert report.corrupt_chunks == 1 and "rest of the file is unreadable" in report.events[0].detail
    assert zlib.crc32(b"") == 0  # zlib is the decoder: no Python gzip module in the path


def test_a_scanned_gzip_magic_that_starts_no_member_is_passed_over(tmp_path: Path) -> None:
    first = bytearray(gzip.compress(HEADER + cf_lines(2_000), mtime=0))
    first[len(first) // 2] ^= 0xFF
    decoy = b"\x1f\x8b\x08" + b"\xff" * 50  # looks like a member, is not one
    path = tmp_path / "c.jsonl.gz"
    path.write_bytes(bytes(first) + decoy + gzip.compress(cf_lines(10, 5_000), mtime=0))
    source = CryptofeedSource(path)
    got = payloads(source)
    assert got[-10:] == [b"frame-%d" % i for i in range(5_000, 5_010)]
    assert source.damage.corrupt_chunks == 1


def test_files_that_cannot_be_opened_or_decompressed_at_all_raise_recording_errors(tmp_path: Path) -> None:
    from jtrader.errors import RecordingError
    from jtrader.recording import detect_format

    with pytest.raises(RecordingError, match="cannot open"):
        CryptofeedSource(tmp_path)  # a directory
    (tmp_path / "empty.jsonl").write_bytes(b"")
    with pytest.raises(RecordingError, match="cryptofeed"):
        CryptofeedSource(tmp_path / "empty.jsonl")
    bad = bytearray(zstandard.ZstdCompressor(write_checksum=True).compress(HEADER))
    bad[6] ^= 0xFF
    (tmp_path / "bad.zst").write_bytes(bytes(bad))
    with pytest.raises(RecordingError, match="cannot decompress the start"):
        detect_format(tmp_path / "bad.zst")
