from __future__ import annotations

from pathlib import Path

import pytest

from gristmill import BoilerplateLines, ConfigError, Document
from gristmill.inspect import inspect_document
from gristmill.stats import StepContext, StepStats
from gristmill.steps.boilerplate import furniture_rule
from gristmill.steps.registry import build_step
from gristmill.text import split_sentences
from tests.helpers import write_jsonl, write_pipeline

SEED_FURNITURE = [
    "© 2020 A&E Television Networks, LLC.",
    "Sign up now to learn about This Day in History straight from your inbox.",
]


def run(step: BoilerplateLines, docs: list[Document]) -> tuple[list[Document], list[Document]]:
    rejected: list[Document] = []
    kept = list(step.apply(docs, StepContext(StepStats(0, step.name), rejected.append)))
    return kept, rejected


def test_seed_loses_its_furniture_and_keeps_every_content_sentence(seed_text: str) -> None:
    doc = Document("seed", seed_text)
    kept, _ = run(BoilerplateLines(), [doc])
    before = split_sentences(seed_text)
    after = split_sentences(kept[0].text)
    assert [s for s in before if s not in after] == SEED_FURNITURE
    assert after == [s for s in before if s not in SEED_FURNITURE]
    assert doc.signals["boilerplate_sentences"] == 2
    assert doc.signals["boilerplate_lines"] == 0


def test_inspect_flags_the_seed_furniture(seed_text: str) -> None:
    result = inspect_document(Document("seed", seed_text), [BoilerplateLines()])
    flagged = {s["text"]: s["flags"] for s in result["sentences"] if s["flags"]}
    assert flagged == {
        SEED_FURNITURE[0]: ["boilerplate_lines:copyright"],
        SEED_FURNITURE[1]: ["boilerplate_lines:newsletter"],
    }


@pytest.mark.parametrize(
    ("sentence", "rule"),
    [
        ("Copyright © 2019 Example Media. All rights reserved.", "copyright"),
        ("Subscribe to our newsletter", "newsletter"),
        ("This website uses cookies to improve your experience.", "cookie"),
        ("Follow us on Twitter", "share"),
        ("Facebook Twitter LinkedIn Email", "share"),
        ("Read more »", "read_more"),
        ("Home › News › World", "breadcrumb"),
        ("Related articles", "label"),
        ("The miller said he would subscribe to the plan if the town paid for the wheel.", None),
        ("Read the label before use, he said.", None),
        ("Trotsky was deported by Stalin to Alma-Ata in 1928.", None),
    ],
)
def test_furniture_rules(sentence: str, rule: str | None) -> None:
    assert furniture_rule(sentence) == rule


def test_lines_recurring_on_a_host_are_learned() -> None:
    footer = "Example Gazette, 12 Mill Road, serving the valley since 1901"
    docs = [
        Document(
            f"d{i}",
            f"Story number {i} tells of the river and the mill.\n{footer}",
            {"url": f"https://www.example.org/{i}"},
        )
        for i in range(3)
    ]
    other = Document("o", f"A page elsewhere quotes it.\n{footer}", {"url": "https://other.net/x"})
    kept, rejected = run(BoilerplateLines(), [*docs, other])
    assert not rejected
    assert [d.text for d in kept[:3]] == [
        f"Story number {i} tells of the river and the mill." for i in range(3)
    ]
    assert kept[0].signals["boilerplate_lines"] == 1
    assert kept[3].text == other.text  # one page of another host: not that host's furniture
    kept, _ = run(BoilerplateLines(min_pages=4), [Document(d.id, f"x\n{footer}", d.meta) for d in docs])
    assert all(footer in d.text for d in kept)


def test_a_removed_line_leaves_no_blank_line_behind() -> None:
    # A line removed between two lines of one paragraph left a blank line there: a paragraph break.
    footer = "Example Gazette, 12 Mill Road, serving the valley since 1901"
    docs = [
        Document(
            f"d{i}",
            f"Story {i} tells of the mill.\n{footer}\nWheel {i} turns.\nSubscribe now\nMiller {i} sings.\n\n"
            f"The end of story {i}.",
            {"url": f"https://example.org/{i}"},
        )
        for i in range(3)
    ]
    kept, _ = run(BoilerplateLines(), docs)
    assert kept[0].text == (
        "Story 0 tells of the mill.\nWheel 0 turns.\nMiller 0 sings.\n\nThe end of story 0."
    )
    # A removed line between two paragraphs leaves the one break between them.
    kept, _ = run(BoilerplateLines(), [Document("p", "First part.\n\nSubscribe now\n\nSecond part.")])
    assert kept[0].text == "First part.\n\nSecond part."


def test_a_document_of_only_furniture_is_dropped() -> None:
    kept, rejected = run(BoilerplateLines(), [Document("d", "Subscribe now\nRead more")])
    assert kept == []
    assert rejected[0].meta["reason"] == "boilerplate_lines:empty"


def test_options_are_checked() -> None:
    with pytest.raises(ConfigError, match="min_pages"):
        build_step("boilerplate_lines", {"min_pages": 1})
    assert isinstance(build_step("boilerplate_lines", {"learn": False}), BoilerplateLines)


def test_barrier_runs_in_a_pipeline(tmp_path: Path) -> None:
    from gristmill import LocalExecutor, pipeline_from_dict

    footer = "Example Gazette, 12 Mill Road, serving the valley since 1901"
    lines = [
        f'{{"id": "d{i}", "text": "Story {i} tells of the mill.\\n{footer}", "url": "https://example.org/{i}"}}'
        for i in range(4)
    ]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    pipeline = pipeline_from_dict(
        {
            "input": {"path": str(tmp_path / "in.jsonl")},
            "output": {"path": str(tmp_path / "out")},
            "steps": [{"boilerplate_lines": {}}],
        }
    )
    LocalExecutor(workers=1).run(pipeline)
    import zstandard

    files = sorted(p for p in (tmp_path / "out" / "kept").rglob("*") if p.is_file())
    out = "".join(
        zstandard.ZstdDecompressor().decompressobj().decompress(p.read_bytes()).decode() for p in files
    )
    assert footer not in out
    assert "Story 3 tells of the mill." in out


def test_a_heading_whose_section_went_goes_too() -> None:
    text = (
        "The Mill\nThe wheel turns all day and the miller grinds the grain.\n\n"
        "Newsletter\nSign up for our newsletter.\nSubscribe now\n\nOpening hours\nFrom ten to five."
    )
    kept, _ = run(BoilerplateLines(), [Document("d", text)])
    assert kept[0].text == (
        "The Mill\nThe wheel turns all day and the miller grinds the grain.\n\n"
        "Opening hours\nFrom ten to five."
    )


def _pages_of_few_hosts() -> list[dict[str, str]]:
    """6,000 pages of four hosts sharing one footer line (one run of it), a rarer line, own lines."""
    footer = "Example Gazette, 12 Mill Road, serving the valley since 1901"
    records = []
    for i in range(6000):
        host = ["example.org", "other.net", "third.com", "lone.io"][0 if i % 7 else 1 + i % 3]
        lines = [f"Story number {i} tells of the river and the mill."]
        if host != "lone.io" or i < 40:  # lone.io: the footer on two pages, under min_pages
            lines.append(footer)
        if i % 500 == 0:
            lines.append("Printed on recycled paper since the spring of 1952")
        records.append({"id": f"d{i}", "text": "\n".join(lines), "url": f"https://{host}/{i}"})
    return records


def test_a_line_on_more_pages_than_a_window_is_counted_in_pieces(tmp_path: Path, monkeypatch) -> None:
    from gristmill.steps import boilerplate
    from tests.dedup.helpers import run_pipeline, small_windows

    records = _pages_of_few_hosts()
    whole = run_pipeline(tmp_path / "whole", records, [BoilerplateLines()], files=3)
    windows = small_windows(monkeypatch, boilerplate)
    pieces = run_pipeline(tmp_path / "pieces", records, [BoilerplateLines()], files=3)
    assert max(windows) <= 1024 + 3 * 1024 < 5000  # the footer of example.org: one run of ~5,100
    assert [(d.id, d.text, d.signals) for d in pieces.kept] == [(d.id, d.text, d.signals) for d in whole.kept]
    assert [d.id for d in pieces.rejected] == [d.id for d in whole.rejected] == []
    texts = {d.id: d.text for d in whole.kept}
    assert "Gazette" not in texts["d1"] and "Gazette" not in texts["d7"]  # example.org, other.net
    lone = [d for d in records if d["url"].startswith("https://lone.io/")]
    assert ["Gazette" in texts[d["id"]] for d in lone] == [d["id"] in ("d14", "d35") for d in lone]
    assert "recycled" not in texts["d500"] and "recycled" in texts["d0"]  # d0: other.net's one


def test_a_shards_decide_holds_only_the_learned_lines_its_own_pages_have(tmp_path: Path, monkeypatch) -> None:
    """decide reads its shard's part of what the corpus learned, not every learned line of the run."""
    from gristmill.steps import boilerplate
    from tests.dedup.helpers import run_pipeline

    records = []
    for shard, host in enumerate(["a.org", "b.net", "c.com"]):  # each host's pages in one file
        for i in range(4):
            lines = [
                f"Page {shard}-{i} of {host} tells its own story of the valley.",
                f"Footer of {host}, all rights",
            ]
            records.append({"id": f"{shard}-{i}", "text": "\n".join(lines), "url": f"https://{host}/{i}"})
    held: list[int] = []
    clean = boilerplate.BoilerplateLines.clean

    def spied(self, doc, learned):  # the real cleaning, the size of the learned set it was given noted
        held.append(len(learned))
        return clean(self, doc, learned)

    monkeypatch.setattr(boilerplate.BoilerplateLines, "clean", spied)
    out = run_pipeline(tmp_path, records, [BoilerplateLines(min_pages=3)], files=3)
    assert all("Footer" not in d.text for d in out.kept) and len(out.kept) == 12
    assert held == [1] * 12  # one learned footer per shard; three in the run


def test_a_learned_line_goes_to_each_shard_once_however_many_pages_have_it(tmp_path: Path) -> None:
    from gristmill.dedup.work import load_part

    step = BoilerplateLines(min_pages=3)
    step.buckets = 1
    pages = [
        Document(
            id=f"d{i}",
            text=f"Story {i} of the valley\nFooter of the site, all rights",
            meta={"url": f"https://a.org/{i}"},
        )
        for i in range(50)
    ]
    for shard in range(2):
        step.sign(pages[shard * 25 : (shard + 1) * 25], shard, tmp_path)
    step.group(0, 2, tmp_path)
    assert [len(load_part(tmp_path / "furniture-000.npy", shard)) for shard in range(2)] == [1, 1]


def test_a_url_field_no_early_record_has_is_said_in_one_line(tmp_path: Path, run_cli) -> None:
    # A mistyped url_field gave no page a host: nothing was learned, and nothing said so.
    records = [
        {"id": f"d{i}", "text": "Story.\nFooter line of the site", "url": f"https://a.org/{i}"}
        for i in range(3)
    ]
    write_jsonl(tmp_path / "in.jsonl", records)
    path = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {tmp_path / 'in.jsonl'}\noutput: {tmp_path / 'out'}\n"
        "steps:\n  - boilerplate_lines: {url_field: page_url}\n",
    )
    result = run_cli("run", str(path))
    assert result.exit_code == 0, result.output
    said = [line for line in result.output.splitlines() if "names 'page_url'" in line]
    assert len(said) == 1 and "step 'boilerplate_lines', option 'url_field'" in said[0], result.output
    assert "'url'" in said[0]
    # Without learning, the step reads no URL: nothing to say.
    path.write_text(path.read_text().replace("{url_field: page_url}", "{url_field: page_url, learn: false}"))
    result = run_cli("run", str(path), "--overwrite")
    assert result.exit_code == 0 and "page_url" not in result.output, result.output
