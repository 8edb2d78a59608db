"""One place builds an engine: every mode, test, benchmark and doc example goes through
:func:`build_engine`, with one set of defaults (:data:`DEFAULT_RISK_LIMITS`,
:data:`DEFAULT_EMERGENCY_LIMITS`). "Only the source and the clock change between modes" is then
code: a backtest, a replay and a paper session differ in their :class:`EngineSettings` values
(fees, latency, bar fill), never in how the engine is put together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from jtrader.errors import ConfigError
from jtrader.model import Instrument
from jtrader.risk import EmergencyHooks, EmergencyLimits, EmergencyManager, RiskGate, RiskLimits, RiskManager
from jtrader.sim import ConstantLatency, FeeModel, LatencyModel, SimulatedExchange
from jtrader.trading.clock import Clock
from jtrader.trading.engine import Engine
from jtrader.trading.portfolio import Portfolio
from jtrader.trading.strategy import Strategy

__all__ = ["BAR_FILLS", "DEFAULT_EMERGENCY_LIMITS", "DEFAULT_RISK_LIMITS", "EngineSettings", "build_engine"]

#: pre-trade limits of every mode unless told otherwise: a 5% fat-finger band around the mid for
#: priced orders, at most 200 open orders, 30 orders per second with bursts of 60 (Coinbase's
#: private REST limit is 30 requests/s). Balance, venue minimums and resync checks are on.
DEFAULT_RISK_LIMITS = RiskLimits(price_band_bps=500, max_open_orders=200, orders_per_second=30, burst=60)

#: emergency triggers of every mode unless told otherwise: halt on a crossed book or on 100
#: rejections/denials in a row; ``ctx.kill`` works everywhere. Stale data is not a default
#: trigger: a quiet product is normal in a recording, and candles have their own gaps.
DEFAULT_EMERGENCY_LIMITS = EmergencyLimits(halt_on_crossed_book=True, max_consecutive_rejections=100)

#: bar fill modes of the simulated exchange (market orders on candles)
BAR_FILLS = ("next_open", "close")


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """How the simulated venue and the risk layer behave; the defaults are the same in every mode.

    * ``maker_bps``, ``taker_bps``: fees in basis points of each fill's notional (decimal strings).
    * ``entry_latency_ns``: order entry and cancel latency; ``response_latency_ns``: events back.
    * ``bar_fill``: ``"next_open"`` (market orders on candles fill at the next bar's open) or
      ``"close"`` (at the close of the bar they were sent in).
    * ``risk_limits``: the risk manager's limits; None runs without limits (a pass-through gate
      that still obeys the kill switch). ``emergency_limits``: the emergency manager's triggers;
      None runs without one (``ctx.kill`` then raises).
    * ``volume_cap``: percent of a bar's volume the fills of one bar may take (None: no cap).
    * ``stp_mode``: self-trade prevention mode (None: each instrument's venue default, see
      :class:`~jtrader.model.OrderRules`); ``stop_trigger``: ``"trade"`` (stops trigger on prints,
      as both venues do) or ``"book"`` (also on the best bid/ask); ``fee_asset``: ``"quote"`` or
      ``"received"`` (Binance: buys pay their fee in the base asset).
    * ``record_events``: keep every event in the run's result.
    """

    maker_bps: str | Decimal = "0"
    taker_bps: str | Decimal = "0"
    entry_latency_ns: int = 0
    response_latency_ns: int = 0
    bar_fill: str = "next_open"
    risk_limits: RiskLimits | None = DEFAULT_RISK_LIMITS
    emergency_limits: EmergencyLimits | None = DEFAULT_EMERGENCY_LIMITS
    volume_cap: str | Decimal | None = None
    stp_mode: str | None = None
    stop_trigger: str = "trade"
    fee_asset: str = "quote"
    record_events: bool = True

    def __post_init__(self) -> None:
        if self.bar_fill not in BAR_FILLS:
            raise ConfigError(f"bar_fill must be one of {', '.join(BAR_FILLS)}, got {self.bar_fill!r}")
        for name in ("entry_latency_ns", "response_latency_ns"):
            value = getattr(self, name)
            if type(value) is not int or value < 0:
                raise ConfigError(f"{name} must be a non-negative int of ns, got {value!r}")


def build_engine(
    instruments: Iterable[Instrument],
    strategy: Strategy,
    balances: Mapping[str, int],
    settings: EngineSettings | None = None,
    *,
    latency: LatencyModel | None = None,
    risk: RiskGate | None = None,
    emergency: EmergencyHooks | None = None,
    portfolio: Portfolio | None = None,
    clock: Clock | None = None,
) -> Engine:
    """A fresh simulated exchange, portfolio, risk gate, emergency manager and engine for one run.

    ``balances``: starting balances in atoms per currency (the exchange and the portfolio each
    get a copy). ``settings``: see :class:`EngineSettings` (default: the shared defaults).
    ``latency`` replaces the constant latency of the settings (for example a seeded random
    model); ``risk``/``emergency`` replace the managers the settings describe; ``portfolio`` a
    :class:`Portfolio` subclass instance built on the same instruments and balances (the
    backtest's journal); ``clock`` an injected clock.
    """
    settings = settings if settings is not None else EngineSettings()
    instruments = list(instruments)
    exchange = SimulatedExchange(
        instruments,
        balances=dict(balances),
        fees=FeeModel(maker_bps=settings.maker_bps, taker_bps=settings.taker_bps, asset=settings.fee_asset),
        latency=latency
        if latency is not None
        else ConstantLatency(entry_ns=settings.entry_latency_ns, response_ns=settings.response_latency_ns),
        bar_fill=settings.bar_fill,
        volume_cap=settings.volume_cap,
        stp_mode=settings.stp_mode,
        stop_trigger=settings.stop_trigger,
    )
    if portfolio is None:
        portfolio = Portfolio(instruments, dict(balances))
    if risk is None and settings.risk_limits is not None:
        risk = RiskManager(settings.risk_limits)
    if emergency is None and settings.emergency_limits is not None:
        emergency = EmergencyManager(settings.emergency_limits)
    return Engine(
        instruments,
        strategy,
        exchange,
        portfolio,
        risk=risk,
        emergency=emergency,
        clock=clock,
        record_events=settings.record_events,
    )
