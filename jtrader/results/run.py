"""What every run of the Python API gives back: :class:`Run` (summary, tables, events, files, display).

A run holds what the engine produced; the tables are built from it with polars the first time
they are read (``import jtrader`` and the run itself never import polars for them), and
``.to_pandas()`` on a table needs pyarrow (``pip install 'jtrader[pandas]'``).
:meth:`Run.save` writes exactly the files the command's ``--out DIR`` writes, with the same
functions, so a saved directory works with ``jtrader report`` and, when the run has a command
line (:attr:`Run.command_line`), with ``jtrader verify``.
"""

from __future__ import annotations

import html
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from jtrader.cmdkit.outputs import OutputDir

__all__ = ["Run"]


class Run:
    """The results of one run (a backtest or a replay). Subclasses say how to build each part.

    * :attr:`summary`: the dict ``jtrader backtest --json`` / ``jtrader replay --json`` prints,
      including ``elapsed_s`` (wall-clock seconds, the only value that changes between runs);
    * :attr:`trades`, :attr:`equity`: polars DataFrames with exact decimals, the contents of
      ``trades.parquet`` and ``equity.parquet``;
    * :attr:`events`: every order, risk and emergency event as a dict (``events.jsonl``'s lines);
    * :meth:`save` (the ``--out`` files), :meth:`report` (the HTML report); in a notebook the run
      shows itself as a small table of its key figures.
    """

    #: ``"backtest"`` or ``"replay"``: the ``kind`` of the summary and the CLI command of the run
    kind: ClassVar[str] = ""

    def __init__(self, summary: dict[str, Any], command_line: list[str] | None) -> None:
        #: the ``--json`` summary of the run (decimal strings for money, counts, problems)
        self.summary = summary
        self._command_line = command_line
        self._tables: dict[str, Any] = {}

    # -- what a subclass provides ----------------------------------------------------------------
    def _build_tables(self) -> dict[str, Any]:
        """``{"trades": DataFrame, "equity": DataFrame, ...}`` (called once, on first access)."""
        raise NotImplementedError

    def _write_files(self, out: OutputDir) -> None:
        """Write the files of ``--out`` (summary, tables; not the report or the manifest) into ``out``."""
        raise NotImplementedError

    def _key_figures(self) -> list[tuple[str, str]]:
        """``(label, value)`` rows of the notebook table."""
        raise NotImplementedError

    # -- the public surface ----------------------------------------------------------------------
    @property
    def command_line(self) -> list[str] | None:
        """The ``jtrader`` arguments that make the same run (what ``manifest.json`` records), or None.

        None when the run cannot be written as a command: a strategy given as a Python object or a
        class that is not bundled, candles given in memory, limits the CLI has no option for.
        """
        return list(self._command_line) if self._command_line is not None else None

    def _table(self, name: str) -> Any:
        if not self._tables:
            self._tables = self._build_tables()
        return self._tables[name]

    @property
    def trades(self) -> Any:
        """One row per fill, as ``trades.parquet`` (a polars DataFrame; exact decimals; ts in UTC)."""
        return self._table("trades")

    @property
    def equity(self) -> Any:
        """Equity over time, as ``equity.parquet`` (a polars DataFrame; Decimal(38, 18) money)."""
        return self._table("equity")

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every order, risk and emergency event in order, as JSON-able dicts with decimal strings."""
        raise NotImplementedError

    def save(self, directory: str | os.PathLike[str], *, report: bool = False) -> Path:
        """Write the files ``--out DIR`` writes into ``directory`` (created if needed); return its path.

        ``summary.json`` (the summary without ``elapsed_s``), the Parquet tables, ``events.jsonl``
        for a replay, ``report.html`` with ``report=True``, and ``manifest.json`` when the run has
        a :attr:`command_line` (then ``jtrader verify DIR`` re-runs it and compares every file).
        The same run saved twice gives byte-identical files.
        """
        from jtrader.cmdkit.outputs import OutputDir

        out = OutputDir(directory, "save")
        self._write_files(out)
        if self._command_line is not None:
            from jtrader.results.commandline import write_manifest_like_cli

            write_manifest_like_cli(self._command_line, out, report=report)
        elif report:
            from jtrader.report import write_report

            write_report(out.path, out.file("report.html"))
        return out.path

    def report(self, path: str | os.PathLike[str]) -> Path:
        """Write the HTML report of this run (what ``--report`` writes) to ``path``; return it.

        One self-contained file that opens offline; needs plotly (``pip install 'jtrader[report]'``).
        """
        from jtrader.cmdkit.outputs import OutputDir, check_out_file
        from jtrader.report import write_report

        target = check_out_file(path, "report")
        with tempfile.TemporaryDirectory(prefix="jtrader-report-") as scratch:
            out = OutputDir(Path(scratch) / "run", "report")
            self._write_files(out)
            return write_report(out.path, target)

    def __str__(self) -> str:
        """The text ``jtrader`` prints without ``--json``."""
        raise NotImplementedError

    def _repr_html_(self) -> str:
        """A compact HTML table of the key figures (Jupyter calls it; it imports nothing heavy)."""
        rows = "".join(
            f'<tr><th style="text-align:left">{html.escape(label)}</th>'
            f'<td style="text-align:left">{html.escape(value)}</td></tr>'
            for label, value in self._key_figures()
        )
        problems = "".join(f"<li>{html.escape(line.strip())}</li>" for line in self._problem_lines())
        caption = html.escape(f"jtrader {self.kind}{' (interrupted)' if self.summary.get('interrupted') else ''}")
        notes = f"<ul>{problems}</ul>" if problems else ""
        return f"<table><caption>{caption}</caption><tbody>{rows}</tbody></table>{notes}"

    def _problem_lines(self) -> list[str]:
        from jtrader.cmdkit.problems import problem_lines

        return problem_lines(self.summary)
