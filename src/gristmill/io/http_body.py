"""HTTP bodies as a browser reads them: chunked transfer and content encodings undone.

fastwarc undoes the chunked transfer encoding itself (``auto_decode="transfer"``); the content
encoding is undone here, for every reading path alike. fastwarc's own content decoding
(``auto_decode="all"``) read a chunked gzip or brotli body to the end of the stream, losing the
records after it, and raised on raw deflate, ``x-gzip`` and bodies that are not what their header
says. Decoding here costs the same zlib and brotli calls.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import brotli
import zstandard


def undo_chunked(body: bytes) -> bytes:
    """Join the chunks of a ``Transfer-Encoding: chunked`` body; one that is not chunked is returned as is."""
    out, rest = [], body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        try:
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
        except ValueError:
            return body  # not chunked after all
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


def decode_content(body: bytes, content_encoding: str | None) -> bytes:
    """Undo ``Content-Encoding`` (gzip, deflate, br, zstd; several in the order the server applied them).

    A truncated stream gives what it holds; a body that does not decode as its header says, or names
    an encoding not known here, is returned as sent.
    """
    if not content_encoding:
        return body
    decoded = body
    for coding in reversed(content_encoding.split(",")):
        coding = coding.strip().lower()
        if coding in ("", "identity"):
            continue
        decoder = _DECODERS.get(coding)
        result = decoder(decoded) if decoder is not None else None
        if result is None:
            return body
        decoded = result
    return decoded


def _gunzip(data: bytes) -> bytes | None:
    # Concatenated members are one body (RFC 1952); bytes after the last member are ignored.
    out: list[bytes] = []
    while data:
        decoder = zlib.decompressobj(wbits=47)  # gzip or zlib header, as the first bytes say
        try:
            out.append(decoder.decompress(data))
        except zlib.error:
            return b"".join(out) if out else None
        if not decoder.eof:
            break  # cut short: what it holds
        data = decoder.unused_data
        if not data.startswith(b"\x1f\x8b"):
            break
    return b"".join(out)


def _inflate(data: bytes) -> bytes | None:
    # "deflate" means a zlib stream (RFC 9110), but some servers send raw deflate; browsers read both.
    try:
        return zlib.decompressobj(wbits=47).decompress(data)
    except zlib.error:
        pass
    try:
        return zlib.decompressobj(wbits=-15).decompress(data)
    except zlib.error:
        return None


def _unbrotli(data: bytes) -> bytes | None:
    try:
        return bytes(brotli.decompress(data))
    except brotli.error:
        return None


def _unzstd(data: bytes) -> bytes | None:
    try:
        return zstandard.ZstdDecompressor().decompressobj().decompress(data)
    except zstandard.ZstdError:
        return None


_DECODERS: dict[str, Callable[[bytes], bytes | None]] = {
    "gzip": _gunzip,
    "x-gzip": _gunzip,
    "deflate": _inflate,
    "br": _unbrotli,
    "zstd": _unzstd,
}
