"""``--out`` checked before the run, byte-identical output files across processes, manifest.json, verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jtrader.cmdkit.outputs import sha256_file
from tests.cli.clikit import RECORDINGS, run_cli, write_candles

SAMPLE = RECORDINGS / "coinbase_btcusd_sample.jtrec"
MM = ("--strategy", "market_maker", "--param", "half_spread_ticks=1")


@pytest.fixture(scope="module")
def candles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_candles(tmp_path_factory.mktemp("candles") / "c.parquet", 3000)


def one_line_error(done, command: str, *needles: str) -> None:  # noqa: ANN001
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""  # nothing ran
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"jtrader {command}: error: "), done.stderr
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize("command", ["backtest", "replay"])
def test_an_out_dir_that_is_a_file_is_refused_before_the_run(command: str, candles: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("x")
    data = candles if command == "backtest" else SAMPLE
    one_line_error(run_cli(command, data, "--out", blocker), command, "exists and is a file")


@pytest.mark.parametrize("command", ["backtest", "replay"])
def test_an_out_dir_that_cannot_be_written_is_refused_before_the_run(command: str, candles: Path) -> None:
    data = candles if command == "backtest" else SAMPLE
    one_line_error(run_cli(command, data, "--out", "/proc/jtrader-out/x"), command, "cannot write in /proc")


def test_generate_and_convert_refuse_a_directory_as_their_output_file(tmp_path: Path) -> None:
    one_line_error(run_cli("generate", "--seconds", "1", "--out", tmp_path), "generate", "is a directory")
    one_line_error(run_cli("convert", SAMPLE, tmp_path), "convert", "is a directory")
    one_line_error(run_cli("generate", "--seconds", "1", "--out", "/proc/x.jtrec"), "generate", "cannot write in")


def test_report_without_an_output_is_refused(candles: Path) -> None:
    one_line_error(run_cli("backtest", candles, "--report"), "backtest", "--report needs --out")


def run_twice(tmp_path: Path, *args: str | Path) -> tuple[Path, Path]:
    first, second = tmp_path / "a", tmp_path / "b"
    # two processes, different hash seeds: set and dict-of-str order cannot leak into the files
    for out, seed in ((first, "1"), (second, "977")):
        done = run_cli(*args, "--out", out, "--report", env={"PYTHONHASHSEED": seed})
        assert done.returncode == 0, done.stderr
    return first, second


def assert_same_files(first: Path, second: Path, expected: set[str]) -> None:
    names = {p.name for p in first.iterdir()}
    assert names == expected
    assert names == {p.name for p in second.iterdir()}
    for name in sorted(names):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    summary = json.loads((first / "summary.json").read_text())
    assert "elapsed_s" not in summary  # timings go to stdout only


def test_backtest_out_files_are_byte_identical_between_processes(candles: Path, tmp_path: Path) -> None:
    first, second = run_twice(tmp_path, "backtest", candles, "--param", "fast=5", "--param", "slow=20")
    expected = {"summary.json", "trades.parquet", "equity.parquet", "manifest.json", "report.html"}
    assert_same_files(first, second, expected)
    assert b"Polars" in (first / "trades.parquet").read_bytes()  # the created_by metadata is there, and equal


def test_replay_out_files_are_byte_identical_between_processes(tmp_path: Path) -> None:
    first, second = run_twice(tmp_path, "replay", SAMPLE, *MM)
    expected = {
        "summary.json",
        "events.jsonl",
        "book.parquet",
        "trades.parquet",
        "equity.parquet",
        "manifest.json",
        "report.html",
    }
    assert_same_files(first, second, expected)


def test_the_manifest_holds_inputs_config_versions_and_output_hashes(candles: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = run_cli("backtest", candles, "--param", "fast=5", "--param", "slow=20", "--out", out)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == "backtest"
    assert manifest["inputs"]["data"] == {
        "path": str(candles.resolve()),
        "bytes": candles.stat().st_size,
        "sha256": sha256_file(candles),
    }
    assert manifest["config"]["param"] == ["fast=5", "slow=20"]
    assert manifest["config"]["fee_bps"] == "10" and "out" not in manifest["config"]
    assert manifest["versions"]["jtrader"] and manifest["versions"]["python"] and manifest["versions"]["polars"]
    assert set(manifest["outputs"]) == {"summary.json", "trades.parquet", "equity.parquet"}
    for name, digest in manifest["outputs"].items():
        assert sha256_file(out / name) == digest
    assert manifest["argv"][0] == "backtest" and str(candles.resolve()) in manifest["argv"]


def test_verify_confirms_a_result_and_names_what_differs_after_tampering(candles: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    data = tmp_path / "data.parquet"
    data.write_bytes(candles.read_bytes())
    assert run_cli("backtest", data, "--param", "fast=5", "--param", "slow=20", "--out", out).returncode == 0
    ok = run_cli("verify", out)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("verified: 4 files byte-identical")

    summary = json.loads((out / "summary.json").read_text())
    summary["fills"] += 1
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    bad = run_cli("verify", out)
    assert bad.returncode == 1
    assert "summary.json: differs" in bad.stdout
    assert f"fills: {summary['fills']} != {summary['fills'] - 1}" in bad.stdout
    assert "changed after the run" in bad.stdout

    write_candles(data, 2000)
    changed = run_cli("verify", out)
    assert changed.returncode == 1
    assert "input data" in changed.stdout and "changed since the run" in changed.stdout


def test_verify_of_a_replay_reruns_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("replay", SAMPLE, *MM, "--out", out).returncode == 0
    ok = run_cli("verify", out)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "book.parquet" in ok.stdout and "events.jsonl" in ok.stdout


def test_verify_refuses_a_directory_without_a_manifest(tmp_path: Path) -> None:
    done = run_cli("verify", tmp_path)
    assert done.returncode == 1
    assert "no manifest.json" in done.stderr
