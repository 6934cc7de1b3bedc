"""The fast path for well-formed local WARC files: fastwarc reads and decompresses them natively.

fastwarc raises where a record's bytes do not line up with the next record's header (a wrong
``Content-Length``, junk, corrupt gzip), but it reads a last record cut short as if whole, and its
offsets are those of gzip members, not of records. So this path accepts a file only as far as it can
prove it whole: plain files, and gzip files with one member per record (as crawlers write them), whose
last record is checked against its header by hand. Anything else (an exception, two records in one
member, a record without an id, a last record cut short, a record whose ``Content-Length`` takes in
the records after it: :func:`swallowed`) hands the file to the careful reader in
``gristmill.io.warc``, which reads it again and skips the documents already yielded.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import zlib
from collections.abc import Callable, Generator
from functools import partial
from typing import Any, NamedTuple

from fastwarc import ArchiveIterator, GzipReader, WarcRecordType

from gristmill.document import Document
from gristmill.io.compression import file_compression
from gristmill.io.storage import is_url, local_path

# The records that become documents (the careful reader's too).
DOCUMENT_RECORDS = WarcRecordType.response | WarcRecordType.resource | WarcRecordType.conversion
# The most bytes a record's header block may take (the careful reader's limit too).
MAX_HEADER = 1 << 16
# The most bytes fastwarc may take for a header block, the HTTP head included. Its own default (32 KiB)
# refuses real heads (a long Set-Cookie or Content-Security-Policy), and a refusal ends its reading of
# the file: the rest went to the lenient parser. 1 MiB is Go's HTTP servers' limit, as large as real
# servers send; over it, a head is read by the lenient parser.
MAX_HTTP_HEAD = 1 << 20
# A version and its line end: inside a header block (opening a line or glued to the end of a cut
# line), or where the next record starts (the lenient parser's check that a record's length holds).
WARC_VERSION = re.compile(rb"WARC/1\.[01]\r?\n")
# Fields a record's header holds once (a second one is the next record's, run into a cut one).
_ONCE = re.compile(rb"(?im)^(warc-type|warc-record-id)[ \t]*:")


def one_header(head: bytes) -> bool:
    """Whether the header block ``head`` (from its version line to its blank line) is one record's.

    A record cut inside its header runs into the next record's header, and fastwarc, which skips a
    header line without a colon, reads the two as one record: its stub goes uncounted. Cut before its
    ``WARC-Type`` colon, a version line is left on a line without a colon; cut later, the next
    record's version line is glued to a cut line and a ``WARC-Type`` or ``WARC-Record-ID`` field comes
    twice. A version line inside a field's value (a URL ending in ``/WARC/1.0``) is no stub: its line
    has a colon, and no field repeats.
    """
    inner = False
    for found in WARC_VERSION.finditer(head, 8):
        line_start = head.rfind(b"\n", 0, found.start()) + 1
        if b":" not in head[line_start : found.start()]:
            return False
        inner = True
    if not inner:  # a field written twice alike, with no other version line, is no stub
        return True
    names = _ONCE.findall(head)
    return len(names) == len({name.lower() for name in names})


# (file name, record, body, the block as written where fastwarc misread the record's HTTP head)
NewDocument = Callable[[str, Any, bytes, "bytes | None"], Document]


def native_compression(path: str) -> str | None:
    """The compression of ``path`` where the native path reads it (a local plain or gzip file), else None."""
    compression = None if is_url(path) else file_compression(path)
    return compression if compression in ("gzip", "none") else None


def native_documents(
    path: str, name: str, new_document: NewDocument, progress: Callable[[int], None], compression: str
) -> Generator[Document, None, int | None]:
    """Yield the documents of ``path`` while the file proves well formed.

    Returns None when the whole file was read and checked, else how many documents were yielded
    (each one whole) before the file stopped proving so: the careful reader takes over from there.
    A document is yielded only once the record after it was parsed, or the last one checked.
    ``new_document(name, record, body, block)`` builds a document as the careful reader does;
    ``compression`` is :func:`native_compression`'s answer for ``path``.
    """
    filename = local_path(path)
    gzipped = compression == "gzip"
    size = os.path.getsize(filename)
    source: Any = GzipReader(filename, fsspec_args=False) if gzipped else filename
    yielded = 0
    pending: Document | None = None
    last: Any = None  # the last record seen: (stream offset, declared length)
    reported = 0
    with open(filename, "rb") as handle:  # each record's header is read again from it
        try:
            records = ArchiveIterator(
                source,
                parse_http=True,
                auto_decode="none",
                stream_detect=False,
                fsspec_args=False,
                max_header_len=MAX_HTTP_HEAD,
            )
            for record in records:
                position = record.stream_pos
                # Offsets must grow record by record: in a gzip file, one member per record.
                if last is not None and position <= last[0]:
                    return yielded
                if record.record_type == WarcRecordType.unknown or not record.record_id:
                    return yielded
                if not _header_at(handle.fileno(), position, gzipped, record.record_id):
                    return yielded
                last = (position, declared_length(record))
                if position > reported:
                    progress(position - reported)
                    reported = position
                # Read whatever its type: a request's or a metadata record's length may take in the
                # responses after it, as a document's may (swallows).
                body = record.reader.read()
                block = partial(_block_at, handle.fileno(), position, gzipped)
                if not record.record_type & DOCUMENT_RECORDS:
                    if swallows(record, body, block):  # the careful reader hands it to the lenient parser
                        return yielded
                    continue
                if pending is not None:  # the record after it parsed: it is whole
                    yield pending
                    yielded += 1
                    pending = None
                if swallows(record, body, block):
                    return yielded
                written = block_as_written(record, body, block)
                if written == LENIENT:
                    return yielded
                pending = new_document(name, record, body, written)
        except Exception:  # any failure here means: read the file carefully instead
            return yielded
        finally:
            if gzipped:
                source.close()
    if last is not None and not _last_record_whole(filename, gzipped, *last):
        return yielded
    if pending is not None:
        yield pending
    progress(size - reported)
    return None


def swallows(record: Any, body: bytes, block: Callable[[int], bytes]) -> bool:
    """Whether the record's ``Content-Length`` takes in the records after it (:func:`swallowed`).

    The record as fastwarc reads it (:func:`swallowing` reads a record's bytes alike): ``body`` is
    what it gave as the body (past the HTTP head of an HTTP record), whose length its HTTP head's first
    ``Content-Length`` gives, unless a ``Transfer-Encoding`` makes it void. ``block(n)``: the first
    ``n`` bytes of the record's block as written, asked for (its HTTP head) only to check a
    ``WARC-Block-Digest``, where records were found after the page.
    """
    if not body:  # a request, a redirect: nothing to take in
        return False
    took = declared_length(record) - len(body)  # the bytes of its HTTP head, if any

    def head() -> bytes | None:
        written = block(took) if took > 0 else b""
        return written if len(written) == took else None  # also where no number says how many

    digest = record.headers.get("WARC-Block-Digest")
    return swallowed(body, 0, len(body), _page_length(record), digest, head) is not None


def _page_length(record: Any) -> int | None:
    """An HTTP record's page length by its HTTP head, as fastwarc reads it; None where that does not say.

    Its first ``Content-Length``, void where a ``Transfer-Encoding`` field is there.
    """
    http = record.http_headers if record.is_http else None
    if http is None or "Transfer-Encoding" in http:
        return None
    return length_value(http.get("Content-Length") or "")


def swallowing(data: bytes) -> tuple[int, int, Swallowed] | None:
    """:func:`swallows` for a record's bytes ``data`` as written, whose length holds (the lenient parser's).

    Read as fastwarc reads them: its first ``Content-Length`` and ``WARC-Block-Digest``; its block an
    HTTP message where its last field named ``Content-Type``, so spelt, says ``application/http``
    (alone, or before a ";"), its page then past its HTTP head, whose first ``Content-Length`` gives
    its length unless a ``Transfer-Encoding`` field is there. Gives its ``Content-Length``, where its
    block starts in ``data``, and what :func:`swallowed` found; None if it takes in no record.
    """
    header_end, start = _blank_line(data, 0, MAX_HEADER)
    declared = CONTENT_LENGTH.search(data, 0, header_end) if start else None
    if declared is None:
        return None
    end = start + int(declared.group(1))
    page = _page(data, header_end, start, end) if end <= len(data) else None
    if page is None:
        return None
    page_start, length = page
    digest = _BLOCK_DIGEST.search(data, 0, header_end)
    value = digest.group(1).decode("latin-1") if digest else None
    found = swallowed(data, page_start, end, length, value, lambda: data[start:page_start])
    return None if found is None else (int(declared.group(1)), start, found)


def _page(data: bytes, header_end: int, start: int, end: int) -> tuple[int, int | None] | None:
    """Where the page of the block ``data[start:end]`` starts and its length, as fastwarc reads them.

    ``header_end``: where the record's header ends. An HTTP record's page starts past its HTTP head
    (None where that has no end), and has the length :func:`_page_length` reads.
    """
    kinds = list(_CONTENT_TYPE_NAME.finditer(data, 0, header_end))
    if not kinds or _HTTP_TYPE.match(data, kinds[-1].end(), start) is None:
        return start, None
    head_end, page = _blank_line(data, start, end)
    if not page:
        return None
    if _TRANSFER_ENCODING.search(data, start, head_end) is not None:
        return page, None
    value = _HTTP_LENGTH.search(data, start, head_end)
    return page, length_value(value.group(1).decode("latin-1")) if value else None


def _blank_line(data: bytes, start: int, end: int) -> tuple[int, int]:
    """Where the first blank line (LF or CRLF, twice) in ``data[start:end]`` starts and ends; (0, 0) if none.

    The regular expression, which has no fixed first byte to look for, takes several times as long.
    """
    crlf = data.find(b"\n\r\n", start, end)
    lf = data.find(b"\n\n", start, end if crlf < 0 else crlf + 1)  # only one that starts before it
    at, size = (lf, 2) if lf >= 0 else (crlf, 3)
    if at < 0:
        return 0, 0
    return (at - 1 if at > start and data[at - 1] == 13 else at), at + size  # 13: CR


# The fields of a record's bytes that fastwarc reads so (:func:`swallowing`): a record is HTTP by its
# last field named Content-Type, so spelt, that says application/http, alone (spaces and tabs around
# it, on one line: a folded value is none) or before a ";".
_CONTENT_TYPE_NAME = re.compile(rb"(?m)^Content-Type[ \t]*:")
_HTTP_TYPE = re.compile(rb"[ \t]*application/http(?:;|[ \t]*\r?\n(?![ \t]))")
# Its HTTP head's first Content-Length, and any Transfer-Encoding, in any case.
_HTTP_LENGTH = re.compile(rb"(?im)^content-length[ \t]*:([^\r\n]*)")
_TRANSFER_ENCODING = re.compile(rb"(?im)^transfer-encoding[ \t]*:")
_BLOCK_DIGEST = re.compile(rb"(?im)^warc-block-digest[ \t]*:([^\r\n]*)")


class Swallowed(NamedTuple):
    """Where a block that holds the records after it truly ends, where they start, and what told."""

    end: int
    starts: list[int]
    told: str  # "http length": its HTTP Content-Length; "record start"; "block digest"


def swallowed(
    data: bytes,
    start: int,
    end: int,
    length: int | None,
    digest: str | None = None,
    head: Callable[[], bytes | None] = lambda: b"",
) -> Swallowed | None:
    """Where a block that holds the records after it truly ends, and where those records start.

    ``data[start:end]``: the block's page (past its HTTP head), as far as the record's own
    ``Content-Length`` reaches; ``length``: the page's bytes by its HTTP head, or None where that does
    not say. A record whose length is too long by exactly the records after it (to the file's end or
    to a later record's start, give or take the blank lines between records) holds: its block is
    those records. It is told apart from a page that quotes or serves WARC records by where they lie:
    the records must start right where the page ends (after line ends, or none), each a version line
    then a header with a ``WARC-Record-ID`` and a ``Content-Length`` that ends it at the block's end
    or at the next such record, the last at the block's end (line ends may follow). Where the HTTP
    head gives the page's length, only the bytes past it are looked at, if any: a page that does not
    run past its length is never looked into. Else a record's start is searched (CRLF CRLF, as
    records are separated, then a version), from the page's first byte; a page that starts with a
    record (a WARC file served, or written out as text) is never split.

    A page that ends in records quoted as written looks just the same. Where records are found, the
    record's ``WARC-Block-Digest`` (``digest``: SHA-1 or SHA-256, in base32 as crawlers write it,
    base16 or base64) decides where it matches. A digest of its block as declared says the record is
    whole (None: its page quotes them). One of its block cut where one of those records starts
    (before the line ends there, up to 4 bytes of them, or where the HTTP length ends the page) says
    its block ended there: the records from that one on were taken in, those before it are quoted in
    its page. A digest that matches neither, or none, or one of another kind, or a head not at hand,
    leaves the rule above. ``head()``: the block's bytes before ``data[start]`` (its HTTP head), or
    None where they are not at hand; asked for only where records were found.
    """
    found = _run_to_the_end(data, start, end, length)
    if found is None:
        return None
    cut, starts, ends = found
    structural = Swallowed(cut, starts, "http length" if length is not None else "record start")
    expected = _digest_value(digest or "")
    before = head() if expected is not None else None
    if expected is None or before is None:
        return structural
    hashed = hashlib.new(expected[0], before)
    view = memoryview(data)
    at = start
    # Each place the block may have ended: before each record found (the first one's page end).
    for index, first in enumerate(starts):
        low = cut if index == 0 else ends[index - 1]
        for place in sorted({low, *range(max(low, first - _MOST_SEPARATOR), first + 1)}):
            hashed.update(view[at:place])
            at = place
            if hashed.copy().digest() == expected[1]:
                return Swallowed(place, starts[index:], "block digest")
    hashed.update(view[at:end])
    return None if hashed.digest() == expected[1] else structural


# The most line ends between a block and the next record's start that a digest's cut looks back
# over: CRLF CRLF, as records are separated.
_MOST_SEPARATOR = 4
_DIGEST_SIZES = {"sha1": 20, "sha256": 32}


def _digest_value(value: str) -> tuple[str, bytes] | None:
    """A ``WARC-Block-Digest`` value as (hashlib's name, the digest), or None where it is none of those.

    ``sha1:`` (or ``sha256:``, in any case, ``sha-1`` too) and the digest in base32 as crawlers write
    it, or base16, or base64 (as warcio reads them too), padded or not: each its own length.
    """
    label, sep, written = value.strip().partition(":")
    name = label.strip().lower().replace("-", "")
    size = _DIGEST_SIZES.get(name)
    bare = written.strip().rstrip("=")
    if not sep or size is None:
        return None
    try:
        if len(bare) == 2 * size:
            digest = bytes.fromhex(bare)
        elif len(bare) == -(-4 * size // 3):
            digest = base64.b64decode(bare + "=" * (-len(bare) % 4), validate=True)
        else:
            digest = base64.b32decode(bare + "=" * (-len(bare) % 8), casefold=True)
    except ValueError:  # binascii.Error too
        return None
    return (name, digest) if len(digest) == size else None


def _run_to_the_end(
    data: bytes, start: int, end: int, length: int | None
) -> tuple[int, list[int], list[int]] | None:
    """Where the page ends and the records run from there to ``end`` start and end (:func:`swallowed`)."""
    if length is not None:
        cut = start + length
        if cut >= end:  # the page is its length, or cut short: no record after it
            return None
        starts, ends, _ = _records_to_the_end(data, _past_line_ends(data, cut, end), end)
        return (cut, starts, ends) if starts else None
    if data.startswith(b"WARC/1.", start):
        return None
    at = data.find(_RECORD_START, start, end)
    while at >= 0:
        starts, ends, stop = _records_to_the_end(data, at + 4, end)
        if starts:
            return at, starts, ends
        # Searched on past the records it ran through (a page quoting many): each byte about once.
        at = data.find(_RECORD_START, max(at + 4, stop), end)
    return None


def _records_to_the_end(data: bytes, at: int, end: int) -> tuple[list[int], list[int], int]:
    """Where each record of a run from ``at`` to ``end`` starts and ends, each ending where the next begins.

    Empty unless the run is whole: a version line, then a header (with a ``WARC-Record-ID`` and a
    ``Content-Length``) of one record that ends with CRLF CRLF, and as many block bytes as that says,
    then line ends or none, and the next record or ``end``. Also where the last whole record of the
    run ended.
    """
    starts: list[int] = []
    ends: list[int] = []
    while data.startswith(_VERSIONS, at):
        head_end = data.find(b"\r\n\r\n", at, min(end, at + MAX_HEADER))
        if head_end < 0:
            break
        head = data[at : head_end + 2]
        length = CONTENT_LENGTH.search(head)
        if length is None or _RECORD_ID.search(head) is None or not one_header(head):
            break
        record_end = head_end + 4 + int(length.group(1))
        if record_end > end:
            break
        starts.append(at)
        ends.append(record_end)
        at = _past_line_ends(data, record_end, end)
        if at == end:
            return starts, ends, at
    return [], [], at


def _past_line_ends(data: bytes, at: int, end: int) -> int:
    """Where the line ends (CR and LF, any number) from ``at`` stop, at ``end`` at most."""
    found = _LINE_ENDS.match(data, at, end)
    return found.end() if found else at


_VERSIONS = (b"WARC/1.0\r\n", b"WARC/1.1\r\n")
# A record's start where records are separated by CRLF CRLF.
_RECORD_START = b"\r\n\r\nWARC/1."
_LINE_ENDS = re.compile(rb"[\r\n]*")
_RECORD_ID = re.compile(rb"(?im)^warc-record-id[ \t]*:")
# A header's first Content-Length, as fastwarc reads one ("Content-Length : +12" too), its line
# ended by CRLF or, in a file only the lenient parser reads, LF.
CONTENT_LENGTH = re.compile(rb"(?im)^content-length[ \t]*:[ \t]*\+?(\d{1,12})[ \t]*\r?$")


# What :func:`block_as_written` gives for a record only the lenient parser reads right.
LENIENT = b""


def block_as_written(record: Any, body: bytes, block: Callable[[int], bytes]) -> bytes | None:
    """Where fastwarc misread a document record's head: its block as written, else None.

    :data:`LENIENT` where the lenient parser must read it: a line of its WARC header ends in LF alone
    (fastwarc runs it into the next: a URL holding the date line after it, no date), or its block is
    no longer at hand. ``block(n)``: the first ``n`` bytes of the record's block as written.
    """
    if any("\n" in name or "\n" in (value or "") for name, value in record.headers.items()):
        return LENIENT
    if not _http_head_unread(record, body, block):
        return None
    declared = declared_length(record)
    written = block(declared)
    return written if len(written) == declared else LENIENT


def _http_head_unread(record: Any, body: bytes, block: Callable[[int], bytes]) -> bool:
    """Whether fastwarc misread a record's HTTP header (``body``: what it gave as the body).

    fastwarc ends header lines at CRLF only: a line ending in LF alone goes into the status line, a
    name or a value, and a head whose blank line is LF takes the page with it (the body then empty,
    the page's lines dropped for want of a colon). Such a record is read from its bytes as written,
    as the lenient parser reads it. ``block(n)`` gives the first ``n`` bytes of the record's block as
    written, asked for (the head's) only where the head took more bytes than fastwarc kept of it
    (fastwarc also drops the spaces, folds and colon-less lines of a well-formed head: only a line
    ending in LF alone there says the page, or part of it, went into it).
    """
    http = record.http_headers if record.is_http else None
    if http is None:
        return False
    fields = http.items()
    status = http.status_line or ""
    if "\n" in status or any("\n" in name or "\n" in (value or "") for name, value in fields):
        return True
    took = declared_length(record) - len(body)  # the head's bytes, as fastwarc read them
    kept = len(status) + 4 + sum(len(name) + len(value or "") + 4 for name, value in fields)
    if took <= kept:
        return False
    return _BARE_LF.search(block(took)) is not None


_BARE_LF = re.compile(rb"(?<!\r)\n")


def _block_at(fd: int, offset: int, gzipped: bool, size: int) -> bytes:
    """Up to ``size`` bytes of the block of the record at file ``offset`` (its member's, in a gzip file)."""
    want = MAX_HEADER + size
    data = _record_start(fd, offset, gzipped, want + 1024, want) or b""
    end = data.find(b"\r\n\r\n", 0, MAX_HEADER)
    return data[end + 4 : end + 4 + size] if end >= 0 else b""


def _record_start(fd: int, offset: int, gzipped: bool, read: int, keep: int) -> bytes | None:
    """The first bytes of the record at file ``offset``, or None where they do not inflate.

    ``read`` bytes of the file; in a gzip file, its member's bytes inflated (up to ``keep``).
    """
    data = os.pread(fd, read, offset)
    if not gzipped:
        return data
    try:
        return zlib.decompressobj(wbits=31).decompress(data, keep)
    except zlib.error:
        return None


def declared_length(record: Any, missing: int = -1) -> int:
    """The record's ``Content-Length`` as its header writes it; ``missing`` where it holds no number."""
    length = length_value(record.headers.get("Content-Length") or "")
    return missing if length is None else length


def length_value(value: str) -> int | None:
    """A header's number (a length, a status), or None where it is none: ASCII digits, at most 18.

    ``str.isdigit`` also takes "²", which ``int`` refuses, and ``int`` refuses over 4,300 digits.
    """
    value = value.strip()
    return int(value) if _NUMBER.fullmatch(value) else None


_NUMBER = re.compile(r"[0-9]{1,18}")


def _header_at(fd: int, offset: int, gzipped: bool, record_id: str) -> bool:
    """Whether the record at file ``offset`` (a gzip member's, in a gzip file) has one header of its own.

    Its own: the one with its ``record_id``. fastwarc gives a record cut inside its header and run into
    the next member's record the offset of that member, whose header alone is whole.
    """
    size = 512  # most headers take under 1 KB: read (and inflate) no more unless needed
    while True:
        data = _record_start(fd, offset, gzipped, size, 2 * size)
        if data is None:
            return False
        end = data.find(b"\r\n\r\n")
        if end >= 0:  # over MAX_HEADER: the careful reader's on every path (fastwarc would take more)
            return end <= MAX_HEADER and one_header(data[: end + 2]) and record_id.encode() in data[:end]
        if size > MAX_HEADER:
            return False  # no header end where one must be: the careful reader looks
        size *= 8


def _last_record_whole(filename: str, gzipped: bool, start: int, declared: int) -> bool:
    """Whether the last record, at file offset ``start``, holds the bytes its header declares.

    As in the careful reader, the blank lines that end a record may be missing. In a gzip file the
    record's offset is its member's, so the member is decompressed on its own.
    """
    if declared < 0:
        return False
    with open(filename, "rb") as handle:
        handle.seek(start)
        data = handle.read()
    if gzipped:
        decoder = zlib.decompressobj(wbits=31)
        try:
            data = decoder.decompress(data)
        except zlib.error:
            return False
        if not decoder.eof or decoder.unused_data:
            return False
    end = data.find(b"\r\n\r\n", 0, MAX_HEADER)
    if not data.startswith(b"WARC/") or end < 0:
        return False
    record = end + 4 + declared
    # The member holds this record and nothing else (more bytes: another record, or junk).
    return record <= len(data) <= record + 4
