"""Tokenize: tokens per CPU second through gristmill against calling the same tokenizer directly.

The tokenizer is a byte-level BPE (8,000 tokens) trained here on WikiText-2 valid; the texts are the
Dolma Common Crawl documents, repeated. Rust threads are held to one (``RAYON_NUM_THREADS=1``) and
time is CPU time (the run's worker processes included), so every figure is per core. Rows: the
tokenizer's own batch call; the step's ``apply`` over documents (the framework's cost in the step);
a whole ``Pipeline.run`` with ``write_tokens`` (reading JSONL, writing kept documents and token
shards). datatrove's ``DocumentTokenizer`` is not run: it is not in the benchmark environment.

Named ``tokens.py``, not ``tokenize.py``: tests put this folder first on ``sys.path``, and a
``tokenize.py`` here would stand in for the standard library's in every worker process they spawn.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ["RAYON_NUM_THREADS"] = "1"  # before tokenizers starts its thread pool
os.environ["TOKENIZERS_PARALLELISM"] = "false"

import gzip
import resource
import tempfile
from collections.abc import Callable

import numpy as np
import orjson
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

from _common import SHARED_DATA, table
from gristmill import Document, Pipeline, Tokenize
from gristmill.stats import StepContext, StepStats

REPEAT = 4
BATCH = 256


def _texts() -> list[str]:
    texts = []
    for path in sorted((SHARED_DATA / "web_text" / "dolma").glob("*.jsonl.gz")):
        for line in gzip.decompress(path.read_bytes()).splitlines():
            if line.strip():
                texts.append(orjson.loads(line)["text"])
    return texts * REPEAT


def _tokenizer(path: Path) -> Tokenizer:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=8000,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    lines = (SHARED_DATA / "coherence" / "wikitext2" / "valid.txt").read_text(encoding="utf-8").splitlines()
    tokenizer.train_from_iterator(lines, trainer=trainer)
    tokenizer.save(str(path))
    return tokenizer


def _cpu() -> float:
    """CPU seconds of this process and its finished children (a run's worker processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _best(fn: Callable[[], None], repeat: int = 3) -> float:
    """The fewest CPU seconds of ``repeat`` calls: per core, whatever else the machine runs."""
    best = float("inf")
    for _ in range(repeat):
        start = _cpu()
        fn()
        best = min(best, _cpu() - start)
    return best


def main() -> int:
    if not (SHARED_DATA / "web_text" / "dolma").is_dir():
        print(f"skipped: {SHARED_DATA} is missing")
        return 0
    texts = _texts()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tokenizer = _tokenizer(folder / "tokenizer.json")
        eos = tokenizer.token_to_id("<|endoftext|>")
        total = sum(len(e.ids) for e in tokenizer.encode_batch_fast(texts, add_special_tokens=False))

        def direct() -> None:
            for start in range(0, len(texts), BATCH):
                for encoding in tokenizer.encode_batch_fast(
                    texts[start : start + BATCH], add_special_tokens=False
                ):
                    np.asarray([*encoding.ids, eos], dtype=np.uint16).tobytes()

        step = Tokenize(tokenizer=str(folder / "tokenizer.json"), batch_size=BATCH)

        def in_step() -> None:
            docs = [Document(id=str(i), text=t) for i, t in enumerate(texts)]
            ctx = StepContext(StepStats(0, "tokenize"), lambda doc: None)
            for _ in step.apply(docs, ctx):
                pass

        source = folder / "in.jsonl"
        source.write_bytes(
            b"".join(orjson.dumps({"id": str(i), "text": t}) + b"\n" for i, t in enumerate(texts))
        )

        def pipeline() -> None:
            tokenize = Tokenize(
                tokenizer=str(folder / "tokenizer.json"), write_tokens=True, eos="<|endoftext|>"
            )
            Pipeline(input={"path": str(source)}, output={"path": str(folder / "out")}, steps=[tokenize]).run(
                workers=1, overwrite=True, progress=False
            )

        rows = []
        base = _best(direct)
        for name, fn in (
            ("tokenizer direct", direct),
            ("tokenize step apply", in_step),
            ("Pipeline.run", pipeline),
        ):
            seconds = base if fn is direct else _best(fn)
            rows.append([name, f"{total / seconds:,.0f}", base / seconds])
        written = sum(p.stat().st_size for p in (folder / "out" / "tokens").glob("*.bin"))
    print(f"{len(texts)} documents, {total:,} tokens ({written:,} bytes of .bin with eos)")
    print(table(rows, ["path", "tokens per CPU second", "vs direct"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
