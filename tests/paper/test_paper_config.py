"""The paper configuration in the recording header: every setting that decides results, read back
exactly, checked when given, and used by both the session and the parity replay."""

from __future__ import annotations

from pathlib import Path

import pytest
from paper_helpers import paper_on

from jtrader.errors import ConfigError
from jtrader.paper import events as paper_events
from jtrader.paper.config import PaperConfig
from jtrader.paper.parity import check_parity
from jtrader.recording import Direction, RecordingHeader, open_recording
from jtrader.risk import EmergencyLimits, RiskLimits
from jtrader.trading import DEFAULT_EMERGENCY_LIMITS, DEFAULT_RISK_LIMITS


def header_with(config: PaperConfig) -> RecordingHeader:
    return RecordingHeader("binance", config.products, 0, "0", {"paper": config.to_metadata()}, 3)


def test_every_engine_setting_round_trips_through_the_header_into_the_replay_config() -> None:
    config = PaperConfig.create(
        "binance",
        ["BTCUSDT"],
        "market_maker",
        ["half_spread_ticks=2"],
        maker_bps="1.5",
        taker_bps="7",
        latency_ns=3_000_000,
        stp_mode="EXPIRE_BOTH",
        stop_trigger="book",
        fee_asset="received",
        volume_cap="25",
        risk_limits={"max_open_orders": 7, "orders_per_second": "2.5", "burst": 4},
        emergency_limits={"halt_on_resync": True, "max_drawdown_bps": 300},
    )
    back = PaperConfig.from_header(header_with(config))
    assert back == config
    replay = back.replay_config(None)
    assert (replay.stp_mode, replay.stop_trigger, replay.fee_asset, replay.volume_cap) == (
        "EXPIRE_BOTH",
        "book",
        "received",
        "25",
    )
    assert (replay.maker_bps, replay.taker_bps, replay.entry_latency_ns, replay.response_latency_ns) == (
        "1.5",
        "7",
        3_000_000,
        3_000_000,
    )
    assert replay.risk_limits == RiskLimits(max_open_orders=7, orders_per_second="2.5", burst=4)
    assert replay.emergency_limits == EmergencyLimits(halt_on_resync=True, max_drawdown_bps=300)


def test_the_shared_default_limits_are_written_out_in_full() -> None:
    config = PaperConfig.create("coinbase", ["BTC-USD"], "market_maker", [])
    data = config.to_metadata()
    assert data["risk_limits"]["price_band_bps"] == DEFAULT_RISK_LIMITS.price_band_bps == 500
    assert data["emergency_limits"]["max_consecutive_rejections"] == 100
    risk, emergency = PaperConfig.from_header(header_with(config)).limits()
    assert (risk, emergency) == (DEFAULT_RISK_LIMITS, DEFAULT_EMERGENCY_LIMITS)
    # a header written before these keys existed reads as the defaults
    old = {k: v for k, v in data.items() if k not in ("risk_limits", "emergency_limits", "stp_mode", "fee_asset")}
    legacy = PaperConfig.from_header(RecordingHeader("coinbase", ("BTC-USD",), 0, "0", {"paper": old}, 3))
    assert legacy.limits() == (DEFAULT_RISK_LIMITS, DEFAULT_EMERGENCY_LIMITS)
    assert (legacy.stp_mode, legacy.fee_asset) == (None, "quote")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("stp_mode", "SOMETIMES", "--stp-mode must be one of"),
        ("stop_trigger", "mid", "--stop-trigger must be one of"),
        ("fee_asset", "bnb", "--fee-asset must be one of"),
        ("risk_limits", {"max_open_orders": -1}, "max_open_orders must be"),
        ("emergency_limits", {"no_such_limit": 1}, "limits are unreadable"),
    ],
)
def test_a_bad_setting_is_one_clear_error_before_anything_runs(field: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        PaperConfig.create("coinbase", ["BTC-USD"], "market_maker", [], **{field: value})


def test_the_fee_asset_reaches_the_session_and_the_parity_replay(binance_src: Path, tmp_path: Path) -> None:
    out = tmp_path / "received.jtrec"
    paper_on(binance_src, out, maker_bps="10", taker_bps="10", fee_asset="received")
    assert open_recording(out).header.metadata["paper"]["fee_asset"] == "received"
    fills = [
        e
        for r in open_recording(out)
        if r.direction is Direction.EVENT and (e := paper_events.decode(r.payload))["type"] == "OrderFilled"
    ]
    buys = [f for f in fills if f["side"] == "BUY"]
    sells = [f for f in fills if f["side"] == "SELL"]
    assert buys and all(f["fee"] != "0" for f in buys)
    # Binance's rule: a buy pays its fee in the base asset it received, a sell in the quote
    assert {f["fee_currency"] for f in buys} <= {"BTC", "ETH"} and {f["fee_currency"] for f in sells} <= {"USDT"}
    result = check_parity(out)
    assert result["identical"], result["first_divergence"]
