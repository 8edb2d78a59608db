"""Paper sessions against ``serve`` (in process): the kill switch tripping mid-session; the status line."""

from __future__ import annotations

import re
from pathlib import Path

from paper_helpers import TESTS, paper_on

from jtrader.paper import events as paper_events
from jtrader.paper.parity import check_parity
from jtrader.recording import Direction, open_recording

STRATEGIES = TESTS / "strategies_for_tests.py"


def events_of(path: Path) -> list[dict]:
    return [paper_events.decode(r.payload) for r in open_recording(path) if r.direction is Direction.EVENT]


def test_the_kill_switch_mid_session_halts_cancels_and_denies_from_then_on(coinbase_src: Path, tmp_path: Path) -> None:
    out = tmp_path / "kill.jtrec"
    summary, session = paper_on(
        coinbase_src, out, strategy=f"{STRATEGIES}:KillAfterFills", params=["half_spread_ticks=1", "fills=2"]
    )
    events = events_of(out)
    halt = next(i for i, e in enumerate(events) if e["type"] == "RiskStateChanged")
    assert events[halt]["new"] == "HALTED" and "kill_switch" in events[halt]["reason"]
    assert sum(e["type"] == "OrderFilled" for e in events[:halt]) == 2  # it tripped at the second fill, mid-session
    steps = [e["step"] for e in events[halt:] if e["type"] == "EmergencyAction"]
    assert steps[:4] == ["halt", "cancel_all", "flatten", "verify_flat"]
    # the market maker kept quoting: every new order was denied, none reached the exchange
    denied = [e for e in events[halt + 1 :] if e["type"] == "OrderDenied"]
    assert len(denied) > 10 and {e["reason"] for e in denied} == {"HALTED"}
    # no order sent after the halt reached the exchange: whatever was accepted or filled after it (an order
    # in flight, a resting one filled before its cancel arrived) was sent before the first denial
    first_denied = min(int(e["order_id"].rsplit("-", 1)[1]) for e in denied)
    # ... or is the emergency manager's own flatten order (a retry comes later when a fill was in flight)
    flatten_ids = {
        order_id
        for e in events[halt:]
        if e["type"] == "EmergencyAction" and e["step"] == "flatten"
        for order_id in re.findall(r"\bo-\d+\b", e["detail"])
    }
    late = [
        e
        for e in events[halt + 1 :]
        if e["type"] in ("OrderAccepted", "OrderFilled") and e["order_id"] not in flatten_ids
    ]
    assert all(int(e["order_id"].rsplit("-", 1)[1]) < first_denied for e in late)
    # none is left open at the end
    assert session.engine.trading_state.value == "HALTED" and not session.engine.ctx.open_orders()
    assert summary["handler"]["frames"] > 0 and session.finished
    result = check_parity(out)
    assert result["identical"], result["first_divergence"]
    assert result["orders_paper"] == result["orders_replay"] and result["fills_paper"] == result["fills_replay"] >= 2


class Lines:
    """A tracker that keeps what the status line showed (the runner's tracker interface)."""

    def __init__(self) -> None:
        self.labels: list[str] = []
        self.advanced = 0
        self.closed = False

    def advance(self, n: int) -> None:
        self.advanced += n

    def describe(self, text: str) -> None:
        self.labels.append(text)

    def close(self) -> None:
        self.closed = True


def test_the_status_line_shows_state_rate_equity_open_orders_and_trading_state(
    coinbase_src: Path, tmp_path: Path
) -> None:
    lines = Lines()
    _, session = paper_on(coinbase_src, tmp_path / "status.jtrec", tracker=lines)
    assert lines.closed and lines.advanced == session.frames > 0
    live = [t for t in lines.labels if t.startswith("paper live | ") and "equity" in t]
    assert live, lines.labels
    parts = live[len(live) // 2].split(" | ")
    assert parts[1].endswith(" msg/s") and float(parts[1].split()[0].replace(",", "")) > 0
    assert parts[2].startswith("equity ") and parts[2].endswith(" USD")
    assert parts[3].startswith("open ") and int(parts[3].split()[1]) >= 0
    assert parts[4] == "ACTIVE"
