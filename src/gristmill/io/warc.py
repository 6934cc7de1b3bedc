"""WARC and WET files: response, resource and conversion records become documents."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, ClassVar

from fastwarc import ArchiveIterator, WarcRecordType

from gristmill.document import Document
from gristmill.errors import BrokenInputError, InputError, TruncatedInputError
from gristmill.io.base import Reader, ReadSink
from gristmill.io.compression import (
    ChunkStream,
    Damage,
    damage_reason,
    file_compression,
    read_chunks,
    report_damages,
    set_aside_reason,
    suspect_damage,
)
from gristmill.io.http_body import decode_http_body
from gristmill.io.schema import FieldType
from gristmill.io.warc_native import (
    CONTENT_LENGTH,
    DOCUMENT_RECORDS,
    LENIENT,
    MAX_HEADER,
    MAX_HTTP_HEAD,
    WARC_VERSION,
    block_as_written,
    declared_length,
    length_value,
    native_compression,
    native_documents,
    one_header,
    swallowing,
    swallows,
)
from gristmill.text.charset import reader_decoding

_TEXT_TYPES = ("text/", "application/xhtml", "application/xml", "application/json", "message/")


class WarcReader(Reader):
    """Reads WARC/WET files (plain, ``.gz`` or ``.zst``) with fastwarc, one document per record.

    The HTTP body stays in ``Document.raw`` for the extract step; ``text`` holds it decoded with the
    charset the server declared (UTF-8 otherwise), or is empty for a payload that is not text; the
    codec used is in ``Document.raw_decoded``, so that extract need not decode the body again.
    """

    format = "warc"
    extensions = (".warc", ".wet", ".arc")
    meta_fields: ClassVar[dict[str, FieldType]] = {
        "url": "str",
        "warc_record_id": "str",
        "warc_type": "str",
        "warc_date": "str",
        "warc_file": "str",
        "content_type": "str",
        "charset": "str",
        "http_status": "int",
        "warc_repaired": "str",
    }

    def read(self, path: str, sink: ReadSink) -> Iterator[Document]:
        """Yield a document per response, resource or conversion record.

        A local plain or gzip file is read natively by fastwarc while it proves well formed
        (``gristmill.io.warc_native``); otherwise, and from where that stops, as follows.
        fastwarc reads a well-formed file. Each record must end where the next one starts (its
        header as written plus ``Content-Length`` bytes plus CRLF CRLF); fastwarc itself skips
        silently over bytes a wrong ``Content-Length`` leaves behind, and reads a record cut short as
        if whole. Where a record does not fit, or fastwarc cannot parse one (LF line ends: hand-made
        WETs), the file is read again by a lenient parser that splits records at their ``WARC/1.x``
        lines, and the documents from that record on come from it; so too from a record whose
        ``Content-Length`` is too long by exactly the records after it (which fastwarc reads as its
        body): the lenient parser cuts it where its page ends and reads them on their own (see
        :func:`gristmill.io.warc_native.swallowed`). Compressed bytes that do not
        decode are skipped to the next gzip member (one per record, as crawlers write them) and
        quarantined with their offset; the last damage is raised as ``BrokenInputError`` once every
        record after it has been read, so the run reports the file as damaged.
        """
        name = self.options.name_of(path)  # the file as documents name it: relative to the input root
        skip = 0
        compression = native_compression(path)
        if compression is not None:
            told = _Told(sink)
            done = yield from native_documents(path, name, _document, told.progress, compression)
            if done is None:
                return
            skip, sink = done, _AfterProgress(sink, told.nbytes)
        yield from _careful_read(path, sink, name, skip)

    def holds_other_records(self, path: str) -> bool:
        """Whether the file holds a WARC record at all (requests, metadata: kinds that are no documents)."""
        return any(data.startswith(b"WARC/") for _, data, _, _ in _records(path, []))


def _careful_read(path: str, sink: ReadSink, name: str, skip: int = 0) -> Iterator[Document]:
    """Read ``path`` through gristmill's own decompression, checking where every record starts.

    The first ``skip`` documents were yielded already (by the native path): they are counted, not
    yielded again, and not withdrawn whatever is found after them.
    """
    passed = _Passed()
    damages: list[Damage] = []
    told = _Told(sink)  # the lenient parser, reading the file again, reports only the bytes past these
    chunks = read_chunks(path, told.progress, damages)
    stream = ChunkStream(chunks, history=_HISTORY)
    records = ArchiveIterator(
        stream,
        parse_http=True,
        auto_decode="none",  # the body is decoded in _document: fastwarc then reads no further
        stream_detect=False,
        fsspec_args=False,
        max_header_len=MAX_HTTP_HEAD,
    )
    yielded = 0
    pending: Document | None = None
    pending_span = (0, 0)  # where the pending record lies in the decompressed stream
    expected_start = 0
    suspect = False  # whether the careful read stopped at a member that failed its checksum, not a record
    while True:
        try:
            record = next(records, None)
            if record is None:
                if stream.tell() + 4 < expected_start:  # the last record was cut short
                    break
                if not _only_blank_after(stream, expected_start):
                    # Bytes after the last record fastwarc gave: it stopped early (a body sent as
                    # chunked that is not, which it reads to the end of the stream), or junk follows.
                    # Read them leniently.
                    break
                if pending is not None and yielded >= skip:
                    if suspect_damage(damages, *pending_span) is not None:
                        suspect = True
                        break
                    passed.spans.append(pending_span)
                    yield pending
                report_damages(path, sink, damages, partial(_damage_reason, passed=passed))
                return
            header = _header_length(stream, record.stream_pos)
            unknown = record.record_type == WarcRecordType.unknown
            if unknown or record.stream_pos != expected_start or header is None:
                break
            expected_start = record.stream_pos + header + declared_length(record, record.content_length) + 4
            block_start, declared = record.stream_pos + header, declared_length(record)
            block = partial(stream.recent, block_start)
            if declared > _HISTORY // 2:  # its HTTP head is no longer kept once its long body is read
                block = partial(
                    _kept_first, stream.recent(block_start, declared - record.content_length), block
                )
            # Read whatever its type: a request's or a metadata record's length may take in the responses
            # after it, as a document's may.
            body = record.reader.read()
            taking_in = swallows(record, body, block)  # its length takes in the records after it
            if not record.record_type & DOCUMENT_RECORDS:
                if taking_in:
                    break  # the lenient parser takes them apart
                continue
            written = LENIENT if taking_in else block_as_written(record, body, block)
        except InputError:
            raise
        except OSError:
            break
        if pending is not None:
            if yielded >= skip:
                if suspect_damage(damages, *pending_span) is not None:
                    suspect = True
                    break  # the lenient parser sets it aside, counted
                passed.spans.append(pending_span)
                yield pending
            yielded += 1
            pending = None
        if written == LENIENT:
            break  # the lenient parser reads it
        pending = _document(name, record, body, written)
        pending_span = (record.stream_pos, expected_start)
    # The pending document was not yielded here, but the native path may have yielded it already.
    if not suspect:  # its record, or where the next was expected: the first not shown whole by the next
        passed.unparsed = pending_span[0] if pending is not None else expected_start
    chunks.close()  # a decoder tells the bytes it read but has not told yet as it closes: told first
    after = _AfterProgress(sink, told.nbytes)
    yield from _lenient_read(path, after, skip=max(yielded, skip), name=name, passed=passed)


# How far back the stream keeps what it read: fastwarc reads ahead of the record it hands out (by as
# much as an HTTP head it takes, after the record's WARC header).
_HISTORY = 2 * MAX_HTTP_HEAD


def _kept_first(kept: bytes, recent: Callable[[int], bytes], size: int) -> bytes:
    """The first ``size`` bytes of a block, as far as they are at hand.

    From ``kept`` (its HTTP head, kept before its body was read) where that is enough, else from
    ``recent`` (the stream's history).
    """
    return kept[:size] if size <= len(kept) else recent(size)


class _Told:
    """A sink's progress, counted: how much the native path reported before it gave up."""

    def __init__(self, sink: ReadSink) -> None:
        self.sink = sink
        self.nbytes = 0

    def progress(self, nbytes: int) -> None:
        """Pass ``nbytes`` on to the sink and count them."""
        self.nbytes += nbytes
        self.sink.progress(nbytes)


class _AfterProgress:
    """A sink whose first ``nbytes`` of progress were already reported (by the native path)."""

    def __init__(self, sink: ReadSink, nbytes: int) -> None:
        self.sink = sink
        self.told = nbytes

    def quarantine(
        self, path: str, where: str, reason: str, excerpt: bytes | str = b"", records: int = 1
    ) -> None:
        """Quarantine as the wrapped sink does."""
        self.sink.quarantine(path, where, reason, excerpt, records)

    def progress(self, nbytes: int) -> None:
        """Report only the bytes past those already reported."""
        skipped = min(nbytes, self.told)
        self.told -= skipped
        if nbytes > skipped:
            self.sink.progress(nbytes - skipped)


class _Passed:
    """Where the records of the documents a read passed on lie in the decompressed stream.

    A compressed member's checksum is checked at its end: a member larger than a record (a whole
    file gzipped as one) has passed its documents on by then, and its damage is told against them.
    ``unparsed`` is where the careful parser gave the file to the lenient one, if it did.
    """

    def __init__(self) -> None:
        self.spans: list[tuple[int, int]] = []
        self.unparsed: int | None = None


def _cut_by(damage: Damage, start: int, end: int, previous: int | None) -> bool:
    """Whether ``damage`` may have cut short the record of stream bytes ``start`` to ``end``.

    It falls inside the record or at its end; but a record that filled the member before the damaged
    one, which gave no byte, ended with its own member where the record before it (from ``previous``)
    filled the member before that: one member per record, as crawlers write them. It was cut short
    before the damage, and is named apart from it. (A writer may put a record's header and block in
    members of their own: there the record before fills two, and the damage stands for this one. A
    file's first record has none before it, and is taken as written one member per record.)
    """
    if not start < damage.output <= end:
        return False
    before = damage.members_before
    own_member = end == damage.output == damage.member_output and before[-1:] == (start,)
    record_before_own = previous is None or before[-2:-1] == (previous,)
    return not (own_member and record_before_own)


def _damage_reason(damage: Damage, passed: _Passed) -> str:
    """:func:`damage_reason`; of a member that failed its checksum after passing documents on, how many."""
    if damage.cut or damage.suspect_from is None:
        return damage_reason(damage)
    gave = [start for start, end in passed.spans if start < damage.output and damage.suspect_from < end]
    if not gave:
        return damage_reason(damage)
    said = (
        f"{damage.detail}: the compressed member at bytes {damage.member_start} to {damage.end} failed its"
        f" checksum at its end, after the {len(gave)} documents read from it were passed on: they may hold"
        " damaged text"
    )
    unparsed = passed.unparsed
    if unparsed is not None and damage.suspect_from <= unparsed < damage.output:
        later = sum(start >= unparsed for start in gave)
        said += (
            f" (records stopped parsing at decompressed byte {unparsed:,}, where the damage likely begins:"
            f" the {later} documents from there on, with meta.warc_repaired set, are the likeliest damaged)"
        )
    return said


def _only_blank_after(stream: ChunkStream, start: int) -> bool:
    """Whether the stream holds nothing but blank lines from ``start`` (a record's end) to its end.

    Reads what is left of it (nothing, once a parser read it all); what the parser read past
    ``start`` is still in the stream's history.
    """
    if start > stream.tell():
        return False
    tail = stream.recent(start, _HISTORY)
    if len(tail) < stream.tell() - start:  # no longer kept: more than a few blank lines anyway
        return False
    while chunk := stream.read(1 << 16):
        if chunk.strip():
            return False
    return not tail.strip()


def _header_length(stream: ChunkStream, start: int) -> int | None:
    """Bytes of the WARC header block at ``start`` as written (version line to blank line), or None."""
    head = stream.recent(start, MAX_HEADER)
    end = head.find(b"\r\n\r\n")
    if not head.startswith(b"WARC/") or end < 0 or not one_header(head[: end + 2]):
        return None
    return end + 4


def _document(path: str, record: Any, body: bytes, block: bytes | None = None) -> Document:
    if block is not None:  # fastwarc misread its HTTP head: the block is read as written
        fields: dict[str, str] = {}
        for key, value in record.headers.items():
            fields.setdefault(key.strip().lower(), value.strip())  # the first, as fastwarc reads it
        return _lenient_document(path, record.stream_pos, fields, block, len(block), _LF_HEAD)
    headers = record.headers
    record_id = (record.record_id or "").strip().strip("<>")  # a folded value keeps its space
    url = (headers.get("WARC-Target-URI") or "").strip().strip("<>")
    decoding = ""
    if record.is_http:
        http = record.http_headers
        # Present, not merely set: an empty first value may come before "chunked".
        if http is not None and ("Transfer-Encoding" in http or "Content-Encoding" in http):
            transfer, content = _listed(http, "transfer-encoding"), _listed(http, "content-encoding")
            body, decoding = decode_http_body(body, transfer, content)
        content_type = record.http_content_type or ""
        charset = record.http_charset
        status = http.status_code if http is not None else None
    else:
        content_type = (headers.get("Content-Type") or "").split(";", 1)[0].strip()
        charset = None
        status = None
    meta: dict[str, Any] = {
        "url": url,
        "warc_record_id": record_id,
        "warc_type": headers.get("WARC-Type") or "",
        "warc_date": headers.get("WARC-Date") or "",
        "warc_file": path,
        "content_type": content_type,
    }
    if decoding:
        meta["warc_repaired"] = decoding
    return _finish(meta, charset, status, body, record_id or f"{path}@{record.stream_pos}")


_LF_HEAD = "lines of its HTTP header end in LF alone: read as written"


def _listed(headers: Any, name: str) -> str:
    """Every value of header ``name`` (lower case), joined by commas: a repeated header is one list."""
    return ", ".join(value for key, value in headers.items() if key.lower() == name)


def _finish(
    meta: dict[str, Any], charset: str | None, status: int | None, body: bytes, doc_id: str
) -> Document:
    # As the server wrote it, but for case and quotes: every reading path names it the same.
    charset = (charset or "").strip().strip("\"'").lower() or None
    if charset:
        meta["charset"] = charset
    if status is not None:
        meta["http_status"] = status
    content_type = meta["content_type"]
    if content_type and not content_type.lower().startswith(_TEXT_TYPES):
        return Document(id=doc_id, text="", meta=meta, raw=body)
    try:
        text, decoded = reader_decoding(body, charset or "utf-8")
    except (LookupError, ValueError):  # no such codec; a name holding NUL raises ValueError
        text, decoded = reader_decoding(body, "utf-8")
    return Document(id=doc_id, text=text, meta=meta, raw=body, raw_decoded=decoded)


# A record starts at a version line, or at a version glued to the end of a line (the record before
# was cut short mid-line) when WARC header fields follow it.
_VERSION_LINE = re.compile(rb"(?m)^WARC/1\.[01]\r?$|WARC/1\.[01]\r?\n(?=WARC-[\w-]+:)")
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_DOC_TYPES = {"response", "resource", "conversion"}
_OTHER_TYPES = {"warcinfo", "request", "metadata", "revisit", "continuation"}  # WARC 1.1's others
# HTTP headers whose repeats make one list (RFC 9110 5.3), as the body's decoding reads them.
_LISTED = ("transfer-encoding", "content-encoding")
_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)


def _split_records(chunks: Iterator[bytes]) -> Iterator[tuple[int, bytes, bool]]:
    """Split a decompressed stream into records: (offset, record bytes, whether its length held).

    A record whose ``Content-Length`` holds (its block is followed by the next version line, after
    line ends or none, or by the stream's end) is taken whole, whatever its bytes hold: a WET record of a page
    that shows a WARC record, a response serving a WARC file, a URL ending in ``/WARC/1.0``. fastwarc
    reads such a record as one, and the paths before this one counted it so. Any other record ends
    at the next ``WARC/1.x`` line. Each byte is searched once for version lines, so a record spread
    over many chunks costs time in its size, not its square.
    """
    buffer = bytearray()
    base = 0  # stream offset of buffer[0]
    searched = 0  # buffer offset up to which no version line starts (but at 0)
    held: int | None = None  # the declared end of the record at buffer[0], while more bytes must come
    untrusted = False  # the record at buffer[0] does not end where its length says
    no_stop = 0  # stream offset up to which no header ends (nor version line opens a line)
    head: re.Match[bytes] | None = None  # where the header of the record at buffer[0] ends, once found
    blank = 0  # buffer offset up to which the bytes after its block were found blank

    def cut(end: int, whole: bool) -> tuple[int, bytes, bool]:
        nonlocal base, searched, held, untrusted, head, blank
        piece = (base, bytes(buffer[:end]), whole)
        del buffer[:end]
        base += end
        searched, held, untrusted, head, blank = 0, None, False, None, 0
        return piece

    def header_stop() -> re.Match[bytes] | None:
        # Each byte is searched about once however many pieces start before it (a chain of stubs).
        nonlocal no_stop
        start = max(0, no_stop - base - 16)  # a stop may straddle where the last search ended
        found = _HEADER_STOP.search(buffer, start, MAX_HEADER)
        if found is None:
            no_stop = base + min(len(buffer), MAX_HEADER)
        return found

    final = False
    for chunk in itertools.chain(chunks, [None]):
        if chunk is None:
            final = True
        else:
            buffer += chunk
        while buffer:
            if buffer.startswith(b"WARC/") and not untrusted:
                if held is None or len(buffer) >= held or final:
                    head = head or header_stop()
                    ends = _declared_end(buffer, final, head, blank)
                    if isinstance(ends, tuple):
                        held, blank = ends
                    elif ends is None:
                        untrusted = True
                    else:
                        yield cut(ends, True)
                        continue
                if not untrusted:
                    break  # wait for the bytes that tell
            found = _VERSION_LINE.search(buffer, max(1, searched - 64))
            if found is not None:
                yield cut(found.start(), False)
            elif final:
                if buffer.strip():
                    yield cut(len(buffer), False)
                buffer.clear()
            else:
                searched = len(buffer)
                if len(buffer) > _MAX_JUNK and not buffer.startswith(b"WARC/"):
                    yield cut(len(buffer), False)
                break


def _declared_end(
    buffer: bytearray, final: bool, head: re.Match[bytes] | None, blank: int = 0
) -> int | tuple[int, int] | None:
    """Where the record at ``buffer[0]`` ends by its ``Content-Length``, if it holds; None if not.

    ``head``: where its header ends (:data:`_HEADER_STOP` in the first :data:`MAX_HEADER` bytes);
    ``blank``: how far the bytes after its block are known blank (from an earlier call). A 2-tuple:
    the length ``buffer`` must reach before this can be told, and how far it is blank. The header must be one
    record's (:func:`one_header`: else it is a record cut inside its header, run into the next), and
    the block be followed by a version line (after any blank lines, which may hold spaces and tabs)
    or the stream's end.
    """
    if head is None:
        return (len(buffer) + 1, 0) if not final and len(buffer) < MAX_HEADER else None
    if head.group().lstrip().startswith(b"WARC/") or not one_header(bytes(buffer[: head.end()])):
        return None  # a version line opens a line of the header: a stub, run into the next record
    length = CONTENT_LENGTH.search(buffer, 0, head.start())
    if length is None or int(length.group(1)) > _MAX_TRUSTED:
        return None
    end = head.end() + int(length.group(1))
    start = max(end, blank)
    run = _BLANK.match(buffer, start, end + _MAX_GAP)
    gap = run.end() if run else start  # where the next record must start
    version = len(b"WARC/1.0\r\n")
    # No more bytes than it takes to tell: a damage found further on must not reach back to this one.
    if not final and len(buffer) < gap + version:
        return (gap + version, gap) if gap <= end + _MAX_GAP else None
    # The next record may follow with no blank lines: fastwarc reads the two so too.
    if WARC_VERSION.match(buffer, gap):
        return gap
    if final and gap == len(buffer):
        return len(buffer)
    return None


# A header's end, or a version line opening one of its lines (whichever comes first).
_HEADER_STOP = re.compile(rb"\r?\n\r?\n|\nWARC/1\.[01]\r?\n")
# A declared length over this is not waited for: a damaged one would hold that much of what follows.
_MAX_TRUSTED = 1 << 25
# Blank lines after a block, as fastwarc skips them (spaces, tabs and form feeds too), up to a bound.
_BLANK = re.compile(rb"[ \t\r\n\x0b\x0c]+")
_MAX_GAP = 1 << 20
_LINE_END = re.compile(r"\r?\n")
_MAX_JUNK = 1 << 20
# A record whose version line was damaged: a short line, then header fields with a WARC-Type among
# them; inside a record, after the blank lines that end the record before it.
_DAMAGED_HEAD = rb"([^\r\n]{1,16})\r?\n(?=(?:[^\r\n]+\r?\n){0,30}?WARC-Type:)"
_DAMAGED_FIRST = re.compile(rb"\A" + _DAMAGED_HEAD)
_DAMAGED_INSIDE = re.compile(rb"\r?\n\r?\n" + _DAMAGED_HEAD)
_VERSION = b"WARC/1.0\r\n"


def _records(
    path: str,
    damages: list[Damage],
    progress: Callable[[int], None] | None = None,
    take_apart: Callable[[], bool] | None = None,
) -> Iterator[tuple[int, bytes, str, int | None]]:
    """The stream's records, (offset, bytes, repair note, block length), with glued records taken apart.

    ``progress`` is told the compressed bytes read, as :func:`read_chunks` tells them.

    A record whose version line is damaged is no split point, so it ends up inside the record before
    it; it is cut off at its header fields and read on its own, tagged with what its line said.
    Where ``take_apart()`` says so when a record comes, one whose ``Content-Length`` takes in the
    records after it is cut, and they are read on their own (:func:`_taken_apart`); its block's
    length is then given (else None: the one its header declares).
    """
    compressed = file_compression(path) != "none"
    for offset, data, whole in _split_records(read_chunks(path, progress, damages)):
        if whole:  # its length held: nothing is glued to it, but it may hold the records after it
            if take_apart is not None and take_apart():
                yield from _taken_apart(offset, data, compressed)
            else:
                yield offset, data, "", None
            continue
        base, note = offset, ""  # base: the stream offset of data[0]
        found = None if data.startswith(b"WARC/") else _DAMAGED_FIRST.match(data)
        while True:
            if found is not None:
                note = f"its version line was damaged: {found.group(1).decode('utf-8', 'backslashreplace')!r}"
                offset = base + found.start(1)
                base += found.end() - len(_VERSION)
                data = _VERSION + data[found.end() :]
            parts = _BLANK_LINE.split(data, maxsplit=1)
            if not data.startswith(b"WARC/") or len(parts) < 2:
                break
            found = _DAMAGED_INSIDE.search(data, len(data) - len(parts[1]))
            if found is None:
                break
            yield offset, data[: found.start(1)], note, None
        yield offset, data, note, None


def _taken_apart(offset: int, data: bytes, compressed: bool) -> Iterator[tuple[int, bytes, str, int | None]]:
    """The record ``data``, whose length holds, and those its block holds, as :func:`_records` gives them.

    A record whose ``Content-Length`` is too long by exactly the records after it holds them as its
    block (:func:`gristmill.io.warc_native.swallowed` tells them apart from a page that quotes records):
    it is cut where its block ends, and each record it took in is read on its own, and may take in
    more. Each says so.
    """
    todo = [(offset, data, "")]
    while todo:
        offset, data, note = todo.pop()
        found = swallowing(data)
        if found is None:
            yield offset, data, note, None
            continue
        declared, start, (end, starts, told) = found
        taken = "record" if len(starts) == 1 else f"{len(starts)} records"
        cut = (
            f"Content-Length says {declared} bytes, which took in the {taken} after it: "
            f"cut to {end - start} bytes, {_CUT_WHERE[told]}"
        )
        yield offset, data[: starts[0]], f"{note}; {cut}" if note else cut, end - start
        note = (
            f"taken in by the record at {_place(offset, compressed)}, whose Content-Length was too long: "
            "read on its own"
        )
        ends = [*starts[1:], len(data)]
        pieces = [(offset + start, data[start:end], note) for start, end in zip(starts, ends, strict=True)]
        todo.extend(reversed(pieces))


_CUT_WHERE = {
    "http length": "where its HTTP Content-Length ends the page",
    "record start": "where the first of them starts",
    "block digest": "where its WARC-Block-Digest says its block ends",
}


def _place(offset: int, compressed: bool) -> str:
    """Where a record lies: offsets are in the decompressed stream, in a compressed file no file position."""
    return f"decompressed byte {offset}" if compressed else f"byte {offset}"


def _lenient_read(
    path: str, sink: ReadSink, skip: int, name: str, passed: _Passed | None = None
) -> Iterator[Document]:
    """Read ``path`` record by record at its version lines, skipping the first ``skip`` documents.

    ``name`` is the file as its documents name it; ``passed`` holds the careful read's documents.
    """
    passed = passed or _Passed()
    seen = 0
    previous: int | None = None  # where the record before the one at hand began
    current: int | None = None  # where the one at hand began
    damages: list[Damage] = []
    # A record cut short: (offset, reason, bytes, whether it counts as a document set aside); what it
    # means is known once the next record comes, or the file ends.
    held: tuple[int, str, bytes, bool] | None = None
    compressed = file_compression(path) != "none"

    where = partial(_place, compressed=compressed)
    junk: list[tuple[int, bytes]] | None = []  # bytes before the first record; None once one is found

    def take_apart() -> bool:
        # A record counted as one document by the path before this one is never taken apart here: that
        # path handed over those it found so (before counting them), and the counts must agree.
        return seen >= skip

    for offset, data, note, length in _records(path, damages, sink.progress, take_apart):
        if not data.startswith(b"WARC/"):
            if junk is not None:
                junk.append((offset, data[:200]))
            elif data.strip():
                sink.quarantine(path, where(offset), "bytes that are not a WARC record", data[:200])
            continue
        if junk:
            for at, excerpt in junk:
                if excerpt.strip():
                    sink.quarantine(path, where(at), "bytes that are not a WARC record", excerpt)
        junk = None
        previous, current = current, offset
        parts = _BLANK_LINE.split(data, maxsplit=1)
        fields = _header_fields(parts[0].decode("utf-8", "replace"))
        headers = {key: values[0] for key, values in fields.items()}  # the first, as fastwarc reads it
        types = [value.lower() for value in fields.get("warc-type", [])]
        if held is not None:  # a record follows the one cut short: the file goes on, so it is damage
            at, reason, cut, counted = held
            if counted:
                sink.quarantine(path, where(at), reason, cut)
                _set_aside_from(damages, at, at + len(cut))
            held = None
        warc_type = headers.get("warc-type", "").lower()  # fastwarc reads "Response" as a response too
        body = parts[1] if len(parts) > 1 else b""
        declared = length_value(headers.get("content-length", "").removeprefix("+"))
        if length is not None:  # it took in the records after it, now read on their own
            declared = length
        # A member that failed its checksum cut no bytes out: its records are set aside below, each.
        gaps = [d for d in damages if d.suspect_from is None]
        if any(_cut_by(d, offset, offset + len(data), previous) for d in gaps) and (
            declared is None or len(body) < declared
        ):
            continue  # a record that damage cut short is quarantined with the damage, not twice
        if len(set(types)) > 1:  # which is it? It may have been a document: set aside, said
            sink.quarantine(
                path, where(offset), f"a record of two WARC types: {', '.join(types)}", data[:200]
            )
            _set_aside_from(damages, offset, offset + len(data))
            continue
        if len(parts) < 2:
            # Cut inside its header. Never counted among the documents fastwarc gave: it may have read
            # this stub and the next record as one. Set aside (a document, or of no known type) or
            # passed over (another type), and the file's own end if nothing follows.
            counted = warc_type not in _OTHER_TYPES  # a document, or a type cut off mid-word
            held = (offset, "record cut short inside its header", data, counted)
            continue
        if warc_type not in _DOC_TYPES:
            if warc_type not in _OTHER_TYPES:  # damaged: it may have been a document
                sink.quarantine(
                    path,
                    where(offset),
                    f"a record of no WARC type: WARC-Type {headers.get('warc-type', '')!r}",
                    data[:200],
                )
                _set_aside_from(damages, offset, offset + len(data))
            elif declared is not None and len(_without_separator(body, declared)) < declared:
                held = (offset, f"{warc_type} record cut short", data, False)
            continue
        if (
            declared is not None
            and body[declared : declared + 4] == b"\r\n\r\n"
            and body[declared + 4 :].strip()
            and not (
                headers.get("content-type", "").startswith("application/http")
                and b"\r\n\r\n" not in body[:declared]
            )
        ):
            # The record ends where its Content-Length says, with its CRLF CRLF: what follows, up to
            # the next version line, is no part of it. (Unless that CRLF CRLF is where an HTTP
            # header ends: then the length counted the header alone, and the page is the record's.)
            at = offset + len(data) - len(body) + declared + 4
            sink.quarantine(path, where(at), "bytes that are not a WARC record", body[declared + 4 :][:200])
            body = body[: declared + 4]
        seen += 1
        body = _without_separator(body, declared)
        short = declared is not None and len(body) < declared
        if seen <= skip:
            if short:
                # fastwarc read this record to its declared length, into the next record's bytes.
                sink.quarantine(
                    path,
                    where(offset),
                    f"record cut short: {len(body)} of {declared} bytes (its document was read with the "
                    "next record's first bytes)",
                    data,
                )
            continue
        failed = suspect_damage(damages, offset, offset + len(data))
        if failed is not None:
            # Each record set aside from the member has an entry of its own, with its place and header:
            # the damage's entry is then a note that counts none. (Records yielded before the member's
            # end was reached stay yielded.)
            sink.quarantine(path, where(offset), set_aside_reason(failed), data[:200])
            _set_aside_from(damages, offset, offset + len(data))
            continue
        if short:  # if no record follows, the file itself was cut short
            held = (offset, f"record cut short: {len(body)} of {declared} bytes", data, True)
            continue
        passed.spans.append((offset, offset + len(data)))
        yield _lenient_document(name, offset, headers, body, declared, note)
    if held is not None:
        at, reason, data, counted = held
        if compressed or damages:  # the stream decoded whole, or its own damage is reported
            if counted:
                sink.quarantine(path, where(at), reason, data)
                _set_aside_from(damages, at, at + len(data))
        else:
            raise TruncatedInputError(path, at + len(data), f"{reason} at byte {at}; the file ends inside it")
    if junk is not None and not damages:
        raise BrokenInputError(
            path, 0, "not a WARC file (no WARC/1.0 or WARC/1.1 record; ARC files are not read)"
        )
    report_damages(path, sink, damages, partial(_damage_reason, passed=passed))


def _set_aside_from(damages: list[Damage], start: int, end: int) -> None:
    """Count a record given an entry of its own against the member that failed its checksum it lay in."""
    failed = suspect_damage(damages, start, end)
    if failed is not None:
        failed.set_aside += 1


def _header_fields(head: str) -> dict[str, list[str]]:
    """Every value of each field of a header block (WARC or HTTP) past its first line, by lower-case name.

    Lines end at LF, CR before it or not (fastwarc ends them at CRLF only, and hands a record whose
    lines end otherwise to this parser; ``str.splitlines`` would also end one at a form feed or
    U+0085, which a value may hold); a line starting with a space or tab continues the one before.
    """
    fields: dict[str, list[str]] = {}
    values: list[str] | None = None  # those of the field a folded line continues
    for line in _LINE_END.split(head)[1:]:
        if line[:1] in (" ", "\t"):
            if values:
                values[-1] = f"{values[-1]} {line.strip()}".strip()
            continue
        name, sep, value = line.partition(":")
        values = fields.setdefault(name.strip().lower(), []) if sep else None
        if values is not None:
            values.append(value.strip())
    return fields


def _without_separator(body: bytes, declared: int | None) -> bytes:
    """A record's block without the blank lines that end it (CRLF CRLF, or LF LF in hand-made files).

    Never without the record's own last line ends, which its ``Content-Length`` counts, and never with
    more than it counts when only blank lines follow (a file's trailing newlines).
    """
    whole = body
    if body.endswith(b"\r\n\r\n"):
        body = body[:-4]
    elif body.endswith(b"\n\n"):
        body = body[:-2]
    else:
        body = body.rstrip(b"\r\n")
    if declared is not None:
        if len(body) < declared <= len(whole):
            body = whole[:declared]
        elif len(body) > declared and not body[declared:].strip():
            body = body[:declared]
    return body


def _lenient_document(
    path: str, offset: int, headers: dict[str, str], body: bytes, declared: int | None, note: str = ""
) -> Document:
    record_id = headers.get("warc-record-id", "").strip("<>")
    content_type = headers.get("content-type", "").split(";", 1)[0].strip()
    block_length = len(body)
    charset = status = None
    decoding = ""
    if content_type == "application/http":
        parts = _BLANK_LINE.split(body, maxsplit=1)
        http_head = parts[0].decode("latin-1")
        body = parts[1] if len(parts) > 1 else b""
        # The first of a repeated header counts, as fastwarc reads it; the listed ones are one list.
        fields = {
            key: ", ".join(values) if key in _LISTED else values[0]
            for key, values in _header_fields(http_head).items()
        }
        content_type = fields.get("content-type", "").split(";", 1)[0].strip()
        match = _HTTP_CHARSET.search(fields.get("content-type", ""))
        charset = match.group(1) if match else None
        status_line = _LINE_END.split(http_head, maxsplit=1)[0].split()  # "HTTP/1.1 200 OK"
        status = length_value(status_line[1]) if len(status_line) > 1 else None
        body, decoding = decode_http_body(
            body, fields.get("transfer-encoding"), fields.get("content-encoding")
        )
    meta: dict[str, Any] = {
        "url": headers.get("warc-target-uri", "").strip("<>"),
        "warc_record_id": record_id,
        "warc_type": headers.get("warc-type", ""),
        "warc_date": headers.get("warc-date", ""),
        "warc_file": path,
        "content_type": content_type,
        "warc_repaired": "record read by the lenient parser",
    }
    if declared is not None and declared != block_length:
        meta["warc_repaired"] = f"Content-Length says {declared} bytes, the record holds {block_length}"
    if note:
        meta["warc_repaired"] = note
    if decoding:
        meta["warc_repaired"] += f"; {decoding}"
    return _finish(meta, charset, status, body, record_id or f"{path}@{offset}")
