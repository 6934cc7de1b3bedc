"""Provenance: stitched pages found in the corpus, their sources named, and the originals kept whole.

Builds a corpus from the real texts in ../shared/data (SOURCES.md): news articles (Zyte's gold
bodies) and Wikipedia articles (WikiText-2) as *sources*; *stitched* pages made of runs taken from
2-6 of them (runs of 1, 1-3 or 3-5 sentences, or one block per source; 8, 20 or 40 sentences; one
paragraph, random breaks, or breaks at run boundaries; a third with a sidebar of 2-4 sentences of
their own, from CCNet pages outside the corpus); *syndicated* whole copies of other articles
(under a line of their own, as syndication adds); *quoting* pages (an article with one sentence of a
source inside its own prose); and *unrelated* Common Crawl pages (Dolma's sample, menus and all).

The corpus runs through ``provenance`` and ``span_dedup`` in three input orders (sources first,
stitched pages first, shuffled), and the figures are printed: stitched recall, pages of every other
kind flagged stitched, stitched pages whose true sources are all named in ``copied_from``, stitched
pages naming a document they took nothing from, source
articles left whole by ``span_dedup`` (as whole as ``span_dedup`` leaves them alone), and whether the
roles are the same in every order.

``--scale N`` instead runs ``provenance`` on N synthetic documents (5% stitched) on ``--workers``
processes and prints time and peak memory of the largest process.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
import zstandard

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SHARED_DATA, table
from gristmill import Document, Pipeline, Provenance, Salad, SpanDedup
from gristmill.io.jsonl import JsonlReader
from gristmill.text import split_sentences

RUNS = {"1": (1, 1), "1-3": (1, 3), "3-5": (3, 5), "block": (0, 0)}
LENGTHS = (8, 20, 40)
BREAKS = ("none", "random", "runs")
ORDERS = ("sources first", "stitched first", "shuffled")


# -- the corpus -------------------------------------------------------------------------------------
def articles(data: Path) -> list[tuple[str, list[list[str]]]]:
    """News and Wikipedia articles as (name, paragraphs of sentences), sentences of 6+ words kept."""
    found: list[tuple[str, list[list[str]]]] = []
    gold = data / "html_extraction" / "scrapinghub_article_extraction_benchmark" / "ground-truth.json"
    for key, value in sorted(json.loads(gold.read_text(encoding="utf-8")).items()):
        paragraphs = [split_sentences(p) for p in value["articleBody"].split("\n") if p.strip()]
        found.append((f"news-{key[:10]}", paragraphs))
    for name in ("test.txt", "valid.txt"):
        raw = (data / "coherence" / "wikitext2" / name).read_text(encoding="utf-8")
        for k, chunk in enumerate(re.split(r"\n \= (?=[^=])", raw)):
            text = re.sub(r" @(.)@ ", r"\1", chunk)
            lines = [ln.strip() for ln in text.splitlines()[1:] if ln.strip()]
            paragraphs = [split_sentences(ln) for ln in lines if not ln.startswith("=")]
            found.append((f"wiki-{name[:-4]}-{k}", paragraphs))
    usable = []
    for name, paragraphs in found:
        paragraphs = [[s for s in p if len(s.split()) >= 6] for p in paragraphs]
        paragraphs = [p for p in paragraphs if p]
        if sum(len(p) for p in paragraphs) >= 15:
            usable.append((name, paragraphs))
    return usable


def sidebar_texts(data: Path) -> list[list[str]]:
    """Sentences of CCNet pages (not in the corpus): the text of a stitched page's own sidebar."""
    texts = []
    for name in ("cc_en_head-0091.jsonl.gz", "cc_en_head-0174.jsonl.gz"):
        with gzip.open(data / "web_text" / "dolma" / name, "rt", encoding="utf-8") as handle:
            texts += [json.loads(line)["text"] for line in handle]
    found = [[s for s in split_sentences(t) if len(s.split()) >= 6] for t in texts]
    return [sentences[k : k + 4] for sentences in found for k in range(0, len(sentences) - 3, 4)]


def crawl_pages(data: Path) -> list[str]:
    """The Common Crawl pages of Dolma's sample with some text."""
    path = data / "web_text" / "dolma" / "CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for line in handle]
    return [t for t in texts if len(t.split()) >= 50]


def stitch(rng: random.Random, sources: list[list[str]], runs: str, length: int, breaks: str) -> str:
    """A page of up to ``length`` sentences taken in runs from ``sources`` (each a list of sentences).

    No source gives more than a quarter of its sentences: a stitcher takes excerpts, and a source
    wholly taken cannot be told, from the corpus alone, from an article quoted by excerpts.
    """
    lo, hi = RUNS[runs]
    budget = [max(1, len(s) // 4) for s in sources]
    pieces: list[list[str]] = []
    if runs == "block":
        for k, source in enumerate(sources):
            share = min(budget[k], max(1, length // len(sources)))
            start = rng.randrange(len(source) - share + 1)
            pieces.append(source[start : start + share])
    else:
        k = 0
        while sum(len(p) for p in pieces) < length and any(budget):
            i = k % len(sources)
            k += 1
            run = min(rng.randint(lo, hi), budget[i], length - sum(len(p) for p in pieces))
            if run <= 0:
                continue
            start = rng.randrange(len(sources[i]) - run + 1)
            pieces.append(sources[i][start : start + run])
            budget[i] -= run
    rng.shuffle(pieces)
    sentences = [s for p in pieces for s in p]
    if breaks == "none":
        return " ".join(sentences)
    if breaks == "runs":
        return "\n\n".join(" ".join(p) for p in pieces)
    out = []
    for i, sentence in enumerate(sentences):
        out.append(sentence)
        out.append("\n\n" if i < len(sentences) - 1 and rng.random() < 0.25 else " ")
    return "".join(out).strip()


def build(data: Path, seed: int = 7, stitched: int = 160) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Return the records and the truth: kind of every page, true sources of the stitched ones."""
    rng = random.Random(seed)
    pool = articles(data)
    rng.shuffle(pool)
    syndicated, hosts, sources = pool[:25], pool[25:50], pool[50:]
    records: list[dict[str, Any]] = []
    kind: dict[str, str] = {}
    truth: dict[str, set[str]] = {}
    flat = {name: [s for p in paragraphs for s in p] for name, paragraphs in pool}

    def add(doc_id: str, text: str, what: str, url: str | None = None) -> None:
        record: dict[str, Any] = {"id": doc_id, "text": text}
        if url:
            record["url"] = url
        records.append(record)
        kind[doc_id] = what

    for name, paragraphs in sources:
        add(name, "\n".join(" ".join(p) for p in paragraphs), "source", f"https://example.org/{name}")
    # A third of the stitched pages carry a sidebar of 2-4 sentences of their own (a drawn page's own
    # text, from a generator of its own, so the rest of the corpus is the one built without them).
    sidebar_rng = random.Random(seed + 1000)
    sidebars = sidebar_texts(data)
    sidebar_rng.shuffle(sidebars)
    # Each source lends to a few pages at most, as on the web, where a copier takes a little of many.
    uses = {name: 0 for name, _ in sources}
    for j in range(stitched):
        while True:  # a page must take from two sources at least, or it is an excerpt
            count = rng.randint(2, 6)
            free = [n for n, u in uses.items() if u < 3]
            free = free if len(free) >= 6 else list(uses)
            picked = rng.sample(free, count)
            runs, length, breaks = rng.choice(list(RUNS)), rng.choice(LENGTHS), rng.choice(BREAKS)
            page = stitch(rng, [flat[n] for n in picked], runs, length, breaks)
            # The true sources: those a sentence of the page was taken from.
            taken = set(split_sentences(page))
            givers = {n for n in picked if taken & set(flat[n])}
            if len(givers) >= 2:
                break
        for name in givers:
            uses[name] += 1
        if j % 3 == 2:
            own = sidebars.pop()[: sidebar_rng.randint(2, 4)]
            page = (
                f"{page}\n\n{' '.join(own)}" if sidebar_rng.random() < 0.5 else f"{' '.join(own)}\n\n{page}"
            )
        add(f"stitched-{j:03d}-{runs}-{length}-{breaks}", page, "stitched")
        truth[records[-1]["id"]] = givers
    for name, paragraphs in syndicated:
        body = "\n".join(" ".join(p) for p in paragraphs)
        add(name, body, "syndicated original")
        add(
            f"{name}-syndicated", f"This article first appeared on a partner site.\n{body}", "syndicated copy"
        )
    for name, _ in hosts:
        sentences = flat[name]
        quoted = rng.choice(sources)[0]
        # Inside its own prose: after a sentence that ends as one, so the quote stands on its own.
        ends = [i + 1 for i, t in enumerate(sentences[:-1]) if t.rstrip()[-1:] in ".!?"]
        cut = ends[len(ends) // 2] if ends else len(sentences)
        text = " ".join([*sentences[:cut], rng.choice(flat[quoted]), *sentences[cut:]])
        add(f"{name}-quoting", text, "quoting")
    for k, text in enumerate(crawl_pages(data)):
        add(f"crawl-{k:03d}", text, "unrelated")
    return records, {"kind": kind, "truth": truth}


# -- running it -------------------------------------------------------------------------------------
class _Strict:
    def quarantine(self, *args: object, **kwargs: object) -> None:
        raise RuntimeError(f"unreadable output record: {args}")

    def progress(self, nbytes: int) -> None:
        pass


def run(records: list[dict[str, Any]], folder: Path, steps: list[Any], workers: int) -> dict[str, Document]:
    """Run ``steps`` on ``records`` written as 4 JSONL shards; return every output document by id."""
    source = folder / "in"
    source.mkdir(parents=True)
    for k in range(4):
        part = records[k * len(records) // 4 : (k + 1) * len(records) // 4]
        (source / f"part{k}.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in part))
    out = folder / "out"
    Pipeline(input={"path": str(source)}, output={"path": str(out)}, steps=steps).run(
        workers=workers, progress=False
    )
    docs = {}
    for path in sorted((out / "kept").glob("*")) + sorted((out / "rejected").glob("*")):
        for doc in JsonlReader().read(str(path), _Strict()):
            docs[doc.id] = doc
    return docs


def ordered(records: list[dict[str, Any]], kind: dict[str, str], order: str) -> list[dict[str, Any]]:
    """The records in one of ``ORDERS``."""
    if order == "sources first":
        return sorted(records, key=lambda r: kind[r["id"]] != "source")
    if order == "stitched first":
        return sorted(records, key=lambda r: kind[r["id"]] != "stitched")
    shuffled = records[:]
    random.Random(3).shuffle(shuffled)
    return shuffled


def quality(data: Path, workers: int, seed: int) -> None:
    """Print the figures of every input order, and whether the roles agree across orders."""
    started = time.perf_counter()
    records, info = build(data, seed)
    kind, truth = info["kind"], info["truth"]
    counts: dict[str, int] = {}
    for what in kind.values():
        counts[what] = counts.get(what, 0) + 1
    print(f"corpus: {len(records):,} pages: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    rows = []
    roles_seen = []
    with tempfile.TemporaryDirectory(prefix="gristmill-bench-provenance-") as tmp:
        for k, order in enumerate(ORDERS):
            corpus = ordered(records, kind, order)
            # What span_dedup leaves of the sources alone, in the same order: they repeat some lines
            # themselves and share a few with each other.
            sources = [r for r in corpus if kind[r["id"]] == "source"]
            alone = run(sources, Path(tmp) / f"alone{k}", [SpanDedup()], workers)
            begun = time.perf_counter()
            docs = run(corpus, Path(tmp) / str(k), [Provenance(), SpanDedup()], workers)
            seconds = time.perf_counter() - begun
            roles = {d.id: d.meta["provenance_role"] for d in docs.values()}
            roles_seen.append(roles)
            stitched = [i for i in kind if kind[i] == "stitched"]
            found = sum(roles[i] == "stitched" for i in stitched)
            named = sum(truth[i] <= {e["id"] for e in docs[i].meta["copied_from"]} for i in stitched)
            # A page naming a document it took nothing from (another stitched page that took the
            # same run) credits the copy, not the source.
            wrong = sum(bool({e["id"] for e in docs[i].meta["copied_from"]} - truth[i]) for i in stitched)
            false = {
                what: sum(roles[i] == "stitched" for i in kind if kind[i] == what)
                for what in ("source", "syndicated original", "syndicated copy", "quoting", "unrelated")
            }
            whole = sum(docs[i].text == alone[i].text for i in alone)
            rows.append(
                [
                    order,
                    found / len(stitched),
                    sum(false.values()),
                    named / len(stitched),
                    wrong,
                    f"{whole}/{len(alone)}",
                    round(seconds, 1),
                ]
            )
            if order == "stitched first":  # what span_dedup does without provenance before it
                plain = run(corpus, Path(tmp) / "plain", [SpanDedup()], workers)
                without = sum(plain[i].text == alone[i].text for i in alone)
            if k == 0:
                detail = false
                # What a user of `salad` after `provenance` sees: every page judged, the stitched ones
                # by the sources provenance named, the rest by the single-page detector.
                judged = run(corpus, Path(tmp) / "salad", [Provenance(), Salad()], workers)
                flagged = {
                    what: sum(judged[i].meta["salad"] == "stitched" for i in kind if kind[i] == what)
                    for what in sorted(set(kind.values()))
                }
                mirrors = sum(roles[i] == "mirror" for i in kind if kind[i].startswith("syndicated"))
                quotes = sum(roles[i] == "quotes" for i in kind if kind[i] == "quoting")
                misses = [i for i in stitched if roles[i] != "stitched"]
    same = all(r == roles_seen[0] for r in roles_seen)
    print(
        table(
            rows,
            [
                "input order",
                "stitched recall",
                "others flagged",
                "sources named",
                "naming a non-source",
                "sources whole",
                "seconds",
            ],
        )
    )
    print(f"pages of other kinds flagged stitched (sources first): {detail}")
    print(f"flagged by salad after provenance (sources first), of {counts}: {flagged}")
    print(f"syndicated pages (both copies) with role mirror: {mirrors}/{2 * counts['syndicated copy']}")
    print(f"quoting pages with role quotes: {quotes}/{counts['quoting']}")
    print(f"stitched pages missed: {misses[:10]}")
    print(f"roles identical in every input order: {same}")
    print(f"sources whole with span_dedup alone, stitched pages first: {without}/{len(alone)}")
    print(f"(built and ran in {time.perf_counter() - started:.0f} s on {workers} workers)")


# -- scale ------------------------------------------------------------------------------------------
def peak_mb() -> float:
    """Peak resident memory of this process (VmHWM) or of its largest child, in MB."""
    status = Path("/proc/self/status").read_text()
    own = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    return max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def scale(n: int, workers: int, shards: int) -> None:
    """Run ``provenance`` on ``n`` synthetic documents (5% stitched from three others) in a child."""
    import numpy as np

    rng = np.random.default_rng(5)
    syllables = np.array(["ka", "lo", "mi", "ne", "su", "ta", "ri", "vo", "pe", "du", "an", "el", "or"])
    vocab = np.unique(np.array(["".join(rng.choice(syllables, rng.integers(1, 5))) for _ in range(50_000)]))
    footer = "Copyright all rights reserved by the owners of this site."
    with tempfile.TemporaryDirectory(prefix="gristmill-bench-provenance-scale-") as tmp:
        root = Path(tmp)
        (root / "in").mkdir()
        started = time.perf_counter()
        per_shard = -(-n // shards)
        made = 0
        for s in range(shards):
            count = min(per_shard, n - made)
            words = vocab[rng.integers(0, vocab.size, (count, 12, 9))]
            lines = []
            recent: list[list[str]] = []
            for i in range(count):
                sentences = [" ".join(w).capitalize() + "." for w in words[i]]
                if i % 20 == 19 and len(recent) == 3:  # stitched from runs of the three pages before it
                    sentences = [t for j in (0, 1, 2) for t in recent[j][3 * j : 3 * j + 3]]
                else:
                    recent = [*recent[-2:], sentences]
                text = " ".join(sentences) + "\n" + footer
                lines.append(orjson.dumps({"id": f"s{s}-{i}", "text": text}))
            data = zstandard.ZstdCompressor(level=3).compress(b"\n".join(lines) + b"\n")
            (root / "in" / f"part-{s:03d}.jsonl.zst").write_bytes(data)
            made += count
        print(
            f"{n:,} synthetic documents in {shards} shards written in {time.perf_counter() - started:.0f} s"
        )
        command = [sys.executable, __file__, "--child", str(root), "--workers", str(workers)]
        subprocess.run(command, check=True)
        result = orjson.loads((root / "result.json").read_bytes())
        print(
            table(
                [
                    [
                        f"{n:,}",
                        workers,
                        round(result["seconds"], 1),
                        round(n / result["seconds"]),
                        round(result["peak_mb"]),
                        result["stitched"],
                    ]
                ],
                ["documents", "workers", "seconds", "docs/s", "peak MB (largest process)", "stitched found"],
            )
        )
        shutil.rmtree(root, ignore_errors=True)


def child(root: Path, workers: int) -> None:
    """Inside the child process of ``scale``: run, count the stitched pages, write the result."""
    started = time.perf_counter()
    out = root / "out"
    pipeline = Pipeline(input={"path": str(root / "in")}, output={"path": str(out)}, steps=[Provenance()])
    pipeline.run(workers=workers, progress=False)
    seconds = time.perf_counter() - started
    peak = peak_mb()
    stitched = 0
    for path in sorted((out / "kept").glob("*")):
        for doc in JsonlReader().read(str(path), _Strict()):
            stitched += doc.meta["provenance_role"] == "stitched"
    result = {"seconds": seconds, "peak_mb": peak, "stitched": stitched}
    (root / "result.json").write_bytes(orjson.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, help="run provenance alone on this many synthetic documents")
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="the shared evaluation data")
    parser.add_argument("--seed", type=int, default=7, help="seed of the corpus recipe")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.workers)
    elif args.scale:
        scale(args.scale, args.workers, args.shards)
    else:
        quality(args.data, args.workers, args.seed)


if __name__ == "__main__":
    main()
