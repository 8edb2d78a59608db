"""Bar history is history, bars do not mark a booked instrument, one-series strategies refuse several
symbols, a raising strategy stops the run with a named error, and the kill switch works in backtests."""

from __future__ import annotations

import pytest
from trading_kit import BTC, MINUTE, ONE, T0, USD_100K, Script, bars, make_engine, snapshot

from jtrader.backtest.candles import CandleSeries
from jtrader.backtest.runner import run_backtest
from jtrader.errors import ConfigError, StrategyError, UnknownInstrumentError
from jtrader.model import BarHistory, EmergencyAction, Instrument, OrderDenied, RejectReason, TradingState
from jtrader.strategies import Breakout, SmaCross
from jtrader.trading import Strategy

ETH = Instrument("ETH-USD", "ETH", "USD", price_tick="0.01", size_lot="0.0001")


def test_bar_history_is_kept_for_ctx_history_and_never_reaches_on_bar_the_exchange_or_the_marks() -> None:
    old = bars([100, 200, 300])
    seen: dict[str, object] = {}

    class Reader(Strategy):
        def on_bar(self, ctx, bar):
            seen.setdefault("on_bar", []).append(bar.close)
            seen["history"] = [b.close for b in ctx.history("BTC-USD")]
            seen["mark"] = ctx.portfolio.mark_x2("BTC-USD")

        def on_stop(self, ctx):
            seen["eth"] = ctx.history("ETH-USD")
            with pytest.raises(UnknownInstrumentError):
                ctx.history("XRP-USD")

    history = BarHistory(T0 + 10 * MINUTE, "BTC-USD", tuple(reversed(old)))  # any order: kept oldest first
    again = BarHistory(T0 + 10 * MINUTE, "BTC-USD", (old[2]._replace(close=301),))  # same close time: replaces
    unknown = BarHistory(T0 + 10 * MINUTE, "XRP-USD", tuple(old))
    live = bars([400], start=T0 + 10 * MINUTE)
    engine = make_engine(Reader(), instruments=(BTC, ETH))
    result = engine.run([history, again, unknown, *live])
    assert seen["on_bar"] == [400] and seen["history"] == [100, 200, 301] and seen["eth"] == ()
    assert seen["mark"] == 800  # the live bar marks; history did not
    assert result.bars == 1 and result.unknown == 1 and engine.exchange.last_price("BTC-USD") == 400


def test_once_an_instrument_has_a_book_its_bars_no_longer_set_the_mark() -> None:
    engine = make_engine(Strategy())
    book = snapshot(T0, [(999_000, ONE)], [(1_001_000, ONE)])
    engine.run([*bars([500_000], start=T0 - MINUTE), book, *bars([700_000], start=T0)])
    assert engine.portfolio.marks_x2["BTC-USD"] == 2_000_000  # the book mid, not the later bar close


@pytest.mark.parametrize("cls", [SmaCross, Breakout])
def test_one_series_strategies_refuse_several_symbols_with_a_hint(cls) -> None:
    engine = make_engine(cls(), instruments=(BTC, ETH))
    with pytest.raises(StrategyError, match=r"--param symbol=BTC-USD") as info:
        engine.run(bars([100, 101]))
    assert isinstance(info.value.__cause__, ConfigError) and info.value.callback == "on_start"
    with pytest.raises(StrategyError, match="not in this run"):
        make_engine(cls(symbol="XRP-USD")).run(bars([100]))


def test_a_chosen_symbol_keeps_its_own_series_and_ignores_the_others() -> None:
    closes = [100 + i for i in range(40)] + [140 - 2 * i for i in range(40)]
    mixed = sorted(
        [*bars(closes, "BTC-USD"), *bars([50_000 - i for i in range(len(closes))], "ETH-USD")],
        key=lambda bar: (bar.ts, bar.symbol),
    )
    alone = SmaCross(fast=3, slow=8)
    make_engine(alone).run(bars(closes))
    chosen = SmaCross(fast=3, slow=8, symbol="BTC-USD")
    make_engine(chosen, instruments=(BTC, ETH)).run(mixed)
    assert chosen.signals == alone.signals and chosen.signals


def test_a_raising_strategy_names_strategy_callback_symbol_and_time() -> None:
    class Broken(Strategy):
        name = "broken"

        def on_bar(self, ctx, bar):
            if bar.close == 102:
                raise ValueError("my bug")

    with pytest.raises(StrategyError) as info:
        make_engine(Broken()).run(bars([100, 101, 102, 103]))
    error = info.value
    assert (error.strategy, error.callback, error.symbol, error.ts) == ("broken", "on_bar", "BTC-USD", T0 + 3 * MINUTE)
    assert str(error).startswith("strategy 'broken' raised ValueError in on_bar on BTC-USD at 2023-11-14T22:16:20")
    assert "my bug" in str(error) and isinstance(error.__cause__, ValueError)


def test_errors_of_callbacks_without_a_symbol_and_of_the_engine_itself() -> None:
    class FailsAtStop(Strategy):
        def on_stop(self, ctx):
            raise RuntimeError("at the end")

    with pytest.raises(StrategyError, match=r"'FailsAtStop' raised RuntimeError in on_stop at ") as info:
        make_engine(FailsAtStop()).run(bars([1]))
    assert info.value.symbol is None

    class FailsOnEvent(Script):
        def on_order_event(self, ctx, event):
            raise KeyError(event.order_id)

    with pytest.raises(StrategyError, match="in on_order_event on BTC-USD"):
        make_engine(FailsOnEvent({0: lambda c: c.buy("BTC-USD", ONE)})).run(bars([100, 100]))

    from jtrader.errors import DataError

    with pytest.raises(DataError):  # not the strategy's: raised as it is
        make_engine(Strategy()).run([*bars([1]), object()])


def test_the_kill_switch_works_in_a_backtest_with_the_default_managers() -> None:
    closes = [10_000_000 + 1_000 * i for i in range(30)]

    class KillAfterBuying(Strategy):
        def on_bar(self, ctx, bar):
            if bar.ts == T0 + 2 * MINUTE:
                ctx.buy(bar.symbol, ONE // 10)
            elif bar.ts == T0 + 10 * MINUTE:
                assert ctx.position(bar.symbol) == ONE // 10
                assert ctx.kill("enough") is True
                ctx.buy(bar.symbol, ONE // 10)  # denied: halted

    result = run_backtest(_series(closes), KillAfterBuying(), cash=USD_100K)
    steps = [e.step for e in result.run.events if type(e) is EmergencyAction]
    assert steps == ["trigger", "halt", "cancel_all", "flatten", "verify_flat"]
    assert [e.detail for e in result.run.events if type(e) is EmergencyAction][-1] == "flat"
    assert result.run.trading_state is TradingState.HALTED and result.position == 0
    assert result.run.emergency_triggers == ["kill_switch"]
    [denied] = [e for e in result.run.events if type(e) is OrderDenied]
    assert denied.reason is RejectReason.HALTED


def _series(closes: list[int]) -> CandleSeries:
    """One-minute candles of ``closes`` (ticks); each opens at the previous close."""
    made = bars(closes)
    return CandleSeries(
        instrument=BTC,
        start=[b.start for b in made],
        open=[b.open for b in made],
        high=[b.high for b in made],
        low=[b.low for b in made],
        close=[b.close for b in made],
        volume=[b.volume for b in made],
        interval_ns=MINUTE,
        gaps=0,
        missing_bars=0,
    )
