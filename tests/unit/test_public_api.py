"""The public API: everything in ``__all__`` imports, is documented and is public (httpx-style)."""

from __future__ import annotations

import importlib
import inspect

import pytest

import jtrader

PUBLIC_MODULES = ["jtrader", "jtrader.model", "jtrader.errors", "jtrader.book"]


def test_the_package_exports_its_version() -> None:
    from jtrader._version import __version__

    assert jtrader.__version__ == __version__
    assert "__version__" in jtrader.__all__


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_name_in_all_can_be_imported(module_name: str) -> None:
    module = importlib.import_module(module_name)
    for name in module.__all__:
        assert hasattr(module, name), f"{module_name}.__all__ names {name!r}, which does not exist"
        namespace: dict[str, object] = {}
        exec(f"from {module_name} import {name}", namespace)
        assert namespace[name] is getattr(module, name)


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_all_lists_no_private_name_and_no_duplicate(module_name: str) -> None:
    names = importlib.import_module(module_name).__all__
    assert len(names) == len(set(names))
    assert [name for name in names if name.startswith("_") and name != "__version__"] == []


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_nothing_public_leaks_outside_all(module_name: str) -> None:
    """httpx-style: a package exports every public name it holds; a module every public name it defines."""
    module = importlib.import_module(module_name)
    is_package = hasattr(module, "__path__")
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not inspect.ismodule(value)
        and name != "annotations"  # from __future__ import annotations
        and (is_package or getattr(value, "__module__", None) == module_name)
    }
    assert public - set(module.__all__) == set()


def test_public_names_come_from_jtrader() -> None:
    for name in jtrader.__all__:
        obj = getattr(jtrader, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__module__.startswith("jtrader."), name


def undocumented(obj: object) -> bool:
    doc = getattr(obj, "__doc__", None)
    name = getattr(obj, "__name__", "")
    return not doc or not doc.strip() or doc.startswith(name + "(")  # dataclass and NamedTuple auto-docs


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_public_classes_functions_and_their_members_are_documented(module_name: str) -> None:
    module = importlib.import_module(module_name)
    missing = []
    for name in module.__all__:
        obj = getattr(module, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        if undocumented(obj):
            missing.append(name)
        if inspect.isclass(obj):
            for member_name, member in vars(obj).items():
                if member_name.startswith("_") or not (inspect.isfunction(member) or isinstance(member, property)):
                    continue
                if undocumented(member if inspect.isfunction(member) else member.fget):
                    missing.append(f"{name}.{member_name}")
    assert missing == []


def test_top_level_exports_are_the_same_objects_as_in_their_modules() -> None:
    from jtrader import book, errors, model

    for name in jtrader.__all__:
        if name == "__version__":
            continue
        obj = getattr(jtrader, name)
        found = [m for m in (book, errors, model) if getattr(m, name, None) is obj]
        assert found, f"jtrader.{name} is not re-exported from a public module"


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from jtrader import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(jtrader.__all__)


def test_importing_jtrader_does_not_import_heavy_libraries() -> None:
    import subprocess
    import sys

    code = "import sys, jtrader; print(sorted(m for m in ('pandas', 'polars', 'numpy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
