"""``--config jtrader.toml``: every CLI option can come from a TOML file; the command line wins.

Layout (keys are option names without the dashes, ``fee-bps`` or ``fee_bps``)::

    log-level = "info"            # a global option (--log-level, --quiet, -v as verbose = 1)
    cash = "50000"                # a shared key: applies to every command that has --cash

    [backtest]                    # one table per subcommand: that command's options
    symbol = "ETH-USD"
    strategy = "sma_cross"
    params = { fast = 10, slow = 30 }   # K=V options take a table (or a list of "k=v" strings)
    out = "results/eth"

    [replay]
    latency-ms = "20"

The allowed keys are read off the parser itself (each subparser's actions), so a new subcommand
is configurable with no code here. An unknown key, a positional (give those on the command line),
a value of the wrong type or outside the option's choices is a :class:`ConfigError` naming the
key and the file. Money and grid options take strings (``tick = "0.01"``): a TOML float is
refused where the option keeps decimal text, because a float cannot hold every decimal exactly.

Precedence: command line > ``[command]`` table > top-level shared key > the option's default. For
repeatable ``K=V`` options (``--param``) the command line overrides key by key; for other
repeatable options the command line list replaces the file's.
"""

from __future__ import annotations

import argparse
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jtrader.cmdkit.options import option_actions, subcommands
from jtrader.errors import ConfigError

__all__ = ["ConfigFile", "apply_config", "find_config_path", "load_config", "settle_lists"]


@dataclass(slots=True)
class ConfigFile:
    """A loaded config: the file and ``{command or "": {dest: value}}`` after checking."""

    path: Path
    values: dict[str, dict[str, Any]] = field(default_factory=dict)


def find_config_path(argv: list[str]) -> str | None:
    """The value of ``--config`` in ``argv`` (``--config F`` or ``--config=F``), or None."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--config" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--config="):
            return arg.partition("=")[2]
    return None


def load_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a TOML file (ConfigError with the position when it is not valid TOML)."""
    source = Path(path)
    try:
        with source.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"--config {source}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"--config {source}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"--config {source}: not valid TOML: {exc}") from None


def _names(action: argparse.Action) -> set[str]:
    names = {action.dest, action.dest.replace("_", "-")}
    for option in action.option_strings:
        if option.startswith("--"):
            names.add(option[2:])
            names.add(option[2:].replace("-", "_"))
    if action.metavar == "K=V" and action.dest.endswith("param"):
        names.update({action.dest + "s", action.dest.replace("_", "-") + "s"})  # param -> params
    return names


def _index(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    index: dict[str, argparse.Action] = {}
    for action in option_actions(parser):
        for name in _names(action):
            index[name] = action
    return index


def _scalar(value: Any, action: argparse.Action, where: str) -> Any:
    """One TOML value as the option would have parsed it from the command line."""
    if isinstance(value, dict | list):
        raise ConfigError(f"{where}: expected a single value, got {type(value).__name__}")
    convert = action.type
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected {'a number' if convert in (int, float) else 'text'}, got a boolean")
    if isinstance(value, float) and convert is None:
        key = where.rsplit(" ", 1)[-1]
        raise ConfigError(f'{where}: write the decimal as a string ({key} = "{value!r}") so it stays exact')
    if isinstance(value, float) and convert is int:
        raise ConfigError(f"{where}: expected an integer, got {value!r}")
    if convert is not None:
        try:
            value = convert(value if isinstance(value, int | float) and convert in (int, float) else str(value))
        except (TypeError, ValueError, argparse.ArgumentTypeError) as exc:
            raise ConfigError(f"{where}: invalid value {value!r} ({exc})") from None
    elif not isinstance(value, str):
        value = str(value)
    if action.choices is not None and value not in action.choices:
        choices = ", ".join(map(str, action.choices))
        raise ConfigError(f"{where}: {value!r} is not one of {choices}")
    return value


def _value(value: Any, action: argparse.Action, where: str) -> Any:
    if isinstance(action, argparse._StoreTrueAction | argparse._StoreFalseAction):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if isinstance(action, argparse._CountAction):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{where}: expected a count (0, 1, 2...), got {value!r}")
        return value
    if isinstance(action, argparse._AppendAction):
        if isinstance(value, dict) and action.metavar == "K=V":
            return [f"{k}={_plain(v, f'{where}.{k}')}" for k, v in value.items()]
        items = value if isinstance(value, list) else [value]
        return [_scalar(item, action, where) for item in items]
    return _scalar(value, action, where)


def _plain(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        raise ConfigError(f"{where}: expected a single value, got {type(value).__name__}")
    return str(value)


def _check_table(table: dict[str, Any], parser: argparse.ArgumentParser, prefix: str, path: Path) -> dict[str, Any]:
    index = _index(parser)
    out: dict[str, Any] = {}
    for key, value in table.items():
        action = index.get(key)
        where = f"--config {path}: {prefix}{key}"
        if action is None:
            known = ", ".join(sorted({a.dest for a in index.values() if a.option_strings and a.dest != "config"}))
            raise ConfigError(f"--config {path}: unknown key {prefix + key!r} (known: {known})")
        if not action.option_strings:
            name = action.metavar or action.dest
            raise ConfigError(f"{where}: {name} is a positional argument: give it on the command line")
        if action.dest == "config":
            raise ConfigError(f"{where}: a config file cannot name another config file")
        out[action.dest] = _value(value, action, where)
    return out


def apply_config(parser: argparse.ArgumentParser, data: dict[str, Any], path: str | os.PathLike[str]) -> ConfigFile:
    """Check ``data`` against ``parser`` and install it as defaults (the command line then overrides)."""
    source = Path(path)
    commands = subcommands(parser)
    shared: dict[str, Any] = {}
    tables: dict[str, dict[str, Any]] = {}
    for key, value in data.items():
        if key in commands:
            if not isinstance(value, dict):
                raise ConfigError(f"--config {source}: [{key}] must be a table of {key}'s options")
            tables[key] = value
        else:
            shared[key] = value
    config = ConfigFile(source)
    global_index = _index(parser)
    leftover: dict[str, Any] = {}
    for key, value in shared.items():
        if key in global_index:
            config.values.setdefault("", {}).update(_check_table({key: value}, parser, "", source))
        else:
            leftover[key] = value
    for key, value in leftover.items():  # a shared key must belong to at least one command
        users = [name for name, sub in commands.items() if key in _index(sub)]
        if not users:
            raise ConfigError(
                f"--config {source}: unknown key {key!r} (neither a global option, a command table, "
                f"nor an option of any command)"
            )
        for name in users:
            config.values.setdefault(name, {}).update(_check_table({key: value}, commands[name], "", source))
    for name, table in tables.items():
        config.values.setdefault(name, {}).update(_check_table(table, commands[name], f"{name}.", source))
    if "" in config.values:
        parser.set_defaults(**config.values[""])
    for name, values in config.values.items():
        if name:
            commands[name].set_defaults(**values)
    return config


def settle_lists(parser: argparse.ArgumentParser, args: argparse.Namespace, config: ConfigFile | None) -> None:
    """After parsing: make command-line repeatable options override the file's (see module doc)."""
    if config is None:
        return
    command = getattr(args, "command", None)
    sub = subcommands(parser).get(command or "")
    for scope, target in (("", parser), (command or "", sub)):
        if target is None:
            continue
        from_file = config.values.get(scope, {})
        for action in option_actions(target):
            if not isinstance(action, argparse._AppendAction) or action.dest not in from_file:
                continue
            base = from_file[action.dest]
            value = getattr(args, action.dest, None) or []
            given = value[len(base) :] if value[: len(base)] == base else value
            if not given:
                continue
            if action.metavar == "K=V":
                merged = {item.partition("=")[0]: item for item in base}
                merged.update({item.partition("=")[0]: item for item in given})
                setattr(args, action.dest, list(merged.values()))
            else:
                setattr(args, action.dest, given)
