"""Seeded, deterministic faults of the local venue: the SPEC language and per-connection decisions.

SPEC is a comma-separated list of ``key=value`` (``jtrader serve --faults SPEC``)::

    drop=0.01,dup=0.01,reorder=0.01,gap_every=500,disconnect_every=2000,stall_s=5,malformed=0.001

=================== =======================================================================
key                 what happens on a connection (probabilities are per frame sent)
=================== =======================================================================
``drop=P``          the frame is numbered, then lost: the client sees a sequence gap (Coinbase)
                    or an update-id gap (a Binance diff); a lost trade or ticker is just lost
``dup=P``           the frame is sent twice (same sequence number / update ids)
``reorder=P``       the frame is held and sent after the next one
``gap_every=N``     every N frames the sequence jumps: Coinbase skips a ``sequence_num``,
                    Binance loses its next depth diff
``disconnect_every=N`` the connection is cut (TCP reset, no close frame) after N frames
``stall_s=S``       the connection goes silent for S seconds (fractions allowed) ...
``stall_every=N``   ... every N frames (default 1000)
``malformed=P``     the frame is cut in half (not JSON) after it was numbered
``error=P``         a venue error frame is sent before the frame (Coinbase ``{"type":"error"}``,
                    Binance ``{"code","msg"}``)
``http_429=P``      a REST request is answered 429 with ``Retry-After: 0``
=================== =======================================================================

Each connection draws from its own ``random.Random`` seeded with ``(seed, connection number)``
(connections are numbered 1, 2, ... in the order the server accepts them), so the same SPEC,
seed and client behaviour give the same faults. Faults never touch the replies to a client's own
requests on Binance (``{"result": null, "id": N}``), which carry no market data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields

from jtrader.errors import ConfigError

__all__ = ["ConnectionFaults", "FaultSpec", "FrameFate"]

_PROBABILITIES = ("drop", "dup", "reorder", "malformed", "error", "http_429")
_COUNTS = ("gap_every", "disconnect_every", "stall_every")


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """Parsed ``--faults`` (see the module docstring). All zero: no faults."""

    drop: float = 0.0
    dup: float = 0.0
    reorder: float = 0.0
    malformed: float = 0.0
    error: float = 0.0
    http_429: float = 0.0
    gap_every: int = 0
    disconnect_every: int = 0
    stall_s: float = 0.0
    stall_every: int = 1000

    @classmethod
    def parse(cls, text: str | None) -> FaultSpec:
        """``"drop=0.01,stall_s=0.5"`` -> FaultSpec; :class:`ConfigError` naming the bad part."""
        if not text or not text.strip():
            return cls()
        known = [f.name for f in fields(cls)]
        values: dict[str, float | int] = {}
        for part in text.split(","):
            key, sep, raw = part.strip().partition("=")
            key = key.strip()
            if not sep or key not in known:
                raise ConfigError(
                    f"--faults: bad item {part.strip()!r}; expected KEY=VALUE with KEY one of {', '.join(known)}"
                )
            try:
                if key in _COUNTS:
                    value: float | int = int(raw)
                    if value < 0:
                        raise ValueError
                else:
                    value = float(raw)
                    if not value >= 0 or value == float("inf"):
                        raise ValueError
            except ValueError:
                raise ConfigError(
                    f"--faults: {key} must be a non-negative {'integer' if key in _COUNTS else 'number'}, got {raw!r}"
                ) from None
            if key in _PROBABILITIES and value > 1:
                raise ConfigError(f"--faults: {key} is a probability (0..1), got {raw!r}")
            values[key] = value
        if values.get("stall_every", 1) == 0:
            raise ConfigError("--faults: stall_every must be at least 1")
        return cls(**values)  # type: ignore[arg-type]

    @property
    def active(self) -> bool:
        """True when any websocket fault is set (``http_429`` is a REST fault)."""
        return any(
            (
                self.drop,
                self.dup,
                self.reorder,
                self.malformed,
                self.error,
                self.gap_every,
                self.disconnect_every,
                self.stall_s,
            )
        )

    def text(self) -> str:
        """The SPEC of the non-default settings (for logs and summaries)."""
        default = FaultSpec()
        return ",".join(
            f"{f.name}={getattr(self, f.name)}"
            for f in fields(self)
            if getattr(self, f.name) != getattr(default, f.name)
        )


@dataclass(slots=True)
class FrameFate:
    """What happens to one frame: flags in the order the sender applies them."""

    stall_s: float = 0.0
    error_before: bool = False
    skip_seq: bool = False
    drop: bool = False
    malformed: bool = False
    dup: bool = False
    reorder: bool = False
    disconnect_after: bool = False


class ConnectionFaults:
    """The fault decisions of connection number ``index`` (1-based) under ``spec`` and ``seed``."""

    def __init__(self, spec: FaultSpec, seed: int, index: int) -> None:
        self.spec = spec
        self.index = index
        self._rng = random.Random(f"jtrader-faults/{seed}/{index}")
        self.frames = 0
        #: Binance: the next depth diff is to be lost (``gap_every``)
        self.lose_next_diff = False
        self.counts = {
            name: 0 for name in ("drop", "dup", "reorder", "malformed", "error", "gap", "stall", "disconnect")
        }

    def fate(self, is_diff: bool = False, numbered: bool = True) -> FrameFate:
        """Decide the fate of the next frame (``is_diff``: a Binance depth diff; ``numbered``: Coinbase)."""
        spec = self.spec
        self.frames += 1
        n = self.frames
        rng = self._rng
        fate = FrameFate()
        if spec.stall_s and n % spec.stall_every == 0:
            fate.stall_s = spec.stall_s
            self.counts["stall"] += 1
        if spec.error and rng.random() < spec.error:
            fate.error_before = True
            self.counts["error"] += 1
        if spec.gap_every and n % spec.gap_every == 0:
            self.counts["gap"] += 1
            if numbered:
                fate.skip_seq = True
            else:
                self.lose_next_diff = True
        if self.lose_next_diff and is_diff:
            self.lose_next_diff = False
            fate.drop = True
        if spec.drop and rng.random() < spec.drop:
            fate.drop = True
        if spec.disconnect_every and n % spec.disconnect_every == 0:
            fate.disconnect_after = True
            self.counts["disconnect"] += 1
        if fate.drop:
            self.counts["drop"] += 1
            return fate
        if spec.malformed and rng.random() < spec.malformed:
            fate.malformed = True
            self.counts["malformed"] += 1
        elif spec.dup and rng.random() < spec.dup:
            fate.dup = True
            self.counts["dup"] += 1
        elif spec.reorder and rng.random() < spec.reorder:
            fate.reorder = True
            self.counts["reorder"] += 1
        return fate
