"""The report's stitched pages are the pages the run judged, not the parts split from them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from gristmill import Document
from gristmill.report.signals import signal_sections
from gristmill.report.stitched import flagged_pages, stitched_pages
from gristmill.steps.registry import build_step
from tests.report.stitched_run import stitched_section


def _run(tmp_path: Path, shared_data: Path, seed_text: str, steps: list[str]) -> str:
    built = [build_step(name, {"action": "split"} if name == "salad" else {}) for name in steps]
    seed = {"id": "seed", "text": seed_text}  # stitched from pages not in the run
    return stitched_section(tmp_path, shared_data, built, extra=(seed,))


def test_split_parts_are_not_counted_or_drawn_as_stitched_pages(
    tmp_path: Path, shared_data: Path, seed_text: str
) -> None:
    section = _run(tmp_path, shared_data, seed_text, ["provenance", "salad"])
    # The three pages were split; their parts carry the page's meta.salad but were never judged as pages.
    assert sorted(re.findall(r"<h3>([^<]*)</h3>", section)) == ["seed", "stitched0", "stitched1"]
    parts = re.search(r"\((\d+) parts split from stitched pages", section)
    assert parts is not None and int(parts.group(1)) >= 6
    assert "3 sampled documents scored as sentence salad" in section


def test_sources_are_not_said_to_be_missing_where_no_provenance_looked(
    tmp_path: Path, shared_data: Path, seed_text: str
) -> None:
    section = _run(tmp_path, shared_data, seed_text, ["salad"])
    assert "<h3>seed</h3>" in section
    assert "not in the run" not in section
    assert "No <code>provenance</code> step ran" in section


def test_a_source_that_gave_one_sentence_is_counted_in_the_singular(seed_text: str) -> None:
    copied = [{"id": "a", "sentences": 3}, {"id": "b", "sentences": 1}]
    page = Document("p", seed_text, {"salad": "stitched", "copied_from": copied}, {"salad_score": 0.99})
    (drawn,) = stitched_pages([page], {}, 5, provenance={})
    assert drawn.copied_from == ["a (3 sentences)", "b (1 sentence)"]


def test_the_salad_charts_count_the_documents_salad_scored_not_the_parts(
    tmp_path: Path, shared_data: Path, seed_text: str
) -> None:
    _run(tmp_path, shared_data, seed_text, ["provenance", "salad"])
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    stats = json.loads((tmp_path / "out" / "stats.json").read_text(encoding="utf-8"))
    salad = next(step for step in stats["steps"] if step["name"] == "salad")
    assert salad["created"] > 0
    shown = re.search(r"<b>salad_score</b> <span class=muted>\(score; (\d+) documents", html)
    assert shown is not None and int(shown.group(1)) == salad["in"]


def test_a_page_is_drawn_as_salad_judged_it_where_provenance_came_after_salad(
    tmp_path: Path, shared_data: Path
) -> None:
    # provenance after salad names the page's sources, but salad never read them: the report redrew the
    # page by provenance's sources and gave "copied_from" as a reason for a verdict made on its text.
    steps = [build_step("salad", {}), build_step("provenance", {})]
    section = stitched_section(tmp_path, shared_data, steps)
    assert "<h3>stitched" in section
    assert "copied_from: " in section  # provenance's list is still shown with the page
    reasons = re.findall(r"reasons: ([^\n<]*)", section)
    assert reasons and not any("copied_from" in r for r in reasons), reasons
    assert "not in the run" not in section


def test_a_page_an_earlier_run_split_is_not_counted_as_judged_by_this_run() -> None:
    # salad over an earlier run's output rejects the page it split as salad:already_split; the page still
    # carries that run's meta.salad, but this run judged nothing of it.
    earlier = Document(
        "seed", "text", meta={"salad": "stitched", "split_into": ["seed#s0"], "reason": "salad:already_split"}
    )
    judged = Document("other", "text", meta={"salad": "stitched"})
    part = Document("seed#s0", "text", meta={"salad": "stitched", "split_from": "seed"})
    pages, parts = flagged_pages([earlier, judged, part])
    assert [d.id for d in pages] == ["other"] and parts == 1


def _step_charts(html: str) -> dict[str, dict[str, str]]:
    """Per step of "Signals, step by step", each chart's signal and the text of its label."""
    signals = html[html.index(">Signals, step by step</h2>") :]
    signals = signals[: signals.index("<h2")]
    found: dict[str, dict[str, str]] = {}
    for block in re.split(r"(?=<h3>)", signals)[1:]:
        step = re.match(r"<h3>(\d+\. \w+)</h3>", block)
        assert step is not None, block[:80]
        found[step.group(1)] = dict(re.findall(r"<b>(\w+)</b> <span class=muted>\(([^<]*)\)</span>", block))
    return found


def test_a_signal_a_later_step_rewrites_is_charted_under_the_step_whose_value_it_is(
    tmp_path: Path, shared_data: Path, seed_text: str
) -> None:
    # A new user's report charted provenance's copied_sentence_fraction over every output document: the
    # parts salad split off after provenance, and span_dedup's later rewrite of the value on most of them.
    _run(tmp_path, shared_data, seed_text, ["provenance", "salad", "span_dedup"])
    out = tmp_path / "out"
    stats = {s["name"]: s for s in json.loads((out / "stats.json").read_text(encoding="utf-8"))["steps"]}
    assert stats["salad"]["created"] > 0 and stats["salad"]["dropped"]["salad:split"] > 0
    charts = _step_charts((out / "report.html").read_text(encoding="utf-8"))
    # span_dedup's value is on every document it took in, the parts among them.
    assert charts["2. span_dedup"]["copied_sentence_fraction"].startswith(
        f"share of sentences; {stats['span_dedup']['in']} documents"
    )
    # provenance's value stays only on the pages salad split (span_dedup never saw them); the label says
    # whose value the others hold.
    split = stats["salad"]["dropped"]["salad:split"]
    rewritten = stats["provenance"]["in"] - split
    assert charts["0. provenance"]["copied_sentence_fraction"] == (
        f"share of sentences; {split} documents, those no later step rewrote;"
        f" 2. span_dedup rewrote it on the {rewritten} others, charted there"
    )


def test_documents_a_later_step_made_are_left_out_of_an_earlier_steps_chart(
    tmp_path: Path, shared_data: Path, seed_text: str
) -> None:
    _run(tmp_path, shared_data, seed_text, ["provenance", "salad"])
    out = tmp_path / "out"
    stats = {s["name"]: s for s in json.loads((out / "stats.json").read_text(encoding="utf-8"))["steps"]}
    assert stats["salad"]["created"] > 0
    charts = _step_charts((out / "report.html").read_text(encoding="utf-8"))
    assert charts["0. provenance"]["copied_sentence_fraction"].startswith(
        f"share of sentences; {stats['provenance']['in']} documents"
    )


def test_a_step_whose_signal_a_later_step_rewrote_everywhere_says_so_instead_of_a_chart() -> None:
    docs = [Document(f"d{n}", "text", signals={"copied_sentence_fraction": n / 4}) for n in range(3)]
    provenance, span_dedup = signal_sections(docs, [{"provenance": {}}, {"span_dedup": {}}])
    assert (provenance.step, provenance.charts, provenance.flat) == ("provenance", [], [])
    assert provenance.notes == [
        "copied_sentence_fraction: 1. span_dedup rewrote it on all 3 documents this step took in;"
        " charted there"
    ]
    assert [(chart.name, chart.count, chart.note) for chart in span_dedup.charts] == [
        ("copied_sentence_fraction", 3, "")
    ]
