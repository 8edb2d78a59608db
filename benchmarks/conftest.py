"""Fixtures for the benchmarks (the ``tests/`` fixtures do not reach this folder).

``shared_data``: ``<repo>/../shared/data``, or a skip with a clear reason when it is absent.
``bench_full``: False under ``--benchmark-disable`` (CI), so benchmarks can shrink their inputs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ``<repo>/../shared/data``; skips the benchmark when the folder is not there."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data not present: {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def bench_full(request: pytest.FixtureRequest) -> bool:
    """True when benchmarks are timed; False under ``--benchmark-disable`` (use small inputs)."""
    return not request.config.getoption("benchmark_disable")
