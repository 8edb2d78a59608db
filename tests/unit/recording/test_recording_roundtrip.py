"""Writer -> reader round trips of the jtrader recording format."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jtrader import recording
from jtrader._version import __version__
from jtrader.errors import RecordingError
from jtrader.recording import Direction, Record, RecordingWriter, open_recording
from jtrader.recording._format import MAGIC

T0 = 1_767_225_600_000_000_000


def write(path: Path, records: list[Record], **kwargs: object) -> RecordingWriter:
    if any(record.direction is Direction.EVENT for record in records):
        kwargs.setdefault("format_version", 3)  # event records need version 3
    with RecordingWriter(path, "coinbase", ["BTC-USD"], {"note": "test"}, created_ns=T0, **kwargs) as writer:
        for record in records:
            writer.write_record(record)
    return writer


def sample_records(n: int = 50) -> list[Record]:
    directions = list(Direction)
    return [
        Record(
            T0 + i * 1_000,
            directions[i % len(directions)],
            f"conn-{i % 3}",
            f'{{"i":{i}}}'.encode() * (i % 4),
            f"https://x.test/{i}" if directions[i % len(directions)] is Direction.HTTP else None,
        )
        for i in range(n)
    ]


def test_records_read_back_equal_and_in_order(tmp_path: Path) -> None:
    records = sample_records()
    write(tmp_path / "a.jtrec", records)
    reader = open_recording(tmp_path / "a.jtrec")
    assert list(reader) == records
    assert reader.records_read == len(records)
    assert not reader.truncated and reader.truncated_at is None and reader.corrupt_chunks == 0


def test_header_holds_venue_products_version_created_and_metadata(tmp_path: Path) -> None:
    write(tmp_path / "a.jtrec", [])
    header = open_recording(tmp_path / "a.jtrec").header
    assert header.venue == "coinbase"
    assert header.products == ("BTC-USD",)
    assert header.created_ns == T0
    assert header.jtrader_version == __version__
    assert header.metadata == {"note": "test"}
    assert header.source_format == "jtrader"


def test_file_starts_with_the_magic_bytes(tmp_path: Path) -> None:
    write(tmp_path / "a.jtrec", sample_records(3))
    assert (tmp_path / "a.jtrec").read_bytes().startswith(MAGIC)


def test_same_records_give_byte_identical_files(tmp_path: Path) -> None:
    write(tmp_path / "a.jtrec", sample_records())
    write(tmp_path / "b.jtrec", sample_records())
    assert (tmp_path / "a.jtrec").read_bytes() == (tmp_path / "b.jtrec").read_bytes()


def test_small_max_records_splits_into_many_chunks_that_read_back_whole(tmp_path: Path) -> None:
    records = sample_records(101)
    writer = write(tmp_path / "a.jtrec", records, max_records=10)
    assert writer.chunks_written == 1 + 11  # header + ceil(101 / 10)
    assert list(open_recording(tmp_path / "a.jtrec")) == records


def test_max_bytes_and_max_age_flush_chunks(tmp_path: Path) -> None:
    big = [Record(T0 + i, Direction.RECV, "c", b"x" * 100) for i in range(10)]
    assert write(tmp_path / "a.jtrec", big, max_bytes=250, max_age_ns=None).chunks_written == 1 + 4
    aged = [Record(T0 + i * 1_000_000_000, Direction.RECV, "c", b"x") for i in range(10)]
    assert write(tmp_path / "b.jtrec", aged, max_age_ns=3_000_000_000).chunks_written == 1 + 3
    assert list(open_recording(tmp_path / "b.jtrec")) == aged


def test_explicit_flush_makes_records_readable_before_close(tmp_path: Path) -> None:
    path = tmp_path / "a.jtrec"
    with RecordingWriter(path, "binance", [], created_ns=T0) as writer:
        writer.write(T0, Direction.RECV, "c", b"one")
        writer.flush()
        writer.flush()  # nothing buffered: no empty chunk
        assert [r.payload for r in open_recording(path)] == [b"one"]
        assert writer.chunks_written == 2


def test_a_reader_can_be_iterated_twice(tmp_path: Path) -> None:
    records = sample_records(5)
    write(tmp_path / "a.jtrec", records)
    reader = open_recording(tmp_path / "a.jtrec")
    assert list(reader) == list(reader) == records
    assert "coinbase" in repr(reader)


def test_direction_accepts_its_string_value(tmp_path: Path) -> None:
    path = tmp_path / "a.jtrec"
    with RecordingWriter(path, "coinbase", [], created_ns=T0) as writer:
        writer.write(T0, "send", "c", b"{}")
    (record,) = open_recording(path)
    assert record.direction is Direction.SEND


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((T0, "sideways", "c", b""), "unknown record direction"),
        ((float(T0), "recv", "c", b""), "must be an int"),
        ((-1, "recv", "c", b""), "between 2000 and 2200"),
        ((2**63, "recv", "c", b""), "between 2000 and 2200"),  # would overflow the i64 on disk
        ((T0 * 10, "recv", "c", b""), "between 2000 and 2200"),
        ((T0, "recv", "c" * 70_000, b""), "connection id too long"),
        ((T0, "http", "c", b"", "u" * 70_000), "record too large"),
    ],
)
def test_bad_records_are_refused_with_a_recording_error(tmp_path: Path, args: tuple, message: str) -> None:
    with RecordingWriter(tmp_path / "a.jtrec", "coinbase", [], created_ns=T0) as writer:
        with pytest.raises(RecordingError, match=message):
            writer.write(*args)
        writer.write(T0, "recv", "c", b"ok")
    assert [r.payload for r in open_recording(tmp_path / "a.jtrec")] == [b"ok"]


def test_writing_after_close_is_an_error_and_close_is_idempotent(tmp_path: Path) -> None:
    writer = RecordingWriter(tmp_path / "a.jtrec", "coinbase", [], created_ns=T0)
    writer.close()
    writer.close()
    with pytest.raises(RecordingError, match="closed"):
        writer.write(T0, "recv", "c", b"")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"created_ns": 1.5}, "created_ns"),
        ({"created_ns": T0, "max_records": 0}, "positive"),
        ({"created_ns": T0, "metadata": {"x": object()}}, "JSON"),
    ],
)
def test_bad_writer_arguments_are_refused(tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(RecordingError, match=message):
        RecordingWriter(tmp_path / "a.jtrec", "coinbase", [], **kwargs)


def test_a_writer_on_an_unwritable_path_raises_a_recording_error(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="cannot create"):
        RecordingWriter(tmp_path / "missing" / "a.jtrec", "coinbase", [], created_ns=T0)


HALF_DAY = 43_200_000_000_000

record_strategy = st.builds(
    Record,
    ts=st.integers(min_value=T0 - HALF_DAY, max_value=T0 + HALF_DAY),  # any order, never a day apart
    direction=st.sampled_from(list(Direction)),
    conn=st.text(max_size=20),
    payload=st.binary(max_size=300),
    url=st.one_of(st.none(), st.text(min_size=1, max_size=30)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(record_strategy, max_size=40), max_records=st.integers(min_value=1, max_value=8))
def test_any_records_round_trip_exactly(tmp_path: Path, records: list[Record], max_records: int) -> None:
    path = tmp_path / "h.jtrec"
    write(path, records, max_records=max_records, max_age_ns=None)
    assert list(open_recording(path)) == records


def test_public_names_are_exported() -> None:
    for name in recording.__all__:
        assert getattr(recording, name) is not None


def test_record_fields_are_pinned_in_the_order_the_reader_builds_them() -> None:
    """The reader builds records with ``tuple.__new__`` (its measured hot path): the order is the contract."""
    assert Record._fields == ("ts", "direction", "conn", "payload", "url")
