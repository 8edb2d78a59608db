"""``manifest.json``: how an output directory was made, enough to make it again.

Written by the CLI after every run that has an output directory (``--out DIR``)::

    {
      "manifest_version": 1,
      "command": "backtest",
      "argv": ["backtest", "--symbol=BTC-USD", ..., "--", "/abs/candles.parquet"],
      "config": {"data": "/abs/candles.parquet", "symbol": "BTC-USD", ...},   # every option, resolved
      "inputs": {"data": {"path": "/abs/candles.parquet", "bytes": 123, "sha256": "..."}},
      "seeds": {"seed": 7},
      "interrupted": false,
      "versions": {"jtrader": "...", "python": "3.11.7", "numpy": "...", ...},
      "outputs": {"summary.json": "<sha256>", ...}
    }

``argv`` is the full command line without the output location (``out_option`` names it): the
directory's contents do not depend on where it is, so two runs into two directories write the
same manifest bytes. Nothing time- or host-dependent goes in. ``jtrader verify DIR`` re-runs
``argv`` into a temporary directory and compares every output (:mod:`jtrader.cmdkit.verify`).
"""

from __future__ import annotations

import importlib.metadata
import platform
from pathlib import Path
from typing import Any

import orjson

from jtrader._version import __version__
from jtrader.cmdkit.outputs import MANIFEST, json_bytes, sha256_file
from jtrader.errors import ConfigError

__all__ = [
    "KEY_PACKAGES",
    "MANIFEST",
    "MANIFEST_VERSION",
    "build_manifest",
    "input_record",
    "read_manifest",
    "versions",
    "write_manifest",
]

MANIFEST_VERSION = 1
#: the packages whose versions can change a result or a file's bytes
KEY_PACKAGES = ("numpy", "pandas", "polars", "orjson", "msgspec", "zstandard", "websockets", "plotly")


def versions() -> dict[str, str | None]:
    """jtrader, Python and :data:`KEY_PACKAGES` versions (None for a package that is not installed)."""
    found: dict[str, str | None] = {"jtrader": __version__, "python": platform.python_version()}
    for name in KEY_PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def input_record(path: str | Path) -> dict[str, Any]:
    """``{"path", "bytes", "sha256"}`` of an input file (absolute path); ``{"path", "missing": true}`` if absent."""
    source = Path(path).resolve()
    if not source.is_file():
        return {"path": str(source), "missing": True}
    return {"path": str(source), "bytes": source.stat().st_size, "sha256": sha256_file(source)}


def build_manifest(
    command: str,
    argv: list[str],
    config: dict[str, Any],
    inputs: dict[str, dict[str, Any]],
    outputs: dict[str, str],
    *,
    out_option: str = "--out",
    interrupted: bool = False,
) -> dict[str, Any]:
    """The manifest dict (stable key order). ``config`` values must be JSON-able."""
    seeds = {key: value for key, value in config.items() if key == "seed" or key.endswith("_seed")}
    return {
        "manifest_version": MANIFEST_VERSION,
        "command": command,
        "argv": [command, *argv],
        "out_option": out_option,
        "config": config,
        "inputs": inputs,
        "seeds": seeds,
        "interrupted": interrupted,
        "versions": versions(),
        "outputs": outputs,
    }


def write_manifest(directory: Path, manifest: dict[str, Any]) -> Path:
    """Write ``manifest.json`` into ``directory``."""
    target = directory / MANIFEST
    target.write_bytes(json_bytes(manifest))
    return target


def read_manifest(directory: str | Path) -> dict[str, Any]:
    """Read ``DIR/manifest.json`` (ConfigError when missing or not a jtrader manifest)."""
    path = Path(directory) / MANIFEST
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise ConfigError(f"{directory}: no {MANIFEST} (was it written by jtrader with --out?)") from None
    except orjson.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("manifest_version") != MANIFEST_VERSION:
        raise ConfigError(f"{path}: not a jtrader manifest (version {MANIFEST_VERSION})")
    return data
