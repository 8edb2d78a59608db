"""jtrader.trading"""
