"""Damaged compressed streams: every record before the damage is kept, the damage is found to the byte."""

import bz2
import contextlib
import gzip
import logging
import lzma
import zlib
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
import zstandard

from gristmill import Pipeline
from gristmill.errors import BrokenInputError, DamagedInputError, InputError
from gristmill.io import compression
from gristmill.io.compression import Damage, read_chunks
from gristmill.io.jsonl import JsonlReader
from gristmill.io.warc import WarcReader
from tests.io.test_jsonl import Sink
from tests.io.test_warc_damage import responses

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
    # Bytes that break the stream's structure where it is: deflate decodes most damage without a word,
    # to be found by the checksum at the member's end (see the tests of members that fail it, below).
    at = len(data) // 2 if suffix == ".gz" else len(data) * 2 // 3
    broken[at : at + 40] = b"\xff" * 40 if suffix == ".gz" else bytes(b ^ 0x5A for b in broken[at : at + 40])
    path = tmp_path / f"broken.jsonl{suffix}"
    path.write_bytes(bytes(broken))
    expected, offset = plain_decode(bytes(broken), decoder, error)
    assert offset < len(broken)

    seen: list[str] = []
    with pytest.raises(BrokenInputError) as info:
        for doc in JsonlReader().read(str(path), Sink()):
            seen.append(doc.text)
    assert seen == whole_lines(expected) and len(seen) > 100
    assert info.value.offset == offset < len(broken) - 100


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


RECORDS = [{"id": f"g{i}", "text": f"record number {i} with some plain words"} for i in range(30)]


def members_of_ten(suffix: str) -> list[bytes]:
    """The 30 records as three gzip members (stored, as `gzip -0` writes them) or zstd frames of 10 each."""
    parts = [b"".join(orjson.dumps(r) + b"\n" for r in RECORDS[i : i + 10]) for i in (0, 10, 20)]
    if suffix == ".gz":
        return [gzip.compress(part, compresslevel=0, mtime=0) for part in parts]
    return [zstandard.ZstdCompressor(write_checksum=True).compress(part) for part in parts]


def failing_its_check(member: bytes, suffix: str) -> bytes:
    """The member with a record's text altered (gzip) or its checksum flipped (zstd): decoded, it fails."""
    if suffix == ".gz":
        assert member.count(b"plain") == 10
        return member.replace(b"15 with some plain", b"15 with some Plain")
    return member[:-4] + bytes(b ^ 0xFF for b in member[-4:])


@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_records_of_a_member_that_fails_its_checksum_are_set_aside_and_the_next_read(
    tmp_path: Path, suffix: str
) -> None:
    # Its records decode before the check at its end fails: they were kept, the altered one among them,
    # and the intact members after it were lost as one quarantine entry.
    members = members_of_ten(suffix)
    members[1] = failing_its_check(members[1], suffix)
    path = tmp_path / f"flip.jsonl{suffix}"
    path.write_bytes(b"".join(members))
    sink = Sink()
    seen: list[str] = []
    with pytest.raises(DamagedInputError) as info:
        for doc in JsonlReader().read(str(path), sink):
            seen.append(doc.id)
    assert seen == [f"g{i}" for i in range(10)] + [f"g{i}" for i in range(20, 30)]
    # One entry each, the member's first record (line 11) too: the damage's entry stands for none of them.
    assert [where for _, where, _ in sink.bad] == [f"line {n}" for n in range(11, 21)]
    assert info.value.records == 0
    assert all("failed its checksum" in reason for _, _, reason in sink.bad)
    assert "checksum" in str(info.value) or "incorrect data check" in str(info.value)
    assert "set aside" in str(info.value) and "damaged at byte" in str(info.value)


def test_a_run_counts_every_record_of_a_member_that_fails_its_checksum(tmp_path: Path) -> None:
    members = members_of_ten(".gz")
    members[1] = failing_its_check(members[1], ".gz")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "flip.jsonl.gz").write_bytes(b"".join(members))
    result = Pipeline(input={"path": str(tmp_path / "in")}, output={"path": str(tmp_path / "out")}).run(
        progress=False
    )
    assert result.totals == {"read": 30, "created": 0, "kept": 20, "rejected": 0, "quarantined": 10}
    [error] = result.errors
    assert "damaged at byte" in error and "incorrect data check" in error
    quarantined = [
        orjson.loads(line) for line in (tmp_path / "out/quarantine/00000.jsonl").read_bytes().splitlines()
    ]
    # The ten records' entries, then the damage's: a note that counts no record.
    assert [q["where"] for q in quarantined[:10]] == [f"line {n}" for n in range(11, 21)]
    assert quarantined[10]["where"].startswith("byte ") and quarantined[10]["records"] == 0
    assert sum("Plain" in str(q) for q in quarantined) == 1  # g15, with its altered text, is among them


def numbered_lines(ids: range) -> bytes:
    return b"".join(orjson.dumps({"id": f"z{i}", "text": f"document number {i}"}) + b"\n" for i in ids)


@pytest.mark.parametrize(("members", "damaged"), [(1, 0), (3, 0), (3, 1), (3, 2)])
def test_each_record_of_a_member_that_fails_its_crc_is_quarantined_with_its_line_and_text(
    tmp_path: Path, members: int, damaged: int
) -> None:
    # Members of four lines each, one with its CRC32 flipped (its deflate data intact). Its first record
    # was once left to the damage entry, which has no line and no text: it could not be found again.
    data = [
        bytearray(gzip.compress(numbered_lines(range(4 * i, 4 * i + 4)), mtime=0)) for i in range(members)
    ]
    data[damaged][-8] ^= 0xFF
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "c.jsonl.gz").write_bytes(b"".join(data))
    result = Pipeline(input={"path": str(tmp_path / "in")}, output={"path": str(tmp_path / "out")}).run(
        progress=False
    )
    total = 4 * members
    assert result.totals == {"read": total, "created": 0, "kept": total - 4, "rejected": 0, "quarantined": 4}
    entries = [
        orjson.loads(line) for line in (tmp_path / "out/quarantine/00000.jsonl").read_bytes().splitlines()
    ]
    lost = range(4 * damaged, 4 * damaged + 4)
    assert [(e["where"], e["excerpt"]) for e in entries[:4]] == [
        (f"line {i + 1}", numbered_lines(range(i, i + 1)).decode().strip()) for i in lost
    ]
    [note] = entries[4:]
    assert (
        note["where"].startswith("byte ") and note["records"] == 0 and "failed its checksum" in note["reason"]
    )


def test_a_member_over_the_held_bound_is_passed_on_and_its_damage_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A member is held until its check only up to MEMBER_HOLD decompressed bytes (memory stays bounded):
    # past that, its records are passed on as they decode, and the damage entry says how many bytes were.
    monkeypatch.setattr(compression, "MEMBER_HOLD", 5000)
    records = [{"id": f"g{i}", "text": f"record number {i} with some plain words"} for i in range(300)]
    data = b"".join(orjson.dumps(r) + b"\n" for r in records)
    member = gzip.compress(data, compresslevel=0, mtime=0)
    path = tmp_path / "one.jsonl.gz"
    path.write_bytes(member[:-8] + bytes(b ^ 0xFF for b in member[-8:-4]) + member[-4:])
    sink = Sink()
    seen: list[str] = []
    with pytest.raises(BrokenInputError) as info:
        for doc in JsonlReader().read(str(path), sink):
            seen.append(doc.id)
    assert 0 < len(seen) < 300 and len(seen) + len(sink.bad) == 300 and info.value.records == 0
    assert seen == [f"g{i}" for i in range(len(seen))]
    assert "were passed on before its check" in str(info.value)


def test_a_member_damaged_midway_costs_no_record_of_the_members_after_it(tmp_path: Path) -> None:
    # The bytes it decoded before the damage end mid-line; the next member starts a line of its own,
    # not glued to that part (which the damage entry stands for).
    parts = [b"".join(orjson.dumps(r) + b"\n" for r in RECORDS[i : i + 10]) for i in (0, 10, 20)]
    members = [gzip.compress(part, mtime=0) for part in parts]
    members[1] = members[1][:40] + b"\xff" * 10 + members[1][50:]
    path = tmp_path / "midway.jsonl.gz"
    path.write_bytes(b"".join(members))
    sink = Sink()
    seen: list[str] = []
    with pytest.raises(DamagedInputError):
        for doc in JsonlReader().read(str(path), sink):
            seen.append(doc.id)
    assert seen[:10] == [f"g{i}" for i in range(10)] and seen[-10:] == [f"g{i}" for i in range(20, 30)]
    # Bytes at the end of a member that ends mid-line, cut by a gap before it, are said to be so.
    cut_mid_line = b"".join(parts)
    members = [gzip.compress(cut_mid_line[i : i + 500], mtime=0) for i in range(0, len(cut_mid_line), 500)]
    members[1] = members[1][:30] + b"\xff" * 10 + members[1][40:]
    path.write_bytes(b"".join(members))
    sink = Sink()
    with pytest.raises(DamagedInputError):
        list(JsonlReader().read(str(path), sink))
    assert any("it follows damaged bytes" in reason for _, _, reason in sink.bad)


PLAIN = b"".join(orjson.dumps(r) + b"\n" for r in RECORDS)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("gzip.jsonl", gzip.compress(PLAIN, mtime=0)),
        ("plain.jsonl.gz", PLAIN),
        ("zstd.jsonl.gz", zstandard.ZstdCompressor().compress(PLAIN)),
        ("gzip.jsonl.zst", gzip.compress(PLAIN, mtime=0)),
    ],
)
def test_a_file_is_read_by_the_compression_its_bytes_show(tmp_path: Path, name: str, data: bytes) -> None:
    # A gzip file named .jsonl was read as 4 binary "lines", each quarantined; a plain or zstd file
    # named .gz stopped at its first byte ("incorrect header check").
    path = tmp_path / name
    path.write_bytes(data)
    docs, sink = list(JsonlReader().read(str(path), sink := Sink())), sink
    assert [d.id for d in docs] == [r["id"] for r in RECORDS] and sink.bad == []


def test_a_gzip_file_whose_first_bytes_are_damaged_stays_gzip(tmp_path: Path) -> None:
    data = bytearray(gzip.compress(PLAIN, mtime=0))
    data[1] = 0x00  # no gzip magic any more, and no text either
    path = tmp_path / "head.jsonl.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(BrokenInputError, match="corrupt gzip data"):
        list(JsonlReader().read(str(path), Sink()))


@pytest.mark.parametrize("magic", [b"\x28\xb5\x2f\xfd", b"\x1f\x8b\x08"])
def test_a_text_file_that_begins_with_a_magic_number_but_does_not_decode_is_read_as_text(
    tmp_path: Path, magic: bytes
) -> None:
    # A plain .jsonl whose first bytes were damaged into zstd's magic was read as zstd, and its intact
    # lines after the damaged one were lost (the fuzz check drew it).
    path = tmp_path / "docs.jsonl"
    path.write_bytes(magic + PLAIN)
    docs = list(JsonlReader().read(str(path), sink := Sink()))
    assert [d.id for d in docs] == [r["id"] for r in RECORDS[1:]] and len(sink.bad) == 1


@pytest.mark.parametrize(("kind", "data"), [("bzip2", bz2.compress(PLAIN)), ("xz", lzma.compress(PLAIN))])
def test_a_bzip2_or_xz_file_is_refused_in_one_line(tmp_path: Path, kind: str, data: bytes) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_bytes(data)
    with pytest.raises(InputError, match=f"is {kind}-compressed, which gristmill does not read"):
        list(JsonlReader().read(str(path), Sink()))


def test_a_run_says_which_files_are_not_compressed_as_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_bytes(gzip.compress(PLAIN, mtime=0))
    (tmp_path / "in" / "b.jsonl.gz").write_bytes(PLAIN)
    (tmp_path / "in" / "c.jsonl.gz").write_bytes(gzip.compress(PLAIN, mtime=0))
    with caplog.at_level(logging.WARNING, logger="gristmill"):
        result = Pipeline(input={"path": str(tmp_path / "in")}, output={"path": str(tmp_path / "out")}).run(
            progress=False
        )
    assert result.totals["read"] == result.totals["kept"] == 90 and result.errors == []
    [line] = [r.getMessage() for r in caplog.records if "compressed as" in r.getMessage()]
    assert line.startswith("input: 2 files not compressed as their names say, read by their bytes: ")
    assert "a.jsonl (gzip data)" in line and "b.jsonl.gz (not compressed)" in line and "c.jsonl" not in line


@pytest.mark.parametrize("layout", ["members.warc", "plain.warc.gz", "zstd.warc.gz", "members.warc.zst"])
def test_a_warc_file_is_read_by_the_compression_its_bytes_show(tmp_path: Path, layout: str) -> None:
    records = responses(3)
    data = {
        "members.warc": b"".join(gzip.compress(r, mtime=0) for r in records),
        "plain.warc.gz": b"".join(records),
        "zstd.warc.gz": zstandard.ZstdCompressor().compress(b"".join(records)),
        "members.warc.zst": b"".join(gzip.compress(r, mtime=0) for r in records),
    }[layout]
    path = tmp_path / layout
    path.write_bytes(data)
    docs = list(WarcReader().read(str(path), sink := Sink()))
    assert [d.id for d in docs] == ["urn:uuid:0000", "urn:uuid:0001", "urn:uuid:0002"] and sink.bad == []
