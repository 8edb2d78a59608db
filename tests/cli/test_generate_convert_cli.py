"""`jtrader generate` and `jtrader convert` as real subprocesses, plus the bundled sample recordings."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from jtrader.cli import main
from jtrader.errors import ConfigError
from jtrader.recording import Direction, open_recording, read_records
from jtrader.recording.command import convert, run_convert

REPO = Path(__file__).resolve().parents[2]
RECORDINGS = REPO / "recordings"

#: the documented commands that made the bundled samples (docs/recording-format.md)
SAMPLES = {
    "coinbase_btcusd_sample.jtrec": ["--venue", "coinbase", "--seconds", "60", "--seed", "1"],
    "binance_btcusdt_sample.jtrec": ["--venue", "binance", "--seconds", "60", "--seed", "1"],
}


def jtrader(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jtrader.cli", *args], capture_output=True, text=True, check=False, timeout=300
    )


def test_generate_writes_a_recording_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "g.jtrec"
    result = jtrader(
        "generate", "--venue", "binance", "--seconds", "2", "--seed", "4", "--symbol", "ETHUSDT", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}" in result.stdout and "ETHUSDT" in result.stdout
    reader = open_recording(out)
    assert reader.header.products == ("ETHUSDT",)
    assert sum(1 for r in reader if r.direction is Direction.RECV) > 20


def test_generate_with_a_bad_symbol_fails_with_a_clear_message(tmp_path: Path) -> None:
    result = jtrader("generate", "--venue", "coinbase", "--symbol", "BTCUSD", "--out", str(tmp_path / "x.jtrec"))
    assert result.returncode == 1
    assert "jtrader generate: error:" in result.stderr and "BASE-QUOTE" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("name", "args"), SAMPLES.items())
def test_the_bundled_samples_regenerate_byte_identically(tmp_path: Path, name: str, args: list[str]) -> None:
    bundled = RECORDINGS / name
    assert bundled.is_file(), f"missing bundled sample {bundled}"
    assert bundled.stat().st_size < 1_000_000
    out = tmp_path / name
    result = jtrader("generate", *args, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == bundled.read_bytes(), (
        f"recordings/{name} differs from `jtrader generate {' '.join(args)} --out recordings/{name}`: "
        "regenerate it with that command if the generator or the version changed on purpose"
    )


def test_convert_of_a_generated_recording_keeps_every_record(tmp_path: Path) -> None:
    out = tmp_path / "copy.jtrec"
    result = jtrader("convert", str(RECORDINGS / "binance_btcusdt_sample.jtrec"), str(out))
    assert result.returncode == 0, result.stderr
    assert "jtrader, binance" in result.stdout and "truncated False" in result.stdout
    assert list(open_recording(out)) == list(open_recording(RECORDINGS / "binance_btcusdt_sample.jtrec"))


def test_convert_of_a_missing_file_fails_with_a_clear_message(tmp_path: Path) -> None:
    result = jtrader("convert", str(tmp_path / "nope.jsonl"), str(tmp_path / "out.jtrec"))
    assert result.returncode == 1
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_convert_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    path = tmp_path / "a.jtrec"
    path.write_bytes((RECORDINGS / "coinbase_btcusd_sample.jtrec").read_bytes())
    assert main(["convert", str(path), str(path)]) == 1
    assert path.read_bytes() == (RECORDINGS / "coinbase_btcusd_sample.jtrec").read_bytes()


def test_convert_in_process_reports_counts_and_is_deterministic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = argparse.Namespace(
        input=str(RECORDINGS / "coinbase_btcusd_sample.jtrec"), output=str(tmp_path / "a"), format="auto", venue="auto"
    )
    assert run_convert(args) == 0
    assert "records (connect=1 recv=" in capsys.readouterr().out
    summary = convert(RECORDINGS / "coinbase_btcusd_sample.jtrec", tmp_path / "b", "jtrader", "coinbase")
    assert summary["by_direction"] == {"connect": 1, "recv": 3058, "send": 4}
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()


def test_generate_in_process_accepts_a_start_time(tmp_path: Path) -> None:
    parser_args = ["generate", "--venue", "coinbase", "--seconds", "1", "--seed", "2", "--out", str(tmp_path / "a")]
    assert main(parser_args) == 0
    from jtrader.marketgen.command import run

    namespace = argparse.Namespace(
        venue="coinbase", seconds=1.0, seed=2, symbol=[], out=str(tmp_path / "b"), start="2026-01-01T00:00:01Z"
    )
    assert run(namespace) == 0
    first = [r.ts for r in open_recording(tmp_path / "a")]
    later = [r.ts for r in open_recording(tmp_path / "b")]
    assert [t + 10**9 for t in first] == later
    namespace.start = "yesterday"
    with pytest.raises(ConfigError, match="--start"):
        run(namespace)


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("relative", "venue", "recv"),
    [
        ("coinbase/advanced_trade_btc_eth_2026-08-09.jsonl.zst", "coinbase", 1030),
        ("binance/spot_btcusdt_20240808.gz", "binance", 41248),
    ],
)
def test_convert_of_real_captures_gives_a_recording_replay_can_read(
    shared_data: Path, tmp_path: Path, relative: str, venue: str, recv: int
) -> None:
    out = tmp_path / "real.jtrec"
    result = jtrader("convert", str(shared_data / relative), str(out))
    assert result.returncode == 0, result.stderr
    header, records = read_records(out)
    assert header.venue == venue
    assert header.metadata["converted_from"]["format"] in {"cryptofeed", "hftbacktest"}
    assert sum(1 for r in records if r.direction is Direction.RECV) == recv
    again = tmp_path / "again.jtrec"
    assert jtrader("convert", str(shared_data / relative), str(again)).returncode == 0
    assert again.read_bytes() == out.read_bytes()
