"""jtrader.strategies"""
