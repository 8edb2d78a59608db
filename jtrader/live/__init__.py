"""Live market data: the only asyncio code in jtrader (guide: ``docs/live-data.md``).

* :mod:`jtrader.live.handler` - :class:`~jtrader.live.handler.WebSocketHandler`, one venue feed kept
  right through gaps, stalls, disconnects and error frames; every input handed on as a record.
* :mod:`jtrader.live.feeds` - what to connect to and send per venue (pure).
* :mod:`jtrader.live.rest` - :class:`~jtrader.live.rest.RestClient`, public REST on httpx with rate limits.
* :mod:`jtrader.live.record` - ``jtrader record``; :mod:`jtrader.live.download` - ``download-candles``.
* :mod:`jtrader.live.localvenue` - ``jtrader serve``, a local venue with seeded faults.

Nothing is imported here, so ``import jtrader.live.rest`` does not pay for websockets, nor the
CLI for either.
"""
