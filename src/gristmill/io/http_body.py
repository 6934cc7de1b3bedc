"""HTTP bodies as a browser reads them: chunked transfer and content encodings undone.

fastwarc is told to decode nothing (``auto_decode="none"``), so it reads each record's
``Content-Length`` bytes and no more; the transfer and content encodings are undone here, for every
reading path alike. Its own decoding read a chunked gzip or brotli body, or a body sent as chunked
that is not, to the end of the stream (losing the records after it), and raised on raw deflate,
``x-gzip`` and bodies that are not what their header says. Decoding here costs the same zlib and
brotli calls, and stops at :data:`MAX_DECODED` bytes: a few KB of gzip, brotli or zstd can decode
to gigabytes.
"""

from __future__ import annotations

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
    if any(c.lower() == "chunked" for c in transfer):
        body = undo_chunked(body)
    # Transfer codings were applied after the content codings: listed after them, undone first.
    codings = [content_encoding or "", *(c for c in transfer if c.lower() != "chunked")]
    return decode_content(body, ", ".join(c for c in codings if c))


def undo_chunked(body: bytes) -> bytes:
    """Join the chunks of a ``Transfer-Encoding: chunked`` body; one that is not chunked is returned as is.

    Size lines may carry extensions (``;name=value``) and end in LF alone; a trailer is dropped.
    """
    out: list[bytes] = []
    pos, n = 0, len(body)
    while pos < n:
        eol = body.find(b"\n", pos)
        if eol < 0:
            eol = n
        digits = body[pos:eol].split(b";")[0].strip()
        if not digits and not out:
            return body  # a blank first line: not chunked after all
        try:
            size = int(digits or b"0", 16)
        except ValueError:
            return body  # not chunked after all
        if size == 0:
            break
        start = eol + 1
        out.append(body[start : start + size])
        pos = start + size
        pos += 2 if body.startswith(b"\r\n", pos) else 1 if body.startswith(b"\n", pos) else 0
    return b"".join(out)


def decode_content(body: bytes, content_encoding: str | None, limit: int = MAX_DECODED) -> tuple[bytes, str]:
    """Undo ``Content-Encoding`` (gzip, deflate, br, zstd; several in the order the server applied them).

    Returns the body and a note for ``meta.warc_repaired`` ("" when it decoded whole): a stream cut
    short or damaged gives the part that decodes (zstd's cut is not noted: its decoder does not tell);
    a body that does not decode as its header says, or names an encoding not known here, is returned
    as sent; one that decodes to more than ``limit`` bytes is cut there.
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
            return body, f"the body does not decode as Content-Encoding {coding}: kept as sent"
        if ending == "cut":
            note = f"the {coding} body is cut short or damaged: the part that decodes is kept"
        elif ending == "over":
            return result, f"the {coding} body decodes to over {limit:,} bytes: cut there"
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
        before = decoder.copy()
        try:
            part = decoder.decompress(data[pos:end], limit - size + 1)
        except zlib.error:
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
    size = pos = 0
    while True:
        part, ending, used = _inflate_stream(view[pos:], 47, limit - size)  # gzip or zlib header
        out.append(part)
        size += len(part)
        if ending == "over":
            return b"".join(out), "over"
        if ending == "error" and not size:
            return None, ""
        if ending != "whole":  # cut short or damaged: what decodes (nothing, if cut in its header)
            return b"".join(out), "cut"
        pos += used
        if view[pos : pos + 2] != b"\x1f\x8b":
            return b"".join(out), "whole"


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


def _unbrotli(data: bytes, limit: int) -> Decoded:
    decoder = brotli.Decompressor()
    try:
        out = bytes(decoder.process(data, output_buffer_limit=limit + 1))
    except brotli.error:
        return None, ""
    if len(out) > limit:
        return out[:limit], "over"
    if decoder.is_finished():
        return out, "whole"
    return (out, "cut") if out else (None, "")


def _unzstd(data: bytes, limit: int) -> Decoded:
    # Frame after frame (skippable ones too), fed a KB at a time: zstd's decoder has no output limit,
    # and a KB of input decodes to at most a few tens of MB (its densest blocks hold 128 KB in 4 bytes).
    out: list[bytes] = []
    size = pos = 0
    decoder = zstandard.ZstdDecompressor().decompressobj()
    while pos < len(data):
        piece = data[pos : pos + 1024]
        try:
            part = decoder.decompress(piece)
        except zstandard.ZstdError:
            return (b"".join(out), "cut") if size else (None, "")
        out.append(part)
        size += len(part)
        if size > limit:
            return b"".join(out)[:limit], "over"
        pos += len(piece)
        if decoder.eof:
            pos -= len(decoder.unused_data)
            if pos < len(data):
                decoder = zstandard.ZstdDecompressor().decompressobj()
    if decoder.eof:
        return b"".join(out), "whole"
    if size or data.startswith(_ZSTD_MAGIC):  # cut short: what it holds, nothing if cut in its first block
        return b"".join(out), "cut"
    return None, ""


_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


_DECODERS: dict[str, Callable[[bytes, int], Decoded]] = {
    "gzip": _gunzip,
    "x-gzip": _gunzip,
    "deflate": _inflate,
    "br": _unbrotli,
    "zstd": _unzstd,
}
