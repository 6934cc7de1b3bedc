"""Damaged compressed streams: every record before the damage is kept, the damage is found to the byte."""

import contextlib
import gzip
import zlib
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
import zstandard

from gristmill.errors import BrokenInputError
from gristmill.io.compression import Damage, read_chunks
from gristmill.io.jsonl import JsonlReader
from tests.io.test_jsonl import Sink

SAMPLE = Path(__file__).parents[2] / "src/gristmill/samples/web/cc-main-2019-30-sample.jsonl.gz"


def plain_decode(data: bytes, decoder: Callable[[], object], error: type[Exception]) -> tuple[bytes, int]:
    """Decode byte by byte, independently of gristmill: the bytes before the first error, and its offset."""
    dec = decoder()
    out = []
    for at in range(len(data)):
        try:
            out.append(dec.decompress(data[at : at + 1]))  # type: ignore[attr-defined]
        except error:
            return b"".join(out), at
    return b"".join(out), len(data)


def whole_lines(data: bytes) -> list[str]:
    """The texts of the complete lines that parse (zlib may emit garbage before it finds the damage)."""
    texts = []
    for line in data.split(b"\n")[:-1]:
        with contextlib.suppress(orjson.JSONDecodeError, KeyError, TypeError):
            texts.append(orjson.loads(line)["text"])
    return texts


@pytest.mark.parametrize(
    ("suffix", "compress", "decoder", "error"),
    [
        (".gz", lambda b: gzip.compress(b, mtime=0), lambda: zlib.decompressobj(wbits=31), zlib.error),
        (
            ".zst",
            lambda b: zstandard.ZstdCompressor().compress(b),
            lambda: zstandard.ZstdDecompressor().decompressobj(),
            zstandard.ZstdError,
        ),
    ],
)
def test_corrupt_stream_keeps_every_record_before_the_damage(
    tmp_path: Path, suffix: str, compress: Callable, decoder: Callable, error: type[Exception]
) -> None:
    data = compress(gzip.decompress(SAMPLE.read_bytes()))
    broken = bytearray(data)
    for at in range(len(data) * 2 // 3, len(data) * 2 // 3 + 40):
        broken[at] ^= 0x5A
    path = tmp_path / f"broken.jsonl{suffix}"
    path.write_bytes(bytes(broken))
    expected, offset = plain_decode(bytes(broken), decoder, error)
    assert offset < len(broken)

    seen: list[str] = []
    with pytest.raises(BrokenInputError) as info:
        for doc in JsonlReader().read(str(path), Sink()):
            seen.append(doc.text)
    assert seen == whole_lines(expected) and len(seen) > 100
    assert info.value.offset == offset


def test_one_bad_gzip_member_is_skipped_and_reading_goes_on(tmp_path: Path) -> None:
    texts = [b"".join(b"line %d of member %d\n" % (j, i) for j in range(300)) for i in range(5)]
    members = [gzip.compress(text, mtime=0) for text in texts]
    broken = bytearray(b"".join(members))
    start = len(members[0]) + len(members[1])
    broken[start + 30 : start + 40] = b"\xff" * 10
    path = tmp_path / "members.gz"
    path.write_bytes(bytes(broken))
    damages: list[Damage] = []
    text = b"".join(read_chunks(str(path), damages=damages))
    assert text.startswith(texts[0] + texts[1]) and text.endswith(texts[3] + texts[4])
    # zlib notices the damage a few bytes after it starts; the skip ends where the next member starts.
    assert len(damages) == 1 and start + 30 <= damages[0].start < start + 60
    assert damages[0].end == start + len(members[2])
    assert "corrupt gzip data" in damages[0].detail


@pytest.mark.parametrize("window_log", [28, 31])
def test_a_zstd_file_written_with_a_long_window_is_read(tmp_path: Path, window_log: int) -> None:
    # `zstd --long=31` (large corpora) writes frames asking for a window over zstd's default decoding limit
    # (128 MiB): every record of such a file was quarantined as "corrupt zstd data".
    records = [
        {"id": str(i), "text": f"Document {i} of a corpus compressed with a long window."} for i in range(50)
    ]
    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=window_log, enable_ldm=True)
    path = tmp_path / "long.jsonl.zst"
    with (
        path.open("wb") as raw,
        zstandard.ZstdCompressor(compression_params=params).stream_writer(raw) as out,
    ):
        out.write(b"".join(orjson.dumps(r) + b"\n" for r in records))
    docs = list(JsonlReader().read(str(path), sink := Sink()))
    assert [d.id for d in docs] == [r["id"] for r in records] and sink.bad == []
