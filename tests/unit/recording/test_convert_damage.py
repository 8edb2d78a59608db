"""``jtrader convert`` of damaged or mislabelled input, and an interrupted ``generate``, as real subprocesses."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from jtrader.recording import open_recording
from jtrader.recording.command import convert

H0 = 1_723_161_253_000_000_000


def jtrader(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jtrader.cli", *args], capture_output=True, text=True, check=False, timeout=300
    )


def cut_capture(tmp_path: Path) -> tuple[Path, int]:
    """An hftbacktest capture (gzip) cut off at two thirds; returns it and where it stops."""
    lines = b"".join(
        b'%d {"stream":"btcusdt@trade","data":{"e":"trade","E":%d,"s":"BTCUSDT","t":%d,"p":"1.00","q":"1",'
        b'"T":%d,"m":true}}\n' % (H0 + i * 10**6, H0 // 10**6 + i, i + 1, H0 // 10**6 + i)
        for i in range(30_000)
    )
    data = gzip.compress(lines, mtime=0)
    path = tmp_path / "cut.gz"
    cut = len(data) * 2 // 3
    path.write_bytes(data[:cut])
    return path, cut


def test_a_damaged_input_gives_a_copy_that_says_so_and_strict_fails(tmp_path: Path) -> None:
    src, cut = cut_capture(tmp_path)
    out = tmp_path / "copy.jtrec"
    result = jtrader("convert", str(src), str(out))
    assert result.returncode == 0, result.stderr
    assert f"damaged input: truncated at byte {cut}" in result.stdout
    reader = open_recording(out)
    records = list(reader)
    assert reader.ended and not reader.truncated  # the copy itself is complete...
    assert reader.damage.inherited is not None and reader.damage.inherited["truncated_at"] == cut  # ...of a cut file
    assert reader.damage.problems == 1 and len(records) > 10_000
    replayed = orjson.loads(jtrader("replay", str(out), "--json").stdout)
    assert replayed["data_problems"] == {"source_damage": 1}
    assert replayed["source_damage"]["format"] == "hftbacktest" and replayed["source_damage"]["file"] == "cut.gz"
    strict = jtrader("replay", str(out), "--strict")
    assert strict.returncode == 1 and "converted from a damaged hftbacktest file 'cut.gz'" in strict.stdout
    again = tmp_path / "again.jtrec"
    failed = jtrader("convert", str(src), str(again), "--strict")
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    (reason,) = [line for line in failed.stderr.splitlines() if line.startswith("jtrader convert: error:")]
    assert reason.startswith(f"jtrader convert: error: --strict: the input is damaged: truncated at byte {cut}")
    assert again.read_bytes() == out.read_bytes()  # the copy is still written, the same bytes every time


def test_converting_the_damaged_copy_again_keeps_the_damage(tmp_path: Path) -> None:
    src, _ = cut_capture(tmp_path)
    first, second = tmp_path / "a.jtrec", tmp_path / "b.jtrec"
    convert(src, first)
    summary = convert(first, second)
    assert summary["problems"] == 1 and summary["damage"]["source_damage"]["file"] == "cut.gz"  # type: ignore[index]
    reader = open_recording(second)
    list(reader)  # the end marker, and so the inherited damage, is known once the file is read
    assert reader.damage.inherited["source_damage"]["file"] == "cut.gz"  # type: ignore[index]


def test_a_venue_that_contradicts_the_capture_is_refused_by_convert_and_replay(tmp_path: Path) -> None:
    src, _ = cut_capture(tmp_path)
    out = tmp_path / "never.jtrec"
    result = jtrader("convert", str(src), str(out), "--venue", "coinbase")
    assert result.returncode == 1 and not out.exists()
    assert "--venue coinbase contradicts the recording" in result.stderr and "is a binance capture" in result.stderr
    recording = Path(__file__).resolve().parents[3] / "recordings" / "coinbase_btcusd_sample.jtrec"
    replay = jtrader("replay", str(recording), "--venue", "binance")
    assert replay.returncode == 1 and "is a coinbase capture" in replay.stderr and "Traceback" not in replay.stderr


GENERATE_FOREVER = [sys.executable, "-m", "jtrader.cli", "generate", "--venue", "coinbase", "--seconds", "86400"]


def test_an_interrupted_generate_leaves_a_file_that_reads_as_truncated(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [*GENERATE_FOREVER, "--out", str(tmp_path / "interrupted.jtrec")],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    out = tmp_path / "interrupted.jtrec.partial"  # generate renames the file only when it is complete
    try:
        for _ in range(3_000):  # wait (bounded by a count) until a few chunks are on disk
            if out.exists() and out.stat().st_size > 200_000:
                break
            time.sleep(0.01)
        else:
            pytest.fail("generate wrote nothing")
        os.kill(proc.pid, signal.SIGINT)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:  # pragma: no cover - only if SIGINT did not stop it
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    reader = open_recording(out)
    records = list(reader)
    assert len(records) > 100 and reader.truncated and not reader.ended


def test_convert_in_process_names_the_damage_and_strict_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from jtrader.cli import main

    src, cut = cut_capture(tmp_path)
    assert main(["convert", str(src), str(tmp_path / "a.jtrec")]) == 0
    assert f"  damaged input: truncated at byte {cut}" in capsys.readouterr().out
    assert main(["convert", str(src), str(tmp_path / "b.jtrec"), "--strict"]) == 1
    assert "--strict: the input is damaged: truncated" in capsys.readouterr().err
