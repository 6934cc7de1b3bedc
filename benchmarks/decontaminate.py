"""Decontamination: recall of planted evaluation text (verbatim and lightly edited), false drops, docs/s.

Evaluation set: WikiText-2 test paragraphs (40 words or more). Corpus: the Dolma Common Crawl documents
(clean), and copies of them with one evaluation paragraph planted in the middle, verbatim or lightly
edited (case, punctuation and spacing changed, then one word in ``EDIT_EVERY`` replaced or dropped at
random). No peer runs here: datatrove's and Dolma's decontamination need their own index formats.
"""

from __future__ import annotations

import gzip
import random
import sys
import tempfile
import time
from pathlib import Path

import orjson

from _common import SHARED_DATA, peak_rss_mb, table
from gristmill import Decontaminate, Document

EVAL_PARAGRAPHS = 300
PLANTED = 200
EDIT_EVERIES = (30, 20, 15)


def _dolma_texts() -> list[str]:
    texts = []
    for path in sorted((SHARED_DATA / "web_text" / "dolma").glob("*.jsonl.gz")):
        for line in gzip.decompress(path.read_bytes()).splitlines():
            if line.strip():
                texts.append(orjson.loads(line)["text"])
    return texts


def _wikitext_paragraphs() -> list[str]:
    lines = (SHARED_DATA / "coherence" / "wikitext2" / "test.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if len(line.split()) >= 40 and not line.strip().startswith("=")]


def _edit(text: str, every: int, rng: random.Random) -> str:
    words = text.replace(" , ", ", ").replace(" . ", ". ").split()
    out = []
    for word in words:
        roll = rng.random()
        if roll < 0.5 / every:
            continue  # dropped
        out.append("edited" if roll < 1 / every else (word.upper() if rng.random() < 0.2 else word))
    return "  ".join(out)


class _Dropped:
    """Stands in for the step context: collects what the step drops."""

    def __init__(self) -> None:
        self.docs: list[Document] = []

    def reject(self, doc: Document, reason: str) -> None:
        self.docs.append(doc)


def _plant(host: str, passage: str) -> str:
    middle = len(host) // 2
    cut = host.rfind(" ", 0, middle) + 1
    return host[:cut] + "\n" + passage + "\n" + host[cut:]


def main() -> int:
    if not (SHARED_DATA / "coherence" / "wikitext2").is_dir():
        print(f"skipped: {SHARED_DATA} is missing")
        return 0
    rng = random.Random(14)
    clean = _dolma_texts()
    paragraphs = _wikitext_paragraphs()
    evaluation = paragraphs[:EVAL_PARAGRAPHS]
    with tempfile.TemporaryDirectory() as tmp:
        eval_file = Path(tmp) / "wikitext_test.jsonl"
        eval_file.write_bytes(b"".join(orjson.dumps({"text": p}) + b"\n" for p in evaluation))
        start = time.perf_counter()
        step = Decontaminate(sets=[str(eval_file)])
        build = time.perf_counter() - start
        index = step.index()
        corpora: dict[str, list[str]] = {"clean web (false drops)": clean}
        hosts = [rng.choice(clean) for _ in range(PLANTED)]
        chosen = [rng.choice(evaluation) for _ in range(PLANTED)]
        corpora["planted verbatim"] = [_plant(h, p) for h, p in zip(hosts, chosen, strict=True)]
        for every in EDIT_EVERIES:
            corpora[f"planted, 1 edit in {every} words"] = [
                _plant(h, _edit(p, every, rng)) for h, p in zip(hosts, chosen, strict=True)
            ]
        # Paragraphs of WikiText-2 outside the evaluation set: same style, not contaminated.
        corpora["other WikiText paragraphs (false drops)"] = paragraphs[EVAL_PARAGRAPHS:][:PLANTED]

        rows = []
        total_docs, total_seconds = 0, 0.0
        for name, texts in corpora.items():
            docs = [Document(id=str(i), text=t) for i, t in enumerate(texts)]
            ctx = _Dropped()
            start = time.perf_counter()
            kept = sum(1 for _ in step.apply(docs, ctx))  # type: ignore[arg-type]
            seconds = time.perf_counter() - start
            total_docs, total_seconds = total_docs + len(docs), total_seconds + seconds
            rows.append([name, len(docs), len(ctx.docs), kept, len(ctx.docs) / len(docs)])
    print(
        f"index: {len(index.hashes):,} 13-grams from {EVAL_PARAGRAPHS} paragraphs, "
        f"{index.nbytes / 2**20:.2f} MiB, built in {build:.2f} s; peak RSS {peak_rss_mb():.0f} MB"
    )
    print(table(rows, ["corpus", "docs", "dropped", "kept", "dropped share"]))
    print(f"throughput: {total_docs / total_seconds:,.0f} docs/s on one core ({total_docs} docs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
