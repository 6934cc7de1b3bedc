"""The native fast path: the documents of the careful reader, for files it can prove whole, else none."""

import gzip
from collections.abc import Generator
from pathlib import Path

import pytest

from gristmill.document import Document
from gristmill.io.compression import file_compression
from gristmill.io.warc import WarcReader, _careful_read, _document
from gristmill.io.warc_native import native_documents
from tests.io.test_jsonl import Sink
from tests.io.test_warc import warc_response, write_warc_gz


def native(path: Path) -> tuple[list[Document], int | None]:
    """The documents the native path yields for ``path``, and what it returned."""
    docs: list[Document] = []
    generator: Generator[Document, None, int | None] = native_documents(
        str(path), path.name, _document, lambda n: None, file_compression(str(path))
    )
    try:
        while True:
            docs.append(next(generator))
    except StopIteration as stop:
        return docs, stop.value


def careful(path: Path) -> list[Document]:
    return list(_careful_read(str(path), Sink(), path.name))


def pages(n: int) -> list[bytes]:
    return [warc_response(f"https://a.example/{i}", b"<p>page %d</p>" % i * 50, f"{i:04d}") for i in range(n)]


@pytest.mark.parametrize(
    "name",
    [
        "warc/resiliparse/warcfile.warc.gz",
        "warc/dolma/sample-0000.warc.gz",
        "warc/dolma/sample-0001.warc.gz",
        "warc/warcio/example.warc.gz",
        "warc/warcio/example.warc",
        "warc/warcio/example-space-in-target-uri.warc.gz",
    ],
)
def test_well_formed_files_read_natively_give_the_careful_readers_documents(
    shared_data: Path, name: str
) -> None:
    path = shared_data / name
    docs, rest = native(path)
    assert rest is None  # read to the end and checked: no second pass
    assert docs == careful(path)


def test_a_uri_ending_in_a_space_stays_on_the_native_path(tmp_path: Path) -> None:
    records = pages(3)
    records[1] = records[1].replace(b"https://a.example/1\r\n", b"https://a.example/1 \r\n")
    path = write_warc_gz(tmp_path / "space.warc.gz", records)
    docs, rest = native(path)
    assert rest is None and docs == careful(path) and len(docs) == 3


def test_records_sharing_one_gzip_member_go_to_the_careful_reader(tmp_path: Path) -> None:
    path = tmp_path / "one-member.warc.gz"
    path.write_bytes(gzip.compress(b"".join(pages(3)), mtime=0))
    docs, rest = native(path)
    assert rest is not None and rest == len(docs) < 3  # records 1 and 2 share a member offset
    sink = Sink()
    assert [d.id for d in WarcReader().read(str(path), sink)] == [f"urn:uuid:{i:04d}" for i in range(3)]
    assert sink.bytes == path.stat().st_size  # progress told once, not once per pass


def test_a_last_record_cut_inside_its_member_is_not_yielded(tmp_path: Path) -> None:
    records = pages(3)
    records[2] = records[2][:-300]  # compressed whole, but 300 bytes short of its Content-Length
    path = write_warc_gz(tmp_path / "cut-last.warc.gz", records)
    docs, rest = native(path)
    assert rest == 2 and [d.id for d in docs] == ["urn:uuid:0000", "urn:uuid:0001"]
    sink = Sink()
    read = [d.id for d in WarcReader().read(str(path), sink)]
    assert read == ["urn:uuid:0000", "urn:uuid:0001"]
    assert [reason.split(":")[0] for _, _, reason in sink.bad] == ["record cut short"]
    assert sink.bytes == path.stat().st_size


def test_a_record_without_an_id_is_named_by_the_careful_readers_offset(tmp_path: Path) -> None:
    records = pages(2)
    records[1] = records[1].replace(b"WARC-Record-ID: <urn:uuid:0001>\r\n", b"")
    path = write_warc_gz(tmp_path / "no-id.warc.gz", records)
    docs, rest = native(path)
    assert rest == 0 and docs == []  # the document before it waits for the next record: none yielded
    ids = [d.id for d in WarcReader().read(str(path), Sink())]
    assert ids == ["urn:uuid:0000", f"{path}@{len(records[0])}"]  # the decompressed offset
