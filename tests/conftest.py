"""Fixtures shared by every test directory.

``shared_data``: the folder of real market data at ``<repo>/../shared/data``. Tests that need it
ask for the fixture and are skipped with a clear reason when the folder is absent. The files are
read in place; nothing from them is ever copied into the repository.

Hypothesis runs without its per-example deadline: a wall-clock threshold would make property
tests flaky on a loaded machine (and tests never assert on wall-clock time).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("jtrader", deadline=None, print_blob=True)
settings.load_profile("jtrader")

SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ``<repo>/../shared/data``; skips the test when the folder is not there."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data not present: {SHARED_DATA}")
    return SHARED_DATA
