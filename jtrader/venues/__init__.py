"""jtrader.venues"""
