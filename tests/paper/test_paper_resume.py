"""A paper recording cut where a SIGKILL cuts it (between chunks, or inside one), rebuilt and resumed
against the served feed: the same balances, positions, open orders and risk state; parity across the cut."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest
from paper_helpers import TESTS, paper_on, run_paper

from jtrader.errors import ConfigError
from jtrader.live.localvenue import LocalVenue
from jtrader.paper import events as paper_events
from jtrader.paper.parity import check_parity
from jtrader.paper.resume import rebuild
from jtrader.recording import Direction, open_recording
from jtrader.replay.runner import run_replay

KILL = f"{TESTS / 'strategies_for_tests.py'}:KillAfterFills"


def chunk_ends(path: Path) -> list[int]:
    """Byte offsets right after each records chunk (the header chunk left out)."""
    data = path.read_bytes()
    pos, ends = 8, []
    while pos + 8 <= len(data):
        clen, _ = struct.unpack_from("<II", data, pos)
        if clen == 0:  # the end marker
            break
        pos += 8 + clen
        ends.append(pos)
    return ends[1:]


def cut(path: Path, at: int, out: Path) -> Path:
    out.write_bytes(path.read_bytes()[:at])
    return out


def events_of(path: Path) -> list[dict]:
    return [paper_events.decode(r.payload) for r in open_recording(path) if r.direction is Direction.EVENT]


def state_of(engine) -> dict:
    """What a resume must restore, read from an engine."""
    return {
        "balances": engine.portfolio.balances(),
        "record": engine.portfolio.to_record(),
        "positions": {s: engine.portfolio.position(s) for s in engine.instruments},
        "open": sorted(
            (o.order_id, o.side.value, o.price, o.size, o.filled, o.status.value) for o in engine.ctx.open_orders()
        ),
        "state": engine.trading_state.value,
        "clock": engine.clock.now,
        "events": len(engine.result.events),
    }


@pytest.mark.parametrize("venue", ["coinbase", "binance"])
def test_a_cut_session_rebuilds_to_the_state_a_replay_of_the_cut_file_has(
    venue: str, coinbase_src: Path, binance_src: Path, tmp_path: Path
) -> None:
    source = coinbase_src if venue == "coinbase" else binance_src
    full = tmp_path / "full.jtrec"
    paper_on(source, full)
    ends = chunk_ends(full)
    assert len(ends) > 6
    for at in (ends[len(ends) // 2], ends[len(ends) // 2] + 7):  # between chunks; inside the next one
        crashed = cut(full, at, tmp_path / f"crashed_{at}.jtrec")
        seen = {}

        def hook(messages, engine, seen=seen):
            yield from messages
            seen["state"] = state_of(engine)  # at the end of the data, before the final drain

        config, session, reader = rebuild(crashed)
        replay_config = config.replay_config(config.build_strategy())
        replay_config.message_hook = hook
        run_replay(crashed, replay_config)
        assert state_of(session.engine) == seen["state"]
        assert session.events_checked == len(events_of(crashed)) > 0
        assert reader.truncated and reader.data_end == ends[len(ends) // 2]


@pytest.mark.parametrize("venue", ["coinbase", "binance"])
def test_a_resumed_session_is_identical_on_parity_across_the_crash(
    venue: str, coinbase_src: Path, binance_src: Path, tmp_path: Path
) -> None:
    import asyncio

    source = coinbase_src if venue == "coinbase" else binance_src
    full = tmp_path / "full.jtrec"
    paper_on(source, full)
    ends = chunk_ends(full)
    crashed = cut(full, ends[len(ends) // 3] + 5, tmp_path / "crashed.jtrec")
    before = check_parity(crashed)
    assert before["identical"] and not before["finished"]

    async def resume() -> tuple[dict, object]:
        from jtrader.live.localvenue import FaultSpec

        async with LocalVenue(source, faults=FaultSpec.parse(""), heartbeat_fill_s=0.1, speed=4.0) as served:
            return await run_paper(served, crashed, resume=True)

    summary, session = asyncio.run(resume())
    assert session.finished and session.error is None
    result = check_parity(crashed)
    assert result["identical"], result["first_divergence"]
    assert result["finished"] and result["resumes"] == 1
    assert result["fills_paper"] >= before["fills_paper"]
    reader = open_recording(crashed)
    records = list(reader)
    assert reader.ended and not reader.damage.problems
    # the crash closed the lost connection, and the resumed session went on with the next connection id
    connects = [r.conn for r in records if r.direction is Direction.CONNECT]
    assert connects == sorted(set(connects), key=lambda c: int(c.rsplit(".", 1)[1])) and len(connects) >= 2
    disconnects = [r.conn for r in records if r.direction is Direction.DISCONNECT]
    assert connects[0] in disconnects
    marker = next(e for e in events_of(crashed) if e["type"] == paper_events.RESUMED)
    assert marker["lost_connections"] == [connects[0]]


def test_a_halted_session_stays_halted_after_a_resume(coinbase_src: Path, tmp_path: Path) -> None:
    import asyncio

    full = tmp_path / "full.jtrec"
    summary, session = paper_on(coinbase_src, full, strategy=KILL, params=["half_spread_ticks=1", "fills=1"])
    assert session.engine.trading_state.value == "HALTED"
    assert check_parity(full)["identical"]
    halted_at = next(
        i for i, e in enumerate(events_of(full)) if e["type"] == "RiskStateChanged" and e.get("new") == "HALTED"
    )
    # the first cut whose events include the halt, before the end
    for at in chunk_ends(full)[:-1]:
        crashed = cut(full, at, tmp_path / "crashed.jtrec")
        if len(events_of(crashed)) > halted_at:
            break
    else:
        pytest.fail("no cut after the halt")
    _, rebuilt, _ = rebuild(crashed)
    assert rebuilt.engine.trading_state.value == "HALTED"

    async def resume() -> tuple[dict, object]:
        async with LocalVenue(coinbase_src, heartbeat_fill_s=0.1, speed=4.0) as served:
            return await run_paper(served, crashed, resume=True)

    _, resumed = asyncio.run(resume())
    assert resumed.engine.trading_state.value == "HALTED"
    result = check_parity(crashed)
    assert result["identical"], result["first_divergence"]
    assert result["resumes"] == 1


def test_a_finished_session_is_not_resumed(coinbase_src: Path, tmp_path: Path) -> None:
    full = tmp_path / "full.jtrec"
    paper_on(coinbase_src, full, params=["half_spread_ticks=1"])
    copy = shutil.copy(full, tmp_path / "copy.jtrec")
    with pytest.raises(ConfigError, match="ended normally"):
        rebuild(copy)
