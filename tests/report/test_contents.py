"""What report.html shows of a real run: the funnel, signals in step order, examples, duplicates, pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gristmill import Pipeline
from gristmill.report import render_report
from gristmill.salad import DEFAULT_THRESHOLD
from gristmill.steps.registry import build_step
from tests.helpers import SEED, read_all, write_jsonl
from tests.report.helpers import check_funnel_against_stats
from tests.steps.test_language import TEXTS
from tests.steps.test_tokenize import web_texts


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run with a stitched page, short pages, an exact duplicate and e-mail addresses to redact."""
    folder = tmp_path_factory.mktemp("report")
    texts = [t for t in web_texts() if len(t.split()) > 200][:14]
    records = [
        {"id": "seed", "text": SEED.read_text(encoding="utf-8"), "meta": {"url": "https://seed.example/"}}
    ]
    for n, text in enumerate(texts):
        if n % 4 == 0:
            text += f"\nQuestions go to editor{n}@example.org before Friday."
        host = "news.example" if n % 2 else "www.blog.example"
        records.append(
            {"id": f"web{n}", "text": text, "meta": {"url": f"https://{host}/{n}", "language": "en"}}
        )
    records.append(
        # A URL without its scheme, as Dolma's and Common Crawl's text exports often hold them.
        {"id": "copy", "text": texts[2], "meta": {"url": "mirror.example/2", "language": "de"}}
    )
    for n in range(12):
        records.append(
            {
                "id": f"short{n}",
                "text": f"Buy now {n}. Click here.",
                "meta": {"url": f"https://spam.example/{n}"},
            }
        )
    write_jsonl(folder / "in.jsonl", records)
    steps = [("gopher_quality", {}), ("salad", {}), ("pii", {}), ("exact_dedup", {})]
    out = folder / "out"
    Pipeline(
        input={"path": str(folder / "in.jsonl")},
        output={"path": str(out)},
        steps=[build_step(name, options) for name, options in steps],
    ).run(workers=1, progress=False)
    return out


@pytest.fixture(scope="module")
def html(run: Path) -> str:
    return render_report(run)


def _section(html: str, title: str) -> str:
    start = html.index(f">{title}</h2>")
    end = html.find("<h2>", start + 4)
    return html[start : end if end > 0 else len(html)]


def test_the_funnel_shows_what_stats_json_counted(run: Path, html: str) -> None:
    stats = json.loads((run / "stats.json").read_text())
    check_funnel_against_stats(html, stats)
    gopher = stats["steps"][0]
    assert gopher["dropped"]["gopher_quality:min_words"] == 12


def test_signals_follow_the_pipeline_with_the_runs_thresholds(html: str) -> None:
    signals = _section(html, "Signals, step by step")
    order = [signals.index(f"<h3>{i}. {name}</h3>") for i, name in enumerate(["gopher_quality", "salad"])]
    assert order == sorted(order)
    assert "min_words = 50" in signals and f"threshold = {DEFAULT_THRESHOLD}" in signals
    assert "words (" in signals  # the unit on the axis
    assert "<th>median</th>" in signals and "gopher_mean_word_length" in signals


def test_up_to_ten_examples_per_reason_with_their_url(html: str) -> None:
    reasons = _section(html, "Dropped documents, by reason")
    block = reasons[reasons.index("gopher_quality:min_words") : reasons.index("</details>")]
    assert "12 dropped; 10 shown" in block
    assert block.count("https://spam.example/") == 10
    assert "short0" in block and "short10" not in block  # the first ten, in the order of the output


def test_duplicates_show_two_members_side_by_side(html: str) -> None:
    dupes = _section(html, "Duplicate clusters")
    assert "a cluster of 2" in dupes
    assert "kept: web2" in dupes and "dropped: copy" in dupes


def test_a_stitched_page_is_coloured_by_source_with_its_reasons(html: str) -> None:
    page = _section(html, "Stitched pages")
    assert "<h3>seed</h3>" in page and "reasons: " in page
    assert "1 sampled document scored as sentence salad; it is shown" in page  # one page, in the singular
    colours = set(re.findall(r'<span style="background:(#[0-9a-f]{6})">', page))
    assert len(colours) >= 2, colours


def test_text_changes_show_before_and_after(html: str) -> None:
    changes = _section(html, "What text-changing steps changed")
    assert re.search(r"<del>[^<]*editor0@example.org[^<]*</del>", changes)
    assert re.search(r"<ins>[^<]*&lt;EMAIL&gt;[^<]*</ins>", changes)


def test_languages_and_hosts_are_counted(html: str) -> None:
    counts = _section(html, "Languages and hosts")
    for label in ("en", "de", "(none)", "news.example", "blog.example", "spam.example", "mirror.example"):
        assert f">{label}</text>" in counts, label


def test_a_signal_counts_only_the_documents_that_reached_its_step(run: Path, html: str) -> None:
    # Every output document carries every declared signal (0 where its step never saw it): a page
    # gopher_quality dropped has salad_score 0, and must not show in salad's histogram as a passed 0.
    stats = json.loads((run / "stats.json").read_text())
    salad_in = next(s["in"] for s in stats["steps"] if s["name"] == "salad")
    assert salad_in < stats["totals"]["read"]
    signals = _section(html, "Signals, step by step")
    assert f"<b>salad_score</b> <span class=muted>(score; {salad_in:,} documents" in signals
    gopher_in = stats["steps"][0]["in"]
    assert f"<b>gopher_words</b> <span class=muted>(words; {gopher_in:,} documents" in signals


def test_a_share_computed_for_kept_documents_only_counts_those(tmp_path: Path) -> None:
    # language_main_share is measured only for documents language keeps; the ones it drops carry a 0
    # in JSON Lines output (no value), which must not show as a share of 0.
    english = [f"{t}" for t in web_texts()[:6]]
    german = [
        f"Dies ist ein deutscher Satz über das Wetter heute und morgen in der Stadt Nummer {n}."
        for n in range(4)
    ]
    records = [{"id": f"en{n}", "text": t} for n, t in enumerate(english)]
    records += [{"id": f"de{n}", "text": t} for n, t in enumerate(german)]
    write_jsonl(tmp_path / "in.jsonl", records)
    out = tmp_path / "out"
    Pipeline(
        input={"path": str(tmp_path / "in.jsonl")},
        output={"path": str(out)},
        steps=[build_step("language", {"keep": ["en"]})],
    ).run(workers=1, progress=False)
    kept = json.loads((out / "stats.json").read_text())["totals"]["kept"]
    assert 0 < kept < len(records)
    signals = _section(render_report(out), "Signals, step by step")
    assert f"language_main_share = 1 ({kept:,} documents)" in signals or (
        f"<b>language_main_share</b> <span class=muted>(share; {kept:,} documents" in signals
    ), signals


def test_language_without_mixed_writes_no_main_share_column(tmp_path: Path) -> None:
    # mixed: false computes no share: a column of zeros would chart as pages wholly in another language.
    write_jsonl(tmp_path / "in.jsonl", [{"id": f"en{n}", "text": TEXTS["en"] * (n + 1)} for n in range(3)])
    out = tmp_path / "out"
    Pipeline(
        input={"path": str(tmp_path / "in.jsonl")},
        output={"path": str(out)},
        steps=[build_step("language", {"mixed": False})],
    ).run(workers=1, progress=False)
    assert all("language_main_share" not in d["signals"] for d in read_all(out / "kept"))
    assert "language_main_share" not in render_report(out)


def test_a_run_smaller_than_the_sample_is_charted_whole(tmp_path: Path, monkeypatch) -> None:
    # Each shard file gave the same share of the sample: a new user's run of 711 rejected documents over
    # 20 files was charted from 367 of them, the big file cut at 250, though 5,000 were allowed.
    from gristmill.report import html as report_html

    monkeypatch.setattr(report_html, "SAMPLE", 100)
    src = tmp_path / "in"
    src.mkdir()
    write_jsonl(src / "a.jsonl", [{"id": f"a{i}", "text": f"Short {i}."} for i in range(90)])
    write_jsonl(src / "b.jsonl", [{"id": f"b{i}", "text": f"Short {i}."} for i in range(5)])
    out = tmp_path / "out"
    steps = [build_step("length_filter", {"min_chars": 50})]
    Pipeline(input={"path": str(src)}, output={"path": str(out)}, steps=steps).run(progress=False)
    page = render_report(out)
    said = re.findall(r"rejected: [^.]*\.", page)
    assert "rejected: 95, every document of its 2 shard files." in page, said


def test_a_folder_not_as_stats_json_counted_it_is_sampled_from_every_file(tmp_path: Path) -> None:
    # A count under what the files hold (an edited or older run) took the whole sample from the first files,
    # and the page said "from each of its 20 shard files".
    from gristmill.report.sample import sample_folder

    for shard in range(20):
        write_jsonl(
            tmp_path / f"{shard:05d}.jsonl.zst", [{"id": f"{shard}-{i}", "text": "x"} for i in range(300)]
        )
    sample = sample_folder(tmp_path, 5000, None, 100)
    assert not sample.whole and sample.how() == "up to 250 from the start of each of its 20 shard files"
    assert {d.id.split("-")[0] for d in sample.docs} == {str(shard) for shard in range(20)}
    whole = sample_folder(tmp_path, 6000, None, 6000)
    assert whole.whole and len(whole.docs) == 6000 and whole.how() == "every document of its 20 shard files"
