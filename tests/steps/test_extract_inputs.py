"""``extract`` on what real inputs hold: text already extracted, menus before the article, broken and
pathological markup."""

import codecs
import gzip
import json
from pathlib import Path

import pytest
import yaml

from gristmill.document import Document
from gristmill.errors import ConfigError
from gristmill.io.jsonl import JsonlReader
from gristmill.stats import StepContext, StepStats
from gristmill.steps.c4 import C4QualityFilter
from gristmill.steps.extract import (
    Extract,
    ExtractTimeout,
    ResiliparseEngine,
    looks_like_markup,
    open_noscript,
    trim_lines,
)
from tests.counting import hang_guard
from tests.helpers import REPO, read_all, write_jsonl

DOLMA = "web_text/dolma/CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
DEMO_SAMPLE = REPO / "src" / "gristmill" / "samples" / "web" / "cc-main-2019-30-sample.jsonl.gz"
PROSE = "The miller grinds rye and wheat every morning for the bakers of the village."
# The sniffing and noscript patterns run as one call of the regular expression engine, where no count
# reaches: they run under a hang guard, far above the milliseconds they take. The backtracking they
# guard against is exponential (sniffing) or takes a quarter of an hour (200,000 openings).
HANG_S = 60.0


def run(step, docs):
    dropped: list[Document] = []
    ctx = StepContext(StepStats(0, step.name), dropped.append)
    kept = list(step.apply(docs, ctx))
    return kept, [d.meta["reason"] for d in dropped]


def page(raw: bytes) -> Document:
    return Document(id="p", text="", meta={"content_type": "text/html"}, raw=raw)


class _Sink:
    def quarantine(self, *args: object, **kwargs: object) -> None:
        raise AssertionError(args)

    def progress(self, nbytes: int) -> None:
        pass


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in gzip.open(path, "rt", encoding="utf-8")]


# --- 1. text that is already extracted keeps its lines -------------------------------------------


def test_dolma_text_typed_text_html_passes_through_gristmill_run_untouched(tmp_path: Path, shared_data):
    """Dolma records say ``content_type: text/html`` of text extracted long ago: it must not be re-parsed."""
    records = _records(shared_data / DOLMA)[:60]
    assert all(r["metadata"]["content_type"] == "text/html" for r in records)
    write_jsonl(tmp_path / "in.jsonl", records)
    pipeline = tmp_path / "p.yaml"
    config = {"input": {"path": str(tmp_path / "in.jsonl")}, "output": {"path": str(tmp_path / "out")}}
    pipeline.write_text(yaml.safe_dump({**config, "steps": [{"extract": {}}]}), encoding="utf-8")
    from click.testing import CliRunner

    from gristmill.cli import cli

    result = CliRunner().invoke(cli, ["run", str(pipeline), "--no-progress"])
    assert result.exit_code == 0, result.output
    kept = {r["id"]: r for r in read_all(tmp_path / "out" / "kept")}
    blank = {r["id"] for r in records if not r["text"].strip()}
    assert set(kept) == {r["id"] for r in records} - blank
    for record in records:
        if record["id"] in kept:
            assert kept[record["id"]]["text"] == record["text"]  # every line, every blank line
            assert "extractor" not in kept[record["id"]]["meta"]


def test_c4_quality_keeps_the_same_documents_with_extract_in_front():
    """In ``make demo``, extract collapsed these documents to one line and c4_quality then dropped them."""
    docs = list(JsonlReader().read(str(DEMO_SAMPLE), _Sink()))
    alone, _ = run(C4QualityFilter(), [Document(d.id, d.text, dict(d.meta)) for d in docs])
    blank = sum(1 for d in docs if not d.text.strip())
    extracted, reasons = run(Extract(), docs)
    assert reasons == ["extract:empty"] * blank
    after, _ = run(C4QualityFilter(), extracted)
    assert [d.id for d in after] == [d.id for d in alone]
    assert len(after) > 100


def test_markup_in_a_text_field_is_found_by_sniffing():
    article = f"<html><body><nav><a href='/'>Home</a></nav><article><p>{PROSE}</p><p>{PROSE}</p></article>"
    assert looks_like_markup(article)
    assert looks_like_markup("\n  <!DOCTYPE html><title>x</title>")
    assert looks_like_markup(f"<!-- saved page --><div><p>{PROSE}</p></div>")
    # Stray HTTP headers before the page: not leading, but a page's frame and dense in tags.
    assert looks_like_markup("HTTP/1.1 200 OK\nServer: x\n\n<!doctype html><html><body>" + "<p>a</p>" * 20)
    assert not looks_like_markup(f"{PROSE}\nA line about <p> and <div> tags.")
    assert not looks_like_markup("<Sarah> the mill is open today\n<Bob> great, see you there")
    with hang_guard(HANG_S, "sniffing 100,000 comments"):  # was exponential in the comments before a non-tag
        assert not looks_like_markup("<!-- x -->" * 100_000 + PROSE)
        assert not looks_like_markup("<!--" + "<!-- x --" * 100_000 + PROSE)
    button = '<div class="b"><a href="/"><img src="x.jpg"></a></div>\n'
    assert not looks_like_markup("Categories\n" + button * 9)
    doc = Document(id="t", text=article, meta={"content_type": "text/plain"})
    (out,), reasons = run(Extract(), [doc])
    assert reasons == [] and out.text == f"{PROSE}\n{PROSE}" and out.meta["extractor"] == "resiliparse"


def test_text_quoting_html_code_is_not_parsed(shared_data):
    """A Dolma page that shows a blog button's HTML code in its text is still text."""
    (record,) = [r for r in _records(shared_data / DOLMA) if r["text"].startswith("« Crocheted Baby")]
    doc = Document(id="d", text=record["text"], meta=dict(record["metadata"]))
    (out,), _ = run(Extract(), [doc])
    assert out.text == record["text"]


# --- 2. the tail cut never takes the article ---------------------------------------------------


def test_menu_marker_before_the_article_does_not_cut_it():
    menu = [f"Section {i}" for i in range(30)] + ["Newsletter", "Related"]
    body = [f"Paragraph {i}: {PROSE}" for i in range(4)]
    # "Newsletter" is past 40% of the lines, but no prose stands above it.
    assert trim_lines(menu + body) == "\n".join(body)
    # A teaser line inside the article, with more of the article below it than above.
    teaser = [*body[:1], "More from UK", *body[1:]]
    assert trim_lines(teaser) == "\n".join(teaser)


def test_related_tail_after_the_article_is_still_cut():
    body = "".join(f"<p>Paragraph {i}: {PROSE}</p>" for i in range(6))
    teaser = "<p>Another story about a bakery in the next village that also grinds its own flour daily.</p>"
    html = f"<html><body><article>{body}<h3>Related</h3>{teaser}</article></body></html>"
    (doc,), _ = run(Extract(), [page(html.encode())])
    assert doc.text.split("\n") == [f"Paragraph {i}: {PROSE}" for i in range(6)]


@pytest.mark.parametrize(
    ("folder", "name", "snippet"),
    [
        # A ministry page whose 500-line menu lists "Newsletter" twice before the press release.
        ("trafilatura_eval", "bmas.de-anforderungen.html", "Robert-Koch-Institut (RKI) wurde beauftragt"),
        # A "More from UK" teaser line in the middle of the article (Sky News).
        (
            "scrapinghub_article_extraction_benchmark",
            "921019755f4a96ac4abf9dbcb4ef9d5ac202624a542d5ea70912330aa6fcc71f.html",
            "Mourinho won three Premier League titles",
        ),
    ],
)
def test_benchmark_pages_where_the_tail_cut_took_the_article(shared_data, folder, name, snippet):
    html_dir = shared_data / "html_extraction" / folder / "html"
    raw = gzip.decompress((html_dir / f"{name}.gz").read_bytes())
    (doc,), _ = run(Extract(), [page(raw)])
    assert snippet in doc.text


@pytest.mark.parametrize("engine", ["resiliparse", "trafilatura"])
def test_body_inside_an_unclosed_noscript_is_extracted(engine):
    body = "".join(f"<p>Paragraph {i}: {PROSE}</p>" for i in range(4))
    html = f"<html><body><noscript><img src='/pixel.gif'><article>{body}</article>"
    (doc,), reasons = run(Extract(engine=engine), [page(html.encode())])
    assert reasons == []
    assert doc.text.split("\n") == [f"Paragraph {i}: {PROSE}" for i in range(4)]
    # A closed noscript keeps its usual meaning (what shows without scripts is not the article).
    # Opened 200,000 times and never ended by ">": linear, not one scan to the end per opening.
    with hang_guard(HANG_S, "open_noscript on 200,000 openings"):
        assert open_noscript("<noscript" * 200_000) == "<noscript" * 200_000
    closed = html.replace("<article>", "Please enable JavaScript to comment.</noscript><article>")
    (doc,), _ = run(Extract(engine=engine), [page(closed.encode())])
    assert "JavaScript" not in doc.text


# --- 3. pathological pages are bounded --------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<div>" * 30_000 + "".join(f"<p>Paragraph {i}: {PROSE}</p>" for i in range(4)) + "</div>" * 30_000,
        "<span><div>" * 20_000 + "".join(f"<p>Paragraph {i}: {PROSE}</p>" for i in range(4)),
    ],
    ids=["30k nested divs", "20k nested span+div, unclosed"],
)
def test_pathological_pages_skip_the_main_content_pass(html, monkeypatch):
    # Before: resiliparse's main-content pass took over 20 s and 60 s on these (it grows with
    # depth times size); now the page goes to the linear whole-page pass only. Counted: the passes.
    passes = _counting_passes(monkeypatch)
    utf16 = page(codecs.BOM_UTF16_LE + html.encode("utf-16-le"))  # its tags counted in its text
    for doc in (page(html.encode()), utf16, Document(id="t", text=html)):
        passes.clear()
        (out,), reasons = run(Extract(), [doc])
        assert passes == ["whole page"]
        assert reasons == [] and out.text.split("\n") == [f"Paragraph {i}: {PROSE}" for i in range(4)]
    passes.clear()  # a page as deep, but with few tags, is cheap at any depth: both passes run
    run(Extract(), [Document(id="t", text="<div>" * 200 + f"<p>{PROSE}</p>")])
    assert passes == ["main content", "whole page"]


def _counting_passes(monkeypatch) -> list[str]:
    """Make resiliparse's extraction note each pass it makes (in the list returned): counted, not timed."""
    from resiliparse.extract import html2text

    passes: list[str] = []
    extract = html2text.extract_plain_text

    def counting(tree, *args, **kwargs):
        passes.append("main content" if kwargs.get("main_content") else "whole page")
        return extract(tree, *args, **kwargs)

    monkeypatch.setattr(html2text, "extract_plain_text", counting)  # the engine takes it when built
    return passes


def test_a_huge_page_of_one_tag_is_too_large_in_raw_and_in_text(monkeypatch):
    html = "<b>" * 17_000_000  # 51 MB
    parsed: list[int] = []  # the size of each page the engine is handed: counted, not timed
    engine = ResiliparseEngine.__call__

    def counting(self, found_page, *args):
        parsed.append(len(found_page))
        return engine(self, found_page, *args)

    monkeypatch.setattr(ResiliparseEngine, "__call__", counting)
    _, reasons = run(Extract(), [page(html.encode()), Document(id="t", text=html)])
    assert reasons == ["extract:too_large", "extract:too_large"]
    assert parsed == []  # neither is parsed: the size is checked first
    run(Extract(), [page(b"<p>" + PROSE.encode())])
    assert parsed == [len(PROSE) + 3]  # what a page under the bound costs: one call


def test_a_page_over_the_time_limit_raises_a_clear_error():
    html = "<html><body>" + "".join(f"<p>Paragraph {i}: {PROSE}</p>" for i in range(50)) + "</body></html>"
    step = Extract(time_limit=1e-9)
    with pytest.raises(ExtractTimeout, match=r"extract: .* took .* over time_limit"):
        step.keep(page(html.encode()))
    with pytest.raises(ConfigError, match="time_limit"):
        Extract(time_limit=0)


def test_a_page_whose_bytes_hold_more_0x3c_than_its_tags_is_extracted_as_its_text_says():
    # ISO-2022-JP writes many kanji with the byte 0x3C: counted in its bytes, a page of 300 tags nested
    # 150 deep passed for one of thousands and went to the whole-page pass, which found no article.
    body = "<p>" + "実社会の者が手を取り主に式を書く。" * 1300 + "</p>"
    html = "<html><body><nav>ホーム 概要</nav>" + "<div>" * 150 + "<article><h1>題</h1>" + body
    html += "</article>" + "</div>" * 150 + "</body></html>"
    data = html.replace("<html>", '<html><head><meta charset="iso-2022-jp"></head>').encode("iso-2022-jp")
    assert html.count("<") < 4000 < data.count(b"<")
    (out,), reasons = run(Extract(), [page(data)])
    assert reasons == [] and out.meta["charset"] == "iso2022_jp" and "実社会の者" in out.text
