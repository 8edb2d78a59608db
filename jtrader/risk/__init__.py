"""jtrader.risk"""
