"""``jtrader strategies [--json]``: list the bundled strategies with their parameters and defaults."""

from __future__ import annotations

import argparse
import json
import sys

from jtrader.strategies.loader import BUNDLED, describe

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """Print the list (one JSON object ``{"strategies": [...]}`` with ``--json``). Returns 0."""
    described = [describe(BUNDLED[name]) for name in sorted(BUNDLED)]
    if getattr(args, "json", False):
        sys.stdout.write(json.dumps({"strategies": described}, indent=2) + "\n")
        return 0
    lines = []
    for item in described:
        lines.append(f"{item['name']}: {item['description']}")
        for key, spec in item["params"].items():
            lines.append(f"    --param {key}={spec['default']}  ({spec['type']})")
    lines.append("")
    lines.append("Also: --strategy path/to/file.py:ClassName (a jtrader.trading.Strategy subclass).")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
