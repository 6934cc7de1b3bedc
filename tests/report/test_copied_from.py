"""A stitched page in the report names the documents its sentences were copied from, when provenance ran."""

from __future__ import annotations

import random
import re
from pathlib import Path

from gristmill import Pipeline
from gristmill.report import render_report
from gristmill.steps.registry import build_step
from tests.dedup.test_provenance import stitch, wiki_articles
from tests.helpers import write_jsonl


def test_a_stitched_page_lists_its_copied_from_documents(tmp_path: Path, shared_data: Path) -> None:
    rng = random.Random(11)
    articles = wiki_articles(shared_data, 6)
    records = [
        {"id": f"source{i}", "text": " ".join(a), "url": f"https://wiki.example/{i}"}
        for i, a in enumerate(articles)
    ]
    picked = [[articles[i] for i in rng.sample(range(6), 3)] for _ in range(3)]
    records += [{"id": f"stitched{j}", "text": stitch(rng, parts)} for j, parts in enumerate(picked)]
    write_jsonl(tmp_path / "in.jsonl", records)
    out = tmp_path / "out"
    steps = [build_step("provenance", {}), build_step("salad", {})]
    Pipeline(input={"path": str(tmp_path / "in.jsonl")}, output={"path": str(out)}, steps=steps).run(
        workers=1, progress=False
    )
    html = render_report(out)
    section = html[html.index(">Stitched pages</h2>") :]
    section = section[: section.index("<h2")]
    assert "<h3>stitched" in section
    named = re.findall(r"source\d https://wiki\.example/\d \(\d+ sentences\)", section)
    assert len(set(named)) >= 3, named
