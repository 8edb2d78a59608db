"""Portfolio: balances per currency, positions, average entry, realized and unrealized PnL, fees.

Everything inside is an exact ``int``: balances, costs, PnL and fees in atoms (10**-18 of a
currency unit), positions in lots, marks in ticks. Decimal strings only come out of
:meth:`Portfolio.to_record`.

Accounting rules (spot):

* A fill moves cash: a BUY of ``size`` lots at ``price`` ticks takes ``notional`` quote atoms
  and adds the base atoms; a SELL the reverse; the fee (atoms of ``fee_currency``) is taken from
  that currency's balance and added to :meth:`Portfolio.fees_paid`. A fee in the instrument's
  **base** (Binance charges buys in the asset received) also leaves the position: whole lots
  (rounded up), with their share of the cost basis and no realized PnL (fees stay apart from
  realized PnL, in ``fees_paid`` of the base currency).
* The position of an instrument is the base it holds in lots: it starts from the initial base
  balance (whole lots, assigned to the first instrument of that base in the order given, so
  two instruments sharing a base never count it twice) and moves with every fill.
* Average cost: buying adds the notional to the position's cost; selling removes the share
  of the cost of the lots sold (``cost * sold // held``, floor: at most one atom per fill is
  lost to rounding, deterministically) and realizes ``proceeds - removed cost``. Realized PnL is
  gross: fees are reported separately. Going through zero opens a new position at the fill
  price. A negative position (possible only on a venue that allows it) is handled the same way.
* The cost basis of initial holdings is the first mark seen for the instrument (or the price
  of its first fill when that comes first).
* Marks are kept doubled (``marks_x2``: twice the price in ticks) so that the mid of a book,
  which may fall on half a tick, stays exact. Equity in a quote currency is that currency's
  balance plus every position of an instrument quoted in it valued at its mark (floor), or
  at its cost while it has no mark. Other currencies are not converted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jtrader.errors import ConfigError, UnknownInstrumentError
from jtrader.model import ATOMS_PER_UNIT, Instrument, OrderFilled, Side, format_atoms

__all__ = ["Portfolio"]

_BUY = Side.BUY


class Portfolio:
    """Balances and positions of one account, updated from :class:`~jtrader.model.OrderFilled` events.

    ``balances`` maps a currency to its starting balance in atoms (non-negative ints).
    """

    def __init__(self, instruments: Iterable[Instrument], balances: dict[str, int]) -> None:
        self.instruments: dict[str, Instrument] = {}
        for inst in instruments:
            if inst.symbol in self.instruments:
                raise ConfigError(f"instrument {inst.symbol} is listed twice")
            self.instruments[inst.symbol] = inst
        self._balances: dict[str, int] = {}
        for ccy in sorted(balances):
            amount = balances[ccy]
            if type(amount) is not int or amount < 0:
                raise ConfigError(f"balance of {ccy} must be a non-negative int of atoms, got {amount!r}")
            self._balances[ccy] = amount
        self.initial_balances: dict[str, int] = dict(self._balances)
        #: position per symbol in lots (signed)
        self._positions: dict[str, int] = {}
        #: cost basis of the position per symbol in quote atoms (same sign as the position)
        self._cost: dict[str, int] = {}
        self._realized: dict[str, int] = {}
        self._fees: dict[str, int] = {}
        #: twice the mark price in ticks per symbol (exact mids); written by the engine
        self.marks_x2: dict[str, int] = {}
        #: symbols holding initial base whose cost basis waits for the first mark
        self.pending_cost: set[str] = set()
        #: number of instruments with a non-zero position
        self.open_positions = 0
        #: count of fills applied (read by the emergency manager to know equity moved)
        self.fill_count = 0
        seen_bases: set[str] = set()
        for symbol, inst in self.instruments.items():
            lots = 0
            if inst.base not in seen_bases:
                seen_bases.add(inst.base)
                lots = self._balances.get(inst.base, 0) // inst.atoms_per_lot
            self._positions[symbol] = lots
            self._cost[symbol] = 0
            self._realized[symbol] = 0
            if lots:
                self.pending_cost.add(symbol)
                self.open_positions += 1

    # -- updates ----------------------------------------------------------------------------
    def _instrument(self, symbol: str) -> Instrument:
        try:
            return self.instruments[symbol]
        except KeyError:
            raise UnknownInstrumentError(f"portfolio has no instrument {symbol!r}") from None

    def apply_fill(self, ev: OrderFilled) -> None:
        """Apply one (partial) fill: cash, base, fee, position, cost and realized PnL."""
        symbol = ev.symbol
        inst = self.instruments.get(symbol)
        if inst is None:
            inst = self._instrument(symbol)  # raises UnknownInstrumentError
        size = ev.size
        price = ev.price
        notional = price * size * inst.atoms_per_tick_lot  # inst.notional_atoms(price, size)
        base_atoms = size * inst.atoms_per_lot  # inst.base_atoms(size)
        balances = self._balances
        quote, base = inst.quote, inst.base
        if ev.side is _BUY:
            balances[quote] = balances.get(quote, 0) - notional
            balances[base] = balances.get(base, 0) + base_atoms
            delta = size
        else:
            balances[quote] = balances.get(quote, 0) + notional
            balances[base] = balances.get(base, 0) - base_atoms
            delta = -size
        fee = ev.fee
        if fee:
            currency = ev.fee_currency
            balances[currency] = balances.get(currency, 0) - fee
            self._fees[currency] = self._fees.get(currency, 0) + fee
        positions = self._positions
        if self.pending_cost and symbol in self.pending_cost:
            self.pending_cost.discard(symbol)
            self._cost[symbol] = inst.notional_atoms(price, positions[symbol])
        self.fill_count += 1
        pos = positions[symbol]
        cost = self._cost[symbol]
        if pos == 0 or (pos > 0) == (delta > 0):
            new_pos = pos + delta
            cost += notional if delta > 0 else -notional
        else:
            held = abs(pos)
            closing = min(size, held)
            removed = cost * closing // held
            value = inst.notional_atoms(price, closing)
            self._realized[symbol] += (value if pos > 0 else -value) - removed
            cost -= removed
            new_pos = pos + (closing if delta > 0 else -closing)
            rest = size - closing
            if rest:
                new_pos = rest if delta > 0 else -rest
                rest_value = inst.notional_atoms(price, rest)
                cost = rest_value if delta > 0 else -rest_value
            elif new_pos == 0:
                cost = 0
        if fee and ev.fee_currency == base:
            new_pos, cost = _take_base_fee(new_pos, cost, -(-fee // inst.atoms_per_lot))
        if (pos == 0) != (new_pos == 0):
            self.open_positions += 1 if pos == 0 else -1
        positions[symbol] = new_pos
        self._cost[symbol] = cost

    def mark(self, symbol: str, price_ticks: int) -> None:
        """Mark ``symbol`` at ``price_ticks`` (last trade, close...)."""
        self.mark_x2(symbol, 2 * price_ticks)

    def mark_x2(self, symbol: str, price_x2: int) -> None:
        """Mark ``symbol`` at ``price_x2 / 2`` ticks (``best_bid + best_ask`` marks at the mid exactly)."""
        self._instrument(symbol)
        self.marks_x2[symbol] = price_x2
        if symbol in self.pending_cost:
            self.resolve_cost(symbol)

    def resolve_cost(self, symbol: str) -> None:
        """Give initial holdings of ``symbol`` their cost basis at the current mark (engine hook)."""
        mark = self.marks_x2.get(symbol)
        if mark is not None and symbol in self.pending_cost:
            self.pending_cost.discard(symbol)
            inst = self.instruments[symbol]
            self._cost[symbol] = inst.notional_atoms(mark, self._positions[symbol]) // 2

    # -- reads ------------------------------------------------------------------------------
    def balance(self, currency: str) -> int:
        """Total balance of ``currency`` in atoms (0 for a currency never seen)."""
        return self._balances.get(currency, 0)

    def balances(self) -> dict[str, int]:
        """Every balance in atoms, by currency (sorted)."""
        return {ccy: self._balances[ccy] for ccy in sorted(self._balances)}

    def position(self, symbol: str) -> int:
        """Position in lots (positive long); 0 for a symbol the portfolio does not know."""
        return self._positions.get(symbol, 0)

    def positions(self) -> dict[str, int]:
        """Non-zero positions in lots, in instrument order."""
        return {s: p for s, p in self._positions.items() if p}

    def cost_basis(self, symbol: str) -> int:
        """Cost of the current position in quote atoms (negative for a short)."""
        self._instrument(symbol)
        return self._cost[symbol]

    def avg_entry_atoms(self, symbol: str) -> int | None:
        """Average entry in quote atoms per one unit of base (floor); None when flat or not yet known."""
        inst = self._instrument(symbol)
        pos = self._positions[symbol]
        if pos == 0 or symbol in self.pending_cost:
            return None
        return abs(self._cost[symbol]) * ATOMS_PER_UNIT // inst.base_atoms(abs(pos))

    def realized_pnl(self, symbol: str) -> int:
        """Realized PnL of ``symbol`` in quote atoms, before fees."""
        self._instrument(symbol)
        return self._realized[symbol]

    def unrealized_pnl(self, symbol: str, mark_ticks: int | None = None) -> int:
        """PnL of the open position at ``mark_ticks`` (default: the current mark) in quote atoms; 0 when unmarked."""
        inst = self._instrument(symbol)
        pos = self._positions[symbol]
        if mark_ticks is not None:
            mark_x2 = 2 * mark_ticks
        else:
            mark_x2 = self.marks_x2.get(symbol)  # type: ignore[assignment]
            if mark_x2 is None:
                return 0
        if pos == 0:
            return 0
        cost = self._cost[symbol]
        if symbol in self.pending_cost:
            cost = inst.notional_atoms(mark_x2, pos) // 2
        return inst.notional_atoms(mark_x2, pos) // 2 - cost

    def fees_paid(self, currency: str) -> int:
        """Fees paid in ``currency`` atoms."""
        return self._fees.get(currency, 0)

    def mark_price_atoms(self, symbol: str) -> int | None:
        """The mark as quote atoms per unit of base, None when unmarked."""
        inst = self._instrument(symbol)
        mark = self.marks_x2.get(symbol)
        return None if mark is None else inst.price_to_atoms(mark) // 2

    def equity(self, quote_currency: str) -> int:
        """``quote_currency`` balance plus positions quoted in it at their marks (cost while unmarked), in atoms."""
        total = self._balances.get(quote_currency, 0)
        marks = self.marks_x2
        for symbol, pos in self._positions.items():
            if pos:
                inst = self.instruments[symbol]
                if inst.quote != quote_currency:
                    continue
                mark = marks.get(symbol)
                if mark is None:
                    total += self._cost[symbol]
                else:
                    total += inst.notional_atoms(mark, pos) // 2
        return total

    def to_record(self) -> dict[str, Any]:
        """A JSON-able dict of decimal strings: balances, fees, positions, equity per quote currency."""
        positions: dict[str, Any] = {}
        for symbol, inst in self.instruments.items():
            pos = self._positions[symbol]
            avg = self.avg_entry_atoms(symbol)
            mark = self.mark_price_atoms(symbol)
            if pos == 0 and self._realized[symbol] == 0:
                continue
            positions[symbol] = {
                "size": inst.lots_to_size(pos),
                "avg_entry": None if avg is None else format_atoms(avg),
                "mark": None if mark is None else format_atoms(mark),
                "realized_pnl": format_atoms(self._realized[symbol]),
                "unrealized_pnl": format_atoms(self.unrealized_pnl(symbol)),
            }
        quotes = sorted({inst.quote for inst in self.instruments.values()})
        return {
            "balances": {ccy: format_atoms(v) for ccy, v in self.balances().items()},
            "fees": {ccy: format_atoms(self._fees[ccy]) for ccy in sorted(self._fees)},
            "positions": positions,
            "equity": {ccy: format_atoms(self.equity(ccy)) for ccy in quotes},
        }

    def __repr__(self) -> str:
        return f"Portfolio(balances={self.balances()}, positions={self.positions()})"


def _take_base_fee(position: int, cost: int, fee_lots: int) -> tuple[int, int]:
    """``(position, cost)`` after a fee of ``fee_lots`` lots of base left a position of ``position`` lots.

    A long position gives up the lots with their share of the cost (floor, as a sale's removed
    cost); a flat or short one only moves by the lots (spot venues charge base fees on buys).
    """
    if position > 0:
        taken = fee_lots if fee_lots < position else position
        return position - taken, cost - cost * taken // position
    return position - fee_lots, cost
