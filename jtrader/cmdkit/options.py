"""Argparse helpers that give a subcommand the CLI-wide features by declaring what its options are.

A command declares its input files and output location with these helpers instead of plain
``add_argument``; the CLI then checks outputs before the run, hashes inputs into
``manifest.json``, offers ``--report``, and can rebuild the full command line for
``jtrader verify``::

    add_input(parser, "data", metavar="DATA", help="candle file")
    add_out_dir(parser, help="write summary.json ... here")          # --out DIR (+ --report)
    add_out_file(parser, "--out", help="write the recording here")   # --out FILE

The role is stored on the argparse action (attribute :data:`ROLE`); nothing else changes.
Also here: :func:`subcommands` (name -> subparser) and :func:`command_line` (a namespace back to
argv), both generic over any parser.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any

__all__ = [
    "ROLE",
    "add_input",
    "add_out_dir",
    "add_out_file",
    "command_line",
    "mark",
    "role_actions",
    "role_of",
    "subcommands",
]

#: the attribute of an argparse action that names its role
ROLE = "jtrader_role"
ROLES = ("input", "out_dir", "out_file", "strategy", "report")


def mark(action: argparse.Action, role: str) -> argparse.Action:
    """Give ``action`` a role (one of ``input``, ``out_dir``, ``out_file``, ``strategy``, ``report``)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    setattr(action, ROLE, role)
    return action


def role_of(action: argparse.Action) -> str | None:
    """The role of ``action``, or None."""
    return getattr(action, ROLE, None)


def add_input(parser: argparse.ArgumentParser, dest: str, *, metavar: str, help: str) -> argparse.Action:
    """A positional input file: hashed (sha256) into the run's manifest."""
    return mark(parser.add_argument(dest, metavar=metavar, help=help), "input")


def _add_report(parser: argparse.ArgumentParser) -> None:
    mark(
        parser.add_argument(
            "--report",
            action="store_true",
            help="also write an HTML report next to the output (see `jtrader report`)",
        ),
        "report",
    )


def add_out_dir(parser: argparse.ArgumentParser, *, help: str, report: bool = True) -> argparse.Action:
    """``--out DIR``: checked before the run, gets ``manifest.json``; with ``report``, also ``--report``."""
    action = mark(parser.add_argument("--out", metavar="DIR", help=help), "out_dir")
    if report:
        _add_report(parser)
    return action


def add_out_file(
    parser: argparse.ArgumentParser, *names: str, help: str, required: bool = False, report: bool = False
) -> argparse.Action:
    """An output file (``--out FILE`` or a positional ``OUT``): checked before the run."""
    if names and names[0].startswith("-"):
        action = parser.add_argument(*names, metavar="FILE", required=required, help=help)
    else:
        action = parser.add_argument(*names, metavar="OUT", help=help)
    mark(action, "out_file")
    if report:
        _add_report(parser)
    return action


def role_actions(parser: argparse.ArgumentParser, role: str) -> list[argparse.Action]:
    """The actions of ``parser`` with ``role``, in declaration order."""
    return [action for action in parser._actions if role_of(action) == role]


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """``{name: subparser}`` of every subcommand of ``parser`` (empty when it has none)."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.update(action.choices)
    return found


def option_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """Every action of ``parser`` that holds a value (help, version and subcommands excluded)."""
    skip = (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)
    return [action for action in parser._actions if not isinstance(action, skip) and action.dest != argparse.SUPPRESS]


def _tokens(action: argparse.Action, value: Any) -> list[str]:
    flag = max(action.option_strings, key=len) if action.option_strings else ""
    if not flag:  # a positional
        return [str(value)] if value is not None else []
    if isinstance(action, argparse._StoreTrueAction):
        return [flag] if value else []
    if isinstance(action, argparse._StoreFalseAction):
        return [] if value else [flag]
    if isinstance(action, argparse._CountAction):
        return [flag] * int(value or 0)
    if isinstance(action, argparse._AppendAction):
        return [f"{flag}={item}" for item in value or ()]
    if value is None:
        return []
    return [f"{flag}={value}"]


def command_line(parser: argparse.ArgumentParser, values: dict[str, Any], skip: Iterable[str] = ()) -> list[str]:
    """The arguments that make ``parser`` produce ``values`` (``{dest: value}``), every option explicit.

    Options first, in declaration order and written ``--flag=value`` (a value may start with
    ``-``), then ``--`` and the positionals in order; dests in ``skip`` are left out.
    ``parser.parse_args(command_line(parser, v))`` gives back ``v`` for every store,
    store_true/false, count and append action.
    """
    skipped = set(skip)
    positionals: list[str] = []
    options: list[str] = []
    for action in option_actions(parser):
        if action.dest in skipped or action.dest not in values:
            continue
        (options if action.option_strings else positionals).extend(_tokens(action, values[action.dest]))
    return [*options, "--", *positionals] if positionals else options
