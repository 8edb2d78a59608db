"""Whole-process timings of jtrader and its peers, agreement checked, written to docs/performance.md.

``python benchmarks/peers/report.py [--bars 1000000] [--grid-bars 100000] [--rounds 3] [--write]``

Every command is a fresh process (imports, reading the Parquet file, the run, the output), run
once untimed (warm-up: file cache, vectorbt's on-disk numba cache where it has one), then
``--rounds`` times interleaved with the others so that load on a shared machine hits every
command alike; the table gives the minimum and the median. Before any time is reported the
outputs must agree: the same round trips and the final equity within 1e-6 relative (per grid
point for the sweep). ``--write`` replaces the part of ``docs/performance.md`` between the
``peers:begin``/``peers:end`` markers with the table, the date, the machine and the versions.

``--compiled-python PATH`` adds ``jtrader (compiled)``: the same backtest run by the interpreter of a
second environment holding the ``JTRADER_COMPILE=1`` install (README, "Performance"), in the same
interleaved rounds. ``--backtest-only`` runs just the 1M-bar backtest against backtesting.py (both
jtrader variants) and writes between the ``compiled:begin``/``compiled:end`` markers instead.
Every command runs in the temporary data folder, so ``python -m jtrader.cli`` never imports a
source tree from the current directory.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the benchmarks folder: ``import peers``

from peers.candles import FEE_BPS, RELATIVE_TOLERANCE, seeded_series, write_parquet  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "performance.md"
RUN_PEER = Path(__file__).resolve().parent / "run_peer.py"
BEGIN, END = "<!-- peers:begin -->", "<!-- peers:end -->"
COMPILED_BEGIN, COMPILED_END = "<!-- compiled:begin -->", "<!-- compiled:end -->"
GRID = ("5,10,15,20,25,30,35,40,45,50", "60,70,80,90,100,110,120,130,140,150")  # 100 points


def jtrader_backtest(path: Path, python: str = sys.executable) -> list[str]:
    return [python, "-m", "jtrader.cli", "backtest", str(path), "--fee-bps", FEE_BPS, "--json"]


def jtrader_sweep(path: Path) -> list[str]:
    fast, slow = GRID
    return [sys.executable, "-m", "jtrader.cli", "sweep", str(path), "--grid", f"fast={fast}", "--grid", f"slow={slow}",
            "--fee-bps", FEE_BPS, "--json"]  # fmt: skip


def peer(library: str, path: Path, *extra: str) -> list[str]:
    return [sys.executable, str(RUN_PEER), library, str(path), *extra]


def outcomes(library: str, stdout: str) -> dict[tuple[int, int], tuple[int, float]]:
    """(fast, slow) -> (round trips, final equity) from a command's output."""
    if library.startswith("jtrader") and library != "jtrader sweep":
        summary = json.loads(stdout)
        p = summary["params"]
        return {(p["fast"], p["slow"]): (summary["round_trips"], float(summary["final_equity"]))}
    if library == "jtrader sweep":
        rows = json.loads(stdout)["rows"]
        return {(r["fast"], r["slow"]): (r["round_trips"], float(r["final_equity"])) for r in rows}
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    return {(r["fast"], r["slow"]): (r["round_trips"], r["final_equity"]) for r in lines}


def agree(ours: dict, theirs: dict) -> bool:
    return ours.keys() == theirs.keys() and all(
        ours[k][0] == theirs[k][0] and math.isclose(ours[k][1], theirs[k][1], rel_tol=RELATIVE_TOLERANCE) for k in ours
    )


def timed(commands: dict[str, list[str]], rounds: int, cwd: Path) -> tuple[dict[str, list[float]], dict[str, str]]:
    times: dict[str, list[float]] = {name: [] for name in commands}
    outputs: dict[str, str] = {}
    for round_ in range(rounds + 1):
        for name, command in commands.items():
            started = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd)
            elapsed = time.perf_counter() - started
            if done.returncode != 0:
                raise SystemExit(f"{name} failed:\n{done.stderr[-2000:]}")
            outputs[name] = done.stdout
            if round_:  # round 0 is the warm-up
                times[name].append(elapsed)
            print(f"  {name}: {elapsed:.2f} s", file=sys.stderr)
    return times, outputs


def versions() -> str:
    names = ["jtrader", "numpy", "polars", "pandas", "backtesting", "backtrader", "vectorbt", "numba", "order-book",
             "dask", "distributed"]  # fmt: skip
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    system = f"{platform.system()} {platform.machine()}"
    return f"{system}, {os.cpu_count()} cores ({model}), Python {platform.python_version()}"


def check_measured_code(python: str, folder: Path) -> str:
    """The jtrader a ``python -m jtrader.cli`` run from ``folder`` imports; an error when it is another checkout.

    The commands run in the temporary data folder, so an editable install of a different checkout
    (or a stale one) would be measured silently: refuse that.
    """
    here = Path(__file__).resolve().parents[2] / "jtrader"
    where = [python, "-c", "import jtrader; print(jtrader.__file__)"]
    found = subprocess.run(where, cwd=folder, capture_output=True, text=True, check=True).stdout.strip()
    package = Path(found).resolve().parent
    if "site-packages" not in package.parts and package != here:
        raise SystemExit(f"{python} imports jtrader from {package}, not from this checkout ({here}): reinstall it")
    return str(package)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--backtrader-bars", type=int, default=100_000)
    parser.add_argument("--grid-bars", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", action="store_true", help=f"write the table into {DOC}")
    parser.add_argument("--compiled-python", help="python of an environment with the JTRADER_COMPILE=1 install")
    parser.add_argument("--backtest-only", action="store_true", help="only the 1M-bar backtest against backtesting.py")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="jtrader-peers-"))
    print(f"measuring jtrader from {check_measured_code(sys.executable, folder)}", file=sys.stderr)
    if args.compiled_python:
        print(f"compiled jtrader from {check_measured_code(args.compiled_python, folder)}", file=sys.stderr)
    files = {}
    for n in sorted({args.bars, args.backtrader_bars, args.grid_bars}):
        files[n] = folder / f"bars_{n}.parquet"
        write_parquet(seeded_series(n), files[n])
    suites = [
        (f"sma_cross 10/30, {args.bars:,} bars", "jtrader", {
            "jtrader": jtrader_backtest(files[args.bars]),
            "backtesting.py": peer("backtesting", files[args.bars]),
            "vectorbt": peer("vectorbt", files[args.bars]),
        }),
        (f"sma_cross 10/30, {args.backtrader_bars:,} bars", "jtrader", {
            "jtrader": jtrader_backtest(files[args.backtrader_bars]),
            "backtrader": peer("backtrader", files[args.backtrader_bars]),
        }),
        (f"100-point grid, {args.grid_bars:,} bars", "jtrader sweep", {
            "jtrader sweep": jtrader_sweep(files[args.grid_bars]),
            "vectorbt": peer("vectorbt", files[args.grid_bars], "--grid", *GRID),
        }),
    ]  # fmt: skip
    if args.compiled_python:
        suites[0][2]["jtrader (compiled)"] = jtrader_backtest(files[args.bars], args.compiled_python)
    if args.backtest_only:
        del suites[0][2]["vectorbt"]
        suites = suites[:1]
    lines = [
        "| workload | tool | min (s) | median (s) | jtrader speedup (median) | agrees |",
        "|---|---|---|---|---|---|",
    ]
    for title, ours_name, commands in suites:
        print(title, file=sys.stderr)
        times, outputs = timed(commands, args.rounds, folder)
        ours = outcomes(ours_name, outputs[ours_name])
        our_median = statistics.median(times[ours_name])
        for name in commands:
            ok = agree(ours, outcomes(name if name.startswith("jtrader") else "peer", outputs[name]))
            ratio = statistics.median(times[name]) / our_median
            lines.append(
                f"| {title} | {name} | {min(times[name]):.2f} | {statistics.median(times[name]):.2f} | "
                f"{ratio:.2f}x | {'yes' if ok else 'NO'} |"
            )
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    begin, end_marker = (COMPILED_BEGIN, COMPILED_END) if args.backtest_only else (BEGIN, END)
    block = "\n".join(
        [
            begin,
            f"Measured {stamp} on {machine()}; best and median of {args.rounds} interleaved whole-process runs "
            "after one warm-up run each.",
            f"Versions: {versions()}.",
            "",
            *lines,
            end_marker,
        ]
    )
    print(block)
    if args.write:
        text = DOC.read_text()
        start, end = text.index(begin), text.index(end_marker) + len(end_marker)
        DOC.write_text(text[:start] + block + text[end:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
