"""The verdict sees through layout: list markers, markdown, one sentence a line, headings."""

import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gristmill import Document, Salad
from gristmill.inspect import inspect_document
from gristmill.salad import analyse
from gristmill.salad.layout import read_layout
from gristmill.text.sentences import sentence_spans
from tests.helpers import SEED
from tests.steps.test_salad import _own_lines, _without_first, _without_repeat

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))

import saladgen  # noqa: E402


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def bulleted(text: str) -> str:
    return "\n".join("- " + s for s in _sentences(text))


def numbered(text: str) -> str:
    return "\n".join(f"{i}. {s}" for i, s in enumerate(_sentences(text), 1))


def one_a_line(text: str) -> str:
    return "\n".join(_sentences(text))


def markdown(text: str) -> str:
    """Title, a heading every 12 sentences, paragraphs of 4, every third one as bullets, a bold word."""
    said = _sentences(text)
    parts = ["# Trotsky"]
    for k, i in enumerate(range(0, len(said), 4)):
        run = said[i : i + 4]
        if i and i % 12 == 0:
            parts.append("## Background")
        if k % 3 == 2:
            parts.append("\n".join("* " + s for s in run))
        else:
            parts.append(re.sub(r"\b([A-Z][a-z]{3,})\b", r"**\1**", " ".join(run), count=1))
    return "\n\n".join(parts)


LAYOUTS: dict[str, Callable[[str], str]] = {
    "bulleted": bulleted,
    "numbered": numbered,
    "one_sentence_a_line": one_a_line,
    "markdown": markdown,
}
EDITS: dict[str, Callable[[str], str]] = {
    "as_is": lambda t: t,
    "all_three_edits": lambda t: _without_repeat(_own_lines(_without_first(t))),
}


@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
@pytest.mark.parametrize("layout", list(LAYOUTS), ids=list(LAYOUTS))
def test_seed_page_is_flagged_in_any_layout(layout: str, edit: str) -> None:
    text = LAYOUTS[layout](EDITS[edit](SEED.read_text(encoding="utf-8")))
    found = analyse(text)
    assert found.score >= Salad().threshold, (layout, edit, found.score, found.features)


@pytest.fixture(scope="module")
def shared_data() -> Path:
    data = REPO.parent / "shared" / "data"
    if not data.is_dir():
        pytest.skip("../shared/data is not here")
    return data


def _articles(data: Path) -> list[saladgen.Source]:
    """Report-half WikiText articles with at least three sections of prose."""
    wiki = [s for s in saladgen.load_wikitext(data) if saladgen.half(s.key) == "report"]
    return [s for s in wiki if len([p for p in s.sections if len(p[1]) >= 3]) >= 3][:8]


def test_genuine_articles_with_markdown_headings_are_not_flagged(shared_data: Path) -> None:
    articles = _articles(shared_data)
    assert len(articles) >= 5
    for article in articles:
        parts = [f"# {article.title}"]
        for heading, sentences in article.sections[:6]:
            parts += [f"## {heading}", " ".join(sentences[:8])]
        text = "\n\n".join(parts)
        found = analyse(text)
        assert found.score < Salad().threshold, (article.title, found.score, found.features)


def test_genuine_bulleted_pages_are_not_flagged(shared_data: Path) -> None:
    news = [s for s in saladgen.load_news(shared_data) if saladgen.half(s.key) == "report"]
    pages = [s for s in news if len(s.sentences) >= 12][:8] + _articles(shared_data)[:4]
    assert len(pages) >= 10
    for page in pages:
        text = f"{page.title}\n" + "\n".join("- " + s for s in page.sentences[:20])
        found = analyse(text)
        assert found.score < Salad().threshold, (page.title, found.score, found.features)


def test_layout_marks_are_read_past_and_spans_stay_on_the_page() -> None:
    text = (
        "# The harbour\n\n"
        "- The **harbour** was dredged in 1910, as the [council](https://x.example/c) asked\n"
        "2. Ships of deeper draught could then dock at the quay.\n"
        "a) Trade grew steadily for a whole decade.\n"
        "Short title line\n"
        "The quay was rebuilt after the war. It still stands."
    )
    spans = sentence_spans(text)
    layout = read_layout(text, spans)
    said = dict(zip([text[a:b] for a, b in spans], layout.sentences, strict=True))
    assert said["# The harbour"] == "The harbour"
    assert said["- The **harbour** was dredged in 1910, as the [council](https://x.example/c) asked"] == (
        "The harbour was dredged in 1910, as the council asked"
    )
    assert "Ships of deeper draught could then dock at the quay." in layout.sentences
    assert said["a) Trade grew steadily for a whole decade."] == "Trade grew steadily for a whole decade."
    headings = {text[spans[i][0] : spans[i][1]] for i in layout.headings}
    assert headings == {"# The harbour", "Short title line"}
    # A list number the splitter cut off as a sentence of its own is layout, not prose.
    assert {text[spans[i][0] : spans[i][1]] for i in layout.marks} <= {"2."}


def test_one_sentence_a_line_is_read_as_lines_without_paragraph_information() -> None:
    prose = " ".join(f"The mill ground {w} grain in the year {1800 + i}." for i, w in enumerate("abcdefgh"))
    assert not read_layout(prose, sentence_spans(prose)).lines_are_sentences
    lines = one_a_line(prose)
    assert read_layout(lines, sentence_spans(lines)).lines_are_sentences
    paragraphs = "\n\n".join(" ".join(_sentences(prose)[i : i + 2]) for i in range(0, 8, 2))
    assert not read_layout(paragraphs, sentence_spans(paragraphs)).lines_are_sentences


def test_inspect_marks_the_sentences_of_a_markdown_seed_by_their_place_on_the_page() -> None:
    text = markdown(SEED.read_text(encoding="utf-8"))
    shown = inspect_document(Document("seed", text), [Salad()])
    assert [s["text"] for s in shown["sentences"]] == _sentences(text)
    flags = {s["text"]: s["flags"] for s in shown["sentences"]}
    assert flags["# Trotsky"][0] == "salad:furniture=heading"
    assert "salad:furniture=heading" in flags["## Background"]
    assert any(f.startswith("salad:verdict=stitched") for f in flags["# Trotsky"])
    seams = [s["text"] for s in shown["sentences"] if "salad:seam" in s["flags"]]
    assert len(seams) >= 3 and not any(s.startswith("#") for s in seams)


def test_a_page_of_short_lines_keeps_its_lines_and_breaks_as_written() -> None:
    text = "Filter by: Author\n\nRepository\n\nYou can copy this text:\n\nThis file is restricted\n\nLog in."
    layout = read_layout(text, sentence_spans(text))
    assert not layout.reads_as_prose
    assert not layout.headings and not layout.lines_are_sentences
