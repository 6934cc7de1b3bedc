"""Readers and writers: JSON Lines (plain, gzip, zstd), Parquet, WARC/WET, text and HTML files."""

from gristmill.io.base import Reader, ReaderOptions, ReadSink
from gristmill.io.files import HtmlFileReader, TextFileReader
from gristmill.io.inputs import READERS, InputSpec, Shard, format_of, reader_for
from gristmill.io.jsonl import JsonlReader, JsonlWriter
from gristmill.io.outputs import OutputSpec, Writer, open_writer
from gristmill.io.parquet import ParquetReader, ParquetWriter
from gristmill.io.warc import WarcReader

__all__ = [
    "READERS",
    "HtmlFileReader",
    "InputSpec",
    "JsonlReader",
    "JsonlWriter",
    "OutputSpec",
    "ParquetReader",
    "ParquetWriter",
    "ReadSink",
    "Reader",
    "ReaderOptions",
    "Shard",
    "TextFileReader",
    "WarcReader",
    "Writer",
    "format_of",
    "open_writer",
    "reader_for",
]
