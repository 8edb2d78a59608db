"""jtrader.recording"""
