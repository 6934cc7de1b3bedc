"""``report.html``: every value from the data is shown as text, never as markup."""

import json
from html.parser import HTMLParser
from pathlib import Path

from gristmill.report import render_report
from tests.helpers import write_jsonl, write_pipeline

# Each payload closes whatever the value could stand in (text, an attribute, a <pre>, a textarea,
# a comment, a style) and opens live markup.
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "'><svg onload=alert(3)>",
    "</textarea><iframe src=javascript:alert(4)>",
    "</pre></style><!-- --><object data=x>",
]
SECTIONS = ("funnel", "signals", "languages", "duplicates", "stitched", "dropped", "changes", "pipeline")
# Tags the report itself writes; anything else in the page came from the data.
REPORT_TAGS = {
    "html", "meta", "title", "style", "h1", "h2", "h3", "div", "span", "b", "i", "p", "ul", "li", "svg",
    "text", "rect", "table", "tr", "th", "td", "sub", "pre", "code", "line", "details", "summary", "br",
    "del", "ins", "a",
}  # fmt: skip


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.links: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)
        self.links.update(str(value) for name, value in attrs if name == "href")


def _marked(n: int) -> str:
    return PAYLOADS[n % len(PAYLOADS)]


def _run_with_markup_everywhere(tmp_path: Path, run_cli) -> Path:
    records = []
    for n in range(10):
        mark = _marked(n)
        records.append(
            {
                "id": f"doc{n}{mark}",
                "text": f"Text {n} {mark} " + "word " * (n * 10),
                "url": f"https://example.org/{mark}",
                "meta": {
                    "url": f"https://example.org/{mark}",
                    "title": mark,
                    "salad": "stitched",
                    "reason": mark,
                    "duplicate_of": mark,
                    mark: mark,
                },
                "signals": {
                    "salad_score": mark if n % 2 else 0.9,  # not a number: must not crash the report
                    "salad_sources": mark,
                    mark: 1.5,
                    "length_ratio": n / 10,
                },
            }
        )
    write_jsonl(tmp_path / "in.jsonl", records)
    out = tmp_path / "out"
    config = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {{path: '{tmp_path}/in.jsonl'}}\noutput: {{path: '{out}'}}\n"
        f"# pipeline comment {PAYLOADS[0]}\nsteps:\n  - length_filter: {{min_chars: 200}}\n",
    )
    result = run_cli("run", str(config), "--no-progress")
    assert result.exit_code == 0, result.output
    # Names and reasons come from steps; a plugin step can name itself anything.
    stats = json.loads((out / "stats.json").read_text())
    for step in stats["steps"]:
        step["name"] = f"{step['name']}{PAYLOADS[1]}"
        step["dropped"] = {f"{k}{PAYLOADS[3]}": v for k, v in step["dropped"].items()}
    stats["dropped_by_reason"] = {f"{k}{PAYLOADS[3]}": v for k, v in stats["dropped_by_reason"].items()}
    stats["errors"] = [f"shard 0: {PAYLOADS[4]}"]
    (out / "stats.json").write_text(json.dumps(stats))
    return out


def test_every_value_in_the_report_is_escaped(tmp_path: Path, run_cli) -> None:
    out = _run_with_markup_everywhere(tmp_path, run_cli)
    html = render_report(out)
    parser = _Tags()
    parser.feed(html)
    assert parser.tags <= REPORT_TAGS, parser.tags - REPORT_TAGS
    assert not {"onerror", "onload", "src", "data"} & parser.attributes
    assert parser.links <= {f"#s-{name}" for name in SECTIONS}, parser.links  # links within the page only
    for payload in PAYLOADS:
        assert payload not in html
    # The values are there, as text: the document ids, the sources, the reasons, the step names.
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3
    assert "&lt;/textarea&gt;&lt;iframe src=javascript:alert(4)&gt;" in html


def test_a_non_numeric_signal_does_not_crash_the_report(tmp_path: Path, run_cli) -> None:
    out = _run_with_markup_everywhere(tmp_path, run_cli)
    result = run_cli("report", str(out))
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Stitched pages" in html
