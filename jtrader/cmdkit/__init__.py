"""What every command shares: stop on Ctrl-C, progress bars, output checks, manifests, config, text.

* :mod:`~jtrader.cmdkit.job`: :class:`Job`, handed by the CLI to each runner (``run(args, job)``).
* :mod:`~jtrader.cmdkit.interrupt`: SIGINT/SIGTERM set a flag; sources stop between items.
* :mod:`~jtrader.cmdkit.progress`: :func:`watched` (stop checks and bars once per batch).
* :mod:`~jtrader.cmdkit.outputs`: ``--out`` checks before the run, :class:`OutputDir`.
* :mod:`~jtrader.cmdkit.options`: argparse roles (input, out dir/file, report) and argv rebuild.
* :mod:`~jtrader.cmdkit.config`: ``--config jtrader.toml`` over any argparse parser.
* :mod:`~jtrader.cmdkit.manifest` and :mod:`~jtrader.cmdkit.verify`: ``manifest.json``, ``jtrader verify``.
* :mod:`~jtrader.cmdkit.display` and :mod:`~jtrader.cmdkit.problems`: human output.
* :mod:`~jtrader.cmdkit.logs`: the console log handler.

Standard library, the model and orjson only (rich is imported lazily, when bars are drawn).
"""

from jtrader.cmdkit.interrupt import EXIT_INTERRUPTED, StopFlag
from jtrader.cmdkit.job import Job

__all__ = ["EXIT_INTERRUPTED", "Job", "StopFlag"]
