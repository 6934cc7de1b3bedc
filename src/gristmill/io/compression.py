"""Reading and writing plain, gzip and zstd files as streams, noticing truncation.

Python's zstd reader stops quietly at a truncated frame, so decompression here is done with
decompression objects whose end-of-stream flag tells a clean end from a cut one.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import zstandard

from gristmill.errors import BrokenInputError, InputError, TruncatedInputError

CHUNK = 1 << 20


def compression_of(path: str) -> str:
    """Return ``"gzip"``, ``"zstd"`` or ``"none"`` from a file name."""
    name = path.lower()
    if name.endswith((".gz", ".gzip")):
        return "gzip"
    if name.endswith((".zst", ".zstd")):
        return "zstd"
    return "none"


def read_chunks(path: str, on_bytes: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """Yield the decompressed bytes of ``path`` in chunks; raise on a truncated stream.

    ``on_bytes`` is told how many compressed bytes each read consumed (for progress bars).
    """
    kind = compression_of(path)
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed in the finally below
    except OSError as exc:
        raise InputError(f"{path}: cannot open: {exc.strerror}") from exc
    try:
        if kind == "gzip":
            yield from _inflate(raw, path, on_bytes)
        elif kind == "zstd":
            yield from _unzstd(raw, path, on_bytes)
        else:
            while chunk := raw.read(CHUNK):
                if on_bytes:
                    on_bytes(len(chunk))
                yield chunk
    finally:
        raw.close()


def _inflate(raw: BinaryIO, path: str, on_bytes: Callable[[int], None] | None) -> Iterator[bytes]:
    return _decompress(raw, path, on_bytes, lambda: zlib.decompressobj(wbits=31), zlib.error, "gzip")


def _unzstd(raw: BinaryIO, path: str, on_bytes: Callable[[int], None] | None) -> Iterator[bytes]:
    dctx = zstandard.ZstdDecompressor()
    return _decompress(raw, path, on_bytes, dctx.decompressobj, zstandard.ZstdError, "zstd")


def _decompress(
    raw: BinaryIO,
    path: str,
    on_bytes: Callable[[int], None] | None,
    new_decoder: Callable[[], Any],
    error: type[Exception],
    name: str,
) -> Iterator[bytes]:
    """Decompress member after member (gzip members, zstd frames); fail on a cut or corrupt one."""
    offset = 0
    decoder = new_decoder()
    started = False
    while chunk := raw.read(CHUNK):
        offset += len(chunk)
        if on_bytes:
            on_bytes(len(chunk))
        while chunk:
            try:
                out = decoder.decompress(chunk)
            except error as exc:
                raise BrokenInputError(path, offset, f"corrupt {name} data: {exc}") from exc
            started = True
            if out:
                yield out
            if decoder.eof:
                chunk = decoder.unused_data
                decoder = new_decoder()
                started = bool(chunk)
            else:
                chunk = b""
    if started and not decoder.eof:
        raise TruncatedInputError(path, offset, f"{name} stream ended before its end marker")


def read_lines(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Split a chunk stream into lines without their line ends; a last unterminated line is kept."""
    pending: list[bytes] = []  # pieces of a line longer than a chunk, joined once it ends
    for chunk in chunks:
        if b"\n" not in chunk:
            pending.append(chunk)
            continue
        lines = chunk.split(b"\n")
        if pending:
            pending.append(lines[0])
            lines[0] = b"".join(pending)
            pending = []
        tail = lines.pop()
        if tail:
            pending.append(tail)
        yield from lines
    if pending:
        yield b"".join(pending)


class ChunkStream(io.RawIOBase):
    """A read-only file object over a chunk iterator, for libraries that want ``read``."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = memoryview(b"")
        self._pos = 0

    def readable(self) -> bool:
        """Always true: this stream is for reading."""
        return True

    def seekable(self) -> bool:
        """True, though only forward: parsers ask for their position and skip ahead."""
        return True

    def tell(self) -> int:
        """The number of bytes read so far."""
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move forward by reading and dropping bytes; moving back is not possible."""
        target = offset if whence == io.SEEK_SET else self._pos + offset
        if whence not in (io.SEEK_SET, io.SEEK_CUR) or target < self._pos:
            raise io.UnsupportedOperation("a decompressing stream only seeks forward")
        while self._pos < target and self.read(min(target - self._pos, CHUNK)):
            pass
        return self._pos

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        """Fill ``target`` from the chunks; 0 at the end."""
        while not self._buffer:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buffer = memoryview(chunk)
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        self._pos += n
        return n


def open_write(path: str, level: int = 3) -> BinaryIO:
    """Open ``path`` for writing, compressed by its extension (zstd ``level`` for ``.zst``)."""
    kind = compression_of(path)
    raw = open(path, "wb")  # noqa: SIM115 - the returned stream owns it
    if kind == "zstd":
        return zstandard.ZstdCompressor(level=level).stream_writer(raw, closefd=True)
    if kind == "gzip":
        return _OwningGzipFile(raw)  # type: ignore[return-value]
    return raw


class _OwningGzipFile(gzip.GzipFile):
    """A gzip writer that closes its file too, with no name or time in its header."""

    def __init__(self, raw: BinaryIO) -> None:
        # mtime=0 and no file name keep the bytes identical from run to run.
        super().__init__(filename="", fileobj=raw, mode="wb", mtime=0, compresslevel=6)
        self._raw = raw

    def close(self) -> None:
        """Finish the gzip stream, then close the file."""
        try:
            super().close()
        finally:
            self._raw.close()
