"""The API reference (``docs/api.md``) builds from the docstrings with pdoc and names the public objects."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def reference_command() -> list[str]:
    """The command ``docs/api.md`` gives, as it is written there (one source for docs and test)."""
    text = (REPO / "docs" / "api.md").read_text()
    match = re.search(r"^(python -m pdoc .+)$", text, re.MULTILINE)
    assert match, "docs/api.md gives no `python -m pdoc ...` command"
    return match.group(1).split()


def test_the_reference_builds_and_names_the_main_public_objects(tmp_path: Path) -> None:
    pytest.importorskip("pdoc", reason="pdoc is in the dev extra: pip install -e '.[dev]'")
    command = reference_command()
    out = command.index("-o") + 1
    command[out] = str(tmp_path / "api")
    done = subprocess.run(
        [sys.executable, *command[1:]], capture_output=True, text=True, timeout=300, check=False, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    top = (tmp_path / "api" / "jtrader.html").read_text()
    for name in (
        "backtest",
        "replay",
        "BacktestRun",
        "ReplayRun",
        "Strategy",
        "Context",
        "run_backtest",
        "run_replay",
        "EngineSettings",
        "build_engine",
        "Instrument",
        "ReplayConfig",
    ):
        assert f'id="{name}"' in top, name
    results = (tmp_path / "api" / "jtrader" / "results.html").read_text()
    for name in ("Run.save", "Run.summary", "Run.trades", "Run.equity", "ReplayRun.book"):
        assert f'id="{name}"' in results, name
    assert "the Python twin of" in results  # the docstrings are in it, not only the names
    for module in ("trading", "model", "errors", "risk", "backtest", "replay", "book"):
        assert (tmp_path / "api" / "jtrader" / f"{module}.html").is_file(), module
