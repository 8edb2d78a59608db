"""``paper`` against ``serve`` on 127.0.0.1, then ``parity``: identical without faults and with every fault kind."""

from __future__ import annotations

from pathlib import Path

import pytest
from paper_helpers import ALL_FAULTS, papers_on

from jtrader.paper.parity import check_parity
from jtrader.recording import Direction, open_recording
from jtrader.replay.runner import ReplayConfig, run_replay
from tests.live.live_helpers import binance_observable_losses


@pytest.fixture(scope="module")
def sessions(coinbase_src: Path, binance_src: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("parity")
    jobs = {
        (venue, name): (source, folder / f"{venue}_{name}.jtrec", faults)
        for venue, source in (("coinbase", coinbase_src), ("binance", binance_src))
        for name, faults in (("none", ""), ("all", ALL_FAULTS))
    }
    done = papers_on(jobs)
    return {key: (jobs[key][1], *done[key]) for key in jobs}


@pytest.mark.parametrize("venue", ["coinbase", "binance"])
@pytest.mark.parametrize("faults", ["none", "all"])
def test_a_paper_session_replays_identically(sessions: dict, venue: str, faults: str) -> None:
    path, summary, session = sessions[(venue, faults)]
    result = check_parity(path)
    assert result["identical"], result["first_divergence"]
    assert result["finished"] and result["resumes"] == 0
    # the session really traded, and parity compared what it did
    assert result["fills_paper"] > 0 and result["orders_paper"] > 10
    assert (result["orders_paper"], result["fills_paper"]) == (result["orders_replay"], result["fills_replay"])
    assert result["final_equity_paper"] == result["final_equity_replay"] is not None
    assert result["positions_paper"] == result["positions_replay"]
    assert session.finished and session.error is None
    handler = summary["handler"]
    if faults == "none":
        assert (handler["gaps"], handler["reconnects"], handler["malformed"], handler["stalls"]) == (0, 0, 0, 0)
    else:  # the feed misbehaved in every way, and the replay still agrees
        assert handler["reconnects"] > 0 and handler["malformed"] > 0
        assert handler["stalls"] > 0 and handler["resyncs"] > 0
        if venue == "coinbase":  # a lost or skipped sequence number is always seen
            assert handler["gaps"] > 0
        else:  # a lost diff is seen only once the book is synced: exactly those the venue's rules make visible
            assert handler["gaps"] == len(binance_observable_losses(path))


@pytest.mark.parametrize("venue", ["coinbase", "binance"])
def test_the_recording_is_a_replayable_recording_with_its_events_beside_the_market(sessions: dict, venue: str) -> None:
    path, _, session = sessions[(venue, "all")]
    reader = open_recording(path)
    records = list(reader)
    assert reader.ended and not reader.damage.problems and reader.version == 3
    kinds = {r.direction for r in records}
    assert {Direction.RECV, Direction.HTTP, Direction.CONNECT, Direction.EVENT} <= kinds
    assert (Direction.SEND in kinds) == (venue == "coinbase")  # Binance subscribes by URL
    assert Direction.DISCONNECT in kinds  # the faults cut connections
    # the header holds every decision input
    paper = reader.header.metadata["paper"]
    assert paper["strategy"] == "market_maker" and paper["params"]["half_spread_ticks"] == "1"
    assert (paper["cash"], paper["maker_bps"], paper["taker_bps"], paper["latency_ns"]) == (
        "100000",
        "0",
        "0",
        50_000_000,
    )
    # the first REST body is the instruments body the session learned its instruments from
    first_http = next(r for r in records if r.direction is Direction.HTTP)
    assert ("products" in (first_http.url or "")) or ("exchangeInfo" in (first_http.url or ""))
    # a plain replay of the file (no strategy) reads it without trading input from the event records
    plain = run_replay(path, ReplayConfig(record_events=False)).summary
    assert plain["malformed"] == session.adapter.stats.malformed
    assert plain["gaps"] == session.adapter.stats.gaps


def test_the_summary_has_the_replay_keys_and_the_live_ones(sessions: dict) -> None:
    from jtrader.paper.command import paper_summary
    from jtrader.paper.resume import Reopened

    path, extra, session = sessions[("coinbase", "all")]
    summary = paper_summary(Reopened(session, 1, 0), extra, str(path))
    replay = run_replay(path, ReplayConfig(strategy=session.config.build_strategy())).summary
    assert set(replay) - {"elapsed_s"} <= set(summary)
    for key in ("gaps", "resyncs", "reconnects", "malformed", "stalls"):
        assert isinstance(summary[key], int)
    assert summary["kind"] == "paper"
    for key in ("orders", "fills", "final_equity", "positions", "trading_state", "gaps", "resyncs", "malformed"):
        assert summary[key] == replay[key], key
    assert summary["receive_to_decision_us"]["count"] == summary["handler"]["frames"]
