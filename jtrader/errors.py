"""The one exception tree of jtrader.

Exceptions are for broken invariants, programming errors and input that cannot be used at all.
A rejected or denied *order* is never an exception: it is an event (see ``jtrader.model.events``).

::

    JTraderError
    ├── ConfigError                 bad CLI argument, parameter or configuration value
    ├── ValueFormatError            a price/size/amount string that is not a finite decimal (ValueError)
    │   ├── NegativeValueError      a negative price, size or amount where none is allowed
    │   └── OffGridError            a price or size that is not a whole number of ticks or lots
    ├── TimestampError              an absurd or unordered timestamp (ValueError)
    ├── InstrumentError             an instrument definition that cannot be used
    │   └── UnknownInstrumentError  a symbol nobody defined (KeyError)
    ├── DataError                   input data that cannot be used
    │   ├── CandleDataError         a candle file with a bad row (names the row)
    │   ├── MalformedMessageError   one venue frame that cannot be parsed (counted and skipped by callers)
    │   └── RecordingError          a recording file that cannot be read at all
    ├── BookError                   an order book operation that breaks the book's invariants
    ├── OrderError                  an order command built wrongly by code (not a venue rejection)
    ├── StrategyError               a strategy callback raised (names strategy, callback, symbol, time)
    ├── InvariantError              an internal invariant broke: a bug in jtrader
    └── LiveError                   a live websocket or REST exchange with a venue failed (jtrader.live)
        ├── ConnectError            a websocket could not be opened
        │   ├── ConnectRefusedError     nothing accepts connections at the address (refused, unreachable)
        │   ├── ConnectTimeoutError     the connection or its handshake took longer than the timeout
        │   └── HandshakeRejectedError  the server answered the upgrade with an HTTP error status
        ├── SubscribeTimeoutError   the venue did not acknowledge a subscription in time
        ├── VenueErrorFrame         the venue sent an error frame ({"type":"error"}, {"code","msg"})
        ├── StallError              no frame arrived for longer than the stall timeout
        ├── ConnectionLostError     the venue or the network closed the connection
        └── RestError               a REST call failed: HTTP status, venue code and message
            └── RateLimitedError    HTTP 429: too many requests (Retry-After says how long to wait)
                └── IpBannedError   HTTP 418: the IP is banned for a while, after ignoring 429s
"""

from __future__ import annotations

__all__ = [
    "BookError",
    "CandleDataError",
    "ConfigError",
    "DataError",
    "InstrumentError",
    "ConnectError",
    "ConnectRefusedError",
    "ConnectTimeoutError",
    "ConnectionLostError",
    "HandshakeRejectedError",
    "InvariantError",
    "IpBannedError",
    "JTraderError",
    "LiveError",
    "MalformedMessageError",
    "NegativeValueError",
    "OffGridError",
    "OrderError",
    "RateLimitedError",
    "RecordingError",
    "RestError",
    "StallError",
    "StrategyError",
    "SubscribeTimeoutError",
    "TimestampError",
    "UnknownInstrumentError",
    "ValueFormatError",
    "VenueErrorFrame",
]


class JTraderError(Exception):
    """Root of every exception jtrader raises on purpose."""


class ConfigError(JTraderError):
    """A configuration value, CLI argument or strategy parameter is invalid."""


class ValueFormatError(JTraderError, ValueError):
    """A decimal string (price, size, amount) is not a finite, non-negative decimal number."""


class NegativeValueError(ValueFormatError):
    """A price, size or amount is negative where only non-negative values are allowed."""


class OffGridError(ValueFormatError):
    """A price or size is not a whole multiple of the instrument's tick or lot."""


class TimestampError(JTraderError, ValueError):
    """A timestamp is absurd (before 2000, after 2200, not an integer of ns) or out of order."""


class InstrumentError(JTraderError):
    """An instrument definition is unusable (for example a tick that is not a positive decimal)."""


class UnknownInstrumentError(InstrumentError, KeyError):
    """A symbol was used that no instrument defines."""

    def __str__(self) -> str:  # KeyError quotes its argument; a plain message reads better
        return str(self.args[0]) if self.args else "unknown instrument"


class DataError(JTraderError):
    """Input data (candles, frames, recordings) cannot be used."""


class CandleDataError(DataError):
    """A candle file has a bad row: the message names the row and what is wrong with it."""


class MalformedMessageError(DataError):
    """One venue frame cannot be parsed; callers count, log and skip it."""


class RecordingError(DataError):
    """A recording file cannot be read at all (missing, empty, wrong format)."""


class BookError(JTraderError):
    """An order-book operation would break the book's invariants."""


class OrderError(JTraderError):
    """An order command was built wrongly by code (wrong types, missing price)."""


class StrategyError(JTraderError):
    """A strategy callback raised: the run stopped there and its results are incomplete.

    The message names the strategy, the callback, the symbol (when the callback had one) and the
    engine time; the strategy's own exception is chained as ``__cause__``. Attributes:
    ``strategy``, ``callback``, ``symbol`` (or None) and ``ts`` (engine clock, ns).
    """

    def __init__(self, message: str, *, strategy: str, callback: str, symbol: str | None, ts: int) -> None:
        super().__init__(message)
        self.strategy = strategy
        self.callback = callback
        self.symbol = symbol
        self.ts = ts


class InvariantError(JTraderError):
    """An internal invariant broke: this is a bug in jtrader, please report it."""


class LiveError(JTraderError):
    """A live exchange with a venue (websocket or REST) failed; ``jtrader.live`` raises and counts these."""


class ConnectError(LiveError):
    """A websocket could not be opened (``url`` names the endpoint)."""

    def __init__(self, message: str, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class ConnectRefusedError(ConnectError):
    """Nothing accepts connections at the address: refused, unreachable, or the name does not resolve."""


class ConnectTimeoutError(ConnectError):
    """The TCP connection or the websocket handshake took longer than the connect timeout."""


class HandshakeRejectedError(ConnectError):
    """The server answered the websocket upgrade with an HTTP error (``status``: 403, 404, 429...)."""

    def __init__(self, message: str, url: str = "", status: int = 0) -> None:
        super().__init__(message, url)
        self.status = status


class SubscribeTimeoutError(LiveError):
    """The venue did not acknowledge the subscription within the subscribe timeout."""


class VenueErrorFrame(LiveError):
    """The venue sent an error frame (Coinbase ``{"type":"error"}``, Binance ``{"code","msg"}``)."""


class StallError(LiveError):
    """No frame arrived for longer than the stall timeout (the feed went silent)."""


class ConnectionLostError(LiveError):
    """The venue or the network closed the connection (``code`` is the websocket close code, 1006 if none)."""

    def __init__(self, message: str, code: int = 1006) -> None:
        super().__init__(message)
        self.code = code


class RestError(LiveError):
    """A REST call failed: ``status`` (HTTP, 0 if none), ``code`` and ``venue_message`` from the venue's body."""

    def __init__(self, message: str, url: str = "", status: int = 0, code: int | str | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.code = code


class RateLimitedError(RestError):
    """HTTP 429: too many requests; ``retry_after_s`` is the venue's Retry-After (seconds, 0 if absent)."""

    def __init__(
        self, message: str, url: str = "", status: int = 429, code: int | str | None = None, retry_after_s: float = 0
    ) -> None:
        super().__init__(message, url, status, code)
        self.retry_after_s = retry_after_s


class IpBannedError(RateLimitedError):
    """HTTP 418: the IP is banned for ``retry_after_s`` seconds after ignoring 429s (Binance)."""
