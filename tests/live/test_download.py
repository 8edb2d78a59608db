"""``download-candles`` from ``jtrader serve`` (and from a cassette made against it) feeds ``jtrader backtest``."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
import vcr
from rest_calls import START_NS

from jtrader.errors import ConfigError
from jtrader.live.download import Progress, download_candles, parse_time, write_candles
from jtrader.live.localvenue import LocalVenue
from jtrader.live.rest import RestClient

CASSETTES = Path(__file__).resolve().parent / "cassettes"


def _backtest(path: Path, symbol: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "jtrader.cli", "backtest", str(path), "--symbol", symbol, "--strategy", "sma_cross",
         "--param", "fast=2", "--param", "slow=3", "--json"],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    return orjson.loads(done.stdout)


def test_download_candles_from_serve_feeds_backtest(binance_small: Path, tmp_path: Path) -> None:
    async def main() -> dict:
        async with LocalVenue(binance_small) as venue:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "jtrader.cli", "download-candles", "--venue", "binance", "--product", "BTCUSDT",
                "--start", "2026-01-01T00:00:00Z", "--end", "2026-01-01T00:30:00Z", "--interval", "1s",
                "--url", venue.url, "--out", str(tmp_path / "btc.csv"), "--json",
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            stdout, stderr = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0, stderr.decode()
        assert "downloaded page 2/2 (100%)" in stderr.decode(), "a progress line on a download of several pages"
        return orjson.loads(stdout)

    summary = asyncio.run(main())
    assert summary["candles"] >= 10 and summary["requests"] == 2
    lines = (tmp_path / "btc.csv").read_text().splitlines()
    assert lines[0] == "ts,open,high,low,close,volume" and len(lines) == summary["candles"] + 1
    result = _backtest(tmp_path / "btc.csv", "BTC-USDT")
    assert result["bars"] == summary["candles"]


def test_download_candles_to_parquet_from_the_coinbase_cassette_feeds_backtest(tmp_path: Path) -> None:
    async def main() -> dict:
        with vcr.use_cassette(
            str(CASSETTES / "coinbase_rest.yaml"), record_mode="none", match_on=("method", "path", "query")
        ):
            client = RestClient("coinbase", "http://127.0.0.1:1")
            try:
                return await download_candles(
                    "coinbase", "BTC-USD", START_NS, START_NS + 400 * 60 * 10**9,
                    interval="1m", base_url="unused", out=tmp_path / "btc.parquet", client=client,
                )  # fmt: skip
            finally:
                await client.aclose()

    summary = asyncio.run(main())
    assert summary["candles"] >= 3
    result = _backtest(tmp_path / "btc.parquet", "BTC-USD")
    assert result["bars"] == summary["candles"]


def test_times_outputs_and_progress() -> None:
    assert parse_time("2026-01-01", "x") == START_NS
    assert parse_time("2026-01-01T01:00:00+01:00", "x") == START_NS
    assert parse_time("2026-01-01T00:00:00.5Z", "x") == START_NS + 500_000_000
    with pytest.raises(ConfigError):
        parse_time("yesterday", "--start")
    with pytest.raises(ConfigError):
        write_candles([], "out.json")
    stream = io.StringIO()
    progress = Progress(stream)
    for page in range(1, 21):
        progress(page, 20, page * 350)
    progress_lines = stream.getvalue().splitlines()
    assert len(progress_lines) == 11 and progress_lines[-1] == "downloaded page 20/20 (100%), 7000 candles"
    quiet = io.StringIO()
    Progress(quiet)(1, 1, 3)
    assert quiet.getvalue() == ""


def test_too_few_candles_and_bad_outputs_are_refused(binance_small: Path, tmp_path: Path) -> None:
    async def main(out: Path, start: int, end: int) -> None:
        async with LocalVenue(binance_small) as venue:
            await download_candles(
                "binance", "BTCUSDT", start, end, interval="1m", base_url=f"http://127.0.0.1:{venue.port}", out=out
            )

    with pytest.raises(ConfigError, match="needs at least 2"):
        asyncio.run(main(tmp_path / "x.csv", START_NS - 3600 * 10**9, START_NS - 60 * 10**9))
    with pytest.raises(ConfigError, match=r"\.csv or \.parquet"):
        asyncio.run(main(tmp_path / "x.txt", START_NS, START_NS + 60 * 10**9))
