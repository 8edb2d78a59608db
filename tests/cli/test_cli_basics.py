"""The ``jtrader`` command's basics, run as a real subprocess: version, help, no subcommand."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from jtrader._variant import variant
from jtrader._version import __version__
from jtrader.cli import RUNNERS

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "polars", "numpy")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """``main`` installs a stderr handler on the ``jtrader`` logger; in-process tests take it away again."""
    logger = logging.getLogger("jtrader")
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


def jtrader(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    return subprocess.run(
        [sys.executable, "-m", "jtrader.cli", *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )


def test_version_prints_the_package_version() -> None:
    result = jtrader("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"jtrader {__version__} ({variant()})"
    assert result.stderr == ""


def test_help_lists_every_subcommand() -> None:
    result = jtrader("--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: jtrader")
    for command in RUNNERS:
        assert command in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize("command", sorted(RUNNERS))
def test_each_subcommand_has_its_own_help(command: str) -> None:
    result = jtrader(command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: jtrader {command}")


def test_no_subcommand_prints_help_and_exits_2() -> None:
    result = jtrader()
    assert result.returncode == 2
    assert result.stdout.startswith("usage: jtrader")
    for command in RUNNERS:
        assert command in result.stdout


def test_an_unknown_subcommand_is_a_usage_error() -> None:
    result = jtrader("frobnicate")
    assert result.returncode == 2
    assert "invalid choice: 'frobnicate'" in result.stderr


def test_building_the_parser_imports_no_heavy_library() -> None:
    code = (
        f"import sys, jtrader.cli; jtrader.cli.build_parser(); print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.strip() == "[]"


def test_help_imports_no_heavy_library() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "jtrader.cli", "--help"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert {"jtrader", "argparse"} <= imported  # the import log is really there
    assert {name.split(".")[0] for name in imported} & set(HEAVY) == set()


def test_every_runner_names_a_module_and_function() -> None:
    for command, target in RUNNERS.items():
        module, sep, function = target.partition(":")
        assert sep and module.startswith("jtrader.") and function.isidentifier(), command


def test_the_installed_script_prints_the_version() -> None:
    script = Path(sys.executable).with_name("jtrader")
    if not script.exists():
        pytest.skip(f"no installed jtrader script next to {sys.executable}")
    result = subprocess.run([str(script), "--version"], check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert result.stdout.strip() == f"jtrader {__version__} ({variant()})"


def test_main_in_process_without_a_subcommand_returns_2_and_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    from jtrader.cli import main

    assert main([]) == 2
    assert capsys.readouterr().out.startswith("usage: jtrader")


def test_main_in_process_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    from jtrader.cli import main

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"jtrader {__version__} ({variant()})"


@pytest.mark.parametrize("command", ["backtest", "replay"])
def test_a_runner_error_exits_1_with_a_one_line_message_and_no_traceback(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    result = jtrader(command, str(missing))
    assert result.returncode == 1
    assert result.stderr.startswith(f"jtrader {command}: error: ")
    assert str(missing) in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.usefixtures("restore_logging")
def test_main_in_process_turns_a_jtrader_error_into_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from jtrader.cli import main

    assert main(["replay", str(tmp_path / "missing.jsonl")]) == 1
    assert capsys.readouterr().err.startswith("jtrader replay: error: ")
