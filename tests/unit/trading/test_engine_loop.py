"""The engine loop: the run starts at the first message, bad messages stop it, numbers must be ints."""

from __future__ import annotations

import pytest
from trading_kit import BTC, MINUTE, T0, USD_100K, Script, bars

from jtrader.errors import DataError, OrderError
from jtrader.model import OrderType, Side
from jtrader.trading import Clock, Engine, EngineSettings, build_engine


class StartWatcher(Script):
    def on_start(self, ctx):  # type: ignore[no-untyped-def]
        super().on_start(ctx)
        self.start_now = ctx.now
        self.count_at_start = self.count


def engine_with(strategy: Script, clock: Clock | None = None) -> Engine:
    settings = EngineSettings(risk_limits=None, emergency_limits=None)
    return build_engine([BTC], strategy, {"USD": USD_100K}, settings, clock=clock)


def test_on_start_runs_at_the_first_messages_time_before_its_handler() -> None:
    s = StartWatcher()
    result = engine_with(s).run(iter(bars([100, 101, 102])))
    assert s.start_now == T0 + MINUTE == result.start_ts
    assert s.count_at_start == 0 and s.count == 3
    assert result.messages == 3 and result.bars == 3


def test_a_first_message_older_than_the_clock_starts_the_run_at_the_clock_and_counts_late() -> None:
    s = StartWatcher()
    later = T0 + 10 * MINUTE
    result = engine_with(s, clock=Clock(later)).run(bars([100, 101]))
    assert s.start_now == later == result.start_ts
    assert result.late == 2 and result.bars == 2


def test_a_message_of_an_unknown_type_after_the_first_is_a_data_error() -> None:
    s = Script()
    with pytest.raises(DataError, match="cannot process a str"):
        engine_with(s).run([*bars([100]), "not a message"])
    assert s.count == 1  # the bar before it was processed


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stop_price": 1.5}, "stop_price must be an int"),
        ({"quote_size": 2.0}, "quote_size must be an int"),
        ({"size": 1.0}, "size must be an int"),
        ({"order_type": "LIMIT", "tif": "NOPE"}, "NOPE"),
    ],
)
def test_a_number_that_is_not_an_int_is_an_order_error_naming_it(kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    args = {"symbol": "BTC-USD", "side": Side.BUY, "order_type": OrderType.STOP, "size": 1, "stop_price": 100}
    args.update(kwargs)
    errors: list[str] = []

    def act(ctx):  # type: ignore[no-untyped-def]
        try:
            ctx.submit(**args)
        except OrderError as exc:
            errors.append(str(exc))

    result = engine_with(Script({0: act})).run(bars([100, 101]))
    assert len(errors) == 1 and message in errors[0]
    assert result.sent == 0
