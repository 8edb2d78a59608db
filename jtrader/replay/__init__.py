"""jtrader.replay"""
