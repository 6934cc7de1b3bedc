"""HTTP bodies as a browser reads them: chunked transfer and content encodings undone.

fastwarc is told to decode nothing (``auto_decode="none"``), so it reads each record's
``Content-Length`` bytes and no more; the transfer and content encodings are undone here, for every
reading path alike. Its own decoding read a chunked gzip or brotli body, or a body sent as chunked
that is not, to the end of the stream (losing the records after it), and raised on raw deflate,
``x-gzip`` and bodies that are not what their header says. Decoding here stops at
:data:`MAX_DECODED` bytes (a few KB of gzip, brotli or zstd can decode to gigabytes); CPython's zlib
inflates ~3x slower than fastwarc's own decoder, which only gzip-encoded bodies pay.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from typing import Any

import brotli
import zstandard

# The most bytes a body decodes to; past it the body is cut, and the record says so. The extract
# step drops pages over 10 MB by default, so a real page never comes near it; a run holds a
# document's bytes many times over (text, raw, the rejected record), so the cut keeps it bounded.
MAX_DECODED = 1 << 25


def decode_http_body(
    body: bytes, transfer_encoding: str | None, content_encoding: str | None
) -> tuple[bytes, str]:
    """Undo a response body's transfer codings (chunked, then any other), then its content codings.

    The header values are as sent, repeated headers joined by commas; see :func:`decode_content`.
    """
    transfer = [c.strip() for c in (transfer_encoding or "").split(",") if c.strip()]
    note = ""
    if any(c.lower() == "chunked" for c in transfer):
        body, note = undo_chunked(body)
    # Transfer codings were applied after the content codings: listed after them, undone first.
    codings = [content_encoding or "", *(c for c in transfer if c.lower() != "chunked")]
    body, decoding = decode_content(body, ", ".join(c for c in codings if c))
    return body, "; ".join(n for n in (note, decoding) if n)


# A chunk's size: hexadecimal digits, nothing else (int() would take "-3", "+5", "0x5", "1_0").
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")


def undo_chunked(body: bytes) -> tuple[bytes, str]:
    """Join the chunks of a ``Transfer-Encoding: chunked`` body, with a note ("" when whole).

    Size lines may carry extensions (``;name=value``) and end in LF alone; a trailer is dropped. A
    body whose first line is no chunk size is not chunked and is returned as is; a size line that
    does not parse after some chunks is damage: the chunks before it are kept.
    """
    out = bytearray()  # in place: a list of many small chunks took ~30x the body's size
    pos, n = 0, len(body)
    chunks = 0
    while pos < n:
        eol = body.find(b"\n", pos)
        if eol < 0:
            eol = n
        digits = body[pos:eol].split(b";")[0].strip()
        if not _CHUNK_SIZE.fullmatch(digits):
            if not chunks:
                return body, ""  # not chunked after all
            return bytes(out), "the chunked body is damaged: the chunks before the damage are kept"
        size = int(digits, 16)
        if size == 0:
            break
        start = eol + 1
        out += body[start : start + size]
        chunks += 1
        pos = start + size
        pos += 2 if body.startswith(b"\r\n", pos) else 1 if body.startswith(b"\n", pos) else 0
    return bytes(out), ""


def decode_content(body: bytes, content_encoding: str | None, limit: int = MAX_DECODED) -> tuple[bytes, str]:
    """Undo ``Content-Encoding`` (gzip, deflate, br, zstd; several in the order the server applied them).

    Returns the body and a note for ``meta.warc_repaired`` ("" when it decoded whole): a stream cut
    short or damaged gives the part that decodes (nothing, if cut in its header); a body that does
    not decode as its header says, or names an encoding not known here, is returned as sent; one
    that decodes to more than ``limit`` bytes is cut there (and the codings inside it undone as far
    as the cut allows).
    """
    if not content_encoding or not body:
        return body, ""
    decoded = body
    note = ""
    for coding in reversed(content_encoding.split(",")):
        coding = coding.strip().lower()
        if coding in ("", "identity"):
            continue
        decoder = _DECODERS.get(coding)
        if decoder is None:
            return body, f"Content-Encoding {coding!r} is not known: the body is kept as sent"
        result, ending = decoder(decoded, limit)
        if result is None:
            if note:  # an outer layer was cut: this one cannot be read whole
                return decoded, note
            return body, f"the body does not decode as Content-Encoding {coding}: kept as sent"
        if ending == "over":
            note = f"the {coding} body decodes to over {limit:,} bytes: cut there"
        elif ending == "cut" and not note:
            note = f"the {coding} body is cut short or damaged: the part that decodes is kept"
        decoded = result
    return decoded, note


# What a decoder gives: the decoded bytes (None: the data is not of that encoding) and how the stream
# ended: "whole", "cut" (cut short or damaged after a part that decodes) or "over" (past the limit).
Decoded = tuple[bytes | None, str]


def _inflate_stream(data: memoryview, wbits: int, limit: int) -> tuple[bytes, str, int]:
    """Inflate the zlib, gzip or raw deflate stream at the start of ``data``, up to ``limit`` bytes.

    Returns the output, how the stream ended ("whole", "cut" at the end of the data, "error",
    "over" the limit) and the bytes it took. Fed in growing pieces, so that a body of many members
    costs time in its size (each member's ``unused_data`` is a copy); where a piece fails (a bad
    checksum in a trailer, damage), the output before the bad byte is kept, as browsers keep it.
    """
    decoder = zlib.decompressobj(wbits=wbits)
    out: list[bytes] = []
    size = pos = 0
    piece = 1 << 10
    n = len(data)
    while pos < n:
        end = min(pos + piece, n)
        try:
            part = decoder.decompress(data[pos:end], limit - size + 1)
        except zlib.error:
            # Decoded again to where the piece began (its output stayed under the limit), so that
            # no piece of an undamaged stream pays for a copy of the decoder.
            before = zlib.decompressobj(wbits=wbits)
            before.decompress(data[:pos], limit + 1)
            out.append(_before_error(before, data[pos:end], limit - size + 1))
            return b"".join(out)[:limit], "error", pos
        out.append(part)
        size += len(part)
        if size > limit:
            return b"".join(out)[:limit], "over", end
        if decoder.eof:
            return b"".join(out), "whole", end - len(decoder.unused_data)
        pos = end
        piece *= 2
    return b"".join(out), "cut", n


def _before_error(decoder: Any, data: memoryview, limit: int) -> bytes:
    """What ``decoder`` gives from ``data`` before the byte it fails on (halving the data to find it)."""
    out: list[bytes] = []
    while len(data) > 1:
        half = len(data) // 2
        trial = decoder.copy()
        try:
            part = trial.decompress(data[:half], max(1, limit))
        except zlib.error:
            data = data[:half]
            continue
        out.append(part)
        limit -= len(part)
        if limit <= 0 or trial.eof:
            break
        decoder, data = trial, data[half:]
    return b"".join(out)


def _gunzip(data: bytes, limit: int) -> Decoded:
    # Concatenated members are one body (RFC 1952); bytes after the last member are ignored.
    view = memoryview(data)
    out: list[bytes] = []
    size = pos = members = 0
    while True:
        part, ending, used = _inflate_stream(view[pos:], 47, limit - size)  # gzip or zlib header
        out.append(part)
        size += len(part)
        if ending == "over":
            return b"".join(out), "over"
        if ending != "whole":
            # Cut short or damaged: what decodes; nothing, if cut in a gzip header (a short text
            # that only looks like the start of a zlib header is no gzip body).
            if size or members or (ending == "cut" and view[pos : pos + 2] == _GZIP_MAGIC):
                return b"".join(out), "cut"
            return None, ""
        members += 1
        pos += used
        if view[pos : pos + 2] != _GZIP_MAGIC:
            return b"".join(out), "whole"


_GZIP_MAGIC = b"\x1f\x8b"


def _inflate(data: bytes, limit: int) -> Decoded:
    # "deflate" means a zlib stream (RFC 9110), but some servers send raw deflate; browsers read both.
    # Arbitrary bytes often inflate a little as raw deflate without an error: raw counts only whole,
    # ending where the body ends.
    view = memoryview(data)
    out, ending, _ = _inflate_stream(view, 47, limit)
    if ending in ("whole", "over"):
        return out, ending
    if out:
        return out, "cut"  # a zlib header, then the stream was cut short or damaged
    out, ending, used = _inflate_stream(view, -15, limit)
    if ending == "over" or (ending == "whole" and used == len(data)):
        return out, ending
    return None, ""


# Input fed to the brotli and zstd decoders at a time. Neither can copy its state, so a damaged
# piece is decoded again from the stream's start, its bytes one at a time, to keep what precedes the
# bad byte; and zstd has no output limit: 256 bytes of its densest blocks decode to ~8 MB.
_PIECE = 256


def _unbrotli(data: bytes, limit: int) -> Decoded:
    decoder = brotli.Decompressor()
    out = bytearray()
    pos = 0
    finished = False
    while pos < len(data) and not finished:
        piece = data[pos : pos + 16 * _PIECE]
        try:
            out += decoder.process(piece, output_buffer_limit=limit + 1 - len(out))
        except brotli.error:
            out, finished, pos = _brotli_before_error(data, pos, len(piece), limit)
            if not finished:
                break  # damaged
        else:
            pos += len(piece)
            finished = decoder.is_finished()  # bytes after the stream's end are left
        if len(out) > limit:
            return bytes(out[:limit]), "over"
    if finished:
        return bytes(out), "whole"
    # Cut short or damaged: the part that decodes, if it looks decoded (text that happens to parse as
    # brotli's uncompressed blocks decodes to fewer bytes than it holds).
    return (bytes(out), "cut") if len(out) > pos else (None, "")


def _brotli_before_error(data: bytes, start: int, length: int, limit: int) -> tuple[bytearray, bool, int]:
    """Decode ``data`` again up to ``start``, then byte by byte to the first bad one (or the stream's end).

    Returns the output, whether the stream ended, and the bytes taken. (A decoder that failed
    answers nothing more, not even whether it finished: it is asked before each byte.)
    """
    decoder = brotli.Decompressor()
    out = bytearray(decoder.process(data[:start], output_buffer_limit=limit + 1)) if start else bytearray()
    finished = decoder.is_finished()
    pos = start
    while pos < start + length and not finished and len(out) <= limit:
        try:
            out += decoder.process(data[pos : pos + 1], output_buffer_limit=limit + 1 - len(out))
        except brotli.error:
            break
        pos += 1
        finished = decoder.is_finished()
    return out, finished, pos


def _unzstd(data: bytes, limit: int) -> Decoded:
    # Frame after frame (skippable ones too), a piece at a time.
    maker = zstandard.ZstdDecompressor()
    decoder = maker.decompressobj()
    out = bytearray()
    pos = frame_start = frame_out = 0
    while pos < len(data):
        piece = data[pos : pos + _PIECE]
        try:
            out += decoder.decompress(piece)
        except zstandard.ZstdError:
            del out[frame_out:]
            out += _zstd_before_error(maker, data, frame_start, pos, len(piece))
            if len(out) > limit:
                return bytes(out[:limit]), "over"
            return (bytes(out), "cut") if out else (None, "")
        if len(out) > limit:
            return bytes(out[:limit]), "over"
        pos += len(piece)
        if decoder.eof:
            pos -= len(decoder.unused_data)
            if pos < len(data):
                decoder, frame_start, frame_out = maker.decompressobj(), pos, len(out)
    if decoder.eof:
        return bytes(out), "whole"
    if out or data.startswith(_ZSTD_MAGIC):  # cut short: what it holds, nothing if cut in its first block
        return bytes(out), "cut"
    return None, ""


def _zstd_before_error(maker: Any, data: bytes, start: int, fail: int, length: int) -> bytes:
    """The frame at ``start`` decoded again: whole up to ``fail``, then byte by byte to the first bad one."""
    decoder = maker.decompressobj()
    out = bytearray(decoder.decompress(data[start:fail])) if fail > start else bytearray()
    for pos in range(fail, fail + length):
        if decoder.eof:
            break
        try:
            out += decoder.decompress(data[pos : pos + 1])
        except zstandard.ZstdError:
            break
    return bytes(out)


_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


_DECODERS: dict[str, Callable[[bytes, int], Decoded]] = {
    "gzip": _gunzip,
    "x-gzip": _gunzip,
    "deflate": _inflate,
    "br": _unbrotli,
    "zstd": _unzstd,
}
