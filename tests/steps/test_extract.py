from pathlib import Path

import pytest

from gristmill.document import Document
from gristmill.errors import ConfigError
from gristmill.inspect import inspect_document, read_one
from gristmill.stats import StepContext, StepStats
from gristmill.steps.extract import Extract, payload_kind
from gristmill.steps.registry import build_step

ARTICLE = """<!doctype html><html lang="en"><head><meta charset="{charset}"><title>The Mill</title>
<meta property="article:published_time" content="2024-05-01"></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/about">About us</a></li></ul></nav>
<article><h1>The Mill</h1>
<p>The old mill by the brook has turned for more than two hundred years. The miller still grinds rye and
wheat there every morning for the bakers of the village, as his father did.</p>
<p>In winter the brook sometimes freezes and the wheel stands still. People used to wait until the ice
thawed, because there was no flour anywhere else — not even in the café.</p>
<div class="comments"><h3>Comments</h3><p>Great story, I visited last summer and loved it so much!</p></div>
</article>
<footer><p>Copyright 2024 Village News. Imprint. Privacy.</p></footer></body></html>"""


def run(step, docs):
    dropped: list[Document] = []
    ctx = StepContext(StepStats(0, step.name), dropped.append)
    kept = list(step.apply(docs, ctx))
    return kept, [d.meta["reason"] for d in dropped]


def page(raw: bytes, **meta) -> Document:
    return Document(id="p", text="", meta={"content_type": "text/html", **meta}, raw=raw)


@pytest.mark.parametrize("engine", ["resiliparse", "trafilatura"])
def test_main_text_without_furniture_and_with_paragraphs(engine):
    raw = ARTICLE.format(charset="utf-8").encode("utf-8")
    (doc,), reasons = run(Extract(engine=engine), [page(raw)])
    assert reasons == []
    paragraphs = doc.text.split("\n")
    assert [p[:20] for p in paragraphs if p != "The Mill"] == ["The old mill by the ", "In winter the brook "]
    assert "café" in doc.text
    for furniture in ("Home", "About us", "Copyright", "Great story"):
        assert furniture not in doc.text
    assert doc.meta["title"] == "The Mill"
    assert doc.meta["date"].startswith("2024-05-01")
    assert doc.meta["extractor"] == engine
    assert doc.raw is None


def test_comments_kept_when_asked():
    (doc,), _ = run(Extract(comments=True), [page(ARTICLE.format(charset="utf-8").encode())])
    assert "Great story" in doc.text


def test_charset_from_meta_tag_then_header():
    raw = ARTICLE.format(charset="windows-1252").encode("cp1252")
    (doc,), _ = run(Extract(), [page(raw)])
    assert "café" in doc.text
    assert (doc.meta["charset"], doc.meta["charset_source"]) == ("cp1252", "meta")
    # The HTTP header outranks the meta tag, as in browsers.
    raw = ARTICLE.format(charset="utf-8").encode("cp1252")
    (doc,), _ = run(Extract(), [page(raw, charset="iso-8859-1")])
    assert "café" in doc.text and doc.meta["charset_source"] == "header"


def test_a_declared_charset_the_page_does_not_fit_is_named_as_rejected():
    raw = ARTICLE.format(charset="utf-8").replace("café", "кафе").encode("cp1251")
    (doc,), _ = run(Extract(), [page(raw, charset="utf-8")])
    assert "кафе" in doc.text
    assert (doc.meta["charset"], doc.meta["charset_source"]) == ("cp1251", "detected")
    assert doc.meta["charset_rejected"] == "header:utf-8,meta:utf-8"
    # A declaration that holds leaves no such key.
    (doc,), _ = run(Extract(), [page(ARTICLE.format(charset="utf-8").encode(), charset="utf-8")])
    assert "charset_rejected" not in doc.meta


def test_charset_detected_without_declaration():
    raw = ARTICLE.replace('<meta charset="{charset}">', "").encode("utf-8")
    (doc,), _ = run(Extract(), [page(raw)])
    assert "café" in doc.text
    assert doc.meta["charset_source"] == "detected"


def test_non_html_and_empty_pages_are_dropped_with_reasons():
    pdf = Document(id="pdf", text="", meta={"content_type": "application/pdf"}, raw=b"%PDF-1.7\n...")
    lying = Document(id="png", text="", meta={"content_type": "text/html"}, raw=b"\x89PNG\r\n\x1a\n\x00\x00")
    empty = page(b"<html><body><nav><a href='/'>Home</a></nav></body></html>")
    huge = page(b"<p>" + b"x" * 200 + b"</p>")
    _, reasons = run(Extract(), [pdf, lying, empty])
    assert reasons == ["extract:not_html", "extract:not_html", "extract:empty"]
    _, reasons = run(Extract(max_bytes=100), [huge])
    assert reasons == ["extract:too_large"]


def test_plain_text_and_text_without_raw():
    wet = Document(id="w", text="", meta={"content_type": "text/plain"}, raw=b"Line one.\n\n  Line two.\n")
    html_text = Document(id="t", text=ARTICLE.format(charset="utf-8"))
    (a, b), reasons = run(Extract(), [wet, html_text])
    assert reasons == []
    assert a.text == "Line one.\nLine two." and a.meta["extractor"] == "plain"
    assert b.text.startswith("The old mill")


def test_payload_kind_sniffs_untyped_payloads():
    assert payload_kind(Document(id="a", text="", raw=b"<html><p>hi</p></html>")) == "html"
    assert payload_kind(Document(id="b", text="", raw=b"\x00\x01\x02binary")) == "binary"


def test_options_are_checked():
    with pytest.raises(ConfigError, match=r"'extract'.*'engine'"):
        build_step("extract", {"engine": "lynx"})
    with pytest.raises(ConfigError, match="max_bytes"):
        Extract(max_bytes=0)


def test_inspect_html_file_shows_text_removed_blocks_and_language(tmp_path: Path):
    path = tmp_path / "page.html"
    path.write_bytes(ARTICLE.format(charset="utf-8").encode())
    result = inspect_document(read_one(path), [])
    assert [s["step"] for s in result["steps"]] == ["extract", "language"]
    assert result["meta"]["language"] == "en"
    assert any("About us" in block for block in result["removed"])
    assert result["sentences"][0]["text"].startswith("The old mill")


def test_extraction_quality_on_the_scrapinghub_pages(shared_data: Path):
    """A gate against the measured baseline (docs/extraction.md), on the first 30 pages."""
    import gzip
    import json
    import re

    folder = shared_data / "html_extraction" / "scrapinghub_article_extraction_benchmark"
    gold = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    step = Extract()
    recalls, precisions = [], []
    for key in sorted(gold)[:30]:
        doc = page(gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes()))
        step.keep(doc)
        want = re.findall(r"\w+", gold[key]["articleBody"])
        got = re.findall(r"\w+", doc.text)
        common = sum(min(want.count(w), got.count(w)) for w in set(want))
        recalls.append(common / len(want))
        precisions.append(common / max(1, len(got)))
    assert sum(recalls) / len(recalls) > 0.93
    assert sum(precisions) / len(precisions) > 0.85


def test_byte_order_mark_wins():
    raw = "\ufeff".encode("utf-16-le") + ARTICLE.format(charset="utf-8").encode("utf-16-le")
    (doc,), _ = run(Extract(), [page(raw, charset="iso-8859-1")])
    assert "café" in doc.text and doc.meta["charset_source"] == "bom"


def test_html_files_through_gristmill_run_and_inspect(tmp_path: Path):
    import json

    import yaml
    import zstandard
    from click.testing import CliRunner

    from gristmill.cli import cli

    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "article.html").write_bytes(ARTICLE.format(charset="windows-1252").encode("cp1252"))
    (pages / "menu.html").write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    pipeline = tmp_path / "pipeline.yaml"
    config = {
        "input": {"path": str(pages)},
        "output": {"path": str(tmp_path / "out")},
        "steps": [{"extract": {}}, {"language": {"keep": ["en"]}}],
    }
    pipeline.write_text(yaml.safe_dump(config), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["run", str(pipeline), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "read 2  kept 1  rejected 1  quarantined 0" in result.output
    kept_file = next((tmp_path / "out" / "kept").glob("*.jsonl.zst"))
    (record,) = [
        json.loads(x)
        for x in zstandard.ZstdDecompressor()
        .decompress(kept_file.read_bytes(), max_output_size=1 << 20)
        .decode()
        .splitlines()
    ]
    assert record["meta"]["language"] == "en" and "café" in record["text"]
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert "extract:empty" in json.dumps(stats)

    shown = runner.invoke(cli, ["inspect", str(pages / "article.html")])
    assert shown.exit_code == 0, shown.output
    assert "language  en" in shown.output and "removed by extract" in shown.output
    assert "About us" in shown.output.split("removed by extract")[1]


def test_plain_text_records_pass_through_unchanged() -> None:
    from gristmill import Document
    from gristmill.steps.extract import Extract

    doc = Document(id="t", text="A plain paragraph from a JSONL record.\nA second line of it.")
    assert Extract().keep(doc) is True
    assert doc.text == "A plain paragraph from a JSONL record.\nA second line of it."
    assert doc.meta == {}  # untouched: nothing was extracted


PROSE = "The miller grinds rye and wheat every morning for the bakers of the village."


def test_link_blocks_and_the_tail_after_the_last_paragraph_are_cut():
    from gristmill.steps.extract import prose_lines, trim_lines

    markup = (
        f"<h1>The Mill</h1>\n<p>{PROSE}</p>\n"
        '<p><a href="/a">Ten words of link text that tease another story on this site</a></p>\n'
        f'<p>{PROSE} See <a href="/m">the map</a> too.</p>\n'
        "<p>Did you like this article?</p>\n<p>Share it!</p>"
    )
    lines = prose_lines(markup)
    assert lines == [
        "The Mill",
        PROSE,
        f"{PROSE} See the map too.",
        "Did you like this article?",
        "Share it!",
    ]
    assert trim_lines(lines) == f"{PROSE}\n{PROSE} See the map too."
    # Comment sections wanted: the tail stays, only unpunctuated short edge lines go.
    assert trim_lines(lines, cut_tail=False).endswith("Share it!")
    # Entities are decoded after the tags are gone; "<" in text is text.
    assert prose_lines("<p>Fish &amp; chips &lt;b&gt;</p>") == ["Fish & chips <b>"]
    # A link that ends on the next line: the first line is all link text; no marker is left behind.
    assert prose_lines('<p><a href="/a">Read this<br>\nand this</a> now, today</p>') == [
        "and this now, today"
    ]


def test_plain_text_blocks_are_stripped_lines_without_blank_ones():
    from gristmill.steps.extract import block_lines

    assert block_lines("  Home\n\n\tThe mill turns.  \n \nIt grinds.") == [
        "Home",
        "The mill turns.",
        "It grinds.",
    ]


def test_article_the_heuristics_drop_is_found_in_the_densest_run_of_prose():
    paragraphs = "".join(f"<p>Paragraph {i}: {PROSE}</p>" for i in range(4))
    html = (
        "<html><head><title>Mill</title></head><body><nav><a href='/'>Home</a> <a href='/n'>News</a></nav>"
        f"<div class='related'><h1>The Mill</h1>{paragraphs}</div>"
        f"<footer><p>Contact us</p><p>Imprint</p><p>Privacy</p><p>{PROSE}</p></footer></body></html>"
    )
    (doc,), reasons = run(Extract(), [page(html.encode())])
    assert reasons == []
    # The footer's paragraph is prose too, but three short blocks away from the article's run.
    assert doc.text.split("\n") == [f"Paragraph {i}: {PROSE}" for i in range(4)]


def test_date_meta_tags_in_their_order_of_trust():
    head = (
        '<meta name="date" content="2023-01-02"><meta content=" 2024-05-01T10:00 " '
        'property="article:published_time"><meta name="dc.date" content="">'
    )
    html = f"<html><head>{head}</head><body><p>{PROSE}</p></body></html>"
    (doc,), _ = run(Extract(), [page(html.encode())])
    assert doc.meta["date"] == "2024-05-01T10:00"
    (doc,), _ = run(Extract(), [page(html.replace("article:published_time", "og:x").encode())])
    assert doc.meta["date"] == "2023-01-02"


def test_undeclared_charset_is_utf8_when_valid_else_detected():
    from gristmill.text.charset import decode_page

    text = f"<html><body><p>Grüße aus Köln. {PROSE}</p></body></html>"
    assert (decode_page(text.encode()).charset, decode_page(text.encode()).source) == ("utf-8", "detected")
    latin = decode_page(text.encode("cp1252") * 20)
    assert latin.source == "detected" and latin.charset != "utf-8" and "Grüße" in latin.text


def test_a_readers_decoding_is_reused_only_where_the_rules_pick_the_same_codec():
    from gristmill.text.charset import decode_page, reader_decoding

    page = f"<html><body><p>Grüße “aus” Köln. {PROSE}</p></body></html>"
    data = page.encode("cp1252")
    read = data.decode("cp1252")
    # The same codec under another label, nothing replaced: the reader's string itself.
    assert decode_page(data, "windows-1252", decoded=("cp1252", read)).text is read
    # iso-8859-1 is windows-1252 to browsers, not Python's latin-1: decoded again.
    latin = data.decode("latin-1", "replace")
    again = decode_page(data, "iso-8859-1", decoded=("latin-1", latin))
    assert again.text == read and again.charset == "cp1252"
    # Undeclared UTF-8, read as UTF-8.
    utf8 = page.encode()
    assert decode_page(utf8, decoded=("utf-8", page)).text is page
    # A reader whose decoding replaced bytes hands none on: the rules decode again, falling back to
    # cp1252 for what does not fit.
    replaced, handed = reader_decoding(data, "utf-8")
    assert handed is None and replaced == data.decode("utf-8", "replace")
    assert decode_page(data, "utf-8", decoded=handed).text == read
    assert decode_page(data, "utf-8").text == read
    # A page that holds U+FFFD itself, validly encoded, replaced nothing: the reader's string is kept.
    own = page.replace("aus", "\ufffd")
    text, handed = reader_decoding(own.encode(), "utf-8")
    assert handed == ("utf-8", own) and decode_page(own.encode(), decoded=handed).text is text


def test_extract_decodes_raw_again_when_a_step_replaced_the_readers_text():
    step = build_step("extract", {})
    html = ARTICLE.format(charset="utf-8")
    stale = Document(id="a", text="replaced", raw=html.encode(), raw_decoded=("utf-8", html))
    (kept,), _ = run(step, [stale])
    assert "The old mill by the brook" in kept.text
    assert kept.raw is None and kept.raw_decoded is None


def test_a_missing_trafilatura_is_one_config_error_naming_the_extra(monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "trafilatura", None)  # how Python marks a module as not importable
    needs = r"trafilatura is not installed; run: pip install 'gristmill\[trafilatura\]'"
    with pytest.raises(ConfigError, match=needs):
        build_step("extract", {"engine": "trafilatura"})


def test_tags_are_counted_in_a_pages_bytes_only_where_its_charset_writes_them_as_one_byte():
    from gristmill.steps.extract import _lt_is_one_byte

    assert all(map(_lt_is_one_byte, ["utf-8", "cp1252", "iso-8859-2", "shift_jis", "gbk", "big5", "euc-jp"]))
    assert not any(map(_lt_is_one_byte, ["utf-16-le", "utf-16-be", "cp037", "utf-7", "no-such-codec"]))
