"""Near-duplicate detection: gristmill's minhash_dedup beside datatrove, datasketch and rensa.

Builds a corpus with known near-duplicate clusters from the real documents in ../shared/data (edits:
insertions, deletions, swaps, boilerplate added, each tuned to a target 5-gram Jaccard similarity),
runs every tool with the same parameters (5-grams, 14 bands × 8 rows = 112 hashes), each in its own
process, and prints precision, recall and F1 over duplicate pairs, seconds and peak memory.

A variant edited to Jaccard ≥ 0.8 of its source belongs to the source's cluster; one edited to
Jaccard ≤ 0.6 is a hard negative that belongs to no cluster. Predicted clusters are each tool's
connected components; a pair counts when both documents sit in one cluster.

``--scale N`` instead runs gristmill alone on N synthetic documents on ``--workers`` processes and
prints time and peak memory.

``--reference`` deduplicates a new set against a reference set already kept: half of the real
documents are the reference, the new set holds the other half plus planted near-duplicates and hard
negatives of reference documents. It prints the precision and recall of the drops (a drop is right
when ``meta.duplicate_of`` names the planted source), and the time of the run against the reference
(signing the reference, then with its signatures cached) beside a plain run over both sets together.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import json
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

import orjson
import zstandard

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SCRATCH, SHARED_DATA, table

NGRAM, BANDS, ROWS = 5, 14, 8
NUM_PERM = BANDS * ROWS
DUP_LEVELS = (0.95, 0.9, 0.85, 0.8)
NEGATIVE_LEVELS = (0.6, 0.5, 0.4)
TOOLS = ("gristmill", "datatrove", "datasketch", "rensa", "gristmill+check")
_WORD = re.compile(r"[\W_]+")


# -- the corpus -------------------------------------------------------------------------------------
def shingles(text: str) -> set[str]:
    """The neutral 5-gram set the truth is measured on (lower case, words split on non-word runs)."""
    tokens = _WORD.sub(" ", text.lower()).split()
    return {" ".join(tokens[i : i + NGRAM]) for i in range(max(1, len(tokens) - NGRAM + 1))}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def real_documents(data: Path) -> list[str]:
    """Texts of the real documents at hand: Common Crawl pages, news articles, Wikipedia articles."""
    texts: list[str] = []
    dolma = data / "web_text" / "dolma" / "CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
    with gzip.open(dolma, "rt", encoding="utf-8") as handle:
        texts += [json.loads(line)["text"] for line in handle]
    gold = data / "html_extraction" / "scrapinghub_article_extraction_benchmark" / "ground-truth.json"
    texts += [v["articleBody"] for v in json.loads(gold.read_text(encoding="utf-8")).values()]
    for name in ("test.txt", "valid.txt"):
        raw = (data / "coherence" / "wikitext2" / name).read_text(encoding="utf-8")
        for article in re.split(r"\n \= (?=[^=])", raw):
            text = re.sub(r" @(.)@ ", r"\1", article)
            texts.append("\n".join(line.strip() for line in text.splitlines() if line.strip()))
    return [t for t in texts if 80 <= len(t.split()) <= 4000]


def distinct(texts: list[str]) -> list[str]:
    """Drop texts that already resemble an earlier one (Jaccard ≥ 0.3), so the truth is what we add."""
    sets = [shingles(t) for t in texts]
    holders: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sets):
        for g in s:
            holders[g].append(i)
    common: dict[tuple[int, int], int] = defaultdict(int)
    for docs in holders.values():
        if 1 < len(docs) < 50:
            for pair in combinations(docs, 2):
                common[pair] += 1
    gone = set()
    for (i, j), c in common.items():
        if i not in gone and c / (len(sets[i]) + len(sets[j]) - c) >= 0.3:
            gone.add(j)
    return [t for i, t in enumerate(texts) if i not in gone]


def edit(text: str, kind: str, strength: float, donor: list[str], seed: int) -> str:
    """Apply one kind of edit; ``strength`` in [0, 1] sets how much of the text it touches."""
    rng = random.Random(seed)
    words = text.split(" ")
    n = len(words)
    count = round(strength * n)
    if kind == "insert":
        for _ in range(count):
            words.insert(rng.randrange(len(words) + 1), rng.choice(donor))
    elif kind == "delete":
        for spot in sorted(rng.sample(range(n), min(count, n - 1)), reverse=True):
            del words[spot]
    elif kind == "swap":
        pieces = max(2, round(strength * n / 4))
        cuts = sorted(rng.sample(range(1, n), min(pieces - 1, n - 1)))
        chunks = [words[a:b] for a, b in zip([0, *cuts], [*cuts, n], strict=True)]
        order = list(range(len(chunks)))
        for i in range(0, len(order) - 1, 2):  # swap neighbours, so each cut breaks a few shingles
            order[i], order[i + 1] = order[i + 1], order[i]
        words = [w for i in order for w in chunks[i]]
    elif kind == "boilerplate":
        start = rng.randrange(max(1, len(donor) - count))
        head = donor[start : start + count // 2]
        tail = donor[start + count // 2 : start + count]
        return " ".join(head) + "\n" + text + "\n" + " ".join(tail)
    else:  # mixed: half insertions, half deletions
        return edit(edit(text, "insert", strength / 2, donor, seed), "delete", strength / 2, donor, seed + 1)
    return " ".join(words)


def variant(text: str, target: float, donor: list[str], seed: int) -> tuple[str, float, str]:
    """Edit ``text`` until its Jaccard similarity to the original is about ``target``."""
    kind = random.Random(seed).choice(["insert", "delete", "swap", "boilerplate", "mixed"])
    base = shingles(text)
    low, high = 0.0, 1.0 if kind != "boilerplate" else 4.0
    best = (text, 1.0)
    for _ in range(14):
        mid = (low + high) / 2
        edited = edit(text, kind, mid, donor, seed)
        value = jaccard(base, shingles(edited))
        if abs(value - target) < abs(best[1] - target):
            best = (edited, value)
        if abs(value - target) < 0.01:
            break
        low, high = (mid, high) if value > target else (low, mid)
    return best[0], best[1], kind


def build_corpus(path: Path, data: Path, seed: int = 11) -> dict[str, Any]:
    """Write the corpus as JSONL; return its description (truth clusters, levels)."""
    rng = random.Random(seed)
    bases = distinct(real_documents(data))
    donor = " ".join(rng.sample(bases, 50)).split()
    records: list[dict[str, str]] = []
    clusters: list[list[str]] = []
    levels: list[tuple[str, float, float, str]] = []
    for i, text in enumerate(bases):
        base_id = f"doc{i:05d}"
        records.append({"id": base_id, "text": text})
        roll = rng.random()
        if roll < 0.4:  # a cluster: the source and one to three near-duplicates
            members = [base_id]
            for k in range(rng.randint(1, 3)):
                target = rng.choice(DUP_LEVELS)
                edited, value, kind = variant(text, target, donor, seed * 100_000 + i * 10 + k)
                records.append({"id": f"{base_id}-dup{k}", "text": edited})
                members.append(f"{base_id}-dup{k}")
                levels.append((f"{base_id}-dup{k}", target, value, kind))
            clusters.append(members)
        elif roll < 0.6:  # a hard negative: related, but below the near-duplicate bar
            target = rng.choice(NEGATIVE_LEVELS)
            edited, value, kind = variant(text, target, donor, seed * 100_000 + i * 10 + 9)
            records.append({"id": f"{base_id}-neg", "text": edited})
            levels.append((f"{base_id}-neg", target, value, kind))
    rng.shuffle(records)
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return {"docs": len(records), "bases": len(bases), "clusters": clusters, "levels": levels}


# -- the tools, each run in a process of its own ----------------------------------------------------
def python_shingles(text: str) -> list[str]:
    """Shingles for the peers that take tokens from Python (the same words gristmill hashes)."""
    tokens = _WORD.sub(" ", re.sub(r"\d", "0", text.lower())).split()
    if len(tokens) < NGRAM:
        return [" ".join(tokens)] if tokens else []
    return [" ".join(tokens[i : i + NGRAM]) for i in range(len(tokens) - NGRAM + 1)]


def run_gristmill(corpus: Path, work: Path, seed: int = 1, **options: Any) -> list[list[str]]:
    from gristmill import MinhashDedup, Pipeline
    from gristmill.io.jsonl import JsonlReader

    out = work / "gristmill"
    step = MinhashDedup(ngram=NGRAM, bands=BANDS, rows=ROWS, seed=seed, **options)
    Pipeline(input={"path": str(corpus)}, output={"path": str(out)}, steps=[step]).run(progress=False)

    class _Sink:
        def quarantine(self, *args: object, **kwargs: object) -> None:
            raise RuntimeError(args)

        def progress(self, nbytes: int) -> None:
            pass

    groups: dict[str, list[str]] = defaultdict(list)
    for folder in ("kept", "rejected"):
        for path in sorted((out / folder).glob("*.jsonl.zst")):
            for doc in JsonlReader().read(str(path), _Sink()):
                if "dup_cluster" in doc.meta:
                    groups[str(doc.meta["dup_cluster"])].append(doc.id)
    return list(groups.values())


def run_checked(corpus: Path, work: Path, seed: int = 1) -> list[list[str]]:
    """gristmill with each candidate pair checked on its exact Jaccard similarity."""
    return run_gristmill(corpus, work, seed, threshold=0.7, exact_jaccard=True)


def run_datatrove(corpus: Path, work: Path, seed: int = 1) -> list[list[str]]:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    config = MinhashConfig(n_grams=NGRAM, num_buckets=BANDS, hashes_per_bucket=ROWS, seed=seed)
    base = work / "datatrove"
    reader = JsonlReader(str(corpus.parent), glob_pattern=corpus.name)
    stages = [
        ([reader, MinhashDedupSignature(output_folder=str(base / "sigs"), config=config)], 1),
        ([MinhashDedupBuckets(str(base / "sigs"), str(base / "buckets"), config=config)], BANDS),
        (
            [
                MinhashDedupCluster(
                    str(base / "buckets"), str(base / "remove"), config=config, save_cluster_id=True
                )
            ],
            1,
        ),
        (
            [
                JsonlReader(str(corpus.parent), glob_pattern=corpus.name),
                MinhashDedupFilter(
                    str(base / "remove"),
                    exclusion_writer=JsonlWriter(str(base / "removed"), compression=None),
                    load_cluster_ids=True,
                ),
                JsonlWriter(str(base / "kept"), compression=None),
            ],
            1,
        ),
    ]
    for i, (pipeline, tasks) in enumerate(stages):
        LocalPipelineExecutor(
            pipeline=pipeline,
            tasks=tasks,
            workers=1,
            logging_dir=str(base / f"logs{i}"),
            skip_completed=False,
        ).run()
    groups: dict[int, list[str]] = defaultdict(list)
    for folder in ("kept", "removed"):
        for path in sorted((base / folder).glob("*.jsonl")):
            for line in path.read_bytes().splitlines():
                record = orjson.loads(line)
                cluster = record.get("metadata", {}).get("minhash_cluster_id", -1)
                if cluster != -1:
                    groups[cluster].append(record["id"])
    return list(groups.values())


def run_datasketch(corpus: Path, work: Path, seed: int = 1) -> list[list[str]]:
    from datasketch import MinHash, MinHashLSH

    records = [orjson.loads(line) for line in corpus.read_bytes().splitlines()]
    lsh = MinHashLSH(num_perm=NUM_PERM, params=(BANDS, ROWS))
    hashes = []
    for i, record in enumerate(records):
        m = MinHash(num_perm=NUM_PERM, seed=seed)
        m.update_batch([s.encode() for s in python_shingles(record["text"])])
        lsh.insert(i, m)
        hashes.append(m)
    pairs = [(i, j) for i, m in enumerate(hashes) for j in lsh.query(m) if j != i]
    return components([r["id"] for r in records], pairs)


def run_rensa(corpus: Path, work: Path, seed: int = 1) -> list[list[str]]:
    from rensa import RMinHash, RMinHashLSH

    records = [orjson.loads(line) for line in corpus.read_bytes().splitlines()]
    hashes = RMinHash.from_token_sets([python_shingles(r["text"]) for r in records], NUM_PERM, seed)
    lsh = RMinHashLSH(threshold=0.8, num_perm=NUM_PERM, num_bands=BANDS)
    lsh.insert_many(hashes)
    pairs = [(i, j) for i, found in enumerate(lsh.query_all(hashes)) for j in found if j != i]
    return components([r["id"] for r in records], pairs)


def components(ids: list[str], pairs: list[tuple[int, int]]) -> list[list[str]]:
    """Connected components of the candidate pairs (as datatrove and gristmill form clusters)."""
    parent = list(range(len(ids)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[str]] = defaultdict(list)
    for i, doc_id in enumerate(ids):
        groups[root(i)].append(doc_id)
    return [g for g in groups.values() if len(g) > 1]


PRELOAD = {
    "gristmill+check": ["gristmill"],
    "gristmill": ["gristmill"],
    "datatrove": ["datatrove.pipeline.dedup.minhash", "datatrove.executor", "spacy"],
    "datasketch": ["datasketch"],
    "rensa": ["rensa"],
}
RUNNERS = {
    "gristmill+check": run_checked,
    "gristmill": run_gristmill,
    "datatrove": run_datatrove,
    "datasketch": run_datasketch,
    "rensa": run_rensa,
}


def run_in_child(tool: str, corpus: Path, work: Path, seed: int = 1) -> dict[str, Any]:
    """Run one tool in a fresh process; return its clusters, its own seconds and its peak memory."""
    work.mkdir(parents=True)
    result = work / f"{tool}.json"
    command = [sys.executable, __file__, "--one", tool, "--corpus", str(corpus), "--result", str(result)]
    command += ["--seed", str(seed)]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    child.wait()
    errors = child.stderr.read().decode(errors="replace") if child.stderr else ""
    if child.returncode != 0:
        raise RuntimeError(f"{tool} failed:\n{errors[-3000:]}")
    data: dict[str, Any] = orjson.loads(result.read_bytes())
    return data


def peak_mb() -> float:
    """Peak resident memory of this process (VmHWM: reset by exec, unlike ru_maxrss) or its children."""
    status = Path("/proc/self/status").read_text()
    own = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    return max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def score(truth: list[list[str]], found: list[list[str]]) -> tuple[float, float, float]:
    def pairs(clusters: list[list[str]]) -> set[tuple[str, str]]:
        return {tuple(sorted(p)) for c in clusters for p in combinations(c, 2)}  # type: ignore[misc]

    t, f = pairs(truth), pairs(found)
    hit = len(t & f)
    precision = hit / len(f) if f else 0.0
    recall = hit / len(t) if t else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def compare(tools: list[str], data: Path, repeat: int, seeds: int) -> None:
    SCRATCH.mkdir(parents=True, exist_ok=True)
    corpus = SCRATCH / "dedup-corpus.jsonl"
    started = time.perf_counter()
    info = build_corpus(corpus, data)
    print(
        f"corpus: {info['docs']:,} documents from {info['bases']:,} distinct real ones; "
        f"{len(info['clusters'])} clusters of near-duplicates, "
        f"{sum(1 for x in info['levels'] if x[0].endswith('-neg'))} hard negatives "
        f"(built in {time.perf_counter() - started:.1f} s)"
    )
    levels = defaultdict(list)
    for _, target, value, _ in info["levels"]:
        levels[target].append(value)
    print(
        "edits, target Jaccard -> measured mean:",
        ", ".join(
            f"{t}->{sum(v) / len(v):.3f} (n={len(v)})" for t, v in sorted(levels.items(), reverse=True)
        ),
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="gristmill-bench-dedup-") as tmp:
        results = {}
        for tool in tools:
            try:  # the best of `repeat` runs: the machine is shared, and a run is short
                runs = [run_in_child(tool, corpus, Path(tmp) / f"{tool}-{r}") for r in range(repeat)]
            except RuntimeError as exc:
                print(f"skipped {tool}: {str(exc).splitlines()[-1]}")
                continue
            results[tool] = min(runs, key=lambda r: r["seconds"])
            results[tool]["peak_mb"] = max(r["peak_mb"] for r in runs)
        ours = results.get("gristmill", {}).get("seconds")
        for tool, data in results.items():
            precision, recall, f1 = score(info["clusters"], data["clusters"])
            ratio = f"{data['seconds'] / ours:.1f}×" if ours else "-"
            rows.append([tool, precision, recall, f1, data["seconds"], ratio, round(data["peak_mb"])])
    print(f"\nMinHash LSH, {NGRAM}-grams, {BANDS} bands × {ROWS} rows, one process each, best of {repeat}:")
    print(table(rows, ["tool", "precision", "recall", "F1", "seconds", "time vs gristmill", "peak MB"]))
    spread = [t for t in tools if t in results and t != "datatrove"] if seeds else []
    if spread:  # which pairs land in a band is luck of the hash functions: show its spread
        lines = []
        with tempfile.TemporaryDirectory(prefix="gristmill-bench-seeds-") as tmp:
            for tool in spread:
                f1 = [
                    score(
                        info["clusters"], run_in_child(tool, corpus, Path(tmp) / f"{tool}-{k}", k)["clusters"]
                    )[2]
                    for k in range(1, seeds + 1)
                ]
                lines.append([tool, min(f1), sum(f1) / len(f1), max(f1)])
        print(f"\nF1 over hash seeds 1..{seeds} (datatrove left out: too slow to repeat):")
        print(table(lines, ["tool", "min F1", "mean F1", "max F1"]))


# -- scale ------------------------------------------------------------------------------------------
def scale(n: int, workers: int, shards: int) -> None:
    """Run minhash_dedup on ``n`` synthetic documents (10% near-duplicates) on ``workers`` processes."""
    import numpy as np

    rng = np.random.default_rng(5)
    syllables = np.array(["ka", "lo", "mi", "ne", "su", "ta", "ri", "vo", "pe", "du", "an", "el", "or"])
    vocab = np.array(["".join(rng.choice(syllables, rng.integers(1, 5))) for _ in range(50_000)])
    vocab = np.unique(vocab)
    weights = 1 / np.arange(1, vocab.size + 1)
    weights /= weights.sum()
    with tempfile.TemporaryDirectory(prefix="gristmill-bench-scale-") as tmp:
        root = Path(tmp)
        (root / "in").mkdir()
        started = time.perf_counter()
        per_shard = -(-n // shards)
        made = 0
        for s in range(shards):
            count = min(per_shard, n - made)
            lengths = rng.integers(60, 240, count)
            picks = rng.choice(vocab.size, int(lengths.sum()), p=weights)
            ends = np.cumsum(lengths)
            lines = []
            previous = None
            for i in range(count):
                words = vocab[picks[ends[i] - lengths[i] : ends[i]]]
                if i % 10 == 9 and previous is not None:  # a near copy of the document before it
                    words = previous.copy()
                    words[rng.integers(0, words.size, 2)] = "edited"
                lines.append(orjson.dumps({"id": f"s{s}-{i}", "text": " ".join(words)}))
                previous = words
            data = zstandard.ZstdCompressor(level=3).compress(b"\n".join(lines) + b"\n")
            (root / "in" / f"part-{s:03d}.jsonl.zst").write_bytes(data)
            made += count
        print(
            f"{n:,} synthetic documents in {shards} shards written in {time.perf_counter() - started:.0f} s"
        )
        command = [
            sys.executable,
            __file__,
            "--one",
            "scale",
            "--corpus",
            str(root / "in"),
            "--result",
            str(root / "result.json"),
            "--workers",
            str(workers),
        ]
        subprocess.run(command, check=True)
        data = orjson.loads((root / "result.json").read_bytes())
        seconds, totals = data["seconds"], data["totals"]
        print(
            table(
                [
                    [
                        f"{n:,}",
                        workers,
                        round(seconds, 1),
                        round(n / seconds),
                        round(data["peak_mb"]),
                        totals["kept"],
                        totals["rejected"],
                    ]
                ],
                [
                    "documents",
                    "workers",
                    "seconds",
                    "docs/s",
                    "peak MB (largest process)",
                    "kept",
                    "rejected",
                ],
            )
        )
        shutil.rmtree(root, ignore_errors=True)


def build_reference_sets(root: Path, data: Path, seed: int = 13) -> dict[str, str]:
    """Write ``reference.jsonl`` and ``new.jsonl`` under ``root``; return each planted copy's source id."""
    rng = random.Random(seed)
    bases = distinct(real_documents(data))
    rng.shuffle(bases)
    donor = " ".join(rng.sample(bases, 50)).split()
    published, fresh = bases[: len(bases) // 2], bases[len(bases) // 2 :]
    reference = [{"id": f"pub{i:05d}", "text": t} for i, t in enumerate(published)]
    new = [{"id": f"new{i:05d}", "text": t} for i, t in enumerate(fresh)]
    planted: dict[str, str] = {}
    for i, text in enumerate(published):
        roll = rng.random()
        if roll < 0.3:  # a near-duplicate (or an exact copy) of a published document
            target = rng.choice((1.0, *DUP_LEVELS))
            edited = text if target == 1.0 else variant(text, target, donor, seed * 100_000 + i)[0]
            new.append({"id": f"copy-of-pub{i:05d}", "text": edited})
            planted[f"copy-of-pub{i:05d}"] = f"pub{i:05d}"
        elif roll < 0.45:  # a hard negative: related, but not a duplicate; it must be kept
            edited = variant(text, rng.choice(NEGATIVE_LEVELS), donor, seed * 100_000 + i)[0]
            new.append({"id": f"related-to-pub{i:05d}", "text": edited})
    rng.shuffle(new)
    (root / "reference.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in reference))
    (root / "new.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in new))
    return planted


def against_reference(data: Path, workers: int) -> None:
    """Precision and recall of drops against a reference, and time beside a plain run over both sets."""
    from gristmill import MinhashDedup, Pipeline

    with tempfile.TemporaryDirectory(prefix="gristmill-bench-reference-") as tmp:
        root = Path(tmp)
        planted = build_reference_sets(root, data)
        options = {"ngram": NGRAM, "bands": BANDS, "rows": ROWS}
        reference = {"path": str(root / "reference.jsonl"), "cache": str(root / "cache")}
        rows: list[list[Any]] = []
        for label, inputs, with_reference in (
            ("new vs reference (signing it)", [str(root / "new.jsonl")], True),
            ("new vs reference (cached)", [str(root / "new.jsonl")], True),
            ("plain run over both sets", [str(root / "reference.jsonl"), str(root / "new.jsonl")], False),
        ):
            out = root / f"out-{len(rows)}"
            started = time.perf_counter()
            step = MinhashDedup(**options, **({"reference": reference} if with_reference else {}))
            run = Pipeline(input={"path": inputs}, output={"path": str(out)}, steps=[step]).run(
                workers=workers, progress=False
            )
            seconds = time.perf_counter() - started
            dropped = {d["id"]: d["meta"].get("duplicate_of") for d in _read_folder(out / "rejected")}
            right = sum(planted.get(doc) == source for doc, source in dropped.items())
            precision = right / len(dropped) if dropped else 0.0
            recall = right / len(planted) if planted else 0.0
            rows.append([label, run.totals["read"], len(dropped), precision, recall, seconds])
        count = {name: (root / f"{name}.jsonl").read_bytes().count(b"\n") for name in ("reference", "new")}
        print(
            f"reference: {count['reference']} documents; new set: {count['new']} documents, "
            f"{len(planted)} planted duplicates\n"
        )
        print(table(rows, ["run", "read", "dropped", "precision", "recall", "seconds"]))


def _read_folder(folder: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.jsonl.zst")):
        raw = zstandard.ZstdDecompressor().stream_reader(path.open("rb")).read()
        records += [orjson.loads(line) for line in raw.splitlines() if line.strip()]
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated tools to compare")
    parser.add_argument("--scale", type=int, help="run gristmill alone on this many synthetic documents")
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="the shared evaluation data")
    parser.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--seeds", type=int, default=5, help="hash seeds to spread F1 over (0: none)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool; the fastest is shown")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--reference", action="store_true", help="dedup a new set against a reference")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one == "scale":  # inside the child process of scale
        from gristmill import MinhashDedup, Pipeline

        started = time.perf_counter()
        out = args.result.parent / "out"
        pipeline = Pipeline(
            input={"path": str(args.corpus)}, output={"path": str(out)}, steps=[MinhashDedup()]
        )
        run = pipeline.run(workers=args.workers, progress=False)
        seconds = time.perf_counter() - started
        args.result.write_bytes(
            orjson.dumps({"seconds": seconds, "totals": run.totals, "peak_mb": peak_mb()})
        )
    elif args.one:  # inside the child process of run_in_child
        work = args.result.parent / f"{args.one}-work"
        work.mkdir(exist_ok=True)
        for module in PRELOAD[args.one]:  # imports are not part of the timed work
            importlib.import_module(module)
        started = time.perf_counter()
        clusters = RUNNERS[args.one](args.corpus, work, seed=args.seed)
        seconds = time.perf_counter() - started
        result = {"seconds": seconds, "clusters": clusters, "peak_mb": peak_mb()}
        args.result.write_bytes(orjson.dumps(result))
    elif args.scale:
        scale(args.scale, args.workers, args.shards)
    elif args.reference:
        against_reference(args.data, args.workers)
    else:
        compare([t.strip() for t in args.tools.split(",") if t.strip()], args.data, args.repeat, args.seeds)


if __name__ == "__main__":
    main()
