"""The ``jtrader`` command line that makes the same run as a Python call, and its ``manifest.json``.

A run of the Python API that could have been typed as a command (a strategy named by its
registry name or ``path/to/file.py:ClassName``, candles or a recording in a file, only options
the command has) keeps that command line. :meth:`jtrader.results.Run.save` then writes the
manifest the CLI would have written, through the CLI's own parser and
:func:`jtrader.cmdkit.lifecycle.finish_outputs`: same config, same argv, same bytes, and
``jtrader verify`` re-runs it. Anything else (a strategy instance, a class defined in a notebook,
limits without a flag) has no command line and its saved directory no manifest.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from jtrader.errors import ConfigError
from jtrader.trading import Strategy

if TYPE_CHECKING:
    from jtrader.cmdkit.outputs import OutputDir

__all__ = ["StrategyChoice", "choose_strategy", "option_text", "write_manifest_like_cli"]


def option_text(value: object) -> str:
    """``value`` as it would be typed after a flag: booleans ``true``/``false``, decimals without exponent."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)


class StrategyChoice:
    """A strategy built from what the caller gave, its name for the summary, and its ``--strategy``/``--param``."""

    def __init__(self, strategy: Strategy, name: str, spec: str | None, pairs: list[str]) -> None:
        #: the instance the run uses
        self.strategy = strategy
        #: how the summary names it (``strategy``): what ``--strategy`` would say
        self.name = name
        #: the ``--strategy`` value that rebuilds it, or None when it cannot be named on a command line
        self.spec = spec
        #: the ``--param K=V`` values (empty without parameters)
        self.pairs = pairs

    def arguments(self) -> list[str]:
        """``--strategy=...`` and one ``--param=K=V`` per parameter (requires :attr:`spec`)."""
        assert self.spec is not None
        return [f"--strategy={self.spec}", *(f"--param={pair}" for pair in self.pairs)]


def choose_strategy(strategy: object, params: Mapping[str, object] | None) -> StrategyChoice:
    """Build the strategy of a run from a name, ``path/to/file.py:ClassName``, a class or an instance.

    ``params`` go to the class (their types are coerced as ``--param`` values are); an instance
    already has its parameters, so giving both is a :class:`~jtrader.errors.ConfigError`. A
    fresh instance per run is the rule: an instance is used as it is.
    """
    from jtrader.strategies import BUNDLED, build_strategy, resolve_strategy

    if isinstance(strategy, Strategy):
        if params:
            raise ConfigError("params given with a strategy instance: pass the class or its name to set parameters")
        cls = type(strategy)
        return StrategyChoice(strategy, cls.name or cls.__name__, None, [])
    if isinstance(strategy, str):
        cls = resolve_strategy(strategy)
        name: str = strategy
        spec: str | None = strategy
    elif isinstance(strategy, type) and issubclass(strategy, Strategy) and strategy is not Strategy:
        cls = strategy
        name = cls.name or cls.__name__
        spec = cls.name if cls.name and BUNDLED.get(cls.name) is cls else None
    else:
        raise ConfigError(
            "strategy must be a bundled name, path/to/file.py:ClassName, a Strategy subclass or an instance; "
            f"got {strategy!r}"
        )
    values = dict(params or {})
    try:
        instance = cls(**values)
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"strategy {name}: bad parameters: {exc}") from exc
    pairs = [f"{key}={option_text(value)}" for key, value in values.items()]
    if spec is not None and build_strategy(spec, pairs).param_values != instance.param_values:
        spec = None  # a value the command line cannot spell (an object, a float that does not round-trip)
    return StrategyChoice(instance, name, spec, pairs)


def write_manifest_like_cli(argv: list[str], out: OutputDir, *, report: bool) -> None:
    """Write ``report.html`` (with ``report``) and ``manifest.json`` into ``out`` as ``jtrader <argv> --out DIR`` does.

    ``argv`` is ``[command, options..., "--", positionals...]``; the files of the run must already be
    in ``out`` (they are hashed into the manifest).
    """
    from jtrader.cli import GLOBAL_DESTS, build_parser
    from jtrader.cmdkit import Job
    from jtrader.cmdkit.lifecycle import finish_outputs
    from jtrader.cmdkit.options import subcommands
    from jtrader.report import write_report

    parser = build_parser()
    command, *rest = argv
    args = parser.parse_args([command, f"--out={out.path}", *(["--report"] if report else []), *rest])
    job = Job()
    job.outputs = out
    finish_outputs(subcommands(parser)[command], args, job, GLOBAL_DESTS, write_report)
