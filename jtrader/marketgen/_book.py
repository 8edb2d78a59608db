"""A seeded synthetic L2 book on integer ticks and lots: the price process behind the generator.

The model, kept deliberately simple and written down here because recordings made from it are
used as test and benchmark data:

* a hidden *fair price* (ticks) does a random walk: each step moves it one tick up or down with
  probability 1/6;
* a best bid above the fair price or a best ask below it is pulled (deleted); an empty gap
  inside the spread is filled from the side further from the fair price, so the quoted book
  follows the walk with a spread of one to a few ticks and is never crossed;
* other steps modify, delete or add levels near the top (rank drawn so the top of the book moves
  most), and the far end of each side is topped up or trimmed to stay near ``depth`` levels;
* a trade takes size from the best level of the side it hits (never more than that level
  holds), deleting the level when it is used up; buyers are more likely when the fair price is
  above the mid, sellers when it is below.

Only integer random draws (``randrange``, ``getrandbits``) are used, so a seed gives the same
book on every platform.
"""

from __future__ import annotations

import random
from bisect import bisect_left, insort

__all__ = ["Change", "SynthBook"]

#: one level change: (is_bid, price ticks, new absolute size lots; 0 deletes)
Change = tuple[bool, int, int]


class SynthBook:
    """Book state (``bids``/``asks``: price ticks -> size lots) plus the seeded process that changes it."""

    def __init__(self, rng: random.Random, mid_ticks: int, depth: int, size_exp: int) -> None:
        if depth < 5 or mid_ticks <= 2 * depth + 10:
            raise ValueError(f"need depth >= 5 and a mid price well above the book depth, got {mid_ticks}/{depth}")
        self.rng = rng
        self.depth = depth
        self.size_exp = max(size_exp, 4)
        self.fair = mid_ticks
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}
        self.bid_px: list[int] = []  # ascending: best bid last
        self.ask_px: list[int] = []  # ascending: best ask first
        price = mid_ticks - 1
        for _ in range(depth):
            self._set(True, price, self.random_size())
            price -= 1 + (rng.randrange(3) == 0) * rng.randrange(1, 4)
        price = mid_ticks + rng.randrange(1, 3)
        for _ in range(depth):
            self._set(False, price, self.random_size())
            price += 1 + (rng.randrange(3) == 0) * rng.randrange(1, 4)

    def random_size(self) -> int:
        """A level or trade size in lots: log-uniform-ish up to about ``10**size_exp`` lots."""
        r = self.rng
        return r.randrange(1, 10 ** r.randrange(self.size_exp - 3, self.size_exp + 1))

    def _set(self, is_bid: bool, price: int, size: int) -> Change:
        levels, prices = (self.bids, self.bid_px) if is_bid else (self.asks, self.ask_px)
        if size:
            if price not in levels:
                insort(prices, price)
            levels[price] = size
        elif price in levels:
            del levels[price]
            del prices[bisect_left(prices, price)]
        return (is_bid, price, size)

    @property
    def best_bid(self) -> int:
        return self.bid_px[-1]

    @property
    def best_ask(self) -> int:
        return self.ask_px[0]

    def top(self) -> tuple[int, int, int, int]:
        """(best bid ticks, its size lots, best ask ticks, its size lots)."""
        bid, ask = self.bid_px[-1], self.ask_px[0]
        return bid, self.bids[bid], ask, self.asks[ask]

    def step(self, out: list[Change]) -> None:
        """Advance the process by one book event; append the level changes it made to ``out``."""
        r = self.rng
        if r.randrange(6) == 0:
            self.fair += 1 if r.getrandbits(1) else -1
        bid, ask = self.bid_px[-1], self.ask_px[0]
        fair = self.fair
        if bid > fair and len(self.bid_px) > 1:
            out.append(self._set(True, bid, 0))
        elif ask < fair and len(self.ask_px) > 1:
            out.append(self._set(False, ask, 0))
        elif ask - bid > 1 and r.getrandbits(1):
            if fair - bid >= ask - fair:
                out.append(self._set(True, r.randrange(bid + 1, min(ask - 1, fair) + 1), self.random_size()))
            else:
                out.append(self._set(False, r.randrange(max(bid + 1, fair), ask), self.random_size()))
        else:
            self._random_level(out)
        self._keep_depth(out)

    def _random_level(self, out: list[Change]) -> None:
        r = self.rng
        is_bid = bool(r.getrandbits(1))
        prices = self.bid_px if is_bid else self.ask_px
        n = len(prices)
        rank = r.randrange(r.randrange(1, min(n, 40) + 1))
        price = prices[-1 - rank] if is_bid else prices[rank]
        roll = r.randrange(10)
        if roll < 5:
            out.append(self._set(is_bid, price, self.random_size()))
        elif roll < 7 and n > self.depth // 2:
            out.append(self._set(is_bid, price, 0))
        else:
            gap = rank + 1 + r.randrange(3)
            new_price = prices[-1] - gap if is_bid else prices[0] + gap
            out.append(self._set(is_bid, new_price, self.random_size()))

    def _keep_depth(self, out: list[Change]) -> None:
        r = self.rng
        for is_bid, prices in ((True, self.bid_px), (False, self.ask_px)):
            if len(prices) < self.depth:
                far = prices[0] - 1 - r.randrange(3) if is_bid else prices[-1] + 1 + r.randrange(3)
                out.append(self._set(is_bid, far, self.random_size()))
            elif len(prices) > self.depth + self.depth // 5:
                out.append(self._set(is_bid, prices[0] if is_bid else prices[-1], 0))

    def trade(self) -> tuple[bool, int, int, Change]:
        """One aggressive order against the best level: (buyer is aggressor, price ticks, size lots, change)."""
        r = self.rng
        bid, ask = self.bid_px[-1], self.ask_px[0]
        twice_fair = 2 * self.fair
        buy_odds = 7 if twice_fair > bid + ask else 3 if twice_fair < bid + ask else 5
        buy = r.randrange(10) < buy_odds
        price = ask if buy else bid
        level = self.asks[ask] if buy else self.bids[bid]
        side_levels = len(self.ask_px if buy else self.bid_px)
        size = level if r.randrange(4) == 0 else r.randrange(1, level + 1)
        if size == level and side_levels == 1:
            size = max(level - 1, 1)
        change = self._set(not buy, price, level - size)
        return buy, price, size, change
