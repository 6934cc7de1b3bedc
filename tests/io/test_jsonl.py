import gzip
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
import zstandard

from gristmill.document import Document
from gristmill.errors import InputError, TruncatedInputError
from gristmill.io.jsonl import JsonlReader, JsonlWriter
from tests.helpers import read_all, read_docs, write_jsonl, write_pipeline


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


@pytest.mark.parametrize(
    "data",
    [
        b'[{"id": "r0", "text": "zero"}, {"id": "r1", "text": "one"}]\n',
        b'[\n  {"id": "r0", "text": "zero"},\n  {"id": "r1", "text": "one"}\n]\n',
        b'[\n{"id": "r0", "text": "zero"},\n{"id": "r1", "text": "one"}\n]',
        b'\xef\xbb\xbf\n  [{"id": "r0", "text": "zero"}]',
    ],
)
def test_a_file_of_one_json_array_is_refused_in_one_line(tmp_path: Path, data: bytes) -> None:
    # It was read as JSON Lines: one entry `record is an array`, or an entry for each line of a
    # pretty-printed array, none saying that the file is no JSON Lines.
    path = tmp_path / "arr.json"
    path.write_bytes(data)
    sink = Sink()
    with pytest.raises(InputError, match=r"arr.json: the file is one JSON array, not JSON Lines"):
        list(JsonlReader().read(str(path), sink))
    assert sink.bad == []


def test_a_first_line_that_is_an_array_among_json_lines_is_one_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "lines.jsonl"
    path.write_bytes(b'[1, 2]\n{"id": "a", "text": "fine"}\n[\n{"id": "b", "text": "fine too"}\n')
    docs, sink = read(path)
    assert [d.id for d in docs] == ["a", "b"]
    assert [where for _, where, _ in sink.bad] == ["line 1", "line 3"]
    path.write_bytes(b'[\n{"id": "a", "text": "fine"}\n')
    docs, sink = read(path)
    assert [d.id for d in docs] == ["a"] and [where for _, where, _ in sink.bad] == ["line 1"]


def test_lines_that_end_in_cr_alone_are_said_to(tmp_path: Path) -> None:
    path = tmp_path / "mac.jsonl"
    path.write_bytes(b'{"id": "x1", "text": "one"}\r{"id": "x2", "text": "two"}\r')
    docs, sink = read(path)
    assert docs == [] and len(sink.bad) == 1
    assert "lines that end in CR alone (old Mac files)" in sink.bad[0][2]
    # A CRLF line end is read as ever.
    path.write_bytes(b'{"id": "x1", "text": "one"}\r\n{"id": "x2", "text": "two"}\r\n')
    docs, sink = read(path)
    assert [d.id for d in docs] == ["x1", "x2"] and sink.bad == []


def test_zstd_outputs_carry_a_checksum_so_an_altered_byte_is_found(tmp_path: Path) -> None:
    # python-zstandard writes no checksum unless asked: a flipped byte inside such a frame mostly decodes
    # to other text that still parses, and its records were kept as good ones (48 of 88 flips here).
    docs = [Document(f"id{i}", " ".join(f"word{i * 7 + j}" for j in range(30))) for i in range(40)]
    path = tmp_path / "out.jsonl.zst"
    writer = JsonlWriter(str(path))
    for doc in docs:
        writer.write(doc)
    writer.close()
    data = path.read_bytes()
    assert zstandard.get_frame_parameters(data).has_checksum
    texts = {doc.id: doc.text for doc in docs}
    for place in range(20, len(data) - 4, 53):
        flipped = bytearray(data)
        flipped[place] ^= 0x10
        path.write_bytes(bytes(flipped))
        read: list[Document] = []
        with pytest.raises(InputError):  # the frame fails its checksum (or no longer decodes)
            for doc in JsonlReader().read(str(path), Sink()):
                read.append(doc)
        assert [doc.id for doc in read if texts.get(doc.id) != doc.text] == [], place


def test_a_lone_surrogate_escape_is_quarantined_by_name_and_the_rest_runs_through_every_step(
    tmp_path: Path, run_cli: Any
) -> None:
    # "\ud800" alone decodes to half of a UTF-16 pair, no character: UTF-8 output cannot hold it. The
    # reason was orjson's "no low surrogate in string", which did not say what to look for.
    lone = "half of a pair, no character on its own (UTF-8 cannot hold it): write the whole pair, or \\ufffd"
    prose = "A sentence of plain words for the quality filters to read. " * 20
    lines = [
        '{"id": "high", "text": "Caf\u00e9 \\ud800 ' + prose + '"}',
        '{"id": "low", "text": "' + prose + ' \\udfff"}',
        '{"id": "meta", "text": "' + prose + '", "meta": {"title": "\\ud83d"}}',
        '{"id": "pair", "text": "' + prose + ' \\ud83d\\ude00"}',
        '{"id": "plain", "text": "' + prose + ' Plain."}',
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {{path: '{path}'}}\noutput: {{path: '{tmp_path}/out'}}\nsteps:\n"
        "  - language: {}\n  - gopher_quality: {}\n  - gopher_repetition: {}\n  - salad: {}\n",
    )
    assert run_cli("run", str(config), "--no-progress").exit_code == 0
    quarantined = [
        orjson.loads(line) for line in (tmp_path / "out/quarantine/00000.jsonl").read_bytes().splitlines()
    ]
    assert [(q["file"], q["where"], q["reason"]) for q in quarantined] == [
        (str(path), f"line {n + 1}", f"a lone UTF-16 surrogate {e} at column {lines[n].index(e) + 1}: {lone}")
        for n, e in enumerate(["\\ud800", "\\udfff", "\\ud83d"])
    ]
    written = read_all(tmp_path / "out/kept") + read_all(tmp_path / "out/rejected")
    assert sorted(d["id"] for d in written) == ["pair", "plain"]
    assert next(d for d in written if d["id"] == "pair")["text"].endswith("\U0001f600")
    totals = json.loads((tmp_path / "out/stats.json").read_text(encoding="utf-8"))["totals"]
    assert (totals["read"], totals["quarantined"]) == (5, 3)
    assert totals["read"] + totals["created"] == totals["kept"] + totals["rejected"] + totals["quarantined"]
