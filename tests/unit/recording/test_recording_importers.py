"""Reading cryptofeed and hftbacktest captures, format detection, and the real files in ../shared/data."""

from __future__ import annotations

import gzip
import logging
from collections import Counter
from pathlib import Path

import orjson
import pytest
import zstandard

from jtrader.errors import ConfigError, RecordingError
from jtrader.recording import (
    CryptofeedSource,
    Direction,
    HftbacktestSource,
    RecordingWriter,
    detect_format,
    open_source,
    read_records,
    seconds_text_to_ns,
)

HEADER = (
    b'{"t":"header","format":2,"exchange":"BINANCE",'
    b'"config":{"l2_book":["NKN-USDT","BLZ-ETH"],"trades":["NKN-USDT"]},"recorded":1633998511.132921}\n'
)


def cf_line(**fields: object) -> bytes:
    return orjson.dumps(fields) + b"\n"


def cryptofeed_capture() -> bytes:
    return HEADER + b"".join(
        [
            b'{"t":"http","conn":"h","ts":1633998512.320639,"url":"https://api.binance.com/api/v3/depth?symbol=NKNUSDT","data":"{\\"lastUpdateId\\":1}"}\n',
            cf_line(t="connect", conn="ws", ts=1633998511.159679, addr="wss://stream.binance.com:9443/stream"),
            cf_line(t="send", conn="ws", ts=1633998511.2, data='{"method":"SUBSCRIBE"}'),
            b'{"t":"recv","conn":"ws","ts":1633998512.0633569,"data":"{\\"stream\\":\\"a\\"}"}\n',
            b'{"t":"recv","conn":"ws","ts":1633998512.0633569,"data":{"already":"parsed"}}\n',
            cf_line(t="disconnect", conn="ws", ts=1633998513),
        ]
    )


@pytest.mark.parametrize("compression", ["plain", "zstd", "gzip"])
def test_a_cryptofeed_capture_reads_in_ts_order_with_exact_ns(tmp_path: Path, compression: str) -> None:
    raw = cryptofeed_capture()
    data = {"plain": raw, "zstd": zstandard.ZstdCompressor().compress(raw), "gzip": gzip.compress(raw, mtime=0)}
    path = tmp_path / "capture.jsonl"
    path.write_bytes(data[compression])
    header, records = read_records(path)
    assert header.venue == "binance" and header.source_format == "cryptofeed"
    assert header.products == ("NKNUSDT", "BLZETH")
    assert header.created_ns == 1_633_998_511_132_921_000
    got = list(records)
    assert [r.direction for r in got] == [
        Direction.CONNECT,
        Direction.SEND,
        Direction.RECV,
        Direction.RECV,
        Direction.HTTP,
        Direction.DISCONNECT,
    ]
    assert got[0].url == "wss://stream.binance.com:9443/stream" and got[0].payload == b""
    assert got[2].ts == 1_633_998_512_063_356_900  # exact from the text, not through a float
    assert got[2].payload == b'{"stream":"a"}'
    assert orjson.loads(got[3].payload) == {"already": "parsed"}
    assert got[4].url.endswith("symbol=NKNUSDT") and got[4].payload == b'{"lastUpdateId":1}'
    assert got[5].ts == 1_633_998_513_000_000_000 and got[5].payload == b""
    assert records.skipped == 0 and not records.truncated


def test_equal_timestamps_keep_file_order(tmp_path: Path) -> None:
    lines = [cf_line(t="recv", conn="ws", ts=1633998512.5, data=str(i)) for i in range(5)]
    (tmp_path / "c.jsonl").write_bytes(HEADER + b"".join(lines))
    assert [r.payload for r in open_source(tmp_path / "c.jsonl")] == [b"0", b"1", b"2", b"3", b"4"]


def test_records_displaced_beyond_the_window_are_passed_through_and_counted(tmp_path: Path) -> None:
    ts = [10, 11, 12, 13, 1, 14]
    lines = [cf_line(t="recv", conn="ws", ts=1633998500 + t, data=str(t)) for t in ts]
    (tmp_path / "c.jsonl").write_bytes(HEADER + b"".join(lines))
    source = CryptofeedSource(tmp_path / "c.jsonl", reorder_window=2)
    assert [r.payload for r in source] == [b"10", b"11", b"1", b"12", b"13", b"14"]
    assert source.out_of_order == 1
    wide = CryptofeedSource(tmp_path / "c.jsonl", reorder_window=4)
    assert [r.payload for r in wide] == [b"1", b"10", b"11", b"12", b"13", b"14"]
    assert wide.out_of_order == 0


def test_unreadable_lines_are_skipped_counted_and_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    body = cf_line(t="recv", conn="ws", ts=1633998512.0, data="ok") + b"not json\n" + b'{"t":"nope","ts":1}\n' + b"\n"
    body += b'{"t":"recv","conn":"ws","ts":"soon","data":"x"}\n' + b'{"t":"recv","conn":"ws","ts":16339'
    (tmp_path / "c.jsonl").write_bytes(HEADER + body)
    source = open_source(tmp_path / "c.jsonl")
    with caplog.at_level(logging.WARNING):
        assert [r.payload for r in source] == [b"ok"]
    assert source.skipped == 3
    assert [event.line for event in source.damage.events] == [3, 4, 6, 7]  # the header is line 1
    assert source.truncated  # the last line is cut in the middle
    assert source.damage.events[-1].kind == "truncated"
    assert "unreadable lines at line 3" in caplog.text


def test_a_cryptofeed_file_without_a_header_is_refused(tmp_path: Path) -> None:
    (tmp_path / "c.jsonl").write_bytes(cf_line(t="recv", conn="ws", ts=1.0, data="x"))
    with pytest.raises(RecordingError, match="cryptofeed"):
        CryptofeedSource(tmp_path / "c.jsonl")


def test_a_venue_that_contradicts_the_capture_is_an_error_naming_both(tmp_path: Path) -> None:
    (tmp_path / "c.jsonl").write_bytes(cryptofeed_capture())
    with pytest.raises(ConfigError, match=r"--venue coinbase contradicts .* is a binance capture"):
        read_records(tmp_path / "c.jsonl", venue="coinbase")
    assert read_records(tmp_path / "c.jsonl", venue="binance")[0].venue == "binance"


def test_a_venue_fills_in_a_capture_that_names_none(tmp_path: Path) -> None:
    (tmp_path / "c.jsonl").write_bytes(cryptofeed_capture().replace(b'"exchange":"BINANCE",', b""))
    assert read_records(tmp_path / "c.jsonl")[0].venue == "unknown"
    header, _ = read_records(tmp_path / "c.jsonl", venue="coinbase")
    assert header.venue == "coinbase"
    assert header.products == ("NKN-USDT", "BLZ-ETH")


@pytest.mark.parametrize(
    ("text", "ns"),
    [("1786309548.6290078", 1_786_309_548_629_007_800), ("1", 1_000_000_000), (b"0.0000000005", 0), ("1.5e-9", 2)],
)
def test_seconds_text_converts_to_ns_exactly(text: str | bytes, ns: int) -> None:
    assert seconds_text_to_ns(text) == ns


@pytest.mark.parametrize("text", ["abc", "inf", "NaN"])
def test_seconds_text_that_is_not_a_finite_number_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="seconds"):
        seconds_text_to_ns(text)


#: receive times of the hand-made hftbacktest lines: 2024-08-08T23:54:13Z + n ns
H0 = 1_723_161_253_000_000_000


def hft_lines(snapshot_first: bool = False) -> bytes:
    depth = b'{"stream":"btcusdt@depth@100ms","data":{"U":1,"u":2}}'
    snapshot = b'{"lastUpdateId":2,"bids":[],"asks":[]}'
    other = b'{"result":null,"id":1}'
    rows = (
        [(H0 + 100, snapshot), (H0 + 101, other), (H0 + 102, depth)]
        if snapshot_first
        else [(H0 + 100, depth), (H0 + 101, snapshot), (H0 + 102, other)]
    )
    return b"".join(b"%d %s\n" % row for row in rows)


def test_an_hftbacktest_capture_becomes_recv_records_and_one_http_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "h.gz"
    path.write_bytes(gzip.compress(hft_lines(), mtime=0))
    header, records = read_records(path)
    assert (header.venue, header.products, header.created_ns, header.source_format) == (
        "binance",
        ("BTCUSDT",),
        H0 + 100,
        "hftbacktest",
    )
    got = list(records)
    assert [(r.ts - H0, r.direction, r.conn) for r in got] == [
        (100, Direction.RECV, "hftbacktest"),
        (101, Direction.HTTP, "hftbacktest"),
        (102, Direction.RECV, "hftbacktest"),
    ]
    assert got[1].url == "https://api.binance.com/api/v3/depth?symbol=BTCUSDT"
    assert got[0].payload.startswith(b'{"stream":"btcusdt@depth@100ms"')


def test_a_snapshot_before_any_stream_waits_for_the_symbol_and_keeps_order(tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    path.write_bytes(hft_lines(snapshot_first=True))
    got = list(HftbacktestSource(path))
    assert [r.ts - H0 for r in got] == [100, 101, 102]
    assert got[0].url == "https://api.binance.com/api/v3/depth?symbol=BTCUSDT"
    assert got[1].url is None


def test_a_snapshot_with_no_stream_at_all_gets_a_url_without_symbol(tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    path.write_bytes(b'%d {"lastUpdateId":2,"bids":[],"asks":[]}\n%d {"x": 1}\n' % (H0 + 5, H0 + 6))
    got = list(HftbacktestSource(path))
    assert [r.url for r in got] == ["https://api.binance.com/api/v3/depth", None]


def test_hftbacktest_bad_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    good = b'%d {"stream":"ethusdt@trade","data":{}}\n' % (H0 + 7)
    bad = b"x y\n" + b"%d {broken\n" % (H0 + 8)
    spaced = b'%d { "stream": "ethusdt@trade"}\n' % (H0 + 9)
    path.write_bytes(good + bad + spaced + b"\n" + b"%d {" % (H0 + 10))
    source = HftbacktestSource(path)
    got = list(source)
    assert [r.ts - H0 for r in got] == [7, 9]
    assert source.header.products == ("ETHUSDT",)
    assert source.skipped == 2 and source.truncated  # the cut last line is the truncation, not an unreadable line


def test_an_hftbacktest_file_without_any_data_line_is_refused(tmp_path: Path) -> None:
    (tmp_path / "h.txt").write_bytes(b"x\n")
    with pytest.raises(RecordingError, match="hftbacktest"):
        HftbacktestSource(tmp_path / "h.txt")


def test_formats_are_detected_from_the_first_bytes(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_bytes(cryptofeed_capture())
    (tmp_path / "b.gz").write_bytes(gzip.compress(hft_lines(), mtime=0))
    with RecordingWriter(tmp_path / "c.jtrec", "unknown", [], created_ns=0):
        pass
    assert detect_format(tmp_path / "a.jsonl") == "cryptofeed"
    assert detect_format(tmp_path / "b.gz") == "hftbacktest"
    assert detect_format(tmp_path / "c.jtrec") == "jtrader"
    header, records = read_records(tmp_path / "c.jtrec", venue="binance")  # fills in "unknown"
    assert header.venue == "binance" and list(records) == []
    assert records.skipped == 0 and not records.truncated
    with pytest.raises(ConfigError, match="--venue coinbase contradicts"):
        read_records(tmp_path / "b.gz", venue="coinbase")


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"date,open\n1,2\n", "not a recording"), (b"\x1f\x8bnot gzip at all", "decompress")],
)
def test_undetectable_files_raise_a_recording_error(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "x").write_bytes(content)
    with pytest.raises(RecordingError, match=message):
        read_records(tmp_path / "x")


def test_missing_files_and_unknown_formats_raise_recording_errors(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="does not exist"):
        read_records(tmp_path / "nope")
    (tmp_path / "a.jsonl").write_bytes(cryptofeed_capture())
    with pytest.raises(RecordingError, match="unknown recording format"):
        read_records(tmp_path / "a.jsonl", format="csv")


@pytest.mark.shared_data
def test_the_real_coinbase_cryptofeed_capture_imports_with_the_documented_counts(shared_data: Path) -> None:
    header, records = read_records(shared_data / "coinbase" / "advanced_trade_btc_eth_2026-08-09.jsonl.zst")
    assert header.venue == "coinbase" and header.products == ("BTC-USD", "ETH-USD")
    got = list(records)
    assert Counter(r.direction.value for r in got) == {"http": 1, "connect": 1, "send": 5, "recv": 1030}
    assert [r.ts for r in got] == sorted(r.ts for r in got)
    sequence = [orjson.loads(r.payload)["sequence_num"] for r in got if r.direction is Direction.RECV]
    assert sequence == list(range(1030))
    assert records.skipped == 0 and not records.truncated


@pytest.mark.shared_data
def test_the_real_binance_cryptofeed_capture_imports(shared_data: Path) -> None:
    header, records = read_records(shared_data / "binance" / "cryptofeed_spot_4symbols_2021-10-12.jsonl.zst")
    assert header.venue == "binance"
    assert header.products == ("NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR")
    got = list(records)
    assert Counter(r.direction.value for r in got) == {"http": 5, "connect": 1, "recv": 265}
    assert [r.ts for r in got] == sorted(r.ts for r in got)
    assert sum(1 for r in got if r.direction is Direction.HTTP and "/depth?" in r.url) == 4


@pytest.mark.shared_data
def test_the_real_hftbacktest_capture_imports_with_the_documented_counts(shared_data: Path) -> None:
    header, records = read_records(shared_data / "binance" / "spot_btcusdt_20240808.gz")
    assert (header.venue, header.products) == ("binance", ("BTCUSDT",))
    streams: Counter[str] = Counter()
    http = []
    for record in records:
        if record.direction is Direction.HTTP:
            http.append(record)
        else:
            streams[orjson.loads(record.payload)["stream"]] += 1
    assert streams == {"btcusdt@depth@100ms": 3451, "btcusdt@trade": 9757, "btcusdt@bookTicker": 28040}
    assert len(http) == 1
    assert http[0].url == "https://api.binance.com/api/v3/depth?symbol=BTCUSDT"
    assert orjson.loads(http[0].payload)["lastUpdateId"] == 50093239218
    assert records.skipped == 0


def test_cryptofeed_records_with_impossible_times_are_skipped_and_counted(tmp_path: Path) -> None:
    day = 86_400
    lines = [
        b'{"t":"recv","conn":"ws","ts":1e30,"data":"overflow"}\n',  # first: checked against "recorded"
        cf_line(t="recv", conn="ws", ts=1633998512.0, data="ok-1"),
        cf_line(t="recv", conn="ws", ts=-5, data="negative"),
        cf_line(t="recv", conn="ws", ts=1633998512.5 + 2 * day, data="two days later"),
        cf_line(t="recv", conn="ws", ts=7_258_118_400 + 5, data="after 2200"),
        cf_line(t="recv", conn="ws", ts=1633998513.0, data="ok-2"),
    ]
    (tmp_path / "c.jsonl").write_bytes(HEADER + b"".join(lines))
    source = CryptofeedSource(tmp_path / "c.jsonl")
    assert [r.payload for r in source] == [b"ok-1", b"ok-2"]
    assert source.damage.bad_timestamps == 4 and [e.line for e in source.damage.events] == [2, 4, 5, 6]


def test_a_corrupt_first_cryptofeed_record_cannot_pull_the_file_with_it(tmp_path: Path) -> None:
    lines = [cf_line(t="recv", conn="ws", ts=1733998512.0, data="year 2024")]  # "recorded" says 2021
    lines += [cf_line(t="recv", conn="ws", ts=1633998512.0 + i, data=f"ok-{i}") for i in range(3)]
    (tmp_path / "c.jsonl").write_bytes(HEADER + b"".join(lines))
    source = CryptofeedSource(tmp_path / "c.jsonl")
    assert [r.payload for r in source] == [b"ok-0", b"ok-1", b"ok-2"] and source.damage.bad_timestamps == 1


def test_hftbacktest_lines_with_overflowing_or_jumping_times_are_skipped(tmp_path: Path) -> None:
    good = b'%d {"stream":"btcusdt@trade","data":{}}\n'
    path = tmp_path / "h.txt"
    body = b"".join(good % (H0 + i) for i in range(5))
    body += good % (10**40) + good % (H0 + 3 * 86_400 * 10**9) + good % 17 + good % (H0 + 9)
    path.write_bytes(body)
    source = HftbacktestSource(path)
    assert [r.ts - H0 for r in source] == [0, 1, 2, 3, 4, 9]
    assert source.damage.bad_timestamps == 3
    assert "outside 2000..2200" in source.damage.events[0].detail
