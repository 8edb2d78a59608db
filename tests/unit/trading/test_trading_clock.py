"""The clock moves with the data and never backwards."""

from __future__ import annotations

import pytest

from jtrader.trading import Clock


def test_the_clock_moves_forward_and_refuses_to_go_back():
    clock = Clock(100)
    assert clock.set(150) is True
    assert clock.now == 150
    assert clock.set(120) is False
    assert clock.now == 150
    assert clock.set(150) is True
    assert repr(clock) == "Clock(now=150)"


@pytest.mark.parametrize("start", [-1, 1.5, "0"])
def test_a_bad_start_is_refused(start):
    with pytest.raises(ValueError, match="non-negative int"):
        Clock(start)
