"""Before and after a command runs: check its outputs, then write its report and manifest.

Both work from the roles the command gave its options (:mod:`jtrader.cmdkit.options`), so any
subcommand that declares ``add_out_dir``/``add_out_file``/``add_input`` gets them.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from jtrader.cmdkit.job import Job
from jtrader.cmdkit.manifest import build_manifest, input_record, write_manifest
from jtrader.cmdkit.options import command_line, option_actions, role_actions
from jtrader.cmdkit.outputs import check_out_dir, check_out_file
from jtrader.errors import ConfigError

__all__ = ["REPORT_NAME", "check_outputs", "finish_outputs", "resolved_config"]

#: the report's name inside an output directory
REPORT_NAME = "report.html"


def _flag(action: argparse.Action) -> str:
    return max(action.option_strings, key=len) if action.option_strings else str(action.metavar or action.dest)


def check_outputs(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse, before the run, every output that cannot be written (one ConfigError line)."""
    given = False
    for action in role_actions(parser, "out_dir"):
        value = getattr(args, action.dest, None)
        if value:
            check_out_dir(value, _flag(action))
            given = True
    for action in role_actions(parser, "out_file"):
        value = getattr(args, action.dest, None)
        if value:
            check_out_file(value, _flag(action))
            given = True
    if getattr(args, "report", False) and not given:
        out = [_flag(a) for a in role_actions(parser, "out_dir") + role_actions(parser, "out_file")]
        raise ConfigError(f"--report needs {' or '.join(out) or 'an output'}: the report is written next to it")


def _strategy_file(spec: object) -> Path | None:
    if not isinstance(spec, str) or ":" not in spec:
        return None
    path = Path(spec.rpartition(":")[0])
    return path if path.suffix == ".py" and path.is_file() else None


def resolved_config(
    parser: argparse.ArgumentParser, args: argparse.Namespace, skip: Iterable[str]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """``(config, inputs)``: every option's final value (input paths made absolute) and the input files."""
    skipped = set(skip) | {a.dest for a in role_actions(parser, "out_dir")}
    config: dict[str, Any] = {}
    inputs: dict[str, dict[str, Any]] = {}
    for action in option_actions(parser):
        if action.dest in skipped or not hasattr(args, action.dest):
            continue
        value = getattr(args, action.dest)
        role = getattr(action, "jtrader_role", None)
        if role == "input" and value:
            record = input_record(value)
            inputs[action.dest] = record
            value = record["path"]
        elif role == "strategy":
            path = _strategy_file(value)
            if path is not None:
                record = input_record(path)
                inputs[action.dest] = record
                value = f"{record['path']}:{value.rpartition(':')[2]}"
        config[action.dest] = list(value) if isinstance(value, list | tuple) else value
    return config, inputs


def finish_outputs(
    parser: argparse.ArgumentParser,
    args: argparse.Namespace,
    job: Job,
    skip: Iterable[str],
    write_report: Callable[[Path, Path], Path],
) -> None:
    """After the runner: ``--report`` (next to the output), then ``manifest.json`` in an output directory."""
    skip = tuple(skip)
    out = job.outputs
    if getattr(args, "report", False):
        if out is not None:
            write_report(out.path, out.file(REPORT_NAME))
        else:
            for action in role_actions(parser, "out_file"):
                value = getattr(args, action.dest, None)
                if value and Path(value).exists():
                    write_report(Path(value), Path(value).with_suffix(".html"))
    if out is None:
        return
    config, inputs = resolved_config(parser, args, skip)
    out_actions = role_actions(parser, "out_dir")
    argv = command_line(parser, config, skip)
    manifest = build_manifest(
        args.command,
        argv,
        config,
        inputs,
        out.hashes(),
        out_option=_flag(out_actions[0]) if out_actions else "--out",
        interrupted=job.interrupted,
    )
    write_manifest(out.path, manifest)
