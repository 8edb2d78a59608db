"""jtrader.sim"""
