"""Commands (strategy -> risk -> exchange) and order events (exchange/risk -> strategy).

Frozen dataclasses with integer-ns ``ts``: for commands, the time the strategy sent them; for
events, the time the strategy may see them (after the exchange's response latency). Prices are
ticks, sizes lots, money atoms of ``fee_currency`` (see :mod:`jtrader.model.fixed`).
:func:`to_record` turns any of them into a plain dict with a stable key order for JSON output.
:func:`builder` gives a faster positional constructor for the order hot path (same objects).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields, is_dataclass
from enum import Enum
from typing import Any, TypeVar

from jtrader.model.enums import LiquiditySide, OrderType, RejectReason, Side, TimeInForce, TradingState

__all__ = [
    "CancelAll",
    "CancelOrder",
    "CancelRejected",
    "Command",
    "EmergencyAction",
    "OrderAccepted",
    "OrderCanceled",
    "OrderDenied",
    "OrderEvent",
    "OrderExpired",
    "OrderFilled",
    "OrderRejected",
    "OrderTriggered",
    "ReplaceOrder",
    "RiskStateChanged",
    "SubmitOrder",
    "builder",
    "to_record",
]

_T = TypeVar("_T")


# -- commands ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SubmitOrder:
    """A new order.

    ``size`` is in lots. A MARKET BUY may instead give ``quote_size`` (quote atoms to spend,
    fees included, as Coinbase's ``quote_size``) with ``size`` 0. ``price`` (ticks) is required
    for LIMIT and STOP_LIMIT, ``stop_price`` (ticks) for STOP and STOP_LIMIT.
    """

    ts: int
    order_id: str
    symbol: str
    side: Side
    order_type: OrderType
    size: int
    price: int | None = None
    stop_price: int | None = None
    tif: TimeInForce = TimeInForce.GTC
    post_only: bool = False
    reduce_only: bool = False
    quote_size: int | None = None
    tag: str = ""


@dataclass(frozen=True, slots=True)
class CancelOrder:
    """Cancel one open order by its id."""

    ts: int
    order_id: str


@dataclass(frozen=True, slots=True)
class CancelAll:
    """Cancel every open order, or only those of ``symbol``."""

    ts: int
    symbol: str | None = None


@dataclass(frozen=True, slots=True)
class ReplaceOrder:
    """Cancel ``order_id`` and submit ``new`` in its place, in one request (Binance ``cancelReplace``
    with ``STOP_ON_FAILURE``, Coinbase edit): the venue processes the cancel first; if the cancel
    fails (the order is no longer open), ``new`` is rejected with ``REPLACE_CANCEL_FAILED`` and
    nothing else changes. ``ts`` equals ``new.ts``.
    """

    ts: int
    order_id: str
    new: SubmitOrder


Command = SubmitOrder | CancelOrder | CancelAll | ReplaceOrder


# -- order events --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class OrderAccepted:
    """The exchange accepted the order: it rests on the book (or waits for its stop trigger)."""

    ts: int
    order_id: str
    symbol: str


@dataclass(frozen=True, slots=True)
class OrderRejected:
    """The exchange refused the order. Nothing changed."""

    ts: int
    order_id: str
    symbol: str
    reason: RejectReason
    message: str = ""


@dataclass(frozen=True, slots=True)
class OrderDenied:
    """The risk manager refused the order; it never reached the exchange. Nothing changed."""

    ts: int
    order_id: str
    symbol: str
    reason: RejectReason
    message: str = ""


@dataclass(frozen=True, slots=True)
class OrderTriggered:
    """A stop order's trigger traded: it became a market (STOP) or limit (STOP_LIMIT) order."""

    ts: int
    order_id: str
    symbol: str


@dataclass(frozen=True, slots=True)
class OrderFilled:
    """A (partial) fill. ``fee`` is in atoms of ``fee_currency``; ``leaves`` the lots still open."""

    ts: int
    order_id: str
    symbol: str
    side: Side
    price: int
    size: int
    liquidity: LiquiditySide
    fee: int
    fee_currency: str
    fill_id: int
    leaves: int


@dataclass(frozen=True, slots=True)
class OrderCanceled:
    """The order was removed; ``reason`` is ``"user"`` for a requested cancel."""

    ts: int
    order_id: str
    symbol: str
    reason: str = "user"


@dataclass(frozen=True, slots=True)
class OrderExpired:
    """The unfilled rest of an IOC, FOK or market order was removed."""

    ts: int
    order_id: str
    symbol: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CancelRejected:
    """A cancel could not be done (for example the order is no longer open). Nothing changed."""

    ts: int
    order_id: str
    reason: RejectReason
    message: str = ""


OrderEvent = (
    OrderAccepted
    | OrderRejected
    | OrderDenied
    | OrderTriggered
    | OrderFilled
    | OrderCanceled
    | OrderExpired
    | CancelRejected
)


# -- risk and emergency --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RiskStateChanged:
    """The risk manager moved from ``old`` to ``new`` trading state, for ``reason``."""

    ts: int
    old: TradingState
    new: TradingState
    reason: str


@dataclass(frozen=True, slots=True)
class EmergencyAction:
    """One step of the emergency procedure: ``trigger``, ``halt``, ``cancel_all``, ``flatten``, ``verify_flat``."""

    ts: int
    step: str
    trigger: str
    detail: str = ""


def builder(cls: type[_T]) -> Callable[..., _T]:
    """A faster constructor of the frozen, slotted dataclass ``cls`` for the order hot path.

    ``builder(OrderFilled)(*args)`` is an ordinary ``OrderFilled`` equal to ``OrderFilled(*args)``
    (same class, fields, defaults, equality, hash, repr; still frozen). A frozen dataclass sets
    every field through ``object.__setattr__`` (about 70 ns a field); the builder creates a
    private *mutable* twin with the same slots, stores the fields directly and then gives the
    object its real class, which Python allows between classes of identical layout: 3-5x cheaper.
    Arguments are positional and, as with the dataclass ``__init__``, not checked.
    """
    if (
        not is_dataclass(cls)
        or "__slots__" not in vars(cls)
        or cls.__base__ is not object
        or any(f.default_factory is not MISSING or not f.init or f.name.startswith("_b__") for f in fields(cls))
    ):
        raise TypeError(f"builder() needs a slotted dataclass of plain fields, got {cls!r}")
    names = [f.name for f in fields(cls)]
    # dataclasses put fields with defaults last: they are the function's trailing defaults
    defaults = tuple(f.default for f in fields(cls) if f.default is not MISSING)
    twin = type(f"_{cls.__name__}Twin", (), {"__slots__": tuple(names)})
    # the generated function's own names start with "_b__" so that no field name can shadow them
    stores = "".join(f"    _b__obj.{name} = {name}\n" for name in names)
    source = (
        f"def build_{cls.__name__}({', '.join(names)}):\n"
        f"    _b__obj = _b__new(_b__twin)\n{stores}    _b__obj.__class__ = _b__cls\n    return _b__obj\n"
    )
    namespace: dict[str, Any] = {"_b__new": object.__new__, "_b__twin": twin, "_b__cls": cls}
    exec(source, namespace)  # generated from the field names, as dataclasses does
    build = namespace[f"build_{cls.__name__}"]
    build.__defaults__ = defaults or None
    build.__doc__ = f"Build a {cls.__name__} from its fields, positionally (see :func:`builder`)."
    return build  # type: ignore[no-any-return]


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def to_record(obj: Any) -> dict[str, Any]:
    """A dict of ``obj``'s fields in declaration order, enums as their values, plus ``"type"``."""
    record: dict[str, Any] = {"type": type(obj).__name__}
    if is_dataclass(obj):
        for f in fields(obj):
            record[f.name] = _plain(getattr(obj, f.name))
    elif hasattr(obj, "_asdict"):
        for key, value in obj._asdict().items():
            record[key] = _plain(value)
    else:
        raise TypeError(f"cannot make a record of {type(obj).__name__}")
    return record
