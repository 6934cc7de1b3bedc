"""Examples of dropped documents say truly what text they show: the page as the dropping step read it."""

from __future__ import annotations

from pathlib import Path

from gristmill import Pipeline
from gristmill.document import Document
from gristmill.report import render_report
from gristmill.report.corpus import examples_by_reason
from gristmill.steps.registry import build_step
from tests.helpers import REPO

WARC = REPO / "src" / "gristmill" / "samples" / "warc" / "cc-main-2020-34-excerpt.warc.gz"


def test_an_extract_example_of_a_warc_page_shows_its_html(tmp_path: Path) -> None:
    out = tmp_path / "out"
    Pipeline(input={"path": str(WARC)}, output={"path": str(out)}, steps=[build_step("extract", {})]).run(
        workers=1, progress=False
    )
    html = render_report(out)
    block = html[html.index("extract:empty</b>") :]
    block = block[: block.index("</details>")]
    assert "empty for a WARC record" not in block
    assert "the page as extract read it" in block and "&lt;html" in block.lower()


def test_an_extract_example_with_no_input_text_says_so() -> None:
    doc = Document(id="d", text="", meta={"reason": "extract:empty", "url": "a.example/"})
    [(_, _, [shown])] = examples_by_reason([doc], {"extract:empty": 1})
    assert shown.note == "the input record holds no text"
