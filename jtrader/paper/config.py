"""A paper session's configuration: every decision input, kept in the recording's header.

Parity and resume read it back from the header and nothing else: the strategy (name or
``path.py:Class``) and its parameters, the starting cash, the fees, the latency, the seed, the
simulated exchange's options (self-trade prevention, stop trigger, fee asset, volume cap) and the
risk and emergency limits the session ran with (written out, so a later change of the shared
defaults does not change what a replay of an old recording does). The
feed's endpoints and channels are kept too (a resumed session connects to the same place unless
told otherwise) but decide nothing: the recorded frames do.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import Any

from jtrader._version import __version__
from jtrader.errors import ConfigError
from jtrader.recording import RecordingHeader
from jtrader.replay.runner import ReplayConfig
from jtrader.risk import EmergencyLimits, RiskLimits
from jtrader.strategies.loader import build_strategy, parse_params
from jtrader.trading import DEFAULT_EMERGENCY_LIMITS, DEFAULT_RISK_LIMITS, EngineSettings, Strategy

__all__ = ["METADATA_KEY", "PaperConfig"]

log = logging.getLogger(__name__)

#: the header metadata key holding the paper configuration
METADATA_KEY = "paper"


@dataclass(frozen=True, slots=True)
class PaperConfig:
    """Everything a paper session decides with. Money and fees as decimal strings, latency in ns.

    ``strategy`` is a bundled name or ``/absolute/path.py:Class`` (``strategy_sha256`` then holds
    the file's hash); ``params`` the ``--param`` values as given (the strategy coerces them);
    ``latency_ns`` the order entry and response latency, each; ``seed`` is kept for any seeded
    model a later version adds (constant latency uses none). ``stp_mode``, ``stop_trigger``,
    ``fee_asset``, ``volume_cap``: the simulated exchange's options (as :class:`EngineSettings`);
    ``risk_limits`` / ``emergency_limits``: the limits as JSON objects (the shared defaults unless
    given), rebuilt with :meth:`limits`.
    """

    venue: str
    products: tuple[str, ...]
    strategy: str
    params: dict[str, str] = field(default_factory=dict)
    cash: str = "100000"
    maker_bps: str = "0"
    taker_bps: str = "0"
    latency_ns: int = 50_000_000
    seed: int = 0
    stp_mode: str | None = None
    stop_trigger: str = "trade"
    fee_asset: str = "quote"
    volume_cap: str | None = None
    risk_limits: dict[str, Any] = field(default_factory=lambda: limits_to_json(DEFAULT_RISK_LIMITS))
    emergency_limits: dict[str, Any] = field(default_factory=lambda: limits_to_json(DEFAULT_EMERGENCY_LIMITS))
    channels: tuple[str, ...] = ()
    url: str | None = None
    rest_url: str | None = None
    strategy_sha256: str | None = None
    jtrader_version: str = __version__

    @classmethod
    def create(
        cls, venue: str, products: list[str] | tuple[str, ...], strategy: str, params: list[str], **rest: Any
    ) -> PaperConfig:
        """A config from command-line values: the strategy spec resolved (a file path made absolute and
        hashed), ``--param K=V`` pairs checked, the strategy built once to check its parameters."""
        spec = strategy
        digest = None
        path_text, colon, class_name = strategy.rpartition(":")
        if colon and path_text.endswith(".py"):
            path = Path(path_text).resolve()
            spec = f"{path}:{class_name}"
            digest = _sha256(path) if path.is_file() else None
        config = cls(
            venue=venue,
            products=tuple(products),
            strategy=spec,
            params=parse_params(params),
            strategy_sha256=digest,
            **rest,
        )
        config.limits()
        config.engine_settings()
        config.build_strategy()
        return config

    def limits(self) -> tuple[RiskLimits, EmergencyLimits]:
        """The risk and emergency limits the session runs with (ConfigError when unreadable)."""
        try:
            return RiskLimits(**self.risk_limits), EmergencyLimits(**self.emergency_limits)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"the paper session's risk or emergency limits are unreadable: {exc}") from exc

    def engine_settings(self) -> EngineSettings:
        """The :class:`EngineSettings` of the session (checks the exchange options)."""
        risk, emergency = self.limits()
        settings = EngineSettings(
            maker_bps=self.maker_bps,
            taker_bps=self.taker_bps,
            entry_latency_ns=self.latency_ns,
            response_latency_ns=self.latency_ns,
            risk_limits=risk,
            emergency_limits=emergency,
            volume_cap=self.volume_cap,
            stp_mode=self.stp_mode,
            stop_trigger=self.stop_trigger,
            fee_asset=self.fee_asset,
        )
        _check_exchange_options(settings)
        return settings

    def build_strategy(self) -> Strategy:
        """A fresh strategy instance with the parameters (ConfigError when they do not fit)."""
        if self.strategy_sha256 is not None:
            path = Path(self.strategy.rpartition(":")[0])
            if path.is_file() and _sha256(path) != self.strategy_sha256:
                log.warning("the strategy file %s changed since the session was recorded: results may differ", path)
        return build_strategy(self.strategy, [f"{k}={v}" for k, v in self.params.items()])

    def replay_config(self, strategy: Strategy | None) -> ReplayConfig:
        """The replay settings that run the same engine (fees, latency, cash, exchange options, limits)."""
        risk, emergency = self.limits()
        return ReplayConfig(
            venue=self.venue,
            strategy=strategy,
            cash=self.cash,
            maker_bps=self.maker_bps,
            taker_bps=self.taker_bps,
            entry_latency_ns=self.latency_ns,
            response_latency_ns=self.latency_ns,
            risk_limits=risk,
            emergency_limits=emergency,
            stp_mode=self.stp_mode,
            stop_trigger=self.stop_trigger,
            fee_asset=self.fee_asset,
            volume_cap=self.volume_cap,
        )

    def to_metadata(self) -> dict[str, Any]:
        """The JSON object kept under ``metadata["paper"]`` in the recording header."""
        data = asdict(self)
        data["products"] = list(self.products)
        data["channels"] = list(self.channels)
        return data

    @classmethod
    def from_header(cls, header: RecordingHeader) -> PaperConfig:
        """The config a paper recording was made with; ConfigError for any other recording."""
        data = header.metadata.get(METADATA_KEY)
        if not isinstance(data, dict):
            raise ConfigError(
                "this recording was not made by `jtrader paper` (its header has no paper configuration): "
                "use `jtrader replay` for it"
            )
        try:
            return cls(
                venue=str(data["venue"]),
                products=tuple(str(p) for p in data["products"]),
                strategy=str(data["strategy"]),
                params={str(k): str(v) for k, v in dict(data.get("params") or {}).items()},
                cash=str(data["cash"]),
                maker_bps=str(data["maker_bps"]),
                taker_bps=str(data["taker_bps"]),
                latency_ns=int(data["latency_ns"]),
                seed=int(data.get("seed", 0)),
                stp_mode=None if data.get("stp_mode") is None else str(data["stp_mode"]),
                stop_trigger=str(data.get("stop_trigger", "trade")),
                fee_asset=str(data.get("fee_asset", "quote")),
                volume_cap=None if data.get("volume_cap") is None else str(data["volume_cap"]),
                risk_limits=dict(data.get("risk_limits") or limits_to_json(DEFAULT_RISK_LIMITS)),
                emergency_limits=dict(data.get("emergency_limits") or limits_to_json(DEFAULT_EMERGENCY_LIMITS)),
                channels=tuple(str(c) for c in data.get("channels") or ()),
                url=data.get("url"),
                rest_url=data.get("rest_url"),
                strategy_sha256=data.get("strategy_sha256"),
                jtrader_version=str(data.get("jtrader_version", header.jtrader_version)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"the paper configuration in the recording header is unreadable: {exc!r}") from exc


def limits_to_json(limits: RiskLimits | EmergencyLimits) -> dict[str, Any]:
    """A limits dataclass as a JSON object (Decimals as strings), read back by ``RiskLimits(**obj)``."""
    return {f.name: _plain(getattr(limits, f.name)) for f in fields(limits)}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _check_exchange_options(settings: EngineSettings) -> None:
    from jtrader.model import STP_MODES
    from jtrader.sim.fees import FEE_ASSETS
    from jtrader.sim.matcher import STOP_TRIGGERS

    if settings.stp_mode is not None and settings.stp_mode not in STP_MODES:
        raise ConfigError(f"--stp-mode must be one of {', '.join(STP_MODES)}, got {settings.stp_mode!r}")
    if settings.stop_trigger not in STOP_TRIGGERS:
        raise ConfigError(f"--stop-trigger must be one of {', '.join(STOP_TRIGGERS)}, got {settings.stop_trigger!r}")
    if settings.fee_asset not in FEE_ASSETS:
        raise ConfigError(f"--fee-asset must be one of {', '.join(FEE_ASSETS)}, got {settings.fee_asset!r}")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
