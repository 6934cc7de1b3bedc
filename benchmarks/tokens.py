"""Tokenize: tokens per CPU second through gristmill, the same tokenizer called directly, and datatrove.

The tokenizer is a byte-level BPE (8,000 tokens) trained here on WikiText-2 valid and saved as one
``tokenizer.json`` that every side loads; the texts are the Dolma Common Crawl documents, repeated.
Rust threads are held to one (``RAYON_NUM_THREADS=1``) and time is CPU time (the run's worker
processes included), so every figure is per core.

First table, in this process: the tokenizer's own batch call; the step's ``apply`` over documents
(the framework's cost in the step); a whole ``Pipeline.run`` with ``write_tokens``. Best of 3.

Second table, when datatrove is installed (``make bench``'s ``.venv-bench``): each run a fresh
process (so every tokenizer starts cold), interleaved (direct, gristmill, datatrove, ...) so other
load on the machine falls on all alike, ``--runs`` times; CPU seconds and wall of the run itself
(imports excluded), ratios of the medians. Every side reads the same JSONL and writes token ids:

- ``direct``: a plain script: read the JSONL, ``encode_batch_fast`` in batches, write a ``.bin``;
- ``gristmill``: ``Pipeline.run`` with ``tokenize: {write_tokens: true, eos: <|endoftext|>}``
  (it also writes the kept documents);
- ``datatrove``: ``JsonlReader`` -> ``DocumentTokenizer(eos_token=..., shuffle_documents=False)``
  through ``LocalPipelineExecutor`` (one task, one worker), offline (``HF_HUB_OFFLINE=1``; given the
  local file, it never asks the hub); unshuffled so its file can be compared with ours;
- ``datatrove shuffled``: the same with its default document shuffling (a second pass over the file).

The ids written are compared document by document: gristmill's ``.bin``/``.idx`` against datatrove's
``.ds``/``.ds.index`` and the direct script's ``.bin``.

    .venv-bench/bin/python benchmarks/tokens.py [--runs 3]

Named ``tokens.py``, not ``tokenize.py``: tests put this folder first on ``sys.path``, and a
``tokenize.py`` here would stand in for the standard library's in every worker process they spawn.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ["RAYON_NUM_THREADS"] = "1"  # before tokenizers starts its thread pool
os.environ["TOKENIZERS_PARALLELISM"] = "false"

import argparse
import gzip
import importlib.util
import json
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable

import numpy as np
import orjson
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SCRATCH, SHARED_DATA, table
from gristmill import Document, Pipeline, Tokenize
from gristmill.stats import StepContext, StepStats
from gristmill.steps.tokenize import read_index

REPEAT = 4
BATCH = 256
EOS = "<|endoftext|>"
TOOLS = ("direct", "gristmill", "datatrove", "datatrove shuffled")


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
        special_tokens=[EOS],
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


# -- in this process -----------------------------------------------------------------------------------
def per_core(texts: list[str], folder: Path, tokenizer: Tokenizer, total: int) -> None:
    """Print the tokenizer's batch call, the step's ``apply`` and ``Pipeline.run``, best of 3 CPU seconds."""
    eos = tokenizer.token_to_id(EOS)

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

    def pipeline() -> None:
        run_gristmill(folder, folder / "out")

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


# -- the runs, each in its own process ------------------------------------------------------------------
def run_direct(folder: Path, out: Path) -> None:
    """What a user would write by hand: read the JSONL, encode in batches, append ids and eos to one file."""
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    eos = np.asarray([tokenizer.token_to_id(EOS)], dtype=np.uint16)
    out.mkdir(parents=True)
    texts = [orjson.loads(line)["text"] for line in (folder / "input" / "in.jsonl").read_bytes().splitlines()]
    with (out / "tokens.bin").open("wb") as sink:
        for start in range(0, len(texts), BATCH):
            for encoding in tokenizer.encode_batch_fast(
                texts[start : start + BATCH], add_special_tokens=False
            ):
                if encoding.ids:  # as the step does: an empty text writes no lone eos
                    sink.write(np.concatenate((np.asarray(encoding.ids, dtype=np.uint16), eos)).tobytes())


def run_gristmill(folder: Path, out: Path) -> None:
    """gristmill's pipeline: read the JSONL, tokenize with ``write_tokens``, write kept documents, shards."""
    tokenize = Tokenize(tokenizer=str(folder / "tokenizer.json"), write_tokens=True, eos=EOS)
    Pipeline(
        input={"path": str(folder / "input" / "in.jsonl")}, output={"path": str(out)}, steps=[tokenize]
    ).run(workers=1, overwrite=True, progress=False)


def run_datatrove(folder: Path, out: Path, shuffle: bool) -> None:
    """datatrove's pipeline: ``JsonlReader`` then ``DocumentTokenizer``, one task on one worker."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.tokens import DocumentTokenizer

    tokenizer = DocumentTokenizer(
        output_folder=str(out / "tokens"),
        tokenizer_name_or_path=str(folder / "tokenizer.json"),  # a local file: loaded, never fetched
        eos_token=EOS,
        shuffle_documents=shuffle,
        seed=0,
    )
    reader = JsonlReader(str(folder / "input"))
    LocalPipelineExecutor(
        pipeline=[reader, tokenizer], tasks=1, workers=1, logging_dir=str(out / "logs")
    ).run()


def child(tool: str, folder: Path, out: Path, result: Path) -> None:
    """Run one tool once and write the CPU seconds and wall of the run (not of the imports) to ``result``."""
    if tool.startswith("datatrove"):
        import datatrove.executor  # noqa: F401  (imported before the clock starts, as gristmill is)
    cpu, wall = _cpu(), time.perf_counter()
    if tool == "direct":
        run_direct(folder, out)
    elif tool == "gristmill":
        run_gristmill(folder, out)
    else:
        run_datatrove(folder, out, shuffle=tool == "datatrove shuffled")
    result.write_text(json.dumps({"cpu": _cpu() - cpu, "wall": time.perf_counter() - wall}), encoding="utf-8")


def measure(tool: str, folder: Path, out: Path) -> dict[str, float]:
    """One run of ``tool`` in a fresh process, offline; its output is kept in ``out``."""
    result, log = out.with_suffix(".json"), out.with_suffix(".log")
    env = dict(os.environ, HF_HOME=str(SCRATCH / "hf"), HF_HUB_OFFLINE="1")
    command = [sys.executable, __file__, "--child", tool, "--folder", str(folder), "--out", str(out)]
    with log.open("wb") as sink:
        done = subprocess.run(
            [*command, "--result", str(result)], env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    if done.returncode:
        sys.exit(f"{tool} failed; its output is in {log}")
    measured: dict[str, float] = json.loads(result.read_text(encoding="utf-8"))
    return measured


# -- what was written -----------------------------------------------------------------------------------
def documents_gristmill(out: Path) -> list[bytes]:
    """Each document's token bytes (eos included) from gristmill's ``.bin``/``.idx`` files."""
    docs: list[bytes] = []
    for index in sorted((out / "tokens").glob("*.idx")):
        dtype, sizes, offsets = read_index(index)
        data = index.with_suffix(".bin").read_bytes()
        docs += [
            data[o : o + s * dtype.itemsize] for s, o in zip(sizes.tolist(), offsets.tolist(), strict=True)
        ]
    return docs


def documents_datatrove(out: Path) -> list[bytes]:
    """Each document's token bytes from datatrove's ``.ds`` files and their ``.ds.index`` (uint64 ends)."""
    docs: list[bytes] = []
    for data_file in sorted((out / "tokens").glob("*.ds")):
        data = data_file.read_bytes()
        ends = np.frombuffer(Path(f"{data_file}.index").read_bytes(), dtype="<u8").tolist()
        docs += [data[2 * a : 2 * b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]  # uint16 ids
    return docs


def documents_direct(out: Path, sizes: list[int]) -> list[bytes]:
    """The direct script's ``.bin`` cut at the document sizes gristmill's index gives."""
    data, docs, at = (out / "tokens.bin").read_bytes(), [], 0
    for size in sizes:
        docs.append(data[at : at + 2 * size])
        at += 2 * size
    return docs


def compare(outs: dict[str, Path], eos: bytes) -> None:
    """Print whether every side wrote the same ids for the same documents."""
    ours = documents_gristmill(outs["gristmill"])
    print(f"\ngristmill wrote {len(ours)} documents, {sum(len(d) for d in ours) // 2:,} ids (eos included)")
    # datatrove's reader drops a document whose text is empty; gristmill writes no tokens for it (it
    # wrote a lone eos before stop 25): any lone eos left is counted apart.
    nonempty = [d for d in ours if d != eos]
    theirs = documents_datatrove(outs["datatrove"])
    same = sum(a == b for a, b in zip(nonempty, theirs, strict=False))
    print(
        f"of them {len(ours) - len(nonempty)} a lone eos (should be 0: empty texts write nothing); "
        "datatrove drops empty texts when reading"
    )
    print(f"datatrove (unshuffled): {len(theirs)} documents, {sum(len(d) for d in theirs) // 2:,} ids; "
          f"{same} of gristmill's {len(nonempty)} other documents have the same ids in the same place; "
          f".ds byte-identical to them: {b''.join(theirs) == b''.join(nonempty)}")  # fmt: skip
    shuffled = documents_datatrove(outs["datatrove shuffled"])
    print(f"datatrove shuffled: {len(shuffled)} documents; the same documents as gristmill's (multiset): "
          f"{sorted(shuffled) == sorted(nonempty)}; order changed: {shuffled != theirs}")  # fmt: skip
    direct_bin = (outs["direct"] / "tokens.bin").read_bytes()
    direct = documents_direct(outs["direct"], [len(d) // 2 for d in ours])
    print(f"direct script: {len(direct_bin) // 2:,} ids; byte-identical to gristmill's .bin: "
          f"{direct_bin == b''.join(ours)}; documents equal: {direct == ours}")  # fmt: skip


def beside_datatrove(texts: list[str], folder: Path, total: int, eos: bytes, runs: int) -> None:
    """Print direct, gristmill and datatrove runs (interleaved, each a fresh process); compare the ids."""
    if importlib.util.find_spec("datatrove") is None:
        print("\ndatatrove: skipped (not installed; run with .venv-bench/bin/python after `make bench`)")
        return
    results: dict[str, list[dict[str, float]]] = {tool: [] for tool in TOOLS}
    outs: dict[str, Path] = {}
    for run in range(runs):
        for tool in TOOLS:
            outs[tool] = folder / f"{tool.replace(' ', '-')}-{run}"
            results[tool].append(measure(tool, folder, outs[tool]))
    print(f"\n## beside datatrove: {len(texts)} documents, {total:,} tokens, {runs} interleaved runs\n")
    rows = []
    for tool in TOOLS:
        for i, result in enumerate(results[tool], 1):
            rows.append([tool, i, result["cpu"], result["wall"], f"{total / result['cpu']:,.0f}"])
    print(table(rows, ["tool", "run", "CPU s", "wall s", "tokens per CPU second"]))
    cpu = {tool: statistics.median(r["cpu"] for r in results[tool]) for tool in TOOLS}
    wall = {tool: statistics.median(r["wall"] for r in results[tool]) for tool in TOOLS}
    rows = [
        [tool, cpu[tool], wall[tool], f"{total / cpu[tool]:,.0f}", cpu["direct"] / cpu[tool],
         cpu[tool] / cpu["gristmill"], wall[tool] / wall["gristmill"]]
        for tool in TOOLS
    ]  # fmt: skip
    print("\nmedians:\n")
    print(table(rows, ["tool", "CPU s", "wall s", "tokens per CPU-s", "vs direct", "CPU vs gristmill",
                       "wall vs gristmill"]))  # fmt: skip
    compare(outs, eos)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs of each tool beside datatrove")
    parser.add_argument("--skip-per-core", action="store_true", help="only the runs beside datatrove")
    parser.add_argument("--child", choices=TOOLS, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.folder, args.out, args.result)
        return 0

    if not (SHARED_DATA / "web_text" / "dolma").is_dir():
        print(f"skipped: {SHARED_DATA} is missing")
        return 0
    texts = _texts()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tokenizer = _tokenizer(folder / "tokenizer.json")
        total = sum(len(e.ids) for e in tokenizer.encode_batch_fast(texts, add_special_tokens=False))
        source = folder / "input" / "in.jsonl"  # a folder of its own, for datatrove's reader
        source.parent.mkdir()
        source.write_bytes(
            b"".join(orjson.dumps({"id": str(i), "text": t}) + b"\n" for i, t in enumerate(texts))
        )
        if not args.skip_per_core:
            per_core(texts, folder, tokenizer, total)
        eos = np.asarray([tokenizer.token_to_id(EOS)], dtype="<u2").tobytes()
        beside_datatrove(texts, folder, total, eos, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
