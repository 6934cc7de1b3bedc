from pathlib import Path

from gristmill.io.files import HtmlFileReader, TextFileReader
from gristmill.io.inputs import InputSpec
from tests.io.test_jsonl import Sink


def test_text_files_are_documents_and_bad_ones_are_quarantined(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("A page of text.", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"  \n")
    (tmp_path / "latin.txt").write_bytes(b"caf\xe9 au lait")
    sink = Sink()
    reader = TextFileReader()
    docs = [
        d for name in ("good.txt", "empty.txt", "latin.txt") for d in reader.read(str(tmp_path / name), sink)
    ]
    assert [d.text for d in docs] == ["A page of text."]
    assert docs[0].meta["source_file"].endswith("good.txt")
    assert sink.bad == [("empty.txt", "file", "empty file"), ("latin.txt", "byte 3", "invalid UTF-8")]


def test_html_files_keep_their_bytes_for_extraction(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(b"<html><p>Hi</p></html>")
    (doc,) = HtmlFileReader().read(str(page), Sink())
    assert doc.raw == b"<html><p>Hi</p></html>" and doc.meta["content_type"] == "text/html"


def test_folders_of_pages_are_grouped_into_shards(tmp_path: Path) -> None:
    for i in range(7):
        (tmp_path / f"p{i}.txt").write_text(f"page {i}")
    (tmp_path / "README").write_text("not data")
    shards = InputSpec(path=str(tmp_path), files_per_shard=3).shards()
    assert [len(s.files) for s in shards] == [3, 3, 1]
    assert all(s.format == "text" for s in shards)


def test_mixed_inputs_get_one_shard_per_data_file(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl.gz").write_bytes(b"")
    (tmp_path / "b.parquet").write_bytes(b"")
    (tmp_path / "c.warc.gz").write_bytes(b"")
    (tmp_path / "d.html").write_bytes(b"")
    shards = InputSpec(path=str(tmp_path / "*")).shards()
    assert [(s.index, s.format) for s in shards] == [(0, "jsonl"), (1, "parquet"), (2, "warc"), (3, "html")]
