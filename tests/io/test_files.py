import gzip
import json
from pathlib import Path

import pytest
import zstandard
from click.testing import CliRunner

from gristmill.cli import cli
from gristmill.errors import TruncatedInputError
from gristmill.io.files import HtmlFileReader, TextFileReader
from gristmill.io.inputs import InputSpec
from tests.helpers import NO_STEPS, REPO, read_all, write_pipeline
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


def test_files_of_no_known_format_in_a_folder_are_named_in_one_line_not_passed_over_in_silence(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.jsonl").write_text('{"text": "A document."}\n')
    for name in ("LICENSE", "b.csv", "c.tsv", "d.bin"):
        (folder / name).write_text("x")
    config = write_pipeline(tmp_path / "p.yaml", f"input: {folder}\noutput: {tmp_path}/out\nsteps: []\n")
    result = CliRunner().invoke(cli, ["run", str(config), "--quiet"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"gristmill: input: 4 files of no known format passed over: {folder}/LICENSE, {folder}/b.csv, "
        f"{folder}/c.tsv and 1 more (`format:` in input: reads every file as that format)\n{NO_STEPS}"
    )


def test_mixed_inputs_get_one_shard_per_data_file(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl.gz").write_bytes(b"")
    (tmp_path / "b.parquet").write_bytes(b"")
    (tmp_path / "c.warc.gz").write_bytes(b"")
    (tmp_path / "d.html").write_bytes(b"")
    shards = InputSpec(path=str(tmp_path / "*")).shards()
    assert [(s.index, s.format) for s in shards] == [(0, "jsonl"), (1, "parquet"), (2, "warc"), (3, "html")]


def run(tmp_path: Path, steps: str) -> dict:
    out = tmp_path / "out"
    config = write_pipeline(
        tmp_path / "pipeline.yaml",
        f"input: {{path: {tmp_path / 'in'}}}\noutput: {{path: {out}}}\nsteps: {steps}\n",
    )
    result = CliRunner().invoke(cli, ["run", str(config), "--no-progress"])
    assert result.exit_code == 0, result.output
    return json.loads((out / "stats.json").read_text())


def test_compressed_pages_and_texts_are_read_decompressed(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    sentence = "The mill grinds the grain into flour for the village bakers every morning. "
    paragraph = "<p>" + sentence * 6 + "</p>"
    page = f"<html><head><title>Mill</title></head><body><article>{paragraph * 3}</article></body></html>"
    (folder / "a.html.gz").write_bytes(gzip.compress(page.encode()))
    (folder / "b.htm.gz").write_bytes(gzip.compress(page.encode()))
    (folder / "c.html.zst").write_bytes(zstandard.ZstdCompressor().compress(page.encode()))
    (folder / "d.txt.gz").write_bytes(gzip.compress(b"Plain text, gzipped."))
    (folder / "e.md.gz").write_bytes(gzip.compress(b"# Title\n\nMarkdown, gzipped."))
    (folder / "f.txt.zst").write_bytes(zstandard.ZstdCompressor().compress(b"Plain text, zstd."))
    stats = run(tmp_path, "[extract]")
    assert stats["totals"]["read"] == 6 and stats["totals"]["kept"] == 6, stats["totals"]
    kept = {Path(d["meta"]["source_file"]).name: d["text"] for d in read_all(tmp_path / "out" / "kept")}
    assert "grinds the grain" in kept["a.html.gz"] and "<p>" not in kept["c.html.zst"]
    assert kept["d.txt.gz"] == "Plain text, gzipped." and kept["f.txt.zst"] == "Plain text, zstd."
    assert kept["e.md.gz"].startswith("# Title")


def test_a_cut_html_gz_is_quarantined_with_its_offset(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    data = gzip.compress(b"<html><body><p>" + b"words and more words " * 500 + b"</p></body></html>")
    (folder / "cut.html.gz").write_bytes(data[: len(data) // 2])
    sink = Sink()
    with pytest.raises(TruncatedInputError) as info:
        list(HtmlFileReader().read(str(folder / "cut.html.gz"), sink))
    assert info.value.offset == len(data) // 2


@pytest.mark.parametrize("steps", ["[]", "[{normalize: {}}]"])
def test_pages_read_without_extract_are_named_in_one_line(tmp_path: Path, steps: str) -> None:
    warc = REPO / "src" / "gristmill" / "samples" / "warc" / "cc-main-2020-34-excerpt.warc.gz"
    config = write_pipeline(tmp_path / "p.yaml", f"input: {warc}\noutput: {tmp_path}/out\nsteps: {steps}\n")
    result = CliRunner().invoke(cli, ["run", str(config), "--quiet"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "gristmill: input: the WARC records keep their HTML as their text: no step extracts it "
        "(`- extract: {}` as the first step keeps each page's main text)\n"
    ) + (NO_STEPS if steps == "[]" else "")


def test_pages_read_with_extract_are_not_warned_about(tmp_path: Path) -> None:
    page = tmp_path / "in" / "a.html"
    page.parent.mkdir()
    page.write_text("<html><body><p>" + "A sentence of the page. " * 20 + "</p></body></html>")
    config = write_pipeline(
        tmp_path / "p.yaml", f"input: {page.parent}\noutput: {tmp_path}/out\nsteps: [{{extract: {{}}}}]\n"
    )
    result = CliRunner().invoke(cli, ["run", str(config), "--quiet"], catch_exceptions=False)
    assert result.exit_code == 0 and result.stderr == "", result.output
