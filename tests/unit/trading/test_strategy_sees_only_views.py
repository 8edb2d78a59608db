"""A strategy reads views and snapshots: every attempt to change what it reads fails, and the run is intact."""

from __future__ import annotations

import pytest
from trading_kit import BTC, ONE, T0, USD_100K, Script, bars, make_engine, snapshot

from jtrader.errors import StrategyError
from jtrader.model import OrderFilled, OrderStatus, Side
from jtrader.trading import BookView, OrderSnapshot, PortfolioView

BOOK = snapshot(T0, [(999_000, 5 * ONE)], [(1_001_000, 5 * ONE)])


def _attempts(ctx) -> dict[str, str]:
    """Try every mutation a strategy could attempt; return how each one failed."""
    outcomes: dict[str, str] = {}
    book = ctx.book("BTC-USD")
    for name, attempt in {
        "asks.set": lambda: book.asks.set(100, 10**9),
        "bids.set": lambda: book.bids.set(100, 10**9),
        "apply": lambda: book.apply(BOOK),
        "clear": lambda: book.clear(),  # noqa: PLW0108 - looking the method up is the attempt
        "set best_ask": lambda: setattr(book, "best_ask", 1),
        "new attribute": lambda: setattr(book, "asks", None),
        "order status": lambda: setattr(ctx.open_orders()[0], "status", OrderStatus.FILLED),
        "order filled": lambda: setattr(ctx.open_orders()[0], "filled", 99),
        "apply_fill": lambda: ctx.portfolio.apply_fill(None),
        "mark": lambda: ctx.portfolio.mark("BTC-USD", 1),
        "marks_x2": lambda: ctx.portfolio.marks_x2.__setitem__("BTC-USD", 2),
        "portfolio attribute": lambda: setattr(ctx.portfolio, "_portfolio", None),
        "book attribute": lambda: setattr(book, "_book", None),
        "delete book attribute": lambda: delattr(book, "_book"),
    }.items():
        try:
            attempt()
        except AttributeError as exc:
            outcomes[name] = type(exc).__name__
        else:
            outcomes[name] = "changed"
    # what a view hands out is a copy: changing it changes nothing
    bids, asks = book.top(5)
    asks.append((1, 10**9))
    bids.clear()
    ctx.portfolio.balances()["USD"] = 0
    ctx.portfolio.positions()["BTC-USD"] = 10**9
    return outcomes


def test_every_mutation_a_strategy_tries_fails_and_the_run_is_untouched() -> None:
    seen: dict[str, object] = {}

    def place(ctx):
        ctx.buy("BTC-USD", ONE, 990_000)

    def attack(ctx):
        seen["outcomes"] = _attempts(ctx)
        seen["book"] = (ctx.book("BTC-USD").best_bid, ctx.book("BTC-USD").best_ask)
        seen["buy"] = ctx.buy("BTC-USD", ONE)  # a market buy after the attempts fills at the real ask

    strategy = Script({0: place, 1: attack})
    engine = make_engine(strategy)
    engine.run([BOOK, snapshot(T0 + 1, [(999_000, 5 * ONE)], [(1_001_000, 5 * ONE)]), BOOK._replace(ts=T0 + 2)])
    assert set(seen["outcomes"].values()) == {"AttributeError"}, seen["outcomes"]
    assert seen["book"] == (999_000, 1_001_000)
    [fill] = [e for e in strategy.seen if type(e) is OrderFilled]
    assert (fill.order_id, fill.price) == (seen["buy"], 1_001_000)  # not 1.00 USD: the book was not changed
    assert engine.portfolio.balance("USD") == USD_100K - BTC.notional_atoms(1_001_000, ONE)
    assert engine.portfolio.position("BTC-USD") == ONE


def test_the_exploit_of_issue_9_now_stops_the_run_with_a_named_error() -> None:
    def exploit(ctx):
        ctx.book("BTC-USD").asks.set(100, 10**9)

    engine = make_engine(Script({0: exploit}))
    with pytest.raises(StrategyError, match=r"raised AttributeError in on_book on BTC-USD") as info:
        engine.run([BOOK])
    assert isinstance(info.value.__cause__, AttributeError)


def test_the_views_are_built_once_and_read_the_live_book() -> None:
    views: list[BookView] = []

    def look(ctx):
        views.append(ctx.book("BTC-USD"))

    engine = make_engine(Script({0: look, 1: look}))
    engine.run([BOOK, snapshot(T0 + 1, [(998_000, ONE)], [(1_002_000, ONE)])])
    first, second = views
    assert first is second
    assert (first.best_bid, first.best_ask, first.best_bid_size, first.best_ask_size) == (998_000, 1_002_000, ONE, ONE)
    assert (first.spread, first.mid_x2, first.crossed, first.empty, len(first)) == (4_000, 2_000_000, False, False, 2)
    assert first.size_at(Side.BUY, 998_000) == ONE and first.depth_to(Side.SELL, 1_002_000) == ONE
    assert first.symbol == "BTC-USD" and first.update_id == 0 and "BookView(BTC-USD" in repr(first)


def test_open_orders_are_frozen_snapshots_with_every_field() -> None:
    got: list[list[OrderSnapshot]] = []

    def place(ctx):
        ctx.buy("BTC-USD", ONE, 990_000, post_only=True, tag="t")
        got.append(ctx.open_orders("BTC-USD"))

    def cancel(ctx):
        ctx.cancel(ctx.open_orders()[0].order_id)
        got.append(ctx.open_orders())

    make_engine(Script({0: place, 1: cancel})).run([BOOK, BOOK._replace(ts=T0 + 1), BOOK._replace(ts=T0 + 2)])
    [pending], [canceling] = got
    assert (pending.status, pending.cancel_pending, pending.post_only, pending.tag, pending.leaves) == (
        OrderStatus.PENDING,
        False,
        True,
        "t",
        ONE,
    )
    assert (canceling.status, canceling.cancel_pending) == (OrderStatus.ACCEPTED, True)
    assert pending.status is OrderStatus.PENDING  # the first snapshot did not move with the order


def test_the_portfolio_view_reads_every_figure() -> None:
    got: dict[str, object] = {}

    def look(ctx):
        pf: PortfolioView = ctx.portfolio
        got.update(
            balance=pf.balance("USD"),
            position=pf.position("BTC-USD"),
            positions=pf.positions(),
            mark=pf.mark_x2("BTC-USD"),
            cost=pf.cost_basis("BTC-USD"),
            avg=pf.avg_entry_atoms("BTC-USD"),
            realized=pf.realized_pnl("BTC-USD"),
            unrealized=pf.unrealized_pnl("BTC-USD"),
            fees=pf.fees_paid("USD"),
            equity=pf.equity("USD"),
            record=pf.to_record()["equity"],
            text=repr(pf),
        )

    make_engine(Script({1: look})).run(bars([10_000_000, 10_000_000, 10_000_000]))
    assert got["balance"] == got["equity"] == USD_100K and got["positions"] == {} and got["mark"] == 20_000_000
    assert (got["position"], got["cost"], got["avg"], got["realized"], got["unrealized"], got["fees"]) == (
        0,
        0,
        None,
        0,
        0,
        0,
    )
    assert got["record"] == {"USD": "100000"} and str(got["text"]).startswith("PortfolioView(")


def test_the_simulated_exchange_implements_the_execution_port_and_the_engine_its_ports() -> None:
    from jtrader.risk import AccountView, EmergencyActions
    from jtrader.sim import SimulatedExchange
    from jtrader.trading import Execution

    engine = make_engine(Script())
    assert isinstance(engine.exchange, SimulatedExchange) and isinstance(engine.exchange, Execution)
    account: AccountView = engine.account
    actions: EmergencyActions = engine.router
    assert account.instruments["BTC-USD"] is BTC and account.now == engine.clock.now
    assert callable(actions.send_unchecked) and callable(actions.halt)
