"""A run over wiki source articles and pages stitched from them, and its report's stitched-pages section."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from gristmill import Pipeline
from gristmill.report import render_report
from gristmill.steps.base import Step
from tests.dedup.test_provenance import stitch, wiki_articles
from tests.helpers import write_jsonl


def stitched_section(
    tmp_path: Path,
    shared_data: Path,
    steps: list[Step],
    pages: int = 2,
    extra: tuple[dict[str, Any], ...] = (),
) -> str:
    """Run ``steps`` over 6 source articles, ``pages`` pages stitched from 3 of them each and ``extra``
    records; return the report's "Stitched pages" section (HTML)."""
    rng = random.Random(11)
    articles = wiki_articles(shared_data, 6)
    records = [
        {"id": f"source{i}", "text": " ".join(a), "url": f"https://wiki.example/{i}"}
        for i, a in enumerate(articles)
    ]
    picked = [[articles[i] for i in rng.sample(range(6), 3)] for _ in range(pages)]
    records += [{"id": f"stitched{j}", "text": stitch(rng, parts)} for j, parts in enumerate(picked)]
    write_jsonl(tmp_path / "in.jsonl", [*records, *extra])
    out = tmp_path / "out"
    Pipeline(input={"path": str(tmp_path / "in.jsonl")}, output={"path": str(out)}, steps=steps).run(
        workers=1, progress=False
    )
    html = render_report(out)
    section = html[html.index(">Stitched pages</h2>") :]
    return section[: section.index("<h2")]
