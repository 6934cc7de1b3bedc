"""Per-document hot paths, end to end through ``gristmill run`` on one worker, each against its goal.

* ``minhash_dedup`` and ``span_dedup`` on JSONL text of real documents with near and partial copies
  planted: MB of text per CPU-second (goals: 10 and 5 MB/s per core).
* The extract-only command on a WARC corpus of real pages (benchmarks/pipeline_corpus.py) beside a bare
  loop over the same records: fastwarc reads them, resiliparse parses and extracts the main text, and
  the text is written as zstd JSON Lines. Printed as bare CPU / gristmill CPU (goal >= 0.85).

Every run is its own process (CPU: ``RUSAGE_CHILDREN``); runs are interleaved and repeated ``--runs``
times, all printed; the first run of each is the cold one (fresh interpreter, files perhaps not in the
page cache), ratios use the median.

    .venv/bin/python benchmarks/hot_paths.py [--text-mb 30] [--warc-mb 30] [--runs 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import orjson
import zstandard

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SCRATCH, SHARED_DATA, table
from pipeline_corpus import write_corpus

GOALS = {"minhash_dedup": 10.0, "span_dedup": 5.0}


def real_texts() -> list[str]:
    """Texts of the real documents at hand: Common Crawl pages, news articles, Wikipedia articles."""
    dolma = SHARED_DATA / "web_text" / "dolma" / "CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
    with gzip.open(dolma, "rt", encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for line in handle]
    gold = SHARED_DATA / "html_extraction" / "scrapinghub_article_extraction_benchmark" / "ground-truth.json"
    texts += [v["articleBody"] for v in json.loads(gold.read_text(encoding="utf-8")).values()]
    for name in ("test.txt", "valid.txt"):
        raw = (SHARED_DATA / "coherence" / "wikitext2" / name).read_text(encoding="utf-8")
        texts += [a.strip() for a in re.split(r"\n \= (?=[^=])", raw) if len(a) > 500]
    return texts


def write_text_corpus(folder: Path, megabytes: float, shards: int = 4, seed: int = 3) -> float:
    """JSONL.zst shards of real texts, then edited and stitched copies of them, up to ``megabytes``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    texts = real_texts()
    records: list[bytes] = []
    size = 0
    while size < megabytes * 1e6:
        n = len(records)
        text = texts[n] if n < len(texts) else texts[rng.randrange(len(texts))]
        if n >= len(texts):  # a copy: some words changed, perhaps another text's paragraph added
            words = text.split(" ")
            for _ in range(max(1, round(len(words) * rng.uniform(0.0, 0.3)))):
                words[rng.randrange(len(words))] = rng.choice(["edited", "new", "word"])
            text = " ".join(words)
            if rng.random() < 0.3:
                text += "\n" + texts[rng.randrange(len(texts))].split("\n")[0]
        records.append(orjson.dumps({"id": f"d{n}", "text": text, "meta": {"url": f"https://t/{n}"}}))
        size += len(text.encode())
    for shard in range(shards):
        data = b"\n".join(records[shard::shards]) + b"\n"
        (folder / f"part-{shard}.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(data))
    return size / 1e6


def bare_loop(corpus: Path, out: Path) -> None:
    """fastwarc + resiliparse + zstd JSON Lines, with the options gristmill's extract gives resiliparse."""
    from fastwarc import ArchiveIterator, WarcRecordType
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding
    from resiliparse.parse.html import HTMLTree

    options = {"preserve_formatting": True, "links": False, "alt_texts": False, "list_bullets": False}
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(corpus.glob("*.warc.gz")):
        with path.open("rb") as stream, (out / f"{path.stem}.jsonl.zst").open("wb") as raw:
            sink = zstandard.ZstdCompressor(level=3).stream_writer(raw)
            for record in ArchiveIterator(stream, record_types=WarcRecordType.response):
                body = record.reader.read()
                html = bytes_to_str(body, detect_encoding(body))
                text = extract_plain_text(HTMLTree.parse(html), main_content=True, **options)
                sink.write(orjson.dumps({"id": record.record_id, "text": text}) + b"\n")
            sink.flush(zstandard.FLUSH_FRAME)


def measure(command: list[str]) -> tuple[float, float]:
    """CPU seconds (the process and its children) and wall seconds of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def gristmill_run(inputs: str, step: str, out: Path) -> list[str]:
    """The command line of a one-step ``gristmill run`` over ``inputs`` into ``out``."""
    shutil.rmtree(out, ignore_errors=True)
    spec = out.with_suffix(".yaml")
    spec.write_text(f'input: {{path: "{inputs}"}}\noutput: {{path: "{out}"}}\nsteps:\n  - {step}: {{}}\n')
    return [str(Path(sys.executable).parent / "gristmill"), "run", str(spec), "--quiet"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--text-mb", type=float, default=30)
    parser.add_argument("--warc-mb", type=float, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="+", choices=[*GOALS, "extract"], default=[*GOALS, "extract"])
    parser.add_argument("--bare", type=Path, nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        bare_loop(*args.bare)
        return

    work = SCRATCH / "hot-paths"
    text = work / f"text-{args.text_mb:g}mb"
    if not text.is_dir():
        write_text_corpus(text, args.text_mb)
    warc = SCRATCH / f"pipeline-{args.warc_mb:g}mb"
    if not (warc / "corpus.json").exists():
        (warc / "corpus.json").write_text(json.dumps(write_corpus(warc, args.warc_mb)), encoding="utf-8")

    rows: list[list[object]] = []
    medians: dict[str, float] = {}
    for _ in range(args.runs):
        for step in args.only:
            if step == "extract":
                cpu, wall = measure(gristmill_run(f"{warc}/*.warc.gz", "extract", work / "extract"))
                rows.append(["extract command", cpu, wall, args.warc_mb / cpu])
                bare = work / "bare"
                shutil.rmtree(bare, ignore_errors=True)
                cpu, wall = measure([sys.executable, __file__, "--bare", str(warc), str(bare)])
                rows.append(["bare resiliparse loop", cpu, wall, args.warc_mb / cpu])
            else:
                cpu, wall = measure(gristmill_run(f"{text}/*.jsonl.zst", step, work / step))
                rows.append([step, cpu, wall, args.text_mb / cpu])
    print(table(rows, ["run", "CPU s", "wall s", "MB per CPU-s"]))
    for name in {row[0] for row in rows}:
        medians[str(name)] = statistics.median(float(str(r[3])) for r in rows if r[0] == name)
    print()
    for step, goal in GOALS.items():
        if step in medians:
            print(f"{step}: {medians[step]:.2f} MB/s per core (median; goal >= {goal:g})")
    if "extract command" in medians:
        ratio = medians["extract command"] / medians["bare resiliparse loop"]
        print(f"extract command: {ratio:.2f}x the bare resiliparse loop's speed (median; goal >= 0.85)")


if __name__ == "__main__":
    main()
