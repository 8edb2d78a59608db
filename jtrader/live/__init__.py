"""jtrader.live"""
