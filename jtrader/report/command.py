"""``jtrader report RESULT [-o FILE]``: write the HTML report of a result directory or a sweep file."""

from __future__ import annotations

import argparse

from jtrader.report.page import write_report

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """CLI runner: write the report and print where it went."""
    target = write_report(
        args.result,
        args.output,
        max_points=args.max_points,
        metric=args.metric,
        x_param=args.x_param,
        y_param=args.y_param,
    )
    print(f"wrote {target}")
    return 0
