"""Which variant of jtrader runs: pure Python, or the mypyc-compiled core (``JTRADER_COMPILE=1``).

A regular install built with ``JTRADER_COMPILE=1`` ships compiled extension modules next to the
``.py`` files of the hot path (list in ``setup.py``). A *source tree* (a checkout, which is what an
editable install imports) must never run compiled modules: ``.so`` files left there by an earlier
in-place build would shadow every later edit of the ``.py`` files next to them (Python's import
system prefers extension modules). :func:`ignore_compiled_in_source_tree` runs first thing in
``jtrader/__init__.py`` and makes such modules import from their ``.py`` files instead.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

#: the module whose file tells which variant runs (it is in the compiled set)
PROBE_MODULE = "jtrader.trading.dispatch"


class SourceOnlyFinder(importlib.abc.MetaPathFinder):
    """Imports the named ``jtrader`` modules from their ``.py`` files, never from compiled files."""

    def __init__(self, root: Path, shadowed: frozenset[str]) -> None:
        #: directory that holds the ``jtrader`` package
        self.root = root
        #: dotted names of the modules that have a compiled file beside their ``.py`` file
        self.shadowed = shadowed

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        """The source spec of a shadowed module; None (the normal import) for any other."""
        if fullname not in self.shadowed:
            return None
        source = self.root.joinpath(*fullname.split(".")).with_suffix(".py")
        return importlib.util.spec_from_file_location(fullname, source)


def is_source_tree(package_dir: Path) -> bool:
    """True when ``package_dir`` (the ``jtrader`` directory) sits in a checkout, not in site-packages."""
    project = package_dir.parent
    return (project / "pyproject.toml").is_file() and (project / "setup.py").is_file()


def compiled_beside_source(package_dir: Path) -> frozenset[str]:
    """Dotted names of the modules under ``package_dir`` with a compiled file next to their ``.py``."""
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    found = set()
    for folder, _dirs, files in os.walk(package_dir):
        names = set(files)
        for name in files:
            if name.endswith(suffixes):
                stem = name.split(".", 1)[0]
                if f"{stem}.py" in names:
                    relative = Path(folder, stem).relative_to(package_dir.parent)
                    found.add(".".join(relative.parts))
    return frozenset(found)


#: compiled modules found in a source tree and ignored (their ``.py`` files run instead)
IGNORED_IN_SOURCE_TREE: set[str] = set()


def ignore_compiled_in_source_tree(package_dir: Path | None = None) -> frozenset[str]:
    """In a source tree, make compiled modules import from their ``.py`` files; returns their names.

    Outside a source tree (a regular install) this does nothing and costs two ``stat`` calls.
    """
    package_dir = package_dir or Path(__file__).resolve().parent
    if not is_source_tree(package_dir):
        return frozenset()
    shadowed = compiled_beside_source(package_dir)
    if shadowed:
        sys.meta_path.insert(0, SourceOnlyFinder(package_dir.parent, shadowed))
        IGNORED_IN_SOURCE_TREE.update(shadowed)
    return shadowed


def variant() -> str:
    """``"pure Python"`` or ``"compiled: mypyc"``: what :data:`PROBE_MODULE` was loaded from."""
    module = importlib.import_module(PROBE_MODULE)
    origin = getattr(module, "__file__", "") or ""
    if origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
        return "compiled: mypyc"
    if IGNORED_IN_SOURCE_TREE:
        return f"pure Python; ignoring {len(IGNORED_IN_SOURCE_TREE)} compiled modules in the source tree"
    return "pure Python"


ignore_compiled_in_source_tree()  # on jtrader's first import, before any compiled module could load
