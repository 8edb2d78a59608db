"""PEP 517 build backend: setuptools, plus mypy when ``JTRADER_COMPILE=1`` asks for the compiled core.

The default build stays pure Python and light (setuptools and wheel only). With ``JTRADER_COMPILE=1``
the wheel build also requires mypy (whose mypyc compiles the hot modules listed in ``setup.py``);
an editable build refuses the variable, because an editable install would build ``.so`` files in the
source tree and then silently ignore edits to the ``.py`` files next to them.
"""

from __future__ import annotations

import os

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403  (the hooks we do not override)

#: mypy (mypyc) version the compiled core is built and tested with
MYPY_REQUIREMENT = "mypy>=1.10"


def compile_requested() -> bool:
    """True when the environment asks for the mypyc-compiled core (``JTRADER_COMPILE=1``)."""
    return os.environ.get("JTRADER_COMPILE", "").strip() not in ("", "0")


def get_requires_for_build_wheel(config_settings=None):
    """setuptools' requirements, plus mypy when compiling."""
    requires = _setuptools.get_requires_for_build_wheel(config_settings)
    return [*requires, MYPY_REQUIREMENT] if compile_requested() else requires


def get_requires_for_build_editable(config_settings=None):
    """An editable install is always pure Python (see :func:`build_editable`)."""
    _refuse_editable_compile()
    return _setuptools.get_requires_for_build_editable(config_settings)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """Build the editable wheel; refuses ``JTRADER_COMPILE=1`` (stale ``.so`` files would shadow edits)."""
    _refuse_editable_compile()
    return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)


def _refuse_editable_compile() -> None:
    if compile_requested():
        raise RuntimeError(
            "JTRADER_COMPILE=1 builds the compiled core only for a regular install "
            "(python -m pip install .): an editable install would keep compiled modules that ignore "
            "edits to the .py files. Unset JTRADER_COMPILE for an editable install."
        )
