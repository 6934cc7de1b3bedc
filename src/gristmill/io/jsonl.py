"""JSON Lines in and out, plain or compressed with gzip or zstd."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import BinaryIO

import orjson

from gristmill.document import Document, json_bytes
from gristmill.errors import InputError
from gristmill.io.base import Reader, ReadSink
from gristmill.io.compression import (
    Damage,
    open_write,
    read_chunks,
    read_lines,
    report_damages,
    set_aside_reason,
)
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
        would be read as inexact floats and cannot be written back, quarantine their record. Lines a
        compressed member that fails its checksum decoded to are set aside, and reading goes on past
        damage (docs/inputs.md); a file that is one JSON array raises ``InputError``.
        """
        stem = self.options.stem_of(path)
        damages: list[Damage] = []
        chunks = read_chunks(path, sink.progress, damages, hold=True)
        damaged = _DamagedLines(damages)
        first: tuple[int, bytes] | None = (
            None  # a first line opening an array: one JSON array, or a bad line?
        )
        looked = False  # whether the first line that is not blank was looked at
        for number, line in enumerate(read_lines(chunks), start=1):
            touching, after = damaged.touching(len(line))
            if touching:
                # Its bytes up to the damage are not all those written; those after it, from the next
                # member, start a line (a writer that ends members at line ends loses no line to a gap).
                head, line = line[:after], line[after:]
                if head.strip() and not damaged.stand_for(touching):
                    sink.quarantine(path, f"line {number}", set_aside_reason(touching[0]), head)
                    for damage in touching:
                        damage.set_aside += damage.suspect_from is not None
            elif number == 1 and line.startswith(_BOM):
                line = line[len(_BOM) :]
            if not line.strip():
                continue
            if not looked:
                looked = True
                if line.lstrip().startswith(b"["):
                    first = (number, line)
                    continue
            if first is not None:
                _refuse_one_array(path, first[1], line)
                yield from self._document(path, sink, stem, *first)
                first = None
            yield from self._document(path, sink, stem, number, line, after_damage=bool(touching))
        if first is not None:
            _refuse_one_array(path, first[1], None)
            yield from self._document(path, sink, stem, *first)
        report_damages(path, sink, damages)

    def _document(
        self, path: str, sink: ReadSink, stem: str, number: int, line: bytes, after_damage: bool = False
    ) -> Iterator[Document]:
        """Yield the line's document, or quarantine the line with the reason it is none."""
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            problem = _json_problem(line, exc)
            if after_damage:
                problem += (
                    " (it follows damaged bytes: the end of a line they cut, where a member ends mid-line)"
                )
            sink.quarantine(path, f"line {number}", problem, line)
            return
        try:
            scanned = line.translate(_SCAN)
            nested = scanned.count(b"[") > MAX_DEPTH
            doc = document_from_record(record, f"{stem}/{number}", self.options, nested=nested)
            if _LONG_RUN in scanned:  # after the depth check: json.loads recurses
                _check_integers(line)
        except RecordError as exc:
            sink.quarantine(path, f"line {number}", str(exc), line)
            return
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


class _DamagedLines:
    """Which lines damage touched: a gap cut them, or a member that failed its checksum decoded them.

    Lines are told in order by their length. The entry of a damage that cut bytes out
    (``report_damages``) stands for the first line it touched, so that every line counts once; each
    line of a member that failed its checksum, whole, has an entry of its own, with its text.
    """

    def __init__(self, damages: list[Damage]) -> None:
        self._damages = damages
        self._first = 0  # the first damage a line from here on may touch
        self._start = 0  # where the next line starts in the decompressed stream
        self._stood_for: set[int] = set()

    def touching(self, length: int) -> tuple[list[Damage], int]:
        """The damages that touch the next line, and where in it the bytes after them begin.

        ``length`` is the line's, without its line end.
        """
        start = self._start
        self._start = stop = start + length + 1
        damages = self._damages
        if not damages:
            return [], 0
        while self._first < len(damages) and damages[self._first].output <= start:
            self._first += 1
        touching = [
            damage
            for damage in damages[self._first :]
            if start < damage.output
            and (damage.output if damage.suspect_from is None else damage.suspect_from) < stop
        ]
        return touching, max((damage.output - start for damage in touching), default=0)

    def stand_for(self, touching: list[Damage]) -> bool:
        """Whether an entry of one of ``touching`` stands for this line (else it needs its own)."""
        gaps = [damage for damage in touching if damage.suspect_from is None]
        fresh = [damage for damage in gaps if id(damage) not in self._stood_for]
        self._stood_for.update(id(damage) for damage in gaps)
        return bool(fresh)


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
    if "surrogate" in exc.msg:  # orjson's "no low surrogate in string" does not say what to look for
        escape = line.decode("utf-8")[exc.pos : exc.pos + 6]
        return (
            f"a lone UTF-16 surrogate {escape} at column {exc.colno}: half of a pair, no character on its own"
            " (UTF-8 cannot hold it): write the whole pair, or \\ufffd"
        )
    problem = f"invalid JSON: {exc.msg} at column {exc.colno}"
    if b"\r" in line.rstrip(b"\r"):
        problem += (
            "; the line holds CR line ends: lines that end in CR alone (old Mac files) are one line to "
            "JSON Lines, which ends lines with LF"
        )
    return problem


def _refuse_one_array(path: str, first: bytes, second: bytes | None) -> None:
    """Raise ``InputError`` where the file is one JSON array of records rather than JSON Lines.

    Its first line (``first``) opens an array: the whole array, as the file's only line, or ``[`` or
    the array's start where the array is written over many lines, of which ``second`` is no JSON
    either (``{``, or a record with its comma). Otherwise it is a bad line of JSON Lines.
    """
    try:
        whole = isinstance(orjson.loads(first), list) and second is None
    except orjson.JSONDecodeError:
        whole = second is not None and not _is_json(second)
    if whole:
        raise InputError(
            f"{path}: the file is one JSON array, not JSON Lines (a JSON object a line); write it out "
            "as JSON Lines, as `jq -c '.[]'` does"
        )


def _is_json(line: bytes) -> bool:
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True


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
        self._out.write(json_bytes(record, option=orjson.OPT_APPEND_NEWLINE))

    def close(self) -> None:
        """Finish the file."""
        self._out.close()
