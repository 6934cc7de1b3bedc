"""How well boilerplate_lines tells furniture from content on the Scrapinghub extraction set.

For each of the 181 pages, the full-page text (html-text) goes through boilerplate_lines (patterns;
each page is its own host here, so nothing is learned). A removed sentence that also appears in the
page's gold article body is content lost; one that does not is furniture (or other non-article text)
removed. Also run on the gold bodies alone: every sentence removed there is a loss.

    .venv-bench/bin/python benchmarks/boilerplate_quality.py
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gristmill import BoilerplateLines, Document
from gristmill.text import split_sentences
from quality_corpus import SHARED


def main() -> None:
    base = SHARED / "html_extraction" / "scrapinghub_article_extraction_benchmark"
    gold = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    full = json.loads((base / "output" / "html-text.json").read_text(encoding="utf-8"))
    full = full.get("output", full)
    step = BoilerplateLines(learn=False)
    removed_total = lost = gold_sentences = gold_lost = 0
    rules: Counter[str] = Counter()
    start = time.perf_counter()
    for key, entry in gold.items():
        body = entry["articleBody"]
        body_sentences = set(split_sentences(body))
        gold_sentences += len(body_sentences)
        page = full.get(key, {}).get("articleBody", "")
        doc = Document(key, page)
        for a, b, rule in step.furniture_spans(doc, set()):
            removed_total += 1
            rules[rule] += 1
            if page[a:b] in body_sentences:
                lost += 1
        gold_doc = Document(key, body)
        gold_lost += len(step.furniture_spans(gold_doc, set()))
    seconds = time.perf_counter() - start
    print(f"{len(gold)} pages, {seconds:.1f} s\n")
    print(f"full pages: {removed_total} sentences/lines removed, {lost} of them in the gold body")
    print(f"  share of removals that are not article text: {1 - lost / max(removed_total, 1):.3f}")
    print(f"  by rule: {dict(rules.most_common())}")
    print(
        f"gold bodies: {gold_lost} of {gold_sentences} sentences removed ({gold_lost / gold_sentences:.2%})"
    )


if __name__ == "__main__":
    main()
