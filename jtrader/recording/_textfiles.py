"""Line-oriented capture files (plain, gzip or zstd): stream their lines and report every damage.

The decompressors run frame by frame (zstd) or member by member (gzip), so the reader knows the
byte offset where each one starts and can tell the three ways a compressed capture goes wrong:

* **cut off** (a writer killed, a copy interrupted): the input ends inside a frame or member:
  ``truncated``, at the byte where the data stops;
* **corrupt** (flipped bytes): the decompressor fails, or a gzip member fails its CRC: a
  ``corrupt_chunks`` event at the offset of the damaged frame or member. Reading resumes at the
  next frame or member that decompresses (zstd magic ``28 B5 2F FD``, gzip ``1F 8B 08``); a
  single-frame file has none, and the report says the rest of the file could not be read.
  A zstd frame written without a checksum (cryptofeed's) cannot tell flipped bytes from data:
  they come out as garbled lines, which the importers count as unreadable lines or impossible
  timestamps;
* **a last line without its newline**: the importers decide (see their ``truncated`` rules).

Memory is bounded by one input block and one decompressed block, whatever the file size.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import zstandard

from jtrader.errors import RecordingError
from jtrader.recording._format import MAGIC, ZSTD_MAGIC
from jtrader.recording.damage import DamageReport

__all__ = ["GZIP_MAGIC", "LineReader", "detect_format", "first_line"]

GZIP_MAGIC = b"\x1f\x8b\x08"
_SNIFF_BYTES = 4096
#: compressed bytes fed to a decompressor at a time
_BLOCK = 1 << 16
#: a candidate gzip member found by scanning must decompress this much before it is believed
_GZIP_PROBE = 1 << 12
#: compressed bytes per step when a failed block is decompressed again to keep its good start
_SALVAGE_STEP = 64


def _open_raw(path: Path) -> BinaryIO:
    try:
        return open(path, "rb")
    except FileNotFoundError as exc:
        raise RecordingError(f"recording {path} does not exist") from exc
    except OSError as exc:
        raise RecordingError(f"cannot open recording {path}: {exc}") from exc


def _scan(raw: BinaryIO, start: int, magic: bytes) -> int | None:
    """Offset of the next ``magic`` at or after ``start``, or None."""
    pos = start
    while True:
        raw.seek(pos)
        block = raw.read(_BLOCK)
        i = block.find(magic)
        if i >= 0:
            return pos + i
        if len(block) < _BLOCK:
            return None
        pos += len(block) - (len(magic) - 1)


def _salvage(  # noqa: PLR0917 - one call site per decoder, all positions named there
    raw: BinaryIO, start: int, good: int, end: int, done: int, decoder: object, errors: type[Exception]
) -> Iterator[bytes]:
    """Decompress again the frame or member at ``start`` whose block ``good..end`` just failed.

    The bytes up to ``good`` decompressed before (fast, in big blocks); the failing block goes in
    small steps, so only the last step's output is lost. Yields what comes out past the ``done``
    bytes already yielded, up to the point of failure. Runs only on damage.
    """
    raw.seek(start)
    produced = 0
    pos = start
    while pos < end:
        size = min(_BLOCK, good - pos) if pos < good else _SALVAGE_STEP
        piece = raw.read(size)
        if not piece:  # pragma: no cover - the file shrank while it was being read
            return
        pos += len(piece)
        try:
            out = decoder.decompress(piece)  # type: ignore[attr-defined]
        except errors:
            return
        if out:
            skip = max(0, done - produced)
            produced += len(out)
            if skip < len(out):
                yield out[skip:]


def _gzip_member_starts_at(raw: BinaryIO, offset: int) -> bool:
    """True when a gzip member at ``offset`` decompresses its first bytes without error."""
    raw.seek(offset)
    try:
        zlib.decompressobj(31).decompress(raw.read(_GZIP_PROBE))
    except zlib.error:
        return False
    return True


class LineReader:
    """The lines of one capture file, decompressed by its magic bytes, with damage reported to ``report``.

    Iterating yields each line *without* its newline; before yielding a last line that has no
    newline it sets :attr:`unterminated`.
    """

    def __init__(self, path: str | os.PathLike[str], report: DamageReport) -> None:
        self.path = Path(path)
        self.report = report
        self.unterminated = False

    def __iter__(self) -> Iterator[bytes]:
        self.unterminated = False
        with _open_raw(self.path) as raw:
            head = raw.read(4)
            raw.seek(0)
            blocks: Iterator[bytes | None]
            if head == ZSTD_MAGIC:
                blocks = self._zstd(raw)
            elif head[:2] == GZIP_MAGIC[:2]:
                blocks = self._gzip(raw)
            else:
                blocks = iter(lambda: raw.read(_BLOCK), b"")
            tail = b""
            for block in blocks:
                if block is None:  # a damaged span was skipped: a line cut by it is part of the damage
                    tail = b""
                    continue
                lines = (tail + block if tail else block).split(b"\n")
                tail = lines.pop()
                yield from lines
            if tail:
                self.unterminated = True
                yield tail

    # -- decompressors, with offsets ------------------------------------------------------------
    def _zstd(self, raw: BinaryIO) -> Iterator[bytes | None]:
        dctx = zstandard.ZstdDecompressor()
        return self._frames(raw, dctx.decompressobj, zstandard.ZstdError, ("zstd frame", "checksum"), ZSTD_MAGIC)

    def _gzip(self, raw: BinaryIO) -> Iterator[bytes | None]:
        return self._frames(raw, lambda: zlib.decompressobj(31), zlib.error, ("gzip member", "CRC"), GZIP_MAGIC)

    def _frames(
        self, raw: BinaryIO, new: Callable[[], Any], error: type[Exception], names: tuple[str, str], magic: bytes
    ) -> Iterator[bytes | None]:
        """Decompressed blocks of ``raw``, one unit (zstd frame, gzip member) after the other.

        ``names`` are what the reports call a unit and its integrity check.

        ``new()`` makes a decoder for one unit (``decompress``, ``eof``, ``unused_data``), which
        raises ``error`` on damage. A damaged unit is reported at its start offset, what it
        produced before the damage is kept (:func:`_salvage`), and reading resumes at the next
        ``magic`` that starts a good unit (``None`` is yielded there: a line cut by the damage is
        dropped). A stream that ends inside a unit is reported truncated where it stops.
        """
        report = self.report
        unit, check = names
        decoder = new()
        start = offset = 0  # where the current unit starts / where ``data`` starts, in the file
        produced = 0  # bytes of the current unit already yielded
        data = raw.read(_BLOCK)
        while data:
            try:
                out = decoder.decompress(data)
            except error as exc:
                yield from _salvage(raw, start, offset, offset + len(data), produced, new(), error)
                resume = _scan(raw, start + 1, magic)
                while resume is not None and magic == GZIP_MAGIC and not _gzip_member_starts_at(raw, resume):
                    resume = _scan(raw, resume + 1, magic)
                rest = "" if resume is not None else f"; no later {unit.split()[1]}: the rest of the file is unreadable"
                report.note("corrupt_chunks", f"{unit} does not decompress or fails its {check} ({exc}){rest}", start)
                if resume is None:
                    return
                yield None
                raw.seek(resume)
                decoder, start, offset, produced = new(), resume, resume, 0
                data = raw.read(_BLOCK)
                continue
            if out:
                produced += len(out)
                yield out
            if decoder.eof:
                unused = decoder.unused_data
                start = offset + len(data) - len(unused)
                decoder, produced = new(), 0
                if unused:
                    data, offset = unused, start
                    continue
            offset += len(data)
            data = raw.read(_BLOCK)
        if offset > start:
            report.note("truncated", f"the {unit} that starts at byte {start} is cut off at byte {offset}", offset)


def first_line(path: str | os.PathLike[str]) -> bytes:
    """The first line of a (possibly compressed) capture, without its newline (damage ignored)."""
    for line in LineReader(path, DamageReport(str(path), quiet=True)):
        return line
    return b""


def _sniff(path: Path) -> bytes:
    """The first few KB of the decompressed file; RecordingError when even its start is unreadable."""
    out = b""
    report = DamageReport(str(path), quiet=True)
    for line in LineReader(path, report):
        out += line + b"\n"
        if len(out) >= _SNIFF_BYTES:
            break
    if not out.strip() and report.events:
        raise RecordingError(f"{path}: cannot decompress the start of the file ({report.events[0].detail})")
    return out


def detect_format(path: str | os.PathLike[str]) -> str:
    """``"jtrader"``, ``"cryptofeed"`` or ``"hftbacktest"`` from the file's first bytes; RecordingError otherwise."""
    path = Path(path)
    with _open_raw(path) as raw:
        head = raw.read(len(MAGIC))
    if not head:
        raise RecordingError(f"recording {path} is empty")
    if head[:5] == MAGIC[:5]:
        return "jtrader"
    first = _sniff(path).lstrip()
    if first.startswith(b"{") and b'"t"' in first.split(b"\n", 1)[0]:
        return "cryptofeed"
    digits, _, rest = first.partition(b" ")
    if digits.isdigit() and rest.startswith(b"{"):
        return "hftbacktest"
    raise RecordingError(
        f"{path} is not a recording jtrader can read (expected a jtrader .jtrec, a cryptofeed JSONL "
        "capture or an hftbacktest '<ts_ns> <json>' capture)"
    )
