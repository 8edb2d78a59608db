"""Queue-position models for resting limit orders on an L2 (market-by-price) book.

An L2 feed shows how much is displayed at a price, not who is in front of whom. A model keeps,
per resting order, ``ahead``: the lots in front of us at our price, and says how it moves.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["QueueModel", "RiskAverseQueue"]


class QueueModel(Protocol):
    """What the simulated exchange asks of a queue model (all quantities in lots)."""

    def on_join(self, displayed: int) -> int: ...

    def on_trade(self, ahead: int, trade_size: int) -> tuple[int, int]: ...

    def on_level(self, ahead: int, level_size: int) -> int: ...


class RiskAverseQueue:
    """The conservative model (hftbacktest ``RiskAdverseQueueModel``, NautilusTrader ``queue_position``).

    * **join**: we are behind everything displayed at our price when the order arrives
      (``ahead = displayed``); our own earlier orders are not in the displayed size.
    * **trade at our price** (opposite aggressor or unknown aggressor): ``ahead`` shrinks by the
      trade size; only the excess of the trade over ``ahead`` can fill us.
    * **level shrinks** (cancels, or fills we did not see as trades): assumed to come from
      *behind* us, except that ``ahead`` can never exceed the level: ``min(ahead, level)``.
      A deleted level (size 0) therefore clears ``ahead``.

    Known optimism: if a venue publishes the level shrink before the trade print that caused
    it, the trade is counted twice (once by the cap, once as a trade).
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "RiskAverseQueue()"

    def on_join(self, displayed: int) -> int:
        """``ahead`` (lots) of an order that joins a level showing ``displayed`` lots."""
        return displayed

    def on_trade(self, ahead: int, trade_size: int) -> tuple[int, int]:
        """``(new_ahead, executable_lots)`` after a trade of ``trade_size`` lots at our price."""
        left = ahead - trade_size
        if left >= 0:
            return left, 0
        return 0, -left

    def on_level(self, ahead: int, level_size: int) -> int:
        """``ahead`` after our price level now displays ``level_size`` lots (0: deleted)."""
        return ahead if ahead <= level_size else level_size
