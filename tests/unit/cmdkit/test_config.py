"""``--config jtrader.toml``: every option from a file, the command line overriding, unknown keys named."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from jtrader.cli import GLOBAL_DESTS, build_parser, main
from jtrader.cmdkit.config import apply_config, find_config_path, settle_lists
from jtrader.cmdkit.options import command_line, option_actions, subcommands
from jtrader.errors import ConfigError
from tests.cli.clikit import write_candles


@pytest.fixture(scope="module")
def candles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_candles(tmp_path_factory.mktemp("cfg") / "c.parquet", 600)


def parse(toml: str, argv: list[str], tmp_path: Path) -> argparse.Namespace:
    path = tmp_path / "jtrader.toml"
    path.write_text(toml)
    parser = build_parser()
    import tomllib

    config = apply_config(parser, tomllib.loads(toml), path)
    args = parser.parse_args(argv)
    settle_lists(parser, args, config)
    return args


def test_a_command_table_sets_options_and_the_command_line_overrides_them(tmp_path: Path) -> None:
    toml = '[backtest]\nsymbol = "ETH-USD"\nfee-bps = "5"\ncash = 20000\nfill = "close"\njson = true\n'
    args = parse(toml, ["backtest", "d.csv", "--fee-bps", "7"], tmp_path)
    assert (args.symbol, args.fee_bps, args.cash, args.fill, args.json) == ("ETH-USD", "7", "20000", "close", True)


def test_params_come_as_a_table_and_the_command_line_overrides_them_key_by_key(tmp_path: Path) -> None:
    toml = "[backtest]\nparams = { fast = 10, slow = 30 }\n"
    assert parse(toml, ["backtest", "d.csv"], tmp_path).param == ["fast=10", "slow=30"]
    args = parse(toml, ["backtest", "d.csv", "--param", "fast=4"], tmp_path)
    assert args.param == ["fast=4", "slow=30"]


def test_other_repeatable_options_on_the_command_line_replace_the_files_list(tmp_path: Path) -> None:
    toml = '[generate]\nsymbol = ["BTC-USD", "ETH-USD"]\n'
    assert parse(toml, ["generate", "--out", "x"], tmp_path).symbol == ["BTC-USD", "ETH-USD"]
    assert parse(toml, ["generate", "--out", "x", "--symbol", "SOL-USD"], tmp_path).symbol == ["SOL-USD"]


def test_top_level_keys_are_global_options_or_shared_options_of_every_command_that_has_them(tmp_path: Path) -> None:
    toml = 'log-level = "info"\nquiet = true\ncash = "5000"\n[backtest]\ncash = "7000"\n'
    args = parse(toml, ["replay", "r.jtrec"], tmp_path)
    assert (args.log_level, args.quiet, args.cash) == ("info", True, "5000")
    assert parse(toml, ["backtest", "d.csv"], tmp_path).cash == "7000"  # the command table wins


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[backtest]\nsymbl = 'X'\n", "unknown key 'backtest.symbl'"),
        ("colour = 'blue'\n", "unknown key 'colour'"),
        ("[backtest]\ndata = 'c.csv'\n", "DATA is a positional argument"),
        ("[backtest]\ntick = 0.01\n", 'write the decimal as a string (backtest.tick = "0.01")'),
        ("[backtest]\nfill = 'later'\n", "backtest.fill: 'later' is not one of next-open, close"),
        ("[backtest]\njson = 'yes'\n", "backtest.json: expected true or false"),
        ("[replay]\ntop = 'many'\n", "replay.top: invalid value 'many'"),
        ("[generate]\nseed = 1.5\n", "generate.seed: expected an integer"),
        ("[backtest]\nconfig = 'other.toml'\n", "cannot name another config file"),
        ("backtest = 3\n", "[backtest] must be a table"),
        ("[backtest]\nparams = { fast = [1] }\n", "backtest.params.fast: expected a single value"),
    ],
)
def test_bad_keys_and_values_are_errors_that_name_the_key(toml: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        parse(toml, ["backtest", "d.csv"], tmp_path)
    assert message in str(info.value)
    assert str(tmp_path / "jtrader.toml") in str(info.value)


def test_every_option_of_every_command_can_come_from_the_file() -> None:
    """Generic over the parser: a command added later is configurable with no code in config.py."""
    parser = build_parser()
    for name, sub in subcommands(parser).items():
        for action in option_actions(sub):
            if not action.option_strings or action.dest in ("config", *GLOBAL_DESTS):
                continue
            if isinstance(action, argparse._StoreTrueAction):
                value: object = True
            elif isinstance(action, argparse._AppendAction):
                value = ["a=1"]
            elif action.choices:
                value = list(action.choices)[-1]
            elif action.type in (int, float):
                value = 3
            else:
                value = "7"
            fresh = build_parser()
            config = apply_config(fresh, {name: {action.dest: value}}, "t.toml")
            assert config.values[name][action.dest] == value, (name, action.dest)


def test_command_line_rebuilds_every_commands_arguments() -> None:
    parser = build_parser()
    for name, sub in subcommands(parser).items():
        positionals = [a for a in option_actions(sub) if not a.option_strings]
        extra = []  # required options get a value their type and choices accept
        for action in option_actions(sub):
            if action.option_strings and action.required:
                extra += [action.option_strings[-1], action.choices[0] if action.choices else "1"]
        args = parser.parse_args([name, *extra, *(["--", *["-odd name" for _ in positionals]] if positionals else [])])
        values = {k: v for k, v in vars(args).items() if k not in ("command", *GLOBAL_DESTS)}
        again = parser.parse_args([name, *command_line(sub, values, GLOBAL_DESTS)])
        assert {k: v for k, v in vars(again).items() if k in values} == values, name


def test_find_config_path_reads_both_spellings_and_stops_at_double_dash() -> None:
    assert find_config_path(["--config", "a.toml", "backtest"]) == "a.toml"
    assert find_config_path(["backtest", "--config=b.toml"]) == "b.toml"
    assert find_config_path(["backtest", "--", "--config=c.toml"]) is None
    assert find_config_path(["backtest"]) is None


def test_main_runs_a_backtest_configured_by_a_file(
    candles: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "jtrader.toml"
    config.write_text(f'[backtest]\nparams = {{ fast = 4, slow = 12 }}\njson = true\nout = "{tmp_path / "out"}"\n')
    assert main(["--config", str(config), "backtest", str(candles)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["params"] == {"fast": 4, "slow": 12, "symbol": ""}
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["config"]["param"] == ["fast=4", "slow=12"]
    assert main(["backtest", str(candles), "--config", str(config), "--param", "slow=20"]) == 0
    assert json.loads(capsys.readouterr().out)["params"] == {"fast": 4, "slow": 20, "symbol": ""}


def test_main_reports_a_bad_config_file_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[backtest\n")
    assert main(["--config", str(config), "strategies"]) == 1
    assert capsys.readouterr().err.startswith(f"jtrader: error: --config {config}: not valid TOML")
    assert main(["--config", str(tmp_path / "none.toml"), "strategies"]) == 1
    assert "no such file" in capsys.readouterr().err
