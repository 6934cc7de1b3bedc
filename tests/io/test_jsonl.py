import gzip
from pathlib import Path

import pytest
import zstandard

from gristmill.document import Document
from gristmill.errors import TruncatedInputError
from gristmill.io.jsonl import JsonlReader, JsonlWriter
from tests.helpers import read_docs, write_jsonl


class Sink:
    def __init__(self) -> None:
        self.bad: list[tuple[str, str, str]] = []
        self.bytes = 0

    def quarantine(
        self, path: str, where: str, reason: str, excerpt: bytes | str = b"", records: int = 1
    ) -> None:
        self.bad.append((Path(path).name, where, reason))

    def progress(self, nbytes: int) -> None:
        self.bytes += nbytes


def read(path: Path) -> tuple[list[Document], Sink]:
    sink = Sink()
    return list(JsonlReader().read(str(path), sink)), sink


@pytest.mark.parametrize("name", ["docs.jsonl", "docs.jsonl.gz", "docs.jsonl.zst"])
def test_reads_every_compression(tmp_path: Path, name: str) -> None:
    records = [{"id": f"d{i}", "text": f"text {i} é", "meta": {"n": i}} for i in range(1000)]
    path = write_jsonl(tmp_path / name, records)
    docs, sink = read(path)
    assert [d.id for d in docs] == [f"d{i}" for i in range(1000)]
    assert docs[7].text == "text 7 é" and docs[7].meta == {"n": 7}
    assert sink.bad == [] and sink.bytes == path.stat().st_size


def test_dolma_records_read_as_they_are(shared_data: Path) -> None:
    path = shared_data / "web_text/dolma/CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
    docs, sink = read(path)
    assert len(docs) == 697 and sink.bad == []
    first = docs[0]
    assert first.id == "blj5uzvcoa4iybpd5o6kom5nir6ngmoj"
    assert first.meta["url"] == "16thfleet.wikidot.com/chatter:anewhome"  # from `metadata`
    assert first.meta["source"] and "attributes" in first.meta


def test_datatrove_records_read_as_they_are(tmp_path: Path) -> None:
    record = {"id": 7, "text": "hello", "metadata": {"url": "https://a.example/", "dump": "CC-2024"}}
    docs, _ = read(write_jsonl(tmp_path / "dt.jsonl.gz", [record]))
    assert docs[0].id == "7"
    assert docs[0].meta == {"url": "https://a.example/", "dump": "CC-2024"}


def test_top_level_source_and_url_go_to_meta_and_missing_id_is_made(tmp_path: Path) -> None:
    docs, _ = read(write_jsonl(tmp_path / "x.jsonl", [{"text": "t", "source": "s", "url": "u"}]))
    assert docs[0].id == "x/1"
    assert docs[0].meta == {"source": "s", "url": "u"}


def test_malformed_records_are_quarantined_with_line_and_reason(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(
        b'{"id": "a", "text": "fine"}\n'
        b'{"id": "b", "text": \n'
        b'{"id": "c", "text": "caf\xe9"}\n'
        b'{"id": "d"}\n'
        b'{"id": "e", "text": 5}\n'
        b"[1, 2]\n"
        b"\n"
        b'{"id": "f", "text": "last, no newline"}'
    )
    docs, sink = read(path)
    assert [d.id for d in docs] == ["a", "f"]
    assert sink.bad == [
        ("bad.jsonl", "line 2", "invalid JSON: unexpected end of data at column 21"),
        ("bad.jsonl", "line 3", "invalid UTF-8 at byte 24 of the line"),
        (
            "bad.jsonl",
            "line 4",
            "no 'text' field (the record's fields: 'id'); "
            "if another field holds the text, name it with `text_key` in `input:`",
        ),
        ("bad.jsonl", "line 5", "'text' is a number, not a string"),
        ("bad.jsonl", "line 6", "record is an array, not an object"),
    ]


@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_truncated_stream_keeps_what_came_before_and_names_the_offset(tmp_path: Path, suffix: str) -> None:
    records = [{"id": str(i), "text": "word " * 50 + str(i)} for i in range(5000)]
    whole = write_jsonl(tmp_path / f"whole.jsonl{suffix}", records)
    cut = tmp_path / f"cut.jsonl{suffix}"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    sink = Sink()
    seen: list[str] = []
    with pytest.raises(TruncatedInputError) as info:
        for doc in JsonlReader().read(str(cut), sink):
            seen.append(doc.id)
    assert info.value.offset == cut.stat().st_size
    assert str(cut) in str(info.value) and "truncated" in str(info.value)
    assert 0 < len(seen) < 5000
    assert seen == [str(i) for i in range(len(seen))]


def test_writer_round_trips_and_compresses_by_name(tmp_path: Path) -> None:
    docs = [Document(f"id{i}", f"text {i}\nline two", {"url": "u"}, {"score": 0.5}) for i in range(10)]
    for name in ("out.jsonl.zst", "out.jsonl.gz", "out.jsonl"):
        writer = JsonlWriter(str(tmp_path / name))
        for doc in docs:
            writer.write(doc)
        writer.close()
        assert read_docs(tmp_path / name) == [d.to_record() for d in docs]
    assert (
        zstandard.ZstdDecompressor()
        .decompressobj()
        .decompress((tmp_path / "out.jsonl.zst").read_bytes())
        .startswith(b'{"id":"id0"')
    )
    assert gzip.decompress((tmp_path / "out.jsonl.gz").read_bytes()).count(b"\n") == 10


def test_a_100_mb_document_reads_whole(tmp_path: Path) -> None:
    big = "x" * (100 * 1024 * 1024)
    path = write_jsonl(tmp_path / "big.jsonl.zst", [{"id": "big", "text": big}, {"id": "s", "text": "s"}])
    docs, sink = read(path)
    assert [len(d.text) for d in docs] == [len(big), 1] and sink.bad == []
