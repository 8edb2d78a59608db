"""A paper session's configuration: every decision input, kept in the recording's header.

Parity and resume read it back from the header and nothing else: the strategy (name or
``path.py:Class``) and its parameters, the starting cash, the fees, the latency and the seed. The
feed's endpoints and channels are kept too (a resumed session connects to the same place unless
told otherwise) but decide nothing: the recorded frames do.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from jtrader._version import __version__
from jtrader.errors import ConfigError
from jtrader.recording import RecordingHeader
from jtrader.replay.runner import ReplayConfig
from jtrader.strategies.loader import build_strategy, parse_params
from jtrader.trading import Strategy

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
    model a later version adds (constant latency uses none).
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
        config.build_strategy()
        return config

    def build_strategy(self) -> Strategy:
        """A fresh strategy instance with the parameters (ConfigError when they do not fit)."""
        if self.strategy_sha256 is not None:
            path = Path(self.strategy.rpartition(":")[0])
            if path.is_file() and _sha256(path) != self.strategy_sha256:
                log.warning("the strategy file %s changed since the session was recorded: results may differ", path)
        return build_strategy(self.strategy, [f"{k}={v}" for k, v in self.params.items()])

    def replay_config(self, strategy: Strategy | None) -> ReplayConfig:
        """The replay settings that run the same engine (fees, latency, cash, the shared limits)."""
        return ReplayConfig(
            venue=self.venue,
            strategy=strategy,
            cash=self.cash,
            maker_bps=self.maker_bps,
            taker_bps=self.taker_bps,
            entry_latency_ns=self.latency_ns,
            response_latency_ns=self.latency_ns,
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
                channels=tuple(str(c) for c in data.get("channels") or ()),
                url=data.get("url"),
                rest_url=data.get("rest_url"),
                strategy_sha256=data.get("strategy_sha256"),
                jtrader_version=str(data.get("jtrader_version", header.jtrader_version)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"the paper configuration in the recording header is unreadable: {exc!r}") from exc


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
