"""Product specs and fast, exact text formatting (ticks/lots -> decimal strings, ns -> RFC 3339)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["ProductSpec", "decimal_formatter", "product_spec", "rfc3339_ns", "rfc3339_us"]


@dataclass(frozen=True, slots=True)
class ProductSpec:
    """A generated product: venue symbol, tick and lot (decimal strings), start price (ticks), base/quote."""

    symbol: str
    base: str
    quote: str
    tick: str
    lot: str
    start_price: str

    @property
    def start_ticks(self) -> int:
        return int(Decimal(self.start_price) / Decimal(self.tick))

    @property
    def size_exp(self) -> int:
        """Decimal exponent of about 0.5 base units in lots: typical level sizes stay below it."""
        return max(len(str(int(Decimal("0.5") / Decimal(self.lot)))) - 1, 4)


_KNOWN = {
    "BTC": ("65000.00", "0.01", "0.00000001", "0.00001"),
    "ETH": ("1900.00", "0.01", "0.00000001", "0.0001"),
    "SOL": ("150.00", "0.01", "0.00000001", "0.001"),
}
_DEFAULT = ("100.00", "0.01", "0.00000001", "0.001")


def product_spec(venue: str, symbol: str) -> ProductSpec:
    """Spec for ``BTC-USD`` (Coinbase) or ``BTCUSDT`` (Binance); unknown bases start at 100.00."""
    if venue == "coinbase":
        base, _, quote = symbol.partition("-")
        if not base or not quote:
            raise ValueError(f"coinbase products are BASE-QUOTE, got {symbol!r}")
    else:
        for quote in ("USDT", "USDC", "FDUSD", "BTC", "ETH", "EUR", "BUSD"):
            if symbol.endswith(quote) and len(symbol) > len(quote):
                base = symbol[: -len(quote)]
                break
        else:
            raise ValueError(f"binance symbols are BASEQUOTE with a known quote (e.g. BTCUSDT), got {symbol!r}")
    price, tick, cb_lot, bn_lot = _KNOWN.get(base, _DEFAULT)
    return ProductSpec(symbol, base, quote, tick, cb_lot if venue == "coinbase" else bn_lot, price)


def decimal_formatter(step: str, places: int):  # type: ignore[no-untyped-def]
    """A function ``units -> str`` printing ``units * step`` with exactly ``places`` decimals (places >= step's)."""
    exponent = Decimal(step).normalize().as_tuple().exponent
    step_places = max(-int(exponent), 0)
    if places < step_places:
        raise ValueError(f"{places} decimals cannot show steps of {step}")
    scale = int(Decimal(step).scaleb(places))
    div = 10**places

    def fmt(units: int) -> str:
        q, rem = divmod(units * scale, div)
        return f"{q}.{rem:0{places}d}" if places else str(q)

    return fmt


_second_cache: dict[int, str] = {}


def _second_text(seconds: int) -> str:
    text = _second_cache.get(seconds)
    if text is None:
        if len(_second_cache) > 4096:
            _second_cache.clear()
        text = _second_cache[seconds] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return text


def rfc3339_ns(ns: int) -> str:
    """``1767225600123456700`` -> ``"2026-01-01T00:00:00.1234567Z"`` (trailing zeros trimmed, like Go)."""
    seconds, frac = divmod(ns, 1_000_000_000)
    if not frac:
        return _second_text(seconds) + "Z"
    return f"{_second_text(seconds)}.{frac:09d}".rstrip("0") + "Z"


def rfc3339_us(ns: int) -> str:
    """Like :func:`rfc3339_ns` but truncated to microseconds (Coinbase ``event_time`` and trade ``time``)."""
    return rfc3339_ns(ns - ns % 1_000)
