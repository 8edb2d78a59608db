"""Which variant runs, and the guard that keeps a source tree from running stale compiled modules."""

from __future__ import annotations

import importlib.machinery
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import jtrader
from jtrader._variant import PROBE_MODULE, compiled_beside_source, is_source_tree, variant

PACKAGE = Path(jtrader.__file__).resolve().parent
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]
PROBE = "import jtrader.model.fixed as m, jtrader._variant as v; print(m.__file__); print(v.variant())"


def test_the_variant_names_what_the_probe_module_was_loaded_from() -> None:
    probe = sys.modules[PROBE_MODULE]
    compiled = probe.__file__.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))
    assert variant() == ("compiled: mypyc" if compiled else "pure Python")


def _tree(tmp_path: Path, *, checkout: bool) -> Path:
    """A copy of the jtrader package with a broken 'compiled' fixed.py beside its source."""
    root = tmp_path / "project"
    shutil.copytree(PACKAGE, root / "jtrader", ignore=shutil.ignore_patterns("__pycache__", f"*{SUFFIX}"))
    if checkout:
        (root / "pyproject.toml").write_text('[project]\nname = "jtrader"\n')
        (root / "setup.py").write_text("")
    # not a loadable extension: importing it fails loudly, so the test sees which file was used
    (root / "jtrader" / "model" / f"fixed{SUFFIX}").write_bytes(b"stale compiled module")
    return root


def _run(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=root, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_source_tree_imports_the_py_file_beside_a_compiled_one(tmp_path: Path) -> None:
    root = _tree(tmp_path, checkout=True)
    assert is_source_tree(root / "jtrader")
    assert compiled_beside_source(root / "jtrader") == {"jtrader.model.fixed"}
    result = _run(root)
    assert result.returncode == 0, result.stderr
    path, name = result.stdout.splitlines()
    assert Path(path) == root / "jtrader" / "model" / "fixed.py"
    assert name == "pure Python; ignoring 1 compiled modules in the source tree"


def test_outside_a_source_tree_the_compiled_file_is_what_python_loads(tmp_path: Path) -> None:
    """The control: the same layout without pyproject.toml/setup.py is an install, and the guard stays out."""
    root = _tree(tmp_path, checkout=False)
    assert not is_source_tree(root / "jtrader")
    result = _run(root)
    assert result.returncode != 0
    assert "fixed" in result.stderr and "ImportError" in result.stderr


@pytest.mark.parametrize("value", ["1", "yes"])
def test_an_editable_install_refuses_to_compile(value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    backend_dir = Path(__file__).resolve().parents[2] / "build_backend"
    if not backend_dir.is_dir():
        pytest.skip(f"no build backend in {backend_dir.parent} (tests run from an installed copy)")
    monkeypatch.syspath_prepend(str(backend_dir))
    import jtrader_build

    monkeypatch.setenv("JTRADER_COMPILE", value)
    assert jtrader_build.compile_requested()
    with pytest.raises(RuntimeError, match="editable install"):
        jtrader_build.build_editable(str(tmp_path))
    with pytest.raises(RuntimeError, match="editable install"):
        jtrader_build.get_requires_for_build_editable()
    monkeypatch.setenv("JTRADER_COMPILE", "0")
    assert not jtrader_build.compile_requested()


@pytest.mark.parametrize(("value", "needs_mypy"), [("1", True), ("0", False), ("", False)])
def test_the_wheel_build_requires_mypy_only_when_compiling(value: str, needs_mypy: bool) -> None:
    repo = Path(__file__).resolve().parents[2]
    if not (repo / "build_backend").is_dir():
        pytest.skip(f"no build backend in {repo} (tests run from an installed copy)")
    code = "import jtrader_build; print(jtrader_build.get_requires_for_build_wheel())"
    env = {**os.environ, "JTRADER_COMPILE": value, "PYTHONPATH": str(repo / "build_backend")}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=repo, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert ("mypy>=1.10" in result.stdout) is needs_mypy
