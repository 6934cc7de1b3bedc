"""Damaged WARC files: every intact record is read, every damaged one is quarantined, in linear time."""

import base64
import gzip
import hashlib
import io
import json
import re
import zlib
from pathlib import Path

import brotli
import pytest
import zstandard
from fastwarc import ArchiveIterator

from gristmill.errors import BrokenInputError, TruncatedInputError
from gristmill.io import warc as warc_module
from gristmill.io.warc import WarcReader, _split_records
from gristmill.io.warc_native import MAX_HTTP_HEAD, _blank_line, _page, _page_length, declared_length
from tests.counting import assert_grows_linearly, counting_work
from tests.io.test_jsonl import Sink
from tests.io.test_warc import warc_request, warc_response, write_warc_gz


def responses(n: int) -> list[bytes]:
    return [
        warc_response(f"https://a.example/{i}", b"<p>page %d</p>" % i + b"x" * (3000 + 500 * i), f"{i:04d}")
        for i in range(n)
    ]


def write_as(path: Path, records: list[bytes], layout: str) -> Path:
    """Write ``records`` to ``path`` plus the layout's extension: plain, gzip per record, gzip whole, zstd."""
    suffix = {"plain": ".warc", "gzip per record": ".warc.gz", "gzip whole": ".warc.gz", "zstd": ".warc.zst"}
    path = path.with_name(path.name + suffix[layout])
    if layout == "gzip per record":
        return write_warc_gz(path, records)
    data = b"".join(records)
    if layout == "gzip whole":
        data = gzip.compress(data, mtime=0)
    elif layout == "zstd":
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)
    return path


def read_until_error(path: Path) -> tuple[list[str], Sink, Exception | None]:
    sink = Sink()
    ids: list[str] = []
    try:
        for doc in WarcReader().read(str(path), sink):
            ids.append(doc.id)
    except BrokenInputError as exc:
        return ids, sink, exc
    return ids, sink, None


def test_truncated_warc_gz_keeps_the_last_complete_record_before_the_cut(tmp_path: Path) -> None:
    whole = write_warc_gz(tmp_path / "whole.warc.gz", responses(5)).read_bytes()
    last = len(gzip.compress(responses(5)[4], mtime=0))
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(whole[: len(whole) - last // 2])
    ids, sink, error = read_until_error(cut)
    assert ids == [f"urn:uuid:{i:04d}" for i in range(4)]
    assert isinstance(error, TruncatedInputError) and error.offset == cut.stat().st_size
    assert sink.bad == []  # the cut record is the truncation the caller quarantines, not a second entry


def test_one_bad_gzip_member_loses_only_its_own_record(tmp_path: Path) -> None:
    members = [gzip.compress(r, mtime=0) for r in responses(5)]
    broken = bytearray(b"".join(members))
    start = len(members[0]) + len(members[1])
    broken[start + 40 : start + 60] = b"\x00" * 20
    path = tmp_path / "bad-member.warc.gz"
    path.write_bytes(bytes(broken))
    ids, sink, error = read_until_error(path)
    assert ids == ["urn:uuid:0000", "urn:uuid:0001", "urn:uuid:0003", "urn:uuid:0004"]
    assert isinstance(error, BrokenInputError) and not isinstance(error, TruncatedInputError)
    assert start + 40 <= error.offset < start + len(members[2])
    assert f"compressed bytes {error.offset} to {start + len(members[2])} skipped" in str(error)
    assert sink.bad == []


def test_two_bad_members_each_counted(tmp_path: Path) -> None:
    members = [gzip.compress(r, mtime=0) for r in responses(6)]
    broken = bytearray(b"".join(members))
    for k in (1, 4):
        start = sum(len(m) for m in members[:k])
        broken[start + 40 : start + 60] = b"\x00" * 20
    path = tmp_path / "two-bad.warc.gz"
    path.write_bytes(bytes(broken))
    ids, sink, error = read_until_error(path)
    assert ids == ["urn:uuid:0000", "urn:uuid:0002", "urn:uuid:0003", "urn:uuid:0005"]
    assert len(sink.bad) == 1 and "corrupt gzip data" in sink.bad[0][2] and error is not None


def test_damaged_version_line_does_not_glue_records(tmp_path: Path, shared_data: Path) -> None:
    data = (shared_data / "warc/cc_net/sample.warc.wet").read_bytes()
    third = data.index(b"WARC/1.0", data.index(b"WARC-Type: conversion") + 1)  # the Chinese record
    path = tmp_path / "damaged.warc.wet"
    path.write_bytes(data[:third] + b"WARC/1.\x00" + data[third + 8 :])
    docs = list(WarcReader().read(str(path), Sink()))
    assert len(docs) == 3
    assert "WARC-Type" not in docs[0].text and "WARC-Record-ID" not in docs[0].text
    assert docs[0].text.rstrip().endswith(docs[0].text.rstrip().splitlines()[-1])
    assert "version line was damaged" in docs[1].meta["warc_repaired"]
    assert docs[1].meta["url"] and docs[1].id.startswith("urn:uuid:")


def test_damaged_version_line_of_the_first_record(tmp_path: Path) -> None:
    records = responses(3)
    path = tmp_path / "first.warc"
    path.write_bytes(b"WBRC/1.0\r\n" + b"".join(records)[len(b"WARC/1.0\r\n") :])
    docs = list(WarcReader().read(str(path), Sink()))
    assert [d.id for d in docs] == ["urn:uuid:0000", "urn:uuid:0001", "urn:uuid:0002"]
    assert "version line was damaged" in docs[0].meta["warc_repaired"]


def no_space_after_colon(record: bytes) -> bytes:
    head, sep, rest = record.partition(b"\r\n\r\n")
    return head.replace(b": ", b":") + sep + rest


@pytest.mark.parametrize(
    "rewrite",
    [
        no_space_after_colon,
        lambda r: r.replace(b"WARC-Target-URI: https://a.example/1", b"WARC-Target-URI: x "),
    ],
    ids=["no-space", "uri-ends-in-space"],
)
def test_valid_headers_written_otherwise_are_read_on_the_fast_path(tmp_path: Path, rewrite) -> None:
    path = write_warc_gz(tmp_path / "odd.warc.gz", [rewrite(r) for r in responses(4)])
    docs = list(WarcReader().read(str(path), Sink()))
    assert [d.id for d in docs] == [f"urn:uuid:{i:04d}" for i in range(4)]
    assert not any("warc_repaired" in d.meta for d in docs)


def test_splitting_a_large_record_is_linear_in_its_size() -> None:
    # 2 MB arriving in 4 KiB chunks: rescanning the growing buffer would read 256 times as much (and
    # 16 MB took minutes). Counted: the bytes the splitter's patterns read, not the time they take.
    record = responses(1)[0] + b"y" * (2 << 20)
    chunks = (record[i : i + 4096] for i in range(0, len(record), 4096))
    with counting_work(lines=False) as work:
        parts = list(_split_records(chunks))
    size = len(record)
    assert [offset for offset, _, _ in parts] == [0] and len(parts[0][1]) == size
    assert 0 < work.scanned < 2 * size


def counting_lenient_documents(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the lenient parser note the id of each document it yields (into the list returned)."""
    ids: list[str] = []
    lenient = warc_module._lenient_read

    def counting(*args, **kwargs):
        for doc in lenient(*args, **kwargs):
            ids.append(doc.id)
            yield doc

    monkeypatch.setattr(warc_module, "_lenient_read", counting)
    return ids


@pytest.mark.parametrize("layout", ["gzip per record", "zstd"])  # read natively, read by fastwarc
def test_large_record_with_odd_uri_is_read_on_the_fast_path(
    tmp_path: Path, layout: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A URI ending in a space made the header's length, measured from fastwarc's parsed (stripped)
    # fields, come short: the record and all after it went to the lenient parser, and 20 MB took it a
    # long while. Counted: the documents the lenient parser yields (none).
    lenient = counting_lenient_documents(monkeypatch)
    body = b"<p>" + b"word " * (4 << 20) + b"</p>"
    record = warc_response("https://a.example/big", body, "big").replace(b"/big\r\n", b"/big \r\n")
    path = write_as(tmp_path / "big", [record, *responses(2)], layout)
    docs = list(WarcReader().read(str(path), Sink()))
    assert lenient == []
    assert len(docs) == 3 and len(docs[0].raw or b"") == len(body)
    assert not any("warc_repaired" in d.meta for d in docs)
    path = write_as(tmp_path / "lf", [*responses(2), _LF_RECORD], layout)  # what the lenient one reads
    assert [d.id for d in WarcReader().read(str(path), Sink())][-1] == lenient[-1] == "urn:uuid:lf"


def test_garbage_before_the_first_record_is_quarantined_and_the_records_read(tmp_path: Path) -> None:
    path = tmp_path / "lead.warc"
    path.write_bytes(b"\x00\x01 not a record\r\n\r\n" + b"".join(responses(2)))
    ids, sink, error = read_until_error(path)
    assert ids == ["urn:uuid:0000", "urn:uuid:0001"] and error is None
    assert sink.bad == [("lead.warc", "byte 0", "bytes that are not a WARC record")]


def test_records_read_by_the_lenient_parser_name_their_file(tmp_path: Path) -> None:
    # Records without a WARC-Record-ID are named <file>@<offset>: two files must not share names.
    def without_id(record: bytes) -> bytes:
        head, sep, rest = record.partition(b"\r\n\r\n")
        kept = [line for line in head.split(b"\r\n") if not line.startswith(b"WARC-Record-ID")]
        return b"\r\n".join(kept) + sep + rest

    ids = []
    for name in ("one.warc", "two.warc"):
        path = tmp_path / name
        records = b"".join(without_id(r) for r in responses(2))
        path.write_bytes(b"WBRC/1.0\r\n" + records[len(b"WARC/1.0\r\n") :])  # read by the lenient parser
        docs = list(WarcReader().read(str(path), Sink()))
        assert [d.meta["warc_file"] for d in docs] == [WarcReader().options.name_of(str(path))] * 2
        ids += [d.id for d in docs]
    assert len(set(ids)) == 4, ids


def _bad_checksum(member: bytes) -> bytes:
    """A gzip member whose CRC-32 does not match its bytes (they decode to their end, then fail)."""
    return member[:-8] + bytes(b ^ 0xFF for b in member[-8:-4]) + member[-4:]


def test_a_member_that_fails_its_checksum_loses_its_record_counted_once(tmp_path: Path) -> None:
    # The bytes of such a member are not those written, wherever the flip fell: its record is not
    # kept but set aside at its place, and the damage's entry is a note that counts no record (the run's
    # read count is the file's records). Until stop 38 the damage entry stood for the record instead.
    records = responses(5)
    members = [gzip.compress(r, mtime=0) for r in records]
    members[2] = _bad_checksum(members[2])
    path = tmp_path / "crc.warc.gz"
    path.write_bytes(b"".join(members))
    ids, sink, error = read_until_error(path)
    assert ids == ["urn:uuid:0000", "urn:uuid:0001", "urn:uuid:0003", "urn:uuid:0004"]
    assert [where for _, where, _ in sink.bad] == [f"decompressed byte {len(records[0]) + len(records[1])}"]
    assert isinstance(error, BrokenInputError) and error.records == 0 and "incorrect data check" in str(error)
    assert "damaged at byte" in str(error)  # not "unreadable after": the records after it were read
    # Three records in one member: those read before its end stay read, the others are set aside,
    # one entry each.
    whole = tmp_path / "one-member.warc.gz"
    whole.write_bytes(_bad_checksum(gzip.compress(b"".join(responses(3)), mtime=0)))
    ids, sink, error = read_until_error(whole)
    assert "urn:uuid:0002" not in ids and len(ids) + len(sink.bad) == 3
    assert isinstance(error, BrokenInputError) and error.records == 0
    frame = zstandard.ZstdCompressor(write_checksum=True).compress(b"".join(responses(3)))
    zst = tmp_path / "one-frame.warc.zst"
    zst.write_bytes(frame[:-4] + bytes(b ^ 0xFF for b in frame[-4:]))
    ids, sink, error = read_until_error(zst)
    assert ids == [] and len(sink.bad) == 3 and isinstance(error, BrokenInputError) and error.records == 0
    assert "doesn't match checksum" in str(error)
    assert all("failed its checksum" in reason for _, _, reason in sink.bad)


@pytest.mark.parametrize("damaged", [0, 1, 2])  # the first, a middle and the last member
@pytest.mark.parametrize("per_member", [1, 3])
def test_each_record_of_a_member_that_fails_its_crc_is_quarantined_with_its_place_and_header(
    tmp_path: Path, run_cli, per_member: int, damaged: int
) -> None:
    # Three members, one with its CRC32 flipped (its deflate data intact). Its first record was once left
    # to the damage entry, which has no place in the stream and no excerpt: it could not be found again.
    records = responses(3 * per_member)
    members = [
        bytearray(gzip.compress(b"".join(records[i : i + per_member]), mtime=0))
        for i in range(0, len(records), per_member)
    ]
    members[damaged][-8] ^= 0xFF
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "crc.warc.gz").write_bytes(b"".join(members))
    config = tmp_path / "p.yaml"
    config.write_text(f"input: {{path: '{tmp_path}/in'}}\noutput: {{path: '{tmp_path}/out'}}\n")
    result = run_cli("run", str(config))
    assert "failed its checksum" in result.output, result.output
    totals = json.loads((tmp_path / "out/stats.json").read_bytes())["totals"]
    total = len(records)
    assert totals == {
        "read": total,
        "created": 0,
        "kept": total - per_member,
        "rejected": 0,
        "quarantined": per_member,
    }
    entries = [
        json.loads(line) for line in (tmp_path / "out/quarantine/00000.jsonl").read_bytes().splitlines()
    ]
    lost = range(damaged * per_member, (damaged + 1) * per_member)
    starts = [sum(len(r) for r in records[:i]) for i in range(len(records) + 1)]
    assert [(e["where"], e["excerpt"]) for e in entries[:per_member]] == [
        (f"decompressed byte {starts[i]}", records[i][:200].decode()) for i in lost
    ]
    assert all(f"<urn:uuid:{i:04d}>" in e["excerpt"] for i, e in zip(lost, entries, strict=False))
    assert all("failed its checksum" in e["reason"] and "records" not in e for e in entries[:per_member])
    [note] = entries[per_member:]  # the damage's own entry: a note beside them that counts no record
    assert (
        note["where"].startswith("byte ") and note["records"] == 0 and "failed its checksum" in note["reason"]
    )


@pytest.mark.parametrize(
    ("altered", "reason"),
    [("WARC-Type", "a record of no WARC type"), ("Content-Length", "its compressed member")],
)
def test_a_record_of_a_member_that_fails_its_checksum_is_counted_by_its_own_entry_alone(
    tmp_path: Path, altered: str, reason: str
) -> None:
    # Set aside as of no type, its entry counted it and so did the damage's (4 of 3); read short of a
    # length too long, it was taken for one the damage cut and had no entry of its own (no place, no header).
    records = responses(3)
    if altered == "WARC-Type":
        records[2] = records[2].replace(b"WARC-Type: response", b"WARC-Type: presponse", 1)
    else:
        records[2] = re.sub(
            rb"\nContent-Length: (\d+)", lambda m: b"\nContent-Length: 1%s" % m[1], records[2], count=1
        )
    members = [gzip.compress(r, mtime=0) for r in records]
    members[2] = _bad_checksum(members[2])
    path = tmp_path / "crc-odd.warc.gz"
    path.write_bytes(b"".join(members))
    ids, sink, error = read_until_error(path)
    assert ids == ["urn:uuid:0000", "urn:uuid:0001"]
    [(_, where, said)] = sink.bad
    assert where == f"decompressed byte {len(records[0]) + len(records[1])}" and said.startswith(reason)
    assert isinstance(error, BrokenInputError) and error.records == 0


def test_a_whole_file_in_one_member_that_fails_its_checksum_says_which_documents_may_be_damaged(
    tmp_path: Path, shared_data: Path
) -> None:
    # Ten bytes flipped a third of the way into a file gzipped as one member: it decodes to its end
    # (garbage from the flip on), and only there does its checksum fail. Its records were passed on by
    # then; the file's line counts them, and says where its records stopped parsing.
    articles = shared_data / "html_extraction" / "scrapinghub_article_extraction_benchmark" / "html"
    pages = [gzip.decompress(page.read_bytes()) for page in sorted(articles.glob("*.html.gz"))[:12]]
    records = [warc_response(f"https://n.example/{i}", page, f"{i:04d}") for i, page in enumerate(pages)]
    member = bytearray(gzip.compress(b"".join(records), mtime=0))
    third = len(member) // 3
    member[third : third + 10] = bytes(b ^ 0x55 for b in member[third : third + 10])
    path = tmp_path / "one.warc.gz"
    path.write_bytes(member)
    docs: list = []
    with pytest.raises(BrokenInputError) as caught:
        docs.extend(WarcReader().read(str(path), Sink()))
    message = str(caught.value)
    bodies = {f"urn:uuid:{i:04d}": _body(record) for i, record in enumerate(records)}
    lenient = [doc for doc in docs if doc.meta.get("warc_repaired")]  # read after the parser gave up
    parsed = docs[: len(docs) - len(lenient)]
    assert parsed and all(bodies.get(doc.id) == doc.raw for doc in parsed), message
    assert any(bodies.get(doc.id) != doc.raw for doc in lenient), message
    assert (
        f"the compressed member at bytes 0 to {len(member)} failed its checksum at its end, after the"
        f" {len(docs)} documents read from it were passed on: they may hold damaged text"
    ) in message
    parsed_to = sum(len(record) for record in records[: len(parsed)])
    assert (
        f"records stopped parsing at decompressed byte {parsed_to:,}, where the damage likely begins:"
        f" the {len(lenient)} documents from there on, with meta.warc_repaired set, are the likeliest damaged"
    ) in message
    # A member whose checksum alone is wrong: every record parses, the count alone is said.
    path.write_bytes(_bad_checksum(gzip.compress(b"".join(records), mtime=0)))
    docs.clear()
    with pytest.raises(BrokenInputError) as caught:
        docs.extend(WarcReader().read(str(path), Sink()))
    assert f"after the {len(docs)} documents read from it were passed on" in str(caught.value)
    assert "stopped parsing" not in str(caught.value)


def _body(record: bytes) -> bytes:
    """The HTTP body of a ``warc_response`` record."""
    return record.split(b"\r\n\r\n", 2)[2][: -len(b"\r\n\r\n")]


def test_bytes_between_two_records_are_quarantined_not_read_into_the_first(tmp_path: Path) -> None:
    first, second = responses(2)
    path = tmp_path / "between.warc"
    path.write_bytes(first + b"GARBAGE LINE\r\nGARBAGE LINE\r\n" + second)
    docs = list(WarcReader().read(str(path), sink := Sink()))
    assert [d.id for d in docs] == ["urn:uuid:0000", "urn:uuid:0001"]
    assert "GARBAGE" not in docs[0].text and docs[0].raw == read_plain(first)
    assert [(where, reason) for _, where, reason in sink.bad] == [
        (f"byte {len(first)}", "bytes that are not a WARC record")
    ]


def test_a_record_cut_short_does_not_damage_the_next(tmp_path: Path) -> None:
    # The cut record's last line runs into the next record's version line ("...b3WARC/1.0").
    records = responses(3)
    path = tmp_path / "glued.warc"
    path.write_bytes(records[0] + records[1][:-2000] + records[2])
    ids, sink, error = read_until_error(path)
    docs = list(WarcReader().read(str(path), Sink()))
    assert ids == ["urn:uuid:0000", "urn:uuid:0002"] and error is None
    assert [reason.split(":")[0] for _, _, reason in sink.bad] == ["record cut short"]
    assert "version line" not in docs[1].meta.get("warc_repaired", "")


def read_plain(record: bytes) -> bytes:
    """The HTML body of one :func:`warc_response` record."""
    http = record.split(b"\r\n\r\n", 1)[1]
    return http.split(b"\r\n\r\n", 1)[1][:-4]


def encoded_response(uri: str, record_id: str, body: bytes, encoding: str, chunks: int) -> bytes:
    """A response whose ``body`` was sent with ``Content-Encoding: encoding``, in ``chunks`` chunks."""
    if chunks:
        step = -(-len(body) // chunks)
        parts = [body[i : i + step] for i in range(0, len(body), step)]
        body = b"".join(b"%x\r\n" % len(part) + part + b"\r\n" for part in parts) + b"0\r\n\r\n"
    http = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        + (b"Transfer-Encoding: chunked\r\n" if chunks else b"")
        + (f"Content-Encoding: {encoding}\r\n".encode() if encoding else b"")
        + b"\r\n"
        + body
    )
    head = (
        f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2024-05-01T10:00:00Z\r\n"
        f"WARC-Record-ID: <urn:uuid:{record_id}>\r\nContent-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(http)}\r\n\r\n"
    ).encode()
    return head + http + b"\r\n\r\n"


@pytest.mark.parametrize("layout", ["plain", "gzip per record", "gzip whole"])
def test_a_chunked_gzip_response_loses_no_record_after_it(tmp_path: Path, layout: str) -> None:
    records = [
        *responses(2),
        encoded_response("https://a.example/z", "zzzz", gzip.compress(b"<p>zip</p>", mtime=0), "gzip", 1),
        *responses(5)[2:],
    ]
    path = write_as(tmp_path / "c", records, layout)
    ids, sink, error = read_until_error(path)
    assert ids == [
        "urn:uuid:0000",
        "urn:uuid:0001",
        "urn:uuid:zzzz",
        "urn:uuid:0002",
        "urn:uuid:0003",
        "urn:uuid:0004",
    ]
    assert sink.bad == [] and error is None
    zipped = next(d for d in WarcReader().read(str(path), Sink()) if d.id == "urn:uuid:zzzz")
    assert zipped.text == "<p>zip</p>"


def _raw_deflate(data: bytes) -> bytes:
    encoder = zlib.compressobj(wbits=-15)
    return encoder.compress(data) + encoder.flush()


_PAGE = b"<html><body><p>An encoded page, read as the browser would show it.</p></body></html>"
# Content-Encoding as servers send it: each with the bytes it names.
_ENCODED = {
    "gzip": gzip.compress(_PAGE, mtime=0),
    "x-gzip": gzip.compress(_PAGE, mtime=0),
    "GZIP": gzip.compress(_PAGE, mtime=0),
    "deflate": zlib.compress(_PAGE),
    "deflate (raw, as some servers send it)": _raw_deflate(_PAGE),
    "br": brotli.compress(_PAGE),
    "gzip, identity": gzip.compress(_PAGE, mtime=0),
    "gzip, br": brotli.compress(gzip.compress(_PAGE, mtime=0)),
    "zstd": zstandard.ZstdCompressor().compress(_PAGE),
    "": _PAGE,
}


def only_native(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the reader fail if it leaves the native path (a local plain or gzip file read by fastwarc)."""

    def careful_read(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file left the native path")

    monkeypatch.setattr(warc_module, "_careful_read", careful_read)


@pytest.mark.parametrize("chunks", [0, 1, 3])
@pytest.mark.parametrize("encoding", list(_ENCODED))
@pytest.mark.parametrize("layout", ["plain", "gzip per record"])
def test_a_content_encoded_response_is_decoded_and_the_records_after_it_read_as_usual(
    tmp_path: Path, encoding: str, chunks: int, layout: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A chunked gzip or brotli body made fastwarc read to the end of the stream: every record after
    # it went to the lenient parser, 10-23x slower and marked "repaired" though nothing was wrong.
    header = encoding.split(" (")[0]
    records = [
        *responses(2),
        encoded_response("https://a.example/z", "zzzz", _ENCODED[encoding], header, chunks),
        *responses(4)[2:],
    ]
    path = write_as(tmp_path / "c", records, layout)
    only_native(monkeypatch)
    sink = Sink()
    docs = list(WarcReader().read(str(path), sink))
    assert [d.id for d in docs] == [
        "urn:uuid:0000",
        "urn:uuid:0001",
        "urn:uuid:zzzz",
        "urn:uuid:0002",
        "urn:uuid:0003",
    ]
    assert sink.bad == []
    assert docs[2].text == _PAGE.decode()
    assert [d.meta.get("warc_repaired") for d in docs] == [None] * 5


@pytest.mark.parametrize("lenient", [False, True])
def test_repeated_content_encoding_headers_are_one_list(tmp_path: Path, lenient: bool) -> None:
    # "Content-Encoding: gzip" then "Content-Encoding: br": gzipped, then brotli-compressed (RFC 9110 5.3).
    record = encoded_response("https://a.example/z", "zzzz", brotli.compress(gzip.compress(_PAGE)), "gzip", 0)
    head, block = record.split(b"\r\n\r\n", 1)
    block = block.replace(
        b"Content-Encoding: gzip\r\n", b"Content-Encoding: gzip\r\nContent-Encoding: br\r\n"
    )
    head = re.sub(rb"Content-Length: \d+", b"Content-Length: %d" % (len(block) - 4), head)
    before = responses(1)[0]
    if lenient:  # a Content-Length one byte short sends the file to the lenient parser from there
        before = before.replace(b"Content-Length: 3099", b"Content-Length: 3098")
    path = tmp_path / "repeated.warc"
    path.write_bytes(before + head + b"\r\n\r\n" + block)
    docs = list(WarcReader().read(str(path), Sink()))
    assert docs[-1].id == "urn:uuid:zzzz" and docs[-1].text == _PAGE.decode()
    assert ("lenient" in (docs[-1].meta.get("warc_repaired") or "")) is lenient


@pytest.mark.parametrize("gzipped", [False, True])
def test_a_body_said_to_be_chunked_that_is_not_is_read_as_sent(
    tmp_path: Path, gzipped: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # fastwarc's chunked decoding read such a body to the end of the stream: the rest went lenient.
    record = encoded_response("https://a.example/z", "zzzz", _PAGE, "", 0)
    record = record.replace(b"charset=utf-8\r\n", b"charset=utf-8\r\nTransfer-Encoding: chunked\r\n")
    record = re.sub(rb"Content-Length: (\d+)", lambda m: b"Content-Length: %d" % (int(m[1]) + 28), record)
    records = [*responses(1), record, *responses(2)[1:]]
    path = write_as(tmp_path / "c", records, "gzip per record" if gzipped else "plain")
    only_native(monkeypatch)
    docs = list(WarcReader().read(str(path), sink := Sink()))
    assert [d.id for d in docs] == ["urn:uuid:0000", "urn:uuid:zzzz", "urn:uuid:0001"] and sink.bad == []
    assert docs[1].text == _PAGE.decode()


def test_a_body_that_is_not_what_its_content_encoding_says_is_kept_as_sent(tmp_path: Path) -> None:
    records = [
        *responses(1),
        encoded_response("https://a.example/z", "zzzz", _PAGE, "gzip", 0),
        *responses(2)[1:],
    ]
    path = tmp_path / "c.warc"
    path.write_bytes(b"".join(records))
    sink = Sink()
    docs = list(WarcReader().read(str(path), sink))
    assert [d.id for d in docs] == ["urn:uuid:0000", "urn:uuid:zzzz", "urn:uuid:0001"]
    assert docs[1].text == _PAGE.decode() and sink.bad == []
    assert docs[1].meta["warc_repaired"] == "the body does not decode as Content-Encoding gzip: kept as sent"
    assert docs[2].meta.get("warc_repaired") is None


@pytest.mark.parametrize("gzipped", [False, True])
def test_a_file_cut_inside_a_header_repeats_no_document(tmp_path: Path, gzipped: bool) -> None:
    records = responses(5)
    records[4] = records[4][:100]  # the file ends inside the last record's header
    path = tmp_path / ("cut.warc.gz" if gzipped else "cut.warc")
    if gzipped:
        write_warc_gz(path, records)
    else:
        path.write_bytes(b"".join(records))
    ids, sink, error = read_until_error(path)
    assert ids == [f"urn:uuid:{i:04d}" for i in range(4)]
    assert len(sink.bad) + (error is not None) == 1  # the cut record, counted once


@pytest.mark.parametrize("layout", ["plain", "gzip per record", "gzip whole", "zstd"])
def test_a_record_cut_inside_its_first_header_lines_is_counted_when_a_whole_record_follows(
    tmp_path: Path, layout: str
) -> None:
    # Cut after its version line, before its WARC-Type's colon, a record's stub runs into the next
    # record's header: fastwarc reads the two as one (it skips a header line without a colon).
    records = responses(4)
    for cut in range(len(b"WARC/1.0\r\n"), len(b"WARC/1.0\r\nWARC-Type:")):
        parts = [records[0], records[1][:cut], *records[2:]]
        path = write_as(tmp_path / f"stub-{cut}", parts, layout)
        ids, sink, error = read_until_error(path)
        assert ids == ["urn:uuid:0000", "urn:uuid:0002", "urn:uuid:0003"], cut
        assert [reason for _, _, reason in sink.bad] == ["record cut short inside its header"], cut
        assert error is None


@pytest.mark.parametrize("gzipped", [False, True])
def test_a_version_inside_a_header_value_is_no_cut_record(
    tmp_path: Path, gzipped: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = responses(3)
    records[1] = records[1].replace(b"https://a.example/1", b"https://a.example/spec/WARC/1.0")
    path = write_as(tmp_path / "spec", records, "gzip per record" if gzipped else "plain")
    only_native(monkeypatch)
    docs = list(WarcReader().read(str(path), sink := Sink()))
    assert [d.meta["url"] for d in docs][1] == "https://a.example/spec/WARC/1.0"
    assert len(docs) == 3 and sink.bad == []


def test_lf_records_whose_text_ends_in_a_newline_keep_it(tmp_path: Path) -> None:
    # Hand-made WETs end lines with LF; a record's own last newline is counted by its Content-Length.
    texts = [b"First page.\n", b"Second page,\nlast line.\n", b"Third page, no newline"]
    path = tmp_path / "lf.warc.wet"
    path.write_bytes(
        b"".join(
            b"WARC/1.0\nWARC-Type: conversion\nWARC-Target-URI: https://a.example/%d\n"
            b"WARC-Record-ID: <urn:uuid:%d>\nContent-Length: %d\n\n" % (i, i, len(t)) + t + b"\n\n"
            for i, t in enumerate(texts)
        )
    )
    docs = list(WarcReader().read(str(path), sink := Sink()))
    assert [d.text for d in docs] == [t.decode() for t in texts] and sink.bad == []


def test_a_plain_file_cut_inside_its_last_record_is_reported_truncated(tmp_path: Path) -> None:
    data = b"".join(responses(3))
    path = tmp_path / "cut.warc"
    path.write_bytes(data[:-1000])
    ids, sink, error = read_until_error(path)
    assert ids == ["urn:uuid:0000", "urn:uuid:0001"] and sink.bad == []
    assert isinstance(error, TruncatedInputError) and error.offset == len(data) - 1000
    assert "record cut short" in str(error) and "the file ends inside it" in str(error)
    # Compressed whole, the stream decodes to its end: the record is damage, named where it is.
    gz = tmp_path / "cut.warc.gz"
    gz.write_bytes(gzip.compress(data[:-1000], mtime=0))
    ids, sink, error = read_until_error(gz)
    assert ids == ["urn:uuid:0000", "urn:uuid:0001"] and error is None
    assert [where for _, where, _ in sink.bad] == [f"decompressed byte {len(b''.join(responses(2)))}"]


def test_a_record_whose_warc_type_is_damaged_is_quarantined_not_lost(tmp_path: Path) -> None:
    records = responses(3)
    records[1] = records[1].replace(b"WARC-Type: response", b"WARC-Type: respXnse")
    path = tmp_path / "type.warc"
    path.write_bytes(b"".join(records))
    ids, sink, error = read_until_error(path)
    assert ids == ["urn:uuid:0000", "urn:uuid:0002"] and error is None
    assert [(where, reason) for _, where, reason in sink.bad] == [
        (f"byte {len(records[0])}", "a record of no WARC type: WARC-Type 'respXnse'")
    ]


def test_every_reading_path_names_the_charset_alike(tmp_path: Path) -> None:
    records = [
        warc_response("https://a.example/1", b"<p>one</p>", "0001", charset='"UTF-8"'),
        warc_response("https://a.example/2", b"<p>two</p>", "0002", charset="UTF-8"),
    ]
    whole = tmp_path / "native.warc"
    whole.write_bytes(b"".join(records))
    lenient = tmp_path / "lenient.warc"
    lenient.write_bytes(b"WBRC" + whole.read_bytes()[4:])  # a damaged first line: the lenient parser
    native_docs, lenient_docs = (list(WarcReader().read(str(p), Sink())) for p in (whole, lenient))
    assert [d.meta["charset"] for d in native_docs] == ["utf-8", "utf-8"]
    assert [d.meta["charset"] for d in lenient_docs] == ["utf-8", "utf-8"]
    assert "warc_repaired" in lenient_docs[0].meta and "warc_repaired" not in native_docs[0].meta


def test_two_members_in_a_row_that_fail_their_checksums_lose_both_records_counted(tmp_path: Path) -> None:
    records = responses(5)
    members = [gzip.compress(r, mtime=0) for r in records]
    members[1], members[2] = _bad_checksum(members[1]), _bad_checksum(members[2])
    path = tmp_path / "two-crc.warc.gz"
    path.write_bytes(b"".join(members))
    ids, sink, error = read_until_error(path)
    assert ids == ["urn:uuid:0000", "urn:uuid:0003", "urn:uuid:0004"]
    # Each record at its place; the first damage's note (at its compressed byte) between them, and the
    # second's raised: both count no record.
    starts = [len(records[0]), len(records[0]) + len(records[1])]
    assert [where for _, where, _ in sink.bad if where.startswith("decompressed")] == [
        f"decompressed byte {start}" for start in starts
    ]
    assert len(sink.bad) == 3 and isinstance(error, BrokenInputError) and error.records == 0


def test_blank_lines_after_the_last_record_leave_its_document_as_written(tmp_path: Path) -> None:
    records = responses(3)
    path = tmp_path / "trailing.warc"
    path.write_bytes(b"".join(records) + b"\n" * 5)
    docs = list(WarcReader().read(str(path), sink := Sink()))
    assert [d.raw for d in docs] == [read_plain(r) for r in records] and sink.bad == []
    assert not any("Content-Length says" in d.meta.get("warc_repaired", "") for d in docs)


def test_header_names_and_types_in_other_cases_read_as_fastwarc_reads_them(tmp_path: Path) -> None:
    records = responses(4)
    records[1] = records[1].replace(b"WARC-Type: response", b"WARC-Type: Response")
    records[2] = (
        records[2].replace(b"WARC-Type:", b"warc-type:").replace(b"WARC-Record-ID:", b"warc-record-id:")
    )
    path = tmp_path / "case.warc"
    path.write_bytes(b"".join(records[:3]) + b"GARBAGE\r\n" + records[3])  # garbage: the lenient parser too
    ids, sink, error = read_until_error(path)
    assert ids == [f"urn:uuid:{i:04d}" for i in range(4)] and error is None
    assert [reason for _, _, reason in sink.bad] == ["bytes that are not a WARC record"]


def test_a_content_length_that_counts_only_the_http_header_keeps_the_page(tmp_path: Path) -> None:
    # A writer that counted the HTTP header alone: the "\r\n\r\n" at the declared end is the header's
    # own blank line, and the page after it is the record's, not bytes between records.
    records = responses(3)
    head, _, block = records[1].partition(b"\r\n\r\n")
    http_head = block.index(b"\r\n\r\n")
    head = head.replace(b"Content-Length: %d" % (len(block) - 4), b"Content-Length: %d" % http_head)
    records[1] = head + b"\r\n\r\n" + block
    path = tmp_path / "short-length.warc"
    path.write_bytes(b"".join(records))
    docs = list(WarcReader().read(str(path), sink := Sink()))
    assert [d.id for d in docs] == ["urn:uuid:0000", "urn:uuid:0001", "urn:uuid:0002"] and sink.bad == []
    assert (
        docs[1].raw == read_plain(responses(3)[1]) and "Content-Length says" in docs[1].meta["warc_repaired"]
    )


def warc_record(
    record_id: str, block: bytes, warc_type: str, content_type: str, eol: bytes = b"\r\n"
) -> bytes:
    """A WARC record of any type whose block is ``block``, its lines ended by ``eol``."""
    head = eol.join(
        [
            b"WARC/1.0",
            b"WARC-Type: " + warc_type.encode(),
            b"WARC-Target-URI: https://a.example/" + record_id.encode(),
            b"WARC-Date: 2024-05-01T10:00:00Z",
            b"WARC-Record-ID: <urn:uuid:" + record_id.encode() + b">",
            b"Content-Type: " + content_type.encode(),
            b"Content-Length: %d" % len(block),
        ]
    )
    return head + eol + eol + block + eol + eol


# A record fastwarc cannot parse (LF line ends, as hand-made WETs have): from it on, the file is read
# by the careful and lenient parsers, which must count the documents before it as fastwarc did.
_LF_RECORD = warc_record("lf", b"A plain text record.", "resource", "text/plain", eol=b"\n")
_QUOTED_RECORD = b"WARC/1.1\nWARC-Type: conversion\nContent-Length: 5\n\nhello\n\n"


@pytest.mark.parametrize("layout", ["plain", "gzip per record", "gzip whole", "zstd"])
@pytest.mark.parametrize(
    "middle",
    [
        # A WET record of a page that shows a WARC record (the WARC specification, say).
        warc_record(
            "0001", b"A record looks like:\n" + _QUOTED_RECORD + b"End.\n", "conversion", "text/plain"
        ),
        # A response serving a WARC file.
        warc_record(
            "0001",
            b"HTTP/1.1 200 OK\r\nContent-Type: application/warc\r\n\r\n"
            + warc_record("X1", b"one", "resource", "text/plain")
            + warc_record("X2", b"two", "resource", "text/plain"),
            "response",
            "application/http; msgtype=response",
        ),
        # A URL ending in a version, then a WARC header field: a version glued to a line's end.
        responses(2)[1].replace(b"https://a.example/1", b"https://a.example/spec/WARC/1.0"),
    ],
    ids=["quoted record", "served warc file", "url ending in a version"],
)
@pytest.mark.parametrize("after_lf", [False, True], ids=["before the handoff", "after it"])
def test_records_whose_bytes_hold_a_version_line_are_one_document_whatever_path_reads_them(
    tmp_path: Path, layout: str, middle: bytes, after_lf: bool
) -> None:
    records = responses(4)
    parts = [records[0], middle, records[2], records[3], _LF_RECORD, responses(5)[4]]
    ids = ["0000", "0001", "0002", "0003", "lf", "0004"]
    if after_lf:  # read by the lenient parser alone
        parts.insert(0, parts.pop(4))
        ids.insert(0, ids.pop(4))
    path = write_as(tmp_path / "quoted", parts, layout)
    read, sink, error = read_until_error(path)
    assert read == [f"urn:uuid:{i}" for i in ids]
    assert sink.bad == [] and error is None


def test_a_stub_sharing_a_member_with_the_record_before_is_counted_before_an_empty_record(
    tmp_path: Path,
) -> None:
    # fastwarc reads the stub and the next member's record as one, at the next member's offset: a
    # check of that member's header alone finds nothing wrong.
    whole, stub_of, last = responses(3)[0], responses(3)[1], responses(3)[2]
    stub = stub_of[: stub_of.index(b"Content-Type")]
    empty = warc_record("empty", b"", "resource", "text/plain")
    path = tmp_path / "stub.warc.gz"
    path.write_bytes(
        gzip.compress(whole + stub, mtime=0) + gzip.compress(empty, mtime=0) + gzip.compress(last, mtime=0)
    )
    ids, sink, error = read_until_error(path)
    assert ids == ["urn:uuid:0000", "urn:uuid:empty", "urn:uuid:0002"]
    assert [reason for _, _, reason in sink.bad] == ["record cut short inside its header"] and error is None


@pytest.mark.parametrize("layout", ["plain", "gzip per record"])
def test_a_record_of_two_warc_types_is_quarantined_not_lost(tmp_path: Path, layout: str) -> None:
    # fastwarc takes the last WARC-Type (a request: no document) and the first of the other fields.
    records = responses(3)
    records[1] = records[1].replace(
        b"WARC-Type: response\r\n", b"WARC-Type: response\r\nWARC-Type: request\r\n"
    )
    ids, sink, error = read_until_error(write_as(tmp_path / "types", records, layout))
    assert ids == ["urn:uuid:0000", "urn:uuid:0002"] and error is None
    assert [reason for _, _, reason in sink.bad] == ["a record of two WARC types: response, request"]


_QUOTING = warc_record("0001", b"See:\n" + _QUOTED_RECORD + b"End.\n", "conversion", "text/plain")


@pytest.mark.parametrize("layout", ["plain", "gzip per record", "gzip whole", "zstd"])
@pytest.mark.parametrize(
    "middle",
    [_QUOTING[:-4], _QUOTING + b"\r\n" * 30, _QUOTING.replace(b"Content-Length: ", b"Content-Length : ")],
    ids=["no separator", "many blank lines after", "space before the colon"],
)
def test_a_quoting_record_written_loosely_is_still_one_document(
    tmp_path: Path, layout: str, middle: bytes
) -> None:
    # fastwarc reads each of these whole: the lenient parser must count it as one too.
    records = responses(4)
    parts = [records[0], middle, records[2], records[3], _LF_RECORD, responses(5)[4]]
    ids, sink, error = read_until_error(write_as(tmp_path / "loose", parts, layout))
    assert ids == [f"urn:uuid:{i}" for i in ("0000", "0001", "0002", "0003", "lf", "0004")]
    assert sink.bad == [] and error is None


def test_a_record_cut_mid_line_before_an_lf_record_loses_only_itself(tmp_path: Path) -> None:
    cut = responses(2)[1]
    cut = cut[: cut.index(b"WARC-Target-URI") + 8]
    path = write_as(tmp_path / "cut", [responses(1)[0], cut, _LF_RECORD, responses(4)[3]], "plain")
    ids, sink, error = read_until_error(path)
    assert ids == ["urn:uuid:0000", "urn:uuid:lf", "urn:uuid:0003"] and error is None
    assert [reason for _, _, reason in sink.bad] == ["record cut short inside its header"]


def test_the_first_of_two_content_lengths_counts_on_every_path(tmp_path: Path) -> None:
    # As fastwarc reads a repeated field: the first.
    n = len(b"See:\n" + _QUOTED_RECORD + b"End.\n")
    twice = _QUOTING.replace(
        b"Content-Length: %d" % n, b"Content-Length: %d\r\nContent-Length: %d" % (n, n + 7)
    )
    parts = [responses(1)[0], twice, responses(3)[2], _LF_RECORD, responses(5)[4]]
    ids, sink, error = read_until_error(write_as(tmp_path / "twice", parts, "plain"))
    assert ids == [f"urn:uuid:{i}" for i in ("0000", "0001", "0002", "lf", "0004")]
    assert sink.bad == [] and error is None


def counting_header_search(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make the lenient splitter's header search count the bytes each search covers (into the list)."""
    scanned: list[int] = []
    stop = warc_module._HEADER_STOP

    class Counting:
        def search(self, buffer: bytearray, pos: int, endpos: int) -> re.Match[bytes] | None:
            found = stop.search(buffer, pos, endpos)
            scanned.append((found.end() if found else min(endpos, len(buffer))) - pos)
            return found

    monkeypatch.setattr(warc_module, "_HEADER_STOP", Counting())
    return scanned


def test_version_lines_inside_a_damaged_record_are_split_with_linear_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A record whose length does not hold is split at its version lines: each piece's header is
    # looked for only up to the next version line, not a header's worth of bytes (80,000 lines took
    # a minute when each search ran 64 KB).
    scanned = counting_header_search(monkeypatch)
    body = b"WARC/1.0\r\n" * 80000
    head = b"WARC/1.0\r\nWARC-Type: resource\r\nContent-Length: %d\r\n\r\n" % (len(body) + 50)
    data = head + body + b"\r\n\r\n" + responses(1)[0]
    parts = list(_split_records(data[i : i + 4096] for i in range(0, len(data), 4096)))
    assert len(parts) == 80002 and b"".join(p for _, p, _ in parts) == data
    assert sum(scanned) < 4 * len(data)


@pytest.mark.parametrize("layout", ["plain", "gzip per record"])
def test_a_field_written_twice_alike_is_no_damage(tmp_path: Path, layout: str) -> None:
    # Only a header that holds another record's version line is a stub run into the next record.
    line = b"WARC-Record-ID: <urn:uuid:0001>\r\n"
    quoting = _QUOTING.replace(line, line * 2)
    records = responses(4)
    records[2] = records[2].replace(b"WARC-Type: response\r\n", b"WARC-Type: response\r\n" * 2)
    parts = [records[0], quoting, records[2], records[3]]
    docs = list(WarcReader().read(str(write_as(tmp_path / "twice", parts, layout)), sink := Sink()))
    assert [d.id for d in docs] == [f"urn:uuid:{i:04d}" for i in range(4)] and sink.bad == []
    # The repeated id is read on the fast path (fastwarc itself stops at a repeated WARC-Type).
    assert "warc_repaired" not in docs[1].meta


@pytest.mark.parametrize("layout", ["plain", "gzip per record"])
@pytest.mark.parametrize(
    "tail",
    [b"\r\n\t\r\n", b"\r\n\r\n\x0c\r\n", b"\r\n" * 3000],
    ids=["tab line", "form feed", "6 KB of line ends"],
)
def test_a_quoting_record_followed_by_blank_lines_of_any_kind_is_one_document(
    tmp_path: Path, layout: str, tail: bytes
) -> None:
    parts = [responses(1)[0], _QUOTING[:-4] + tail, responses(3)[2], _LF_RECORD, responses(5)[4]]
    ids, sink, error = read_until_error(write_as(tmp_path / "tail", parts, layout))
    assert ids == [f"urn:uuid:{i}" for i in ("0000", "0001", "0002", "lf", "0004")]
    assert sink.bad == [] and error is None


@pytest.mark.parametrize("layout", ["plain", "gzip per record", "gzip whole"])
def test_a_folded_header_line_continues_its_field_on_the_lenient_path_too(
    tmp_path: Path, layout: str
) -> None:
    records = responses(3)
    records[1] = records[1].replace(
        b"Content-Type: application/http",
        b"X-Note: foo\r\n WARC-Type: metadata\r\nContent-Type: application/http",
    )
    parts = [records[0], records[1], records[2], _LF_RECORD, responses(5)[4]]
    ids, sink, error = read_until_error(write_as(tmp_path / "folded", parts, layout))
    assert ids == [f"urn:uuid:{i}" for i in ("0000", "0001", "0002", "lf", "0004")]
    assert sink.bad == [] and error is None


def test_glued_stubs_are_split_with_linear_search(monkeypatch: pytest.MonkeyPatch) -> None:
    # A chain of header stubs cut mid-line, each run into the next: each piece's header is looked for
    # once, not a header's worth of bytes each (20,000 stubs took 20 s).
    scanned = counting_header_search(monkeypatch)
    stubs = b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://x/" * 20000
    data = responses(1)[0] + stubs + b"\r\n\r\n" + responses(3)[2]
    parts = list(_split_records(data[i : i + 4096] for i in range(0, len(data), 4096)))
    assert b"".join(p for _, p, _ in parts) == data and len(parts) == 20002
    assert sum(scanned) < 4 * len(data)


def test_a_form_feed_in_a_header_value_is_no_line_end(tmp_path: Path) -> None:
    records = responses(4)
    records[1] = records[1].replace(b"https://a.example/1", b"https://a.example/1\x0cWARC-Type: request")
    parts = [records[0], records[1], records[2], records[3], _LF_RECORD, responses(5)[4]]
    ids, sink, error = read_until_error(write_as(tmp_path / "ff", parts, "plain"))
    assert ids == [f"urn:uuid:{i}" for i in ("0000", "0001", "0002", "0003", "lf", "0004")]
    assert sink.bad == [] and error is None


@pytest.mark.parametrize("layout", ["plain", "gzip per record"])
def test_a_blank_run_at_the_bound_reads_alike_whatever_the_chunks(tmp_path: Path, layout: str) -> None:
    # A run of exactly the bound ends where a gzip member does: that must not decide the split.
    quoting = _QUOTING[:-4] + b"\r\n" + b"\n" * ((1 << 20) - 2)
    parts = [responses(1)[0], quoting, responses(3)[2], _LF_RECORD, responses(5)[4]]
    ids, sink, error = read_until_error(write_as(tmp_path / "bound", parts, layout))
    assert ids == [f"urn:uuid:{i}" for i in ("0000", "0001", "0002", "lf", "0004")]
    assert sink.bad == [] and error is None


def test_a_blank_run_in_tiny_chunks_is_scanned_once(monkeypatch: pytest.MonkeyPatch) -> None:
    scanned: list[int] = []
    blank = warc_module._BLANK

    class Counting:
        def match(self, buffer: bytearray, pos: int, endpos: int) -> re.Match[bytes] | None:
            found = blank.match(buffer, pos, endpos)
            scanned.append((found.end() if found else pos) - pos)
            return found

    monkeypatch.setattr(warc_module, "_BLANK", Counting())
    data = responses(1)[0] + b"\r\n" * 200000 + responses(2)[1]
    parts = list(_split_records(data[i : i + 2] for i in range(0, len(data), 2)))
    assert [whole for _, _, whole in parts] == [True, True] and b"".join(p for _, p, _ in parts) == data
    assert sum(scanned) < 4 * len(data)


@pytest.mark.parametrize("lenient", [False, True])
def test_a_folded_id_and_url_read_alike_on_every_path(tmp_path: Path, lenient: bool) -> None:
    records = responses(3)
    records[1] = records[1].replace(b"WARC-Record-ID: ", b"WARC-Record-ID:\r\n ")
    records[1] = records[1].replace(b"WARC-Target-URI: ", b"WARC-Target-URI:\r\n\t")
    parts = [_LF_RECORD, *records] if lenient else records
    docs = list(WarcReader().read(str(write_as(tmp_path / "fold", parts, "plain")), sink := Sink()))
    assert [(d.id, d.meta["url"]) for d in docs][-2] == ("urn:uuid:0001", "https://a.example/1")
    assert sink.bad == []


def _response_with_http_head(
    record_id: str, http_head: bytes, body: bytes, end: bytes = b"\r\n\r\n"
) -> bytes:
    http = http_head + end + body
    head = (
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://a.example/h\r\n"
        f"WARC-Date: 2024-05-01T10:00:00Z\r\nWARC-Record-ID: <urn:uuid:{record_id}>\r\n"
        f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n"
    ).encode()
    return head + http + b"\r\n\r\n"


@pytest.mark.parametrize(
    "http_head",
    [
        # A folded header line (obsolete, still sent): the charset is on the line that continues it.
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html;\r\n charset=windows-1252\r\nServer: x",
        # A value holding a form feed and, in UTF-8, the byte 0x85 ("\xc3\x85": "\xc5"): no line ends there.
        b"HTTP/1.1 200 OK\r\nX-Place: \xc3\x85land\x0cContent-Type: text/plain\r\n"
        b"Content-Type: text/html; charset=windows-1252",
    ],
)
def test_the_lenient_parser_reads_an_http_header_as_fastwarc_does(tmp_path: Path, http_head: bytes) -> None:
    # The lenient parser split HTTP header lines with str.splitlines and knew no folded lines: the
    # page's charset went unread (its text decoded as UTF-8, "Gr\ufffd\ufffde") or another line's
    # Content-Type was made up; read natively, the same record gave "Grüße" as HTML.
    page = "<html><body><p>Grüße aus Köln, sagte der Müller.</p></body></html>".encode("cp1252")
    record = _response_with_http_head("hhhh", http_head, page)
    read = {}
    for lenient in (False, True):
        before = responses(1)[0]
        if lenient:  # a Content-Length one byte short sends the file to the lenient parser from there
            before = before.replace(b"Content-Length: 3099", b"Content-Length: 3098")
        path = tmp_path / f"h{lenient}.warc"
        path.write_bytes(before + record)
        doc = list(WarcReader().read(str(path), Sink()))[-1]
        assert doc.id == "urn:uuid:hhhh"
        assert ("lenient" in (doc.meta.get("warc_repaired") or "")) is lenient
        read[lenient] = (doc.text, doc.meta["content_type"], doc.meta.get("charset"), doc.meta["http_status"])
    assert read[False] == (page.decode("cp1252"), "text/html", "windows-1252", 200)
    assert read[True] == read[False]


@pytest.mark.parametrize("damaged_at", [10, 40, 100])
@pytest.mark.parametrize("kept", [200, 1603, 3503])
def test_a_record_cut_short_before_a_damaged_member_is_named_apart_from_the_damage(
    tmp_path: Path, kept: int, damaged_at: int
) -> None:
    # One member per record: the second record was cut short when written, the third member is damaged.
    # Where the damage fell before the third member gave any byte, the cut record was taken for the one
    # the damage cut and went uncounted: read 3, one error, for a file of 5 records.
    records = responses(5)
    members = [gzip.compress(r, mtime=0) for r in records]
    members[1] = gzip.compress(records[1][:kept], mtime=0)
    members[2] = members[2][:damaged_at] + b"\x00" * 20 + members[2][damaged_at + 20 :]
    path = tmp_path / "cut-then-damaged.warc.gz"
    path.write_bytes(b"".join(members))
    ids, sink, error = read_until_error(path)
    assert ids == ["urn:uuid:0000", "urn:uuid:0003", "urn:uuid:0004"] and error is not None
    assert [reason.split(":")[0] for _, _, reason in sink.bad] in (
        ["record cut short"],
        ["record cut short inside its header"],
    )
    assert len(ids) + len(sink.bad) + 1 == len(records)  # the error stands for the damaged member's record


@pytest.mark.parametrize("lenient", [False, True])
@pytest.mark.parametrize(
    "damage",
    [
        (b"Content-Length: ", "Content-Length: \u00b2".encode()),  # a superscript two: isdigit() says yes
        (b"Content-Length: ", b"Content-Length: " + b"0" * 5000),  # past int()'s 4,300 digits
        (b"HTTP/1.1 200 OK", "HTTP/1.1 \u00b2\u00b2\u00b2 OK".encode()),
        (b"charset=utf-8", b"charset=utf\x00-8"),  # a codec name holding NUL: ValueError, not LookupError
        (b"HTTP/1.1 200 OK", b"GET / HTTP/1.1"),  # a request where a response should be: no status line
    ],
)
def test_odd_digits_and_names_in_a_header_are_no_traceback(
    tmp_path: Path, damage: tuple[bytes, bytes], lenient: bool
) -> None:
    # Each raised ValueError out of the reader: the whole file, and the run, stopped on one field.
    first, last = responses(3)[0], responses(3)[2]
    if lenient:  # a Content-Length one byte short sends the file to the lenient parser from there
        first = first.replace(b"Content-Length: 3099", b"Content-Length: 3098")
    odd = encoded_response("https://a.example/z", "zzzz", _PAGE, "", 0).replace(*damage, 1)
    path = tmp_path / "odd.warc"
    path.write_bytes(first + odd + last)
    ids, sink, error = read_until_error(path)
    assert ids[0] == "urn:uuid:0000" and ids[-1] == "urn:uuid:0002" and error is None
    assert len(ids) + len(sink.bad) == 3


def test_a_record_whose_block_is_in_the_damaged_member_is_counted_once(tmp_path: Path) -> None:
    # A writer that puts each record's header and block in members of their own: the header's member
    # decodes whole, the block's is damaged before its first byte. The record was cut by the damage,
    # and the damage stands for it: one entry, not a "cut short" entry besides (4 of 3). (The first
    # record has no record before it to tell the layout by, and is taken as one member per record.)
    records = responses(3)
    members = []
    for record in records:
        head = record.index(b"\r\n\r\n") + 4
        members += [gzip.compress(record[:head], mtime=0), gzip.compress(record[head:], mtime=0)]
    members[3] = b"\x00" * 10 + members[3][10:]
    path = tmp_path / "split.warc.gz"
    path.write_bytes(b"".join(members))
    ids, sink, error = read_until_error(path)
    assert ids == ["urn:uuid:0000", "urn:uuid:0002"] and sink.bad == [] and error is not None


@pytest.mark.parametrize("damage_before", [False, True])
def test_a_first_record_or_one_after_damage_cut_before_a_damaged_member_is_named(
    tmp_path: Path, damage_before: bool
) -> None:
    # One member per record, each damaged member bytes that are no gzip at all: the cut record is its own
    # entry whether it comes first or after other damage.
    records = responses(4)
    junk = b"\x1f\x8bnot a gzip member at all"
    if damage_before:
        members = [gzip.compress(records[0], mtime=0), junk, gzip.compress(records[2][:-40], mtime=0), junk]
        expected = ["urn:uuid:0000"]
    else:
        members = [gzip.compress(records[0][:-40], mtime=0), junk]
        expected = []
    path = tmp_path / "cut-then-junk.warc.gz"
    path.write_bytes(b"".join(members))
    ids, sink, error = read_until_error(path)
    assert ids == expected and error is not None
    assert "record cut short" in [reason.split(":")[0] for _, _, reason in sink.bad]
    assert len(ids) + len(sink.bad) + 1 == (4 if damage_before else 2)  # the last junk stands for nothing


@pytest.mark.parametrize("layout", ["plain", "gzip per record", "gzip whole", "zstd"])
@pytest.mark.parametrize(
    ("http_head", "end"),
    [
        (
            b"HTTP/1.1 200 OK\nContent-Type: text/html; charset=utf-8\nServer: x",
            b"\n\n",
        ),  # a server ending lines in LF
        (
            b"HTTP/1.1 200 OK\nContent-Type: text/html; charset=utf-8\r\nServer: x",
            b"\r\n\r\n",
        ),  # the status line
        (b"HTTP/1.1 200 OK\r\nX-Note: a\nContent-Type: text/html; charset=utf-8\r\nServer: x", b"\r\n\r\n"),
        (
            b"HTTP/1.1 200 OK\r\nX\nContent-Type: text/html; charset=utf-8\r\nServer: x",
            b"\r\n\r\n",
        ),  # in a name
        (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nServer: x",
            b"\r\n\n",
        ),  # the blank line
        (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nServer: x", b"\n\r\n"),
    ],
)
def test_an_http_header_with_lines_ending_in_lf_alone_keeps_its_page(
    tmp_path: Path, http_head: bytes, end: bytes, layout: str
) -> None:
    # fastwarc ends HTTP header lines at CRLF only: with LF alone it took the rest of the head (and the
    # page, where the blank line after the head was LF) into the status line, a name or a value, and the
    # document came out empty (then dropped as an empty page), or without its Content-Type, unsaid.
    page = "<html><body><p>Grüße from a server that ends its lines in LF.</p></body></html>".encode()
    record = _response_with_http_head("llll", http_head, page, end)
    first, last = responses(2)
    path = write_as(tmp_path / "lf", [first, record, last], layout)
    docs = list(WarcReader().read(str(path), sink := Sink()))
    assert [d.id for d in docs] == ["urn:uuid:0000", "urn:uuid:llll", "urn:uuid:0001"] and sink.bad == []
    assert docs[1].text == page.decode()
    assert (docs[1].meta["content_type"], docs[1].meta.get("charset"), docs[1].meta["http_status"]) == (
        "text/html",
        "utf-8",
        200,
    )
    # Read from its bytes as written, and the file goes on as before (not the lenient parser from there).
    assert "LF alone" in docs[1].meta["warc_repaired"] and "warc_repaired" not in docs[2].meta


@pytest.mark.parametrize("lenient", [False, True])
@pytest.mark.parametrize("name", [b"Transfer-Encoding", b"transfer-encoding"])
def test_an_empty_transfer_encoding_before_chunked_still_unchunks(
    tmp_path: Path, lenient: bool, name: bytes
) -> None:
    # The native path asked for the first value only: an empty one left the body chunked (chunk sizes in
    # the page's text); the lenient parser joined both and read the page.
    chunked = b"%x\r\n" % len(_PAGE) + _PAGE + b"\r\n0\r\n\r\n"
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        + name
        + b": \r\n"
        + name
        + b": chunked"
    )
    first = responses(1)[0]
    if lenient:  # a Content-Length one byte short sends the file to the lenient parser from there
        first = first.replace(b"Content-Length: 3099", b"Content-Length: 3098")
    path = tmp_path / "te.warc"
    path.write_bytes(first + _response_with_http_head("tttt", head, chunked))
    doc = list(WarcReader().read(str(path), Sink()))[-1]
    assert doc.id == "urn:uuid:tttt" and doc.text == _PAGE.decode()


@pytest.mark.parametrize("layout", ["plain", "gzip per record", "gzip whole", "zstd"])
def test_a_redirect_with_folded_or_padded_headers_is_read_on_the_fast_path(
    tmp_path: Path, layout: str
) -> None:
    # fastwarc drops a well-formed head's folds, padding and colon-less lines: with no body, more than
    # 64 bytes of them sent the rest of the file to the lenient parser, each document marked repaired.
    policy = b"Content-Security-Policy: default-src 'self';" + b"".join(
        b"\r\n        img-src-%d 'self';" % i for i in range(8)
    )
    head = (
        b"HTTP/1.1 301 Moved Permanently\r\nLocation: https://b.example/\r\nX-Pad:"
        + b" " * 70
        + b"v\r\n"
        + policy
    )
    redirect = _response_with_http_head("rrrr", head, b"")
    first, third, fourth = responses(3)
    path = write_as(tmp_path / "redirect", [first, redirect, third, fourth], layout)
    docs = list(WarcReader().read(str(path), sink := Sink()))
    assert [d.id for d in docs] == ["urn:uuid:0000", "urn:uuid:rrrr", "urn:uuid:0001", "urn:uuid:0002"]
    assert sink.bad == [] and [d.meta.get("warc_repaired") for d in docs] == [None] * 4
    assert docs[1].meta["http_status"] == 301


@pytest.mark.parametrize("layout", ["plain", "gzip per record", "gzip whole", "zstd"])
def test_a_warc_header_line_ending_in_lf_alone_is_read_as_written(tmp_path: Path, layout: str) -> None:
    # fastwarc ran the URL line into the date line after it: the URL held "\nWARC-Date: …", no date.
    record = responses(2)[1].replace(b"https://a.example/1\r\n", b"https://a.example/1\n")
    first, _, last = responses(3)
    path = write_as(tmp_path / "lfwarc", [first, record, last], layout)
    docs = list(WarcReader().read(str(path), sink := Sink()))
    assert [d.id for d in docs] == ["urn:uuid:0000", "urn:uuid:0001", "urn:uuid:0002"] and sink.bad == []
    assert (
        docs[1].meta["url"] == "https://a.example/1" and docs[1].meta["warc_date"] == "2024-05-01T10:00:00Z"
    )


@pytest.mark.parametrize("layout", ["plain", "gzip per record", "gzip whole", "zstd"])
def test_a_head_ending_in_lf_before_a_page_holding_a_blank_line_keeps_all_of_the_page(
    tmp_path: Path, layout: str
) -> None:
    # fastwarc dropped the page's first lines for want of a colon and began the body at the page's own
    # blank line: the body was not empty, so nothing said the head was misread.
    page = b"<p>first part</p>\r\n\r\n<p>second part</p>"
    record = _response_with_http_head("pppp", b"HTTP/1.1 200 OK\r\nContent-Type: text/html", page, b"\r\n\n")
    first, last = responses(2)
    path = write_as(tmp_path / "lfpage", [first, record, last], layout)
    docs = list(WarcReader().read(str(path), sink := Sink()))
    assert [d.id for d in docs] == ["urn:uuid:0000", "urn:uuid:pppp", "urn:uuid:0001"] and sink.bad == []
    assert docs[1].text == page.decode() and docs[1].meta["content_type"] == "text/html"


@pytest.mark.parametrize("layout", ["plain", "gzip per record", "gzip whole", "zstd"])
@pytest.mark.parametrize("cookie", [40_000, 900_000, 2_000_000])
def test_an_http_header_over_32_kib_is_read_and_the_file_goes_on_as_before(
    tmp_path: Path, layout: str, cookie: int
) -> None:
    # fastwarc refused an HTTP head over 32 KiB (a long Set-Cookie or Content-Security-Policy): the
    # record and every one after it in the file went to the lenient parser, each marked repaired.
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nSet-Cookie: " + b"c" * cookie
    record = _response_with_http_head("long", head, _PAGE)
    first, second, third = responses(3)
    path = write_as(tmp_path / "long-head", [first, record, second, third], layout)
    docs = list(WarcReader().read(str(path), sink := Sink()))
    assert [d.id for d in docs] == ["urn:uuid:0000", "urn:uuid:long", "urn:uuid:0001", "urn:uuid:0002"]
    assert sink.bad == []
    assert docs[1].text == _PAGE.decode()
    assert (docs[1].meta["content_type"], docs[1].meta.get("charset"), docs[1].meta["http_status"]) == (
        "text/html",
        "utf-8",
        200,
    )
    repaired = [d.meta.get("warc_repaired") for d in docs]
    if cookie < MAX_HTTP_HEAD:
        assert repaired == [None] * 4
    else:  # over what fastwarc is let take: read by the lenient parser, and said so
        assert repaired[1] == "record read by the lenient parser"


def test_a_warc_header_over_64_kib_reads_alike_whatever_the_compression(tmp_path: Path) -> None:
    # fastwarc, let take HTTP heads up to 1 MiB, took WARC headers that long too: a plain or gzip file
    # then read such a record natively and a zstd one leniently, so its documents' marks followed the
    # compression.
    first, second = responses(2)
    head, rest = first.split(b"\r\n", 1)
    long_header = head + b"\r\nX-Crawl-Note: " + b"n" * 70_000 + b"\r\n" + rest
    read = {}
    for layout in ("plain", "gzip per record", "gzip whole", "zstd"):
        path = write_as(tmp_path / layout.replace(" ", "-"), [long_header, second], layout)
        docs = list(WarcReader().read(str(path), Sink()))
        read[layout] = [(d.id, d.text, d.meta.get("warc_repaired")) for d in docs]
    assert len({tuple(found) for found in read.values()}) == 1, read
    assert [i for i, _, _ in read["plain"]] == ["urn:uuid:0000", "urn:uuid:0001"]


@pytest.mark.parametrize("layout", ["plain", "gzip per record", "gzip whole", "zstd"])
def test_a_file_read_by_the_lenient_parser_reports_all_its_bytes_once(tmp_path: Path, layout: str) -> None:
    # The lenient parser reported no progress: a file that fell to it from its second record stopped the
    # bar where the careful reader left it (a zstd file at 0 bytes), and the run's total never came.
    first, second, third = responses(3)
    lf = second.replace(b"https://a.example/1\r\n", b"https://a.example/1\n")  # the lenient parser's
    path = write_as(tmp_path / "lf", [first, lf, third], layout)
    docs = list(WarcReader().read(str(path), sink := Sink()))
    assert len(docs) == 3 and sink.bad == []
    assert sink.bytes == path.stat().st_size


def _without_http_length(record: bytes) -> bytes:
    """A :func:`warc_response` record whose HTTP head has no Content-Length (its WARC one still holds)."""
    head, _, block = record.partition(b"\r\n\r\n")
    block = re.sub(rb"\r\nContent-Length: \d+", b"", block[:-4], count=1)
    head = re.sub(rb"Content-Length: \d+", b"Content-Length: %d" % len(block), head)
    return head + b"\r\n\r\n" + block + b"\r\n\r\n"


def swallowing(records: list[bytes], last: int, extra: int = 0) -> list[bytes]:
    """``records`` with the first's Content-Length too long by exactly the bytes of records 1 to ``last``.

    Those records are then its block, as far as its length tells: ``extra`` more bytes take in
    separators too.
    """
    head, sep, rest = records[0].partition(b"\r\n\r\n")
    declared = int(re.search(rb"Content-Length: (\d+)", head)[1])  # type: ignore[index]
    grown = declared + sum(len(r) for r in records[1 : last + 1]) + extra
    head = head.replace(b"Content-Length: %d" % declared, b"Content-Length: %d" % grown)
    return [head + sep + rest, *records[1:]]


@pytest.mark.parametrize("layout", ["plain", "gzip per record", "gzip whole", "zstd"])
@pytest.mark.parametrize("last", [3, 1], ids=["records 2 to 4", "record 2, landing on record 3"])
@pytest.mark.parametrize("http_length", [True, False], ids=["http length", "no http length"])
@pytest.mark.parametrize("first", ["response", "after an lf record"])
def test_a_content_length_that_takes_in_the_records_after_it_is_cut_and_they_are_read(
    tmp_path: Path, layout: str, last: int, http_length: bool, first: str
) -> None:
    # Its length held (its block ended where the next record or the file does), so every path read
    # the records it took in as its body: they were lost as documents and their pages glued to its own.
    records = responses(4)
    if not http_length:
        records[0] = _without_http_length(records[0])
    parts = swallowing(records, last)
    if first == "after an lf record":  # read by the lenient parser from the file's first record
        parts.insert(0, _LF_RECORD)
    path = write_as(tmp_path / "swallow", parts, layout)
    docs = list(WarcReader().read(str(path), sink := Sink()))
    if first == "after an lf record":
        assert docs.pop(0).id == "urn:uuid:lf"
    assert [d.id for d in docs] == [f"urn:uuid:{i:04d}" for i in range(4)]
    assert [d.meta["url"] for d in docs] == [f"https://a.example/{i}" for i in range(4)]
    assert [d.raw for d in docs] == [read_plain(r) for r in responses(4)]
    assert [d.text.split("</p>")[0] for d in docs] == [f"<p>page {i}" for i in range(4)]
    assert "page 1" not in docs[0].text and "WARC/1.0" not in docs[0].text
    assert sink.bad == [] and sink.bytes == path.stat().st_size
    repaired = [d.meta.get("warc_repaired") or "" for d in docs]
    declared = re.search(rb"Content-Length: (\d+)", parts[-4])[1].decode()  # type: ignore[index]
    assert f"Content-Length says {declared} bytes" in repaired[0]
    assert all("Content-Length" in note and "taken in" in note for note in repaired[1 : last + 1]), repaired
    assert all(repaired), repaired  # the records after it: read by the lenient parser, and said so


@pytest.mark.parametrize("layout", ["plain", "gzip per record"])
@pytest.mark.parametrize("extra", [4, 2])
def test_a_swallowing_length_that_takes_in_more_or_fewer_separator_bytes_is_cut_alike(
    tmp_path: Path, layout: str, extra: int
) -> None:
    # Give or take the CRLF CRLF after the last record it takes in (the file's own last bytes).
    parts = swallowing(responses(4), 3, extra)
    if extra > 0:  # the file ends where the grown length does
        parts[-1] += b"\r\n" * (extra // 2)
    path = write_as(tmp_path / "sep", parts, layout)
    ids, sink, error = read_until_error(path)
    assert ids == [f"urn:uuid:{i:04d}" for i in range(4)] and sink.bad == [] and error is None


def test_records_taken_in_twice_over_are_each_read(tmp_path: Path) -> None:
    # The first record takes in records 2 to 4, and the second, inside it, takes in 3 and 4 too.
    records = responses(4)
    inner = swallowing(records[1:], 2)
    path = write_as(tmp_path / "twice", swallowing([records[0], *inner], 3), "plain")
    docs = list(WarcReader().read(str(path), sink := Sink()))
    assert [d.raw for d in docs] == [read_plain(r) for r in records] and sink.bad == []
    assert all("taken in" in d.meta["warc_repaired"] for d in docs[1:])


@pytest.mark.parametrize("layout", ["plain", "gzip per record"])
def test_a_request_whose_length_takes_in_the_response_after_it_loses_no_document(
    tmp_path: Path, layout: str
) -> None:
    records = responses(3)
    parts = [records[0], *swallowing([warc_request("https://a.example/"), records[1]], 1), records[2]]
    path = write_as(tmp_path / "req", parts, layout)
    ids, sink, error = read_until_error(path)
    assert ids == [f"urn:uuid:{i:04d}" for i in range(3)] and sink.bad == [] and error is None


# A WARC record quoted in a page, as written (CRLF line ends, an id, a length that holds).
_QUOTED_CRLF = (
    b"WARC/1.0\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:quoted>\r\nContent-Length: 5\r\n\r\n"
    b"hello\r\n\r\n"
)


@pytest.mark.parametrize("layout", ["plain", "gzip per record"])
@pytest.mark.parametrize("http_length", [True, False], ids=["http length", "no http length"])
@pytest.mark.parametrize(
    "page",
    [
        b"<html><body><pre>\r\n\r\n" + _QUOTED_CRLF + b"</pre><p>That is a record.</p></body></html>",
        b"<html><body><pre>\r\n\r\n" + _QUOTED_CRLF * 3 + b"</pre></body></html>",
    ],
    ids=["one quoted record", "three"],
)
def test_a_page_quoting_a_warc_record_is_one_document_read_on_the_fast_path(
    tmp_path: Path, layout: str, http_length: bool, page: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = warc_response("https://a.example/q", page, "quote")
    if not http_length:
        record = _without_http_length(record)
    first, second, third = responses(3)
    path = write_as(tmp_path / "quote", [first, record, second, third], layout)
    only_native(monkeypatch)
    docs = list(WarcReader().read(str(path), sink := Sink()))
    assert [d.id for d in docs] == ["urn:uuid:0000", "urn:uuid:quote", "urn:uuid:0001", "urn:uuid:0002"]
    assert docs[1].raw == page and sink.bad == []
    assert [d.meta.get("warc_repaired") for d in docs] == [None] * 4


@pytest.mark.parametrize("layout", ["plain", "gzip per record"])
def test_a_page_whose_length_ends_it_after_a_whole_quoted_record_is_one_document(
    tmp_path: Path, layout: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its HTTP Content-Length says where the page ends: no record runs past it, whatever it quotes.
    page = b"<pre>\r\n\r\n" + _QUOTED_CRLF
    first, second = responses(2)
    record = warc_response("https://a.example/q", page, "q")
    path = write_as(tmp_path / "ends", [first, record, second], layout)
    only_native(monkeypatch)
    docs = list(WarcReader().read(str(path), sink := Sink()))
    assert [d.id for d in docs] == ["urn:uuid:0000", "urn:uuid:q", "urn:uuid:0001"] and sink.bad == []
    assert docs[1].raw == page and [d.meta.get("warc_repaired") for d in docs] == [None] * 3


def test_a_record_an_earlier_path_counted_whole_is_not_taken_apart_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each path goes on from the documents the one before it gave, by count: a record that path read
    # whole (had its check told it otherwise) must count as one here too, or a document comes twice.
    from gristmill.io import warc_native

    monkeypatch.setattr(warc_native, "swallows", lambda record, body, block: False)
    monkeypatch.setattr(warc_module, "swallows", lambda record, body, block: False)
    records = responses(4)
    parts = [*swallowing(records[:2], 1), records[2], _LF_RECORD, records[3]]
    ids, sink, error = read_until_error(write_as(tmp_path / "counted", parts, "plain"))
    assert ids == ["urn:uuid:0000", "urn:uuid:0002", "urn:uuid:lf", "urn:uuid:0003"]
    assert sink.bad == [] and error is None


def test_a_page_quoting_many_records_is_searched_in_linear_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With no HTTP length the page is searched for records: each quoted run is gone through once.
    only_native(monkeypatch)
    counted = []
    for quoted in (2_000, 8_000):
        page = b"<pre>\r\n\r\n" + _QUOTED_CRLF * quoted + b"</pre>"
        record = _without_http_length(warc_response("https://a.example/q", page, "many"))
        path = write_as(tmp_path / f"many{quoted}", [record, *responses(1)], "plain")
        with counting_work() as work:
            docs = list(WarcReader().read(str(path), Sink()))
        assert [d.id for d in docs] == ["urn:uuid:many", "urn:uuid:0000"] and docs[0].raw == page
        counted.append(work)
    assert_grows_linearly("a page quoting records", counted[0], counted[1], 4)


def with_block_digest(record: bytes, block: bytes | None = None, encoding: str = "base32") -> bytes:
    """``record`` with a ``WARC-Block-Digest`` as crawlers write it.

    ``sha1:`` and the base32 (or ``encoding``: base16, base64) of the SHA-1 of its block (the bytes
    its Content-Length counts after its header), or of ``block`` if given.
    """
    head, sep, rest = record.partition(b"\r\n\r\n")
    if block is None:
        block = rest[: int(re.search(rb"Content-Length: (\d+)", head)[1])]  # type: ignore[index]
    digest = hashlib.sha1(block).digest()
    encoded = {"base16": digest.hex(), "base64": base64.b64encode(digest).decode()}
    value = encoded.get(encoding) or base64.b32encode(digest).decode()
    return head + f"\r\nWARC-Block-Digest: sha1:{value}".encode() + sep + rest


# A text that ends in a whole WARC record, quoted as written (CRLF line ends, an id, a length that
# ends it at the text's end): the review's case.
_ENDS_QUOTING = b"How a WARC record looks; this one holds the word hello:\r\n\r\n" + (
    b"WARC/1.0\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:quoted>\r\n"
    b"WARC-Target-URI: http://example.org/quoted\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 5\r\n\r\nhello"
)
_QUOTING_KINDS = ["resource", "response, no http length", "response, no http length, a line end after it"]


def _quoting(kind: str) -> tuple[bytes, bytes]:
    """A healthy record of ``kind`` whose text ends in a quoted record, and that text."""
    if kind == "resource":
        return warc_record("doc", _ENDS_QUOTING, "resource", "text/plain"), _ENDS_QUOTING
    page = _ENDS_QUOTING + (b"\r\n" if kind.endswith("after it") else b"")
    return _without_http_length(warc_response("https://a.example/doc", page, "doc", "text/plain")), page


@pytest.mark.parametrize("layout", ["plain", "gzip per record", "gzip whole", "zstd"])
@pytest.mark.parametrize("kind", _QUOTING_KINDS)
@pytest.mark.parametrize("encoding", ["base32", "base16", "base64"])
def test_a_healthy_record_ending_in_a_quoted_record_is_one_document_by_its_block_digest(
    tmp_path: Path, layout: str, kind: str, encoding: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its Content-Length holds and its quoted record runs to its end, as a swallowed one would: its
    # digest, of its block as declared, says it is whole. Nor do the records after it leave the path.
    record, text = _quoting(kind)
    first, second = responses(2)
    path = write_as(
        tmp_path / "healthy", [first, with_block_digest(record, encoding=encoding), second], layout
    )
    if layout in ("plain", "gzip per record"):
        only_native(monkeypatch)
    docs = list(WarcReader().read(str(path), sink := Sink()))
    assert [d.id for d in docs] == ["urn:uuid:0000", "urn:uuid:doc", "urn:uuid:0001"]
    assert docs[1].raw == text and sink.bad == [] and sink.bytes == path.stat().st_size
    assert [d.meta.get("warc_repaired") for d in docs] == [None] * 3


@pytest.mark.parametrize("layout", ["plain", "gzip per record", "zstd"])
@pytest.mark.parametrize("kind", _QUOTING_KINDS)
def test_the_lenient_parser_keeps_whole_a_record_its_block_digest_says_is_whole(
    tmp_path: Path, layout: str, kind: str
) -> None:
    # After a record only the lenient parser reads, it decides alike.
    record, text = _quoting(kind)
    first, second = responses(2)
    path = write_as(tmp_path / "lenient", [_LF_RECORD, first, with_block_digest(record), second], layout)
    docs = list(WarcReader().read(str(path), sink := Sink()))
    assert [d.id for d in docs] == ["urn:uuid:lf", "urn:uuid:0000", "urn:uuid:doc", "urn:uuid:0001"]
    assert docs[2].raw == text and sink.bad == []
    assert [d.meta["warc_repaired"] for d in docs[1:]] == ["record read by the lenient parser"] * 3


@pytest.mark.parametrize("layout", ["plain", "gzip per record", "gzip whole", "zstd"])
@pytest.mark.parametrize("http_length", [True, False], ids=["http length", "no http length"])
@pytest.mark.parametrize("digest", ["of its block as written", "base16", "of other bytes"])
@pytest.mark.parametrize("first", ["response", "after an lf record"])
def test_a_swallowing_record_with_a_block_digest_is_cut_as_before(
    tmp_path: Path, layout: str, http_length: bool, digest: str, first: str
) -> None:
    # Its digest is of its block as written, before its length grew: it matches the block cut where the
    # records it took in start (or, damaged too, matches nothing: the records are where they must be).
    records = responses(4)
    if not http_length:
        records[0] = _without_http_length(records[0])
    other = b"other bytes" if digest == "of other bytes" else None
    records[0] = with_block_digest(records[0], other, "base16" if digest == "base16" else "base32")
    parts = swallowing(records, 3)
    if first == "after an lf record":
        parts.insert(0, _LF_RECORD)
    path = write_as(tmp_path / "swallow", parts, layout)
    docs = list(WarcReader().read(str(path), sink := Sink()))
    if first == "after an lf record":
        assert docs.pop(0).id == "urn:uuid:lf"
    assert [d.id for d in docs] == [f"urn:uuid:{i:04d}" for i in range(4)]
    assert [d.raw for d in docs] == [read_plain(r) for r in responses(4)] and sink.bad == []
    repaired = [d.meta.get("warc_repaired") or "" for d in docs]
    assert "Content-Length says" in repaired[0] and all("taken in" in note for note in repaired[1:])
    told = "where its WARC-Block-Digest says its block ends" in repaired[0]
    assert told == (digest != "of other bytes"), repaired[0]


@pytest.mark.parametrize("layout", ["plain", "gzip per record", "zstd"])
@pytest.mark.parametrize("kind", _QUOTING_KINDS)
def test_a_block_digest_cuts_a_record_ending_in_a_quoted_one_where_it_truly_ends(
    tmp_path: Path, layout: str, kind: str
) -> None:
    # Its text ends in a quoted record, and its length also took in the two records after it: by the
    # records alone the quoted one would be cut off too; the digest says where the block ended.
    record, text = _quoting(kind)
    first, second, third = responses(3)
    parts = [first, *swallowing([with_block_digest(record), second, third], 2)]
    path = write_as(tmp_path / "both", parts, layout)
    docs = list(WarcReader().read(str(path), sink := Sink()))
    assert [d.id for d in docs] == ["urn:uuid:0000", "urn:uuid:doc", "urn:uuid:0001", "urn:uuid:0002"]
    assert docs[1].raw == text and sink.bad == []
    assert "WARC-Block-Digest" in docs[1].meta["warc_repaired"]
    assert all("taken in" in d.meta["warc_repaired"] for d in docs[2:])


@pytest.mark.parametrize(
    "content_type",
    [
        b"Content-Type: application/http; msgtype=response",
        b"Content-Type: application/http",
        b"Content-Type :application/http;msgtype=response",
        b"Content-Type: text/plain\r\nX-Type: application/http",
        # fastwarc reads none of these as HTTP: the name and the type as it spells them, alone or before ";".
        b"Content-Type: Application/HTTP; msgtype=response",
        b"content-type: application/http; msgtype=response",
        b"Content-Type: application/http ; msgtype=response",
        b"Content-Type: application/httpx",
        b"Content-Type: application/http\r\n\tmsgtype=response",
    ],
)
@pytest.mark.parametrize(
    "fields",
    [
        b"Content-Length: 5",
        b"content-length:  5  \r\nContent-Length: 9",
        b"Content-Length: +5",
        b"Transfer-Encoding: chunked\r\nContent-Length: 5",
        b"Content-Length: 5\r\ntransfer-encoding :",
        b"X-Content-Length: 5",
    ],
)
def test_the_lenient_parser_reads_where_a_page_ends_as_fastwarc_does(
    content_type: bytes, fields: bytes
) -> None:
    # What tells a record that took in the records after it from one that quotes them is read alike
    # on every path: whether its block is HTTP (its page past its HTTP head) and its page's length.
    block = b"HTTP/1.1 200 OK\r\n" + fields + b"\r\n\r\n0123456789"
    record = (
        b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:r>\r\n" + content_type + b"\r\n"
        b"Content-Length: %d\r\n\r\n" % len(block) + block + b"\r\n\r\n"
    )
    (read,) = [
        (declared_length(r) - len(r.reader.read()), _page_length(r))
        for r in ArchiveIterator(io.BytesIO(record), parse_http=True, auto_decode="none", stream_detect=False)
    ]
    header_end, start = _blank_line(record, 0, len(record))
    page = _page(record, header_end, start, start + len(block))
    assert page is not None and (page[0] - start, page[1]) == read


@pytest.mark.parametrize("layout", ["gzip whole", "zstd"])
def test_a_long_record_is_checked_by_its_block_digest_on_the_careful_path_too(
    tmp_path: Path, layout: str
) -> None:
    # Its HTTP head, past which fastwarc gives the body, is read again from what the stream keeps: no
    # longer there once a long body was read, so it is kept before.
    page = b"x" * 5_000_000 + _ENDS_QUOTING
    record = _without_http_length(warc_response("https://a.example/doc", page, "doc", "text/plain"))
    first, second = responses(2)
    path = write_as(tmp_path / "long", [first, with_block_digest(record), second], layout)
    docs = list(WarcReader().read(str(path), sink := Sink()))
    assert [d.id for d in docs] == ["urn:uuid:0000", "urn:uuid:doc", "urn:uuid:0001"]
    assert docs[1].raw == page and sink.bad == []
    assert [d.meta.get("warc_repaired") for d in docs] == [None] * 3


def test_a_page_ending_in_many_quoted_records_is_checked_by_its_digest_in_linear_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its block may have ended before any of them: the digest is taken once over the block, each place
    # it may have ended looked at on the way.
    only_native(monkeypatch)
    counted = []
    for quoted in (2_000, 8_000):
        page = b"<pre>\r\n\r\n" + _QUOTED_CRLF * quoted
        record = with_block_digest(_without_http_length(warc_response("https://a.example/q", page, "many")))
        path = write_as(tmp_path / f"many{quoted}", [record, *responses(1)], "plain")
        with counting_work() as work:
            docs = list(WarcReader().read(str(path), Sink()))
        assert [d.id for d in docs] == ["urn:uuid:many", "urn:uuid:0000"] and docs[0].raw == page
        assert [d.meta.get("warc_repaired") for d in docs] == [None, None]
        counted.append(work)
    assert_grows_linearly("a page ending in quoted records", counted[0], counted[1], 4)
