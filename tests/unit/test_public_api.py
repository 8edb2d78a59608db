"""The public API: everything in ``__all__`` imports, is documented and is public (httpx-style)."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

import jtrader

PUBLIC_MODULES = [
    "jtrader",
    "jtrader.model",
    "jtrader.errors",
    "jtrader.book",
    "jtrader.trading",
    "jtrader.risk",
    "jtrader.backtest",
    "jtrader.replay",
    "jtrader.results",
]


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
    from jtrader._variant import variant

    if variant().startswith("compiled"):
        pytest.skip("mypyc drops the docstrings of compiled classes and methods; CI checks them on the pure install")
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
    modules = [importlib.import_module(name) for name in PUBLIC_MODULES if name != "jtrader"]
    for name in jtrader.__all__:
        if name == "__version__":
            continue
        obj = getattr(jtrader, name)
        found = [m for m in modules if getattr(m, name, None) is obj]
        assert found, f"jtrader.{name} is not re-exported from a public module"


def test_a_user_writes_and_runs_a_strategy_from_the_top_level_names_only(tmp_path) -> None:
    """What a user needs is at the top: Strategy, Context, the loaders and the runners."""
    csv = tmp_path / "candles.csv"
    rows = ["ts,open,high,low,close,volume"]
    for i in range(60):
        close = 100 + (i % 20 if i < 40 else 40 - i % 20)
        rows.append(f"{1_700_000_000 + 60 * i},{close},{close + 1},{close - 1},{close},1")
    csv.write_text("\n".join(rows) + "\n")

    class Buyer(jtrader.Strategy):
        def on_bar(self, ctx: jtrader.Context, bar: jtrader.Bar) -> None:
            if ctx.position(bar.symbol) == 0 and not ctx.open_orders():
                ctx.buy(bar.symbol, 100)

    inst = jtrader.Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.01")
    series = jtrader.load_candles(csv, inst)
    result = jtrader.run_backtest(series, Buyer(), cash=10**22)
    assert isinstance(result, jtrader.BacktestResult) and result.fills and result.run.denials == 0
    recording = Path(__file__).resolve().parents[2] / "recordings" / "coinbase_btcusd_sample.jtrec"
    outcome = jtrader.run_replay(recording, jtrader.ReplayConfig(top=1))
    assert isinstance(outcome, jtrader.ReplayOutcome) and outcome.summary["books"]


def test_the_top_level_runner_names_do_not_collide_with_subpackages() -> None:
    import jtrader.replay  # noqa: F401 - importing the subpackage must not hide the runner

    assert callable(jtrader.run_replay) and callable(jtrader.run_backtest)


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
