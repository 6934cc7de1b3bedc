"""JSON Lines in and out, plain or compressed with gzip or zstd."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import BinaryIO

import orjson

from gristmill.document import Document
from gristmill.io.base import Reader, ReadSink
from gristmill.io.compression import open_write, read_chunks, read_lines
from gristmill.io.records import MAX_DEPTH, RECORD_FIELDS, RecordError, document_from_record
from gristmill.io.schema import Schema


class JsonlReader(Reader):
    """Reads one JSON object per line (``.jsonl``, ``.json``, with ``.gz`` or ``.zst``).

    ``meta`` and ``metadata`` are merged, ``meta`` winning on a clash (see ``document_from_record``).
    """

    format = "jsonl"
    extensions = (".jsonl", ".json", ".ndjson")
    meta_fields = RECORD_FIELDS
    has_fields = True

    def read(self, path: str, sink: ReadSink) -> Iterator[Document]:
        """Yield a document per line; quarantine lines that are not UTF-8 JSON documents.

        A UTF-8 byte order mark at the start of the file is skipped. Integers beyond 64 bits, which
        would be read as inexact floats and cannot be written back, quarantine their record.
        """
        stem = self.options.stem_of(path)
        for number, line in enumerate(read_lines(read_chunks(path, sink.progress)), start=1):
            if number == 1 and line.startswith(_BOM):
                line = line[len(_BOM) :]
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                sink.quarantine(path, f"line {number}", _json_problem(line, exc), line)
                continue
            try:
                scanned = line.translate(_SCAN)
                nested = scanned.count(b"[") > MAX_DEPTH
                doc = document_from_record(record, f"{stem}/{number}", self.options, nested=nested)
                if _LONG_RUN in scanned:  # after the depth check: json.loads recurses
                    _check_integers(line)
            except RecordError as exc:
                sink.quarantine(path, f"line {number}", str(exc), line)
                continue
            yield doc

    def field_names(self, path: str, records: int) -> set[str] | None:
        """The keys of the objects among the first ``records`` lines (at most ``FIELD_LOOK`` bytes).

        Bounded whatever the file holds (one huge line, no line end at all): the look never reads more.
        """
        data = bytearray()
        lines = 0
        try:
            for chunk in read_chunks(path):
                data += chunk
                lines += chunk.count(b"\n")  # each chunk counted once, not the whole head again
                if lines >= records or len(data) >= FIELD_LOOK:
                    break
        except Exception:  # a damaged file, a dropped connection: what came before counts; the run reports it
            pass
        names: set[str] = set()
        found = False
        for line in bytes(data[:FIELD_LOOK]).removeprefix(_BOM).split(b"\n")[:records]:
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue  # not JSON, or the last line cut by the bound
            if isinstance(record, dict):
                names.update(record)
                found = True
        return names if found else None


# The most bytes :meth:`JsonlReader.field_names` reads of a file.
FIELD_LOOK = 4 << 20
_BOM = b"\xef\xbb\xbf"
# orjson reads integers in [-2**63, 2**64) exactly and turns longer ones into floats. Runs of 19
# digits and the count of brackets are found in one translated copy: bytes methods, many times
# faster than a regex.
_SCAN = bytes.maketrans(b"0123456789{", b"0000000000[")
_LONG_RUN = b"0" * 19
_INT_RANGE = range(-(2**63), 2**64)


def _check_integers(line: bytes) -> None:
    """Raise ``RecordError`` when the line holds an integer that 64 bits cannot hold."""

    def parse_int(digits: str) -> int:
        value = int(digits)
        if value not in _INT_RANGE:
            raise RecordError(f"integer {digits[:30]} is beyond the 64-bit range gristmill reads exactly")
        return value

    json.loads(line, parse_int=parse_int)


def _json_problem(line: bytes, exc: orjson.JSONDecodeError) -> str:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as bad:
        return f"invalid UTF-8 at byte {bad.start} of the line"
    return f"invalid JSON: {exc.msg} at column {exc.colno}"


class JsonlWriter:
    """Writes documents as JSON Lines; compression follows the file name.

    With a ``schema`` every document is conformed to it (the run's outputs); without, written as it
    is (the intermediate files between barriers).
    """

    def __init__(self, path: str, schema: Schema | None = None) -> None:
        self._out: BinaryIO = open_write(path)
        self._schema = schema

    def write(self, doc: Document) -> None:
        """Append one document."""
        record = doc.to_record() if self._schema is None else self._schema.record(doc)
        self._out.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))

    def close(self) -> None:
        """Finish the file."""
        self._out.close()
