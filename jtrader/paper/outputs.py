"""A paper recording as a result directory: what ``jtrader report`` and ``paper --report`` show.

The session's result is rebuilt by replaying its recording with the configuration in its header
(parity proves that replay makes the session's own orders and fills), sampling the books on the
way (:class:`~jtrader.replay.timeline.BookTimeline`). The directory then holds what ``jtrader
replay --out`` writes (``summary.json`` with ``"kind": "paper"``, ``events.jsonl``,
``book.parquet``), so the replay page of the report draws it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jtrader.cmdkit.outputs import OutputDir
from jtrader.errors import ConfigError, StrategyError
from jtrader.paper.config import PaperConfig
from jtrader.recording import open_recording
from jtrader.replay.command import full_summary, write_outputs
from jtrader.replay.runner import run_replay
from jtrader.replay.timeline import BookTimeline

__all__ = ["write_session_result"]

#: book sampling of the report (the same default as ``jtrader replay --sample-ms``)
SAMPLE_NS = 100_000_000


def write_session_result(recording: str | Path, out: Path) -> dict[str, Any]:
    """Write the result directory of the paper recording ``recording`` into ``out``; return its summary.

    ConfigError for a recording not made by ``jtrader paper``, or one whose session ended with a
    strategy error (there is no final state to show; ``jtrader parity`` compares it).
    """
    config = PaperConfig.from_header(open_recording(recording).header)
    strategy = config.build_strategy()
    timeline = BookTimeline(SAMPLE_NS)
    replay_config = config.replay_config(strategy)
    replay_config.message_hook = timeline.hook
    try:
        outcome = run_replay(recording, replay_config)
    except StrategyError as exc:
        raise ConfigError(f"{recording}: the session ended with a strategy error ({exc}): no report") from exc
    summary = full_summary(outcome, strategy, False)
    summary["kind"] = "paper"
    summary["record"] = str(recording)
    write_outputs(OutputDir(out), summary, outcome, timeline)
    return summary
