"""Reading and writing plain, gzip and zstd files as streams, noticing truncation.

Python's zstd reader stops quietly at a truncated frame, so decompression here is done with
decompression objects whose end-of-stream flag tells a clean end from a cut one; at damage, the
bytes that decode before it are kept and its offset is the compressed byte where it was found.
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
import zlib
from collections import deque
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import zstandard

from gristmill.errors import BrokenInputError, DamagedInputError, InputError, TruncatedInputError
from gristmill.io.base import ReadSink
from gristmill.io.storage import StorageError, open_read

CHUNK = 1 << 20


def compression_of(path: str) -> str:
    """Return ``"gzip"``, ``"zstd"`` or ``"none"`` from a file name."""
    name = path.lower()
    if name.endswith((".gz", ".gzip")):
        return "gzip"
    if name.endswith((".zst", ".zstd")):
        return "zstd"
    return "none"


# Compressions known by their first bytes that are not read: the file is refused in one line.
_NOT_READ = {"bzip2": re.compile(rb"BZh[1-9](1AY&SY|\x17rE8P\x90)"), "xz": re.compile(rb"\xfd7zXZ\x00")}
# How many first bytes tell a file's compression: enough to tell text from compressed bytes.
HEAD = 1024


def compression_in(head: bytes, path: str) -> str:
    """The compression a file's first bytes show: ``"gzip"``, ``"zstd"``, or ``"none"`` for text.

    Bytes that are neither a known compression's nor text (damage at a compressed file's start) leave
    the compression its name says; so does a magic number the bytes after it do not decode under (a
    text file whose first bytes were damaged into one). A bzip2 or xz file raises ``InputError``: it
    is not read.
    """
    named = compression_of(path)
    for codec in (_GZIP, _ZSTD):
        if head.startswith(codec.magic) and (codec.name == named or _decodes(codec, head)):
            return codec.name
    for kind, pattern in _NOT_READ.items():
        if pattern.match(head):
            raise InputError(
                f"{path}: the file is {kind}-compressed, which gristmill does not read; recompress it "
                "with gzip or zstd (`.gz`, `.zst`)"
            )
    if named != "none" and head and b"\0" not in head:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)  # may end mid-character
        except UnicodeDecodeError:
            return named
        return "none"
    return named


def _decodes(codec: _Codec, head: bytes) -> bool:
    """Whether ``head`` begins a stream ``codec`` decodes (the rest of the file may be cut off)."""
    try:
        codec.new_decoder().decompress(head)
    except codec.error:
        return False
    return True


def file_compression(path: str) -> str:
    """The compression ``path`` holds, by its first bytes (:func:`compression_in`).

    By its name where it cannot be opened: reading it says why.
    """
    try:
        with open_read(path) as raw:
            head = raw.read(HEAD)
    except (OSError, StorageError):
        return compression_of(path)
    return compression_in(head, path)


def read_chunks(
    path: str,
    on_bytes: Callable[[int], None] | None = None,
    damages: list[Damage] | None = None,
    *,
    hold: bool = False,
) -> Generator[bytes, None, None]:
    """Yield the decompressed bytes of ``path`` in chunks, decompressed as its first bytes say.

    ``on_bytes`` is told how many compressed bytes each read consumed (for progress bars). A corrupt or
    cut compressed stream yields every byte that decodes before the damage, then raises
    ``BrokenInputError`` (``TruncatedInputError`` for a cut) at the compressed byte where it was found.
    Given a ``damages`` list, it notes the damage there instead and reads on from the next gzip member
    or zstd frame (per-record gzip WARC files have one member per record). With ``hold``, a member's
    bytes (up to ``MEMBER_HOLD`` of them) are yielded only once its checksum was checked, so a reader
    can set aside what a member that fails it decoded to (``Damage.suspect_from``).
    """
    try:
        raw = open_read(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot open: {exc.strerror}") from exc
    except StorageError as exc:
        raise InputError(f"cannot open {exc}") from exc
    try:
        kind = compression_in(raw.read(HEAD), path)  # a name that says otherwise is told at planning
        raw.seek(0)
        if kind == "none":
            while chunk := raw.read(CHUNK):
                if on_bytes:
                    on_bytes(len(chunk))
                yield chunk
        else:
            codec = _GZIP if kind == "gzip" else _ZSTD
            yield from _Decoder(raw, path, codec, on_bytes, damages, hold).chunks()
    finally:
        raw.close()


@dataclass
class Damage:
    """Compressed bytes that did not decode, from ``start`` to ``end`` (offsets in the file).

    ``output`` is where the gap falls in the decompressed stream; ``cut`` says the file ends inside a
    member (it was cut short) rather than holding bytes that do not decode. ``suspect_from`` is set
    for a member that decoded to its end and then failed its checksum: its decoded bytes, from there
    to ``output``, are not all those written, and no one can say which.
    """

    start: int
    end: int
    detail: str
    output: int
    cut: bool = False
    suspect_from: int | None = None
    resumed: bool = False  # a member that decodes was found after it: records after it were read
    # Where the damaged member's bytes began in the decompressed stream, and where the (up to) two
    # members before it began, oldest first (members that gave no byte left out).
    member_output: int | None = None
    members_before: tuple[int, ...] = ()
    # Of a member that failed its checksum, how many of its decoded bytes were yielded before its end
    # was reached (all but the last ``MEMBER_HOLD`` of a larger member, where bytes are held).
    passed_on: int = 0
    member_start: int = 0  # the compressed offset where the damaged member began
    # Records of a member that failed its checksum a reader set aside with entries of their own: the
    # damage's entry is then a note beside them that counts none.
    set_aside: int = 0


def report_damages(
    path: str, sink: ReadSink, damages: list[Damage], reason: Callable[[Damage], str] | None = None
) -> None:
    """Quarantine each damaged span but the last, which is raised: the file is reported damaged.

    ``reason`` says a damage in words (:func:`damage_reason` unless a reader knows more of it).
    """
    say = reason or damage_reason
    for damage in damages[:-1]:
        sink.quarantine(path, f"byte {damage.start}", say(damage), records=_stands_for(damage))
    if damages:
        last = damages[-1]
        error = TruncatedInputError if last.cut else DamagedInputError if last.resumed else BrokenInputError
        raise error(path, last.start, say(last), _stands_for(last))


def _stands_for(damage: Damage) -> int:
    """How many records a damage's quarantine entry counts: none where they have entries of their own."""
    return 0 if damage.set_aside else 1


def suspect_damage(damages: list[Damage], start: int, end: int) -> Damage | None:
    """The damage whose member failed its checksum and decoded into bytes ``start`` to ``end``, if any."""
    for damage in damages:
        if damage.suspect_from is not None and damage.suspect_from < end and start < damage.output:
            return damage
    return None


def damage_reason(damage: Damage) -> str:
    """What a damage entry in quarantine, and the run's line for the file, say of it."""
    if damage.cut:
        return damage.detail
    if damage.suspect_from is None:
        return f"{damage.detail} (compressed bytes {damage.start} to {damage.end} skipped)"
    unheld = ""
    if damage.passed_on:
        unheld = (
            f", but for its first {damage.passed_on:,} decompressed bytes, which were passed on before its "
            f"check (a member is held only up to {_size(MEMBER_HOLD)})"
        )
    failed = f"the member at compressed bytes {_span(damage)} failed its checksum"
    return f"{damage.detail} ({failed}: set aside{unheld})"


def set_aside_reason(damage: Damage) -> str:
    """The quarantine reason of a record that ``damage`` touched and that has an entry of its own.

    Every record of a member that failed its checksum has one; of a cut, all but the one the damage's
    own entry stands for.
    """
    if damage.suspect_from is not None:
        return (
            f"its compressed member (bytes {_span(damage)}) failed its checksum: the record's bytes are not "
            "all those written"
        )
    return f"cut by damaged compressed bytes ({damage_reason(damage)})"


def _span(damage: Damage) -> str:
    """The compressed bytes of a member that failed its checksum (to the next member, where one follows)."""
    return f"{damage.member_start} to {damage.end}"


def _size(nbytes: int) -> str:
    return f"{nbytes >> 20} MiB" if nbytes >= 1 << 20 else f"{nbytes:,} bytes"


# What zlib and zstd say of a member whose bytes decoded but do not match its checksum or length.
_CHECK_FAILED = ("incorrect data check", "incorrect length check", "checksum")


@dataclass(frozen=True)
class _Codec:
    name: str
    magic: bytes  # how a gzip member or zstd frame starts: where reading resumes after damage
    new_decoder: Callable[[], Any]
    error: type[Exception]


_GZIP = _Codec("gzip", b"\x1f\x8b\x08", lambda: zlib.decompressobj(wbits=31), zlib.error)
# zstd's own limit (128 MiB) refuses frames `zstd --long=31` writes for large corpora: the largest window
# a frame may ask for instead (the memory such a file needs to decode, whoever decodes it).
ZSTD_MAX_WINDOW = 1 << 31
_ZSTD = _Codec(
    "zstd",
    b"\x28\xb5\x2f\xfd",
    lambda: zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW).decompressobj(),
    zstandard.ZstdError,
)
# With ``hold``, the most decompressed bytes of one member held back until its checksum is checked:
# a larger member (one gzip stream of a whole file) is passed on as it decodes, bounding the memory.
# 4 MiB covers per-record and block-sized members (bgzip's 64 KiB, WET records); at 32 MiB a healthy
# 66 MB single-frame .jsonl.zst run peaked at 173 MB against 87 MB without holding (99 MB at 4 MiB).
MEMBER_HOLD = 4 << 20
# The decoder is fed a piece at a time so that at damage only that piece is decoded again, byte by
# byte, to find the exact place and keep every byte that decodes before it.
_PIECE = 1 << 12


class _Decoder:
    """Decompresses member after member (gzip members, zstd frames), finding damage to the byte."""

    def __init__(
        self,
        raw: BinaryIO,
        path: str,
        codec: _Codec,
        on_bytes: Callable[[int], None] | None,
        damages: list[Damage] | None,
        hold: bool = False,
    ) -> None:
        self._raw = raw
        self._path = path
        self._codec = codec
        self._on_bytes = on_bytes
        self._damages = damages
        self._hold = hold
        self._held: list[bytes] = []  # the current member's bytes not yet yielded
        self._held_size = 0
        self._unreported = 0  # progress is told in CHUNK steps, not per piece

    def chunks(self) -> Iterator[bytes]:
        """Yield the decompressed bytes; raise or note damage as ``read_chunks`` says."""
        try:
            yield from self._chunks()
        finally:
            if self._on_bytes and self._unreported:
                self._on_bytes(self._unreported)

    def _chunks(self) -> Iterator[bytes]:
        codec, raw = self._codec, self._raw
        pos = 0  # compressed offset of the next piece
        member = decoded = 0  # where the current member starts, and how much it has yielded
        total = 0  # decompressed bytes yielded
        decoder: Any = None  # None between members
        damage: Damage | None = None  # damage not yet closed by a member that decodes
        starts: deque[int] = deque(maxlen=3)  # where the last members began in the output, each once
        # ``total`` counts the bytes decoded, held ones too: offsets in the stream, as a reader sees them.
        while True:
            if raw.tell() != pos:
                raw.seek(pos)
            piece = raw.read(_PIECE)
            if not piece:
                break
            if decoder is None:
                decoder, member, decoded = codec.new_decoder(), pos, 0
                if not starts or starts[-1] != total:
                    starts.append(total)
            try:
                out = decoder.decompress(piece)
            except codec.error as exc:
                rest, at = self._salvage(member, pos, decoded, piece)
                detail = f"corrupt {codec.name} data: {exc}"
                checked = any(words in str(exc) for words in _CHECK_FAILED)
                if self._damages is not None and (damage is None or checked):
                    # Noted before the salvaged bytes go out: a reader checks them against it. A member
                    # that failed its checksum is damage of its own, even right after other damage.
                    began = total - decoded  # where the member's bytes began
                    damage = Damage(
                        at,
                        at,
                        detail,
                        total + len(rest),
                        suspect_from=began if checked else None,
                        member_output=began,
                        members_before=tuple(start for start in starts if start < began)[-2:],
                        passed_on=decoded - self._held_size if checked and self._hold else 0,
                        member_start=member,
                    )
                    self._damages.append(damage)
                if damage is not None:  # where reading resumes is known before any record names it
                    resume = self._find_magic(max(at, member + 1))
                    damage.end = raw.seek(0, 2) if resume is None else resume
                    damage.resumed = resume is not None
                total += len(rest)
                self._held.append(rest)
                yield from self._release()
                if self._damages is None or damage is None:
                    raise BrokenInputError(self._path, at, detail) from exc
                decoder = None
                self._progress(damage.end - pos)
                pos = damage.end
                continue
            if out:
                decoded += len(out)
                total += len(out)
                self._held.append(out)
                self._held_size += len(out)
                if not self._hold or self._held_size > MEMBER_HOLD:
                    yield from self._release()
            if decoder.eof:
                yield from self._release()
                consumed = len(piece) - len(decoder.unused_data)
                self._progress(consumed)
                pos += consumed
                decoder = damage = None
            else:
                self._progress(len(piece))
                pos += len(piece)
        yield from self._release()  # a member cut short has no check to wait for
        if decoder is not None:  # the file ends inside a member
            detail = f"{codec.name} stream ended before its end marker"
            if self._damages is None:
                raise TruncatedInputError(self._path, pos, detail)
            self._damages.append(Damage(pos, pos, detail, total, cut=True))

    def _release(self) -> Iterator[bytes]:
        """Yield the held bytes, as one chunk."""
        chunk = b"".join(self._held)
        self._held, self._held_size = [], 0
        if chunk:
            yield chunk

    def _progress(self, nbytes: int) -> None:
        self._unreported += max(nbytes, 0)
        if self._on_bytes and self._unreported >= CHUNK:
            self._on_bytes(self._unreported)
            self._unreported = 0

    def _salvage(self, member: int, pos: int, decoded: int, piece: bytes) -> tuple[bytes, int]:
        """Decode the member again, ``piece`` byte by byte: the bytes not yet yielded, the failing offset."""
        decoder = self._codec.new_decoder()
        raw = self._raw
        raw.seek(member)
        before = 0
        while raw.tell() < pos:
            before += len(decoder.decompress(raw.read(min(CHUNK, pos - raw.tell()))))
        out: list[bytes] = []
        at = pos
        try:
            for at in range(pos, pos + len(piece)):
                out.append(decoder.decompress(piece[at - pos : at - pos + 1]))
        except self._codec.error:
            pass
        return b"".join(out)[decoded - before :], at

    def _find_magic(self, start: int) -> int | None:
        """The offset of the next member or frame header at or after ``start``, or None."""
        raw, magic = self._raw, self._codec.magic
        raw.seek(start)
        base = start
        while block := raw.read(CHUNK):
            found = block.find(magic)
            if found >= 0:
                return base + found
            if len(block) < CHUNK:
                return None
            base += len(block) - len(magic) + 1
            raw.seek(base)
        return None


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
    """A read-only file object over a chunk iterator, for libraries that want ``read``.

    It keeps the last ``history`` bytes it handed out, so a caller can look back at bytes a parser
    has already consumed (a WARC record's header, to measure it as written).
    """

    def __init__(self, chunks: Iterator[bytes], history: int = 0) -> None:
        self._chunks = chunks
        self._buffer = memoryview(b"")
        self._pos = 0
        self._history = history
        self._recent = bytearray()

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
        if self._history:
            self._recent += self._buffer[:n]
            if len(self._recent) > 2 * self._history:
                del self._recent[: len(self._recent) - self._history]
        self._buffer = self._buffer[n:]
        self._pos += n
        return n

    def recent(self, start: int, size: int) -> bytes:
        """Up to ``size`` bytes already read from offset ``start``; empty if they are no longer kept."""
        first = self._pos - len(self._recent)
        if start < first:
            return b""
        return bytes(self._recent[start - first : start - first + size])


def open_write(path: str, level: int = 3) -> BinaryIO:
    """Open ``path`` for writing, compressed by its extension (zstd ``level`` for ``.zst``)."""
    kind = compression_of(path)
    raw = open(path, "wb")  # noqa: SIM115 - the returned stream owns it
    if kind == "zstd":
        # With its checksum, a frame altered on disk fails when read; without (python-zstandard's
        # default), most altered bytes decode to other text that still parses, and pass as good records.
        compressor = zstandard.ZstdCompressor(level=level, write_checksum=True)
        return compressor.stream_writer(raw, closefd=True)
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
