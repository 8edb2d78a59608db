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
    └── InvariantError              an internal invariant broke: a bug in jtrader
"""

from __future__ import annotations

__all__ = [
    "BookError",
    "CandleDataError",
    "ConfigError",
    "DataError",
    "InstrumentError",
    "InvariantError",
    "JTraderError",
    "MalformedMessageError",
    "NegativeValueError",
    "OffGridError",
    "OrderError",
    "RecordingError",
    "StrategyError",
    "TimestampError",
    "UnknownInstrumentError",
    "ValueFormatError",
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
