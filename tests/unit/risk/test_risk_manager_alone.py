"""The risk manager on its own: a small account view and an event list, no engine."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from jtrader.errors import ConfigError
from jtrader.model import (
    Instrument,
    OrderType,
    RejectReason,
    ReplaceOrder,
    RiskStateChanged,
    Side,
    SubmitOrder,
    TradingState,
    to_atoms,
)
from jtrader.risk import AccountView, PassThroughGate, RiskLimits, RiskManager, reduces

BTC = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.0001")
ONE = 10_000
T0 = 1_700_000_000 * 10**9


@dataclass
class Clock:
    now: int = T0


@dataclass
class Holdings:
    fill_count: int = 0
    open_positions: int = 0


@dataclass
class Book:
    best_bid: int | None = 999_000
    best_ask: int | None = 1_001_000

    @property
    def crossed(self) -> bool:
        return self.best_bid is not None and self.best_ask is not None and self.best_bid >= self.best_ask


@dataclass
class FakeAccount:
    """An :class:`AccountView` made of plain fields: what the test sets is what the gate reads."""

    free: dict[str, int] = field(default_factory=lambda: {"USD": to_atoms("1000"), "BTC": 0})
    #: free atoms that a cancel in flight (or the order a replace releases) gives back, by order id
    releases: dict[str, tuple[str, int]] = field(default_factory=dict)
    held: dict[str, int] = field(default_factory=dict)
    open_orders: int = 0
    exposure: int = 0
    resync: set[str] = field(default_factory=set)
    mark: int | None = None
    the_book: Book = field(default_factory=Book)
    clock: Clock = field(default_factory=Clock)
    holdings: Holdings = field(default_factory=Holdings)
    insts: dict[str, Instrument] = field(default_factory=lambda: {"BTC-USD": BTC})

    @property
    def now(self) -> int:
        return self.clock.now

    @property
    def instruments(self):
        return self.insts

    def position(self, symbol):
        return self.held.get(symbol, 0)

    def positions(self):
        return {s: p for s, p in self.held.items() if p}

    def equity(self, currency):
        return self.free.get(currency, 0)

    def free_on_arrival(self, currency, releasing=None):
        extra = 0
        if releasing is not None and releasing in self.releases and self.releases[releasing][0] == currency:
            extra = self.releases[releasing][1]
        return self.free.get(currency, 0) + extra

    def open_orders_on_arrival(self, releasing=None):
        return self.open_orders - (1 if releasing is not None else 0)

    def exposure_on_arrival(self, symbol, side, releasing=None):
        return self.exposure

    def open_order_count(self):
        return self.open_orders

    def market_price(self, symbol, side):
        touch = self.the_book.best_ask if side is Side.BUY else self.the_book.best_bid
        if touch is not None:
            return touch
        return None if self.mark is None else (self.mark + 1) // 2

    def mark_x2(self, symbol):
        return self.mark

    def mid_x2(self, symbol):
        b = self.the_book
        if b.best_bid is not None and b.best_ask is not None:
            return b.best_bid + b.best_ask
        return self.mark

    def resyncing(self, symbol):
        return symbol in self.resync

    def book(self, symbol):
        return self.the_book


def gate(limits: RiskLimits | None = None, account: FakeAccount | None = None):
    events: list[object] = []
    risk = RiskManager(limits)
    account = account if account is not None else FakeAccount()
    view: AccountView = account
    risk.bind(view, events.append)
    return risk, account, events


def limit(size: int = ONE, price: int = 1_000_000, side: Side = Side.BUY, **kw) -> SubmitOrder:
    return SubmitOrder(T0, "o-1", "BTC-USD", side, OrderType.LIMIT, size, price, **kw)


def test_a_buy_the_free_balance_cannot_pay_for_is_denied_and_one_that_fits_passes() -> None:
    risk, _, _ = gate()
    assert risk.check(limit(ONE // 10)) is None  # 1,000 USD at 10,000 USD/BTC: exactly the balance
    reason, message = risk.check(limit(ONE // 10 + 1))
    assert reason is RejectReason.INSUFFICIENT_BALANCE and "free on arrival" in message
    assert risk.denials == {"INSUFFICIENT_BALANCE": 1}


def test_a_replace_counts_the_released_order_as_gone() -> None:
    account = FakeAccount(free={"USD": 0}, releases={"o-0": ("USD", to_atoms("1000"))}, open_orders=1)
    risk, _, _ = gate(RiskLimits(max_open_orders=1), account)
    new = limit(ONE // 10)
    assert risk.check(new)[0] is RejectReason.MAX_OPEN_ORDERS
    assert risk.check(ReplaceOrder(T0, "o-0", new)) is None  # one open order before and after


def test_sells_need_base_and_reduce_only_sells_are_left_to_the_venue() -> None:
    risk, account, _ = gate()
    assert risk.check(limit(ONE, side=Side.SELL))[0] is RejectReason.INSUFFICIENT_BALANCE
    assert risk.check(limit(ONE, side=Side.SELL, reduce_only=True)) is None
    account.free["BTC"] = BTC.base_atoms(ONE)
    assert risk.check(limit(ONE, side=Side.SELL)) is None


def test_a_market_buy_is_checked_at_its_market_price_and_without_one_left_to_the_venue() -> None:
    account = FakeAccount()
    risk, _, _ = gate(account=account)
    market = SubmitOrder(T0, "o-1", "BTC-USD", Side.BUY, OrderType.MARKET, ONE // 10)
    assert risk.check(market)[0] is RejectReason.INSUFFICIENT_BALANCE  # at the ask, 1,001 USD > 1,000
    account.the_book = Book(None, None)
    account.mark = 2 * 1_000_000
    assert risk.check(market) is None  # at the mark, exactly 1,000 USD
    account.mark = None
    assert risk.check(market) is None  # no price at all: the venue answers NO_MARKET


@pytest.mark.parametrize(
    ("limits", "order", "reason"),
    [
        (RiskLimits(max_order_size_lots=ONE // 100), limit(ONE // 10), RejectReason.MAX_ORDER_SIZE),
        (RiskLimits(max_order_size_lots={"BTC-USD": 1}), limit(2), RejectReason.MAX_ORDER_SIZE),
        (RiskLimits(max_order_notional=to_atoms("10")), limit(ONE // 10), RejectReason.MAX_ORDER_NOTIONAL),
        (RiskLimits(max_position_lots=ONE // 100), limit(ONE // 10), RejectReason.MAX_POSITION),
        (RiskLimits(max_open_orders=0), limit(1), RejectReason.MAX_OPEN_ORDERS),
        (RiskLimits(price_band_bps=100), limit(1, price=1_020_000), RejectReason.PRICE_BAND),
    ],
)
def test_each_optional_limit_denies_with_its_reason(limits, order, reason) -> None:
    risk, _, events = gate(limits)
    assert risk.check(order)[0] is reason
    assert events == []  # a denial changes nothing and emits nothing


def test_venue_minimums_and_a_resyncing_book_deny() -> None:
    inst = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.0001", min_size="0.01", min_notional="5")
    account = FakeAccount(insts={"BTC-USD": inst})
    risk, _, _ = gate(account=account)
    assert risk.check(limit(50))[0] is RejectReason.BELOW_MIN_SIZE
    assert risk.check(limit(100, price=10))[0] is RejectReason.BELOW_MIN_NOTIONAL
    account.resync.add("BTC-USD")
    assert risk.check(limit(100))[0] is RejectReason.BOOK_RESYNCING


def test_an_unknown_symbol_is_left_to_the_venue() -> None:
    risk, _, _ = gate(RiskLimits(max_open_orders=0))
    assert risk.check(SubmitOrder(T0, "o-1", "XRP-USD", Side.BUY, OrderType.LIMIT, 1, 1)) is None


def test_the_rate_bucket_refills_on_the_clock_and_a_denial_takes_no_token() -> None:
    risk, account, _ = gate(RiskLimits(orders_per_second=1))
    assert risk.check(limit(1)) is None
    assert risk.check(limit(1))[0] is RejectReason.RATE_LIMIT
    account.clock.now += 10**9
    assert risk.check(limit(1)) is None


def test_states_deny_and_every_change_is_an_event() -> None:
    risk, account, events = gate()
    assert risk.set_state(TradingState.REDUCING, "soft drawdown") is True
    assert risk.set_state(TradingState.REDUCING, "again") is False
    assert risk.check(limit(1))[0] is RejectReason.REDUCING_ONLY
    account.held["BTC-USD"] = 5
    assert risk.check(limit(5, side=Side.SELL, reduce_only=True)) is None
    risk.set_state(TradingState.HALTED, "kill")
    assert risk.check(limit(5, side=Side.SELL))[0] is RejectReason.HALTED
    assert [(e.old, e.new) for e in events if isinstance(e, RiskStateChanged)] == [
        (TradingState.ACTIVE, TradingState.REDUCING),
        (TradingState.REDUCING, TradingState.HALTED),
    ]


def test_the_pass_through_gate_obeys_the_state_too() -> None:
    events: list[object] = []
    passthrough = PassThroughGate()
    account = FakeAccount(held={"BTC-USD": 5})
    passthrough.bind(account, events.append)
    assert passthrough.check(limit(10**9)) is None
    passthrough.set_state(TradingState.REDUCING, "r")
    assert passthrough.check(limit(1))[0] is RejectReason.REDUCING_ONLY
    assert passthrough.check(ReplaceOrder(T0, "o-0", limit(5, side=Side.SELL))) is None
    passthrough.set_state(TradingState.HALTED, "h")
    assert passthrough.check(limit(1))[0] is RejectReason.HALTED
    assert len(events) == 2 and "HALTED" in repr(passthrough)


def test_reduces_needs_the_opposite_side_and_no_more_than_the_position() -> None:
    assert reduces(limit(5, side=Side.SELL), 5) and not reduces(limit(6, side=Side.SELL), 5)
    assert reduces(limit(5), -5) and not reduces(limit(5), 0) and not reduces(limit(1), 3)


def test_an_unbound_gate_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not attached"):
        RiskManager().check(limit(1))
    with pytest.raises(ConfigError, match="not attached"):
        PassThroughGate().set_state(TradingState.HALTED, "x")
