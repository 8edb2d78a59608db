"""Taker walks: what an incoming order meets on the opposite side, best price first, planned before anything changes.

An order that takes liquidity (a market order, a crossing limit, a triggered stop) meets, in
price priority, the displayed levels of the opposite book side and **our own resting orders**
of the opposite side. At one price the displayed size comes first, then our own orders in the
order they were accepted (our order joined behind what was displayed; exact when it is alone at
its price, optimistic for the taker otherwise). Displayed size is what the level shows minus
what was consumed there (by our fills, by prints, by a newer bookTicker; ``docs/fills.md``).

Meeting one of our own orders is a self-trade; what happens is the self-trade prevention mode
(Binance names, the taker's mode decides, as on both venues):

* ``NONE``: no prevention: the two orders trade with each other at the resting order's price
  (taker and maker fees both paid, the position does not move), as a venue without STP does;
* ``EXPIRE_TAKER``: the taker stops there; its remainder expires;
* ``EXPIRE_MAKER``: our resting order expires and the taker walks on;
* ``EXPIRE_BOTH``: both expire;
* ``DECREMENT``: both lose the overlapping size without trading (the smaller one, or both,
  expire), and the taker walks on with what is left.

Pure: reads the book side, the consumption record and the orders; returns a :class:`Walk`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from jtrader.book import BookSide
from jtrader.model import Instrument, LiquiditySide, Side
from jtrader.sim.fees import FeeModel
from jtrader.sim.orders import WorkingOrder

__all__ = ["DECREMENT", "EXPIRE_MAKER", "SELF_TRADE", "TAKE", "Walk", "plan_walk", "walk_cost"]

#: step kinds: fill against the displayed level, trade with our own order, expire our own order, decrement both
TAKE, SELF_TRADE, EXPIRE_MAKER, DECREMENT = 0, 1, 2, 3
_TAKER = LiquiditySide.TAKER
_EXPIRE_MAKER_MODES = ("EXPIRE_MAKER", "EXPIRE_BOTH")
#: a step: (kind, price in ticks, lots, our resting order met or None)
Step = tuple[int, int, int, "WorkingOrder | None"]


class Walk(NamedTuple):
    """A planned taker walk: ``steps`` in order, ``lots`` the taker would fill, ``prevented`` lots
    removed by DECREMENT, ``stopped`` True when self-trade prevention ends the taker there."""

    steps: list[Step]
    lots: int
    prevented: int
    stopped: bool


def plan_walk(  # noqa: PLR0917 - one walk, every limit it obeys
    levels: BookSide,
    available: Callable[[Side, int], int],
    own: list[WorkingOrder],
    buy: bool,
    limit: int | None,
    lots: int | None,
    budget: int | None,
    inst: Instrument,
    fees: FeeModel,
    stp: str,
) -> Walk:
    """Plan a taker walk of the opposite book side ``levels``, without changing anything.

    ``own``: our resting orders of the opposite side within ``limit``, in priority order (best
    price, then acceptance). Stops at ``limit`` (ticks, None: none), after ``lots`` (None: no
    size limit) and, for a buy with a ``budget`` (quote atoms, fees included), when the budget is
    spent. ``available(side, price)`` is what a taker of ``side`` can take at a price (the
    displayed size net of consumption).
    """
    side = Side.BUY if buy else Side.SELL
    steps: list[Step] = []
    got = prevented = 0
    stopped = done = False
    n_own = len(own)
    i = 0
    per_tick_lot = inst.atoms_per_tick_lot
    level_iter = levels.iter_levels()
    while True:
        level = next(level_iter, None)
        if level is not None and limit is not None and (level[0] > limit if buy else level[0] < limit):
            level = None
        # our own orders better than the next displayed level (all that are left when there is none)
        while i < n_own and (level is None or (own[i].price < level[0] if buy else own[i].price > level[0])):  # type: ignore[operator]
            maker = own[i]
            i += 1
            price = maker.price
            assert price is not None
            if stp == "EXPIRE_TAKER":
                stopped = True
                break
            if stp in _EXPIRE_MAKER_MODES:
                steps.append((EXPIRE_MAKER, price, 0, maker))
                if stp == "EXPIRE_BOTH":
                    stopped = True
                    break
                continue
            take = maker.size - maker.filled
            if lots is not None and lots < take:
                take = lots
            if budget is not None:
                per_lot = price * per_tick_lot
                cost = fees.cost(per_lot * take, _TAKER)
                if cost > budget:
                    take = fees.affordable_lots(budget, per_lot, _TAKER)
                    cost = budget
                    done = True
                budget -= cost
            if take:
                if stp == "NONE":
                    steps.append((SELF_TRADE, price, take, maker))
                    got += take
                else:  # DECREMENT
                    steps.append((DECREMENT, price, take, maker))
                    prevented += take
            if lots is not None:
                lots -= take
                if lots == 0:
                    done = True
            if done:
                break
        if stopped or done or level is None:
            break
        price = level[0]
        avail = available(side, price)
        if avail > 0:
            take = avail if lots is None or avail < lots else lots
            if budget is not None:
                per_lot = price * per_tick_lot
                cost = fees.cost(per_lot * take, _TAKER)
                if cost > budget:
                    take = fees.affordable_lots(budget, per_lot, _TAKER)
                    if take:
                        steps.append((TAKE, price, take, None))
                        got += take
                    break
                budget -= cost
            steps.append((TAKE, price, take, None))
            got += take
            if lots is not None:
                lots -= take
                if lots == 0:
                    break
        # our own orders at this price come after its displayed size: the next turn meets them
        # as "better than the next level" (the next level is worse)
    return Walk(steps, got, prevented, stopped)


def walk_cost(walk: Walk, inst: Instrument, fees: FeeModel) -> int:
    """Quote atoms a planned taker buy spends on its fills, quote fees included."""
    per_tick_lot = inst.atoms_per_tick_lot
    return sum(
        fees.cost(price * lots * per_tick_lot, _TAKER) for kind, price, lots, _ in walk.steps if kind <= SELF_TRADE
    )
