"""``jtrader verify DIR``: re-run a result directory from its ``manifest.json`` and compare the outputs.

Steps: read the manifest; check that every input file still has the sha256 it had (a changed
input is reported and nothing is re-run); run ``jtrader --quiet <argv> --out TMP`` in a fresh
process (the same Python); compare every output the manifest lists, byte for byte, with the file
in ``DIR``. Exit 0 when all are identical, 1 otherwise, with one line per difference: for JSON the
keys whose values differ, for JSON lines the first differing line, for Parquet the schema or the
first differing row, else the sizes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson

from jtrader.cmdkit.manifest import MANIFEST, read_manifest
from jtrader.cmdkit.outputs import sha256_file
from jtrader.errors import ConfigError

__all__ = ["compare_files", "run", "verify"]

#: at most this many differences are listed per file
MAX_DETAILS = 10


def _json_diff(a: Any, b: Any, path: str, out: list[str]) -> None:
    if len(out) >= MAX_DETAILS:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in dict.fromkeys([*a, *b]):
            where = f"{path}.{key}" if path else str(key)
            if key not in a or key not in b:
                out.append(f"{where}: only in {'the original' if key in a else 'the re-run'}")
            else:
                _json_diff(a[key], b[key], where, out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _json_diff(x, y, f"{path}[{i}]", out)
    elif a != b or type(a) is not type(b):
        out.append(f"{path or '(whole file)'}: {a!r} != {b!r}")


def _parquet_diff(original: Path, rerun: Path) -> list[str]:
    import polars as pl

    a, b = pl.read_parquet(original), pl.read_parquet(rerun)
    if a.schema != b.schema:
        return [f"schema: {dict(a.schema)} != {dict(b.schema)}"]
    if a.height != b.height:
        return [f"rows: {a.height} != {b.height}"]
    for i in range(a.height):
        row_a, row_b = a.row(i), b.row(i)
        if row_a != row_b:
            cols = [name for name, x, y in zip(a.columns, row_a, row_b, strict=True) if x != y]
            return [f"row {i}: columns {', '.join(cols)} differ ({row_a} != {row_b})"]
    return ["same values, different bytes (Parquet metadata or encoding)"]


def compare_files(original: Path, rerun: Path) -> list[str]:
    """What differs between two output files (empty when byte-identical)."""
    if not rerun.exists():
        return ["the re-run did not write it"]
    if not original.exists():
        return ["missing from the original directory"]
    if original.read_bytes() == rerun.read_bytes():
        return []
    suffix = original.suffix
    try:
        if suffix == ".json":
            details: list[str] = []
            _json_diff(orjson.loads(original.read_bytes()), orjson.loads(rerun.read_bytes()), "", details)
            return details or ["same values, different bytes"]
        if suffix == ".jsonl":
            lines_a = original.read_bytes().splitlines()
            lines_b = rerun.read_bytes().splitlines()
            for i, (x, y) in enumerate(zip(lines_a, lines_b, strict=False), start=1):
                if x != y:
                    return [f"line {i}: {x.decode(errors='replace')[:200]} != {y.decode(errors='replace')[:200]}"]
            return [f"lines: {len(lines_a)} != {len(lines_b)}"]
        if suffix == ".parquet":
            return _parquet_diff(original, rerun)
    except (ValueError, OSError) as exc:  # unreadable: fall back to the sizes
        return [f"cannot compare contents ({exc}); sizes {original.stat().st_size} != {rerun.stat().st_size}"]
    return [f"bytes differ; sizes {original.stat().st_size} != {rerun.stat().st_size}"]


def verify(directory: str | Path, keep: str | Path | None = None) -> tuple[bool, list[str]]:
    """Re-run ``directory`` from its manifest; return (identical, report lines)."""
    source = Path(directory)
    manifest = read_manifest(source)
    if manifest.get("interrupted"):
        return False, ["the run was interrupted (Ctrl-C): where it stopped cannot be reproduced"]
    lines: list[str] = []
    for name, record in manifest.get("inputs", {}).items():
        path = Path(record["path"])
        if record.get("missing") or not path.is_file():
            return False, [f"input {name} ({path}) is missing: cannot re-run"]
        digest = sha256_file(path)
        if digest != record["sha256"]:
            return False, [f"input {name} ({path}) changed since the run: sha256 {digest} != {record['sha256']}"]
    with tempfile.TemporaryDirectory(prefix="jtrader-verify-") as scratch:
        target = Path(keep) if keep else Path(scratch) / "rerun"
        name, *rest = manifest["argv"]
        out_flag = f"{manifest.get('out_option', '--out')}={target}"
        command = [sys.executable, "-m", "jtrader.cli", "--quiet", name, out_flag, *rest]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return False, [f"the re-run failed (exit {done.returncode}): {done.stderr.strip()[-500:]}"]
        names = [*manifest.get("outputs", {}), MANIFEST]
        differing = 0
        recorded = manifest.get("outputs", {})
        for name in names:
            details = compare_files(source / name, target / name)
            if name in recorded and (source / name).exists() and sha256_file(source / name) != recorded[name]:
                details.insert(0, "the file in the directory changed after the run (its sha256 is not the manifest's)")
            if details:
                differing += 1
                lines.append(f"{name}: differs")
                lines += [f"  {detail}" for detail in details[:MAX_DETAILS]]
        if differing:
            return False, [*lines, f"{differing} of {len(names)} files differ"]
        return True, [f"verified: {len(names)} files byte-identical ({', '.join(names)})"]


def run(args: argparse.Namespace) -> int:
    """CLI runner: ``jtrader verify DIR [--keep DIR]``; 0 when identical, 1 otherwise."""
    if not Path(args.directory).is_dir():
        raise ConfigError(f"{args.directory}: not a directory")
    identical, lines = verify(args.directory, getattr(args, "keep", None))
    print("\n".join(lines))
    return 0 if identical else 1
