"""Seeded synthetic market sessions written as jtrader recordings (``jtrader generate``)."""

from jtrader.marketgen.generator import DEFAULT_START_NS, DEFAULT_SYMBOLS, VENUES, generate

__all__ = ["DEFAULT_START_NS", "DEFAULT_SYMBOLS", "VENUES", "generate"]
