"""jtrader.marketgen"""
