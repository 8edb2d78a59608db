"""jtrader.backtest"""
