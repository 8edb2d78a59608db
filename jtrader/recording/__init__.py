"""Recording format: crash-safe writer, streaming reader, importers of other tools' captures.

See ``docs/recording-format.md`` for the byte layout and the damage rules; every source reports
what a read lost in a :class:`DamageReport` (``source.damage``).
"""

from jtrader.recording._format import EVENTS_VERSION, FORMAT_VERSION, MAGIC, Direction, Record, RecordingHeader
from jtrader.recording.cryptofeed import CryptofeedSource, seconds_text_to_ns
from jtrader.recording.damage import Damage, DamageReport, TimestampGuard, describe_damage
from jtrader.recording.hftbacktest import HftbacktestSource
from jtrader.recording.reader import RecordingReader, open_recording
from jtrader.recording.sources import FORMATS, JtraderSource, RecordSource, detect_format, open_source, read_records
from jtrader.recording.writer import RecordingWriter

__all__ = [
    "EVENTS_VERSION",
    "FORMATS",
    "FORMAT_VERSION",
    "MAGIC",
    "CryptofeedSource",
    "Damage",
    "DamageReport",
    "Direction",
    "HftbacktestSource",
    "JtraderSource",
    "Record",
    "RecordSource",
    "RecordingHeader",
    "RecordingReader",
    "RecordingWriter",
    "TimestampGuard",
    "describe_damage",
    "detect_format",
    "open_recording",
    "open_source",
    "read_records",
    "seconds_text_to_ns",
]
