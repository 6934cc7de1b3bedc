"""The fixed cost of a gristmill process: CPU seconds of one command on a tiny input, medians of N runs.

Each command runs in its own process, through the ``gristmill`` console script as a user runs it; its
CPU is user + system of that child and its workers (``RUSAGE_CHILDREN``). Commands: the interpreter
alone, ``import gristmill.cli``, an extract-only run and the FineWeb-style pipeline of
``benchmarks/pipeline.py`` over the bundled 136 KB sample WARC (the pipeline on 1 and 2 workers),
and ``gristmill demo`` (1 worker). With several ``--src`` folders (a checkout's ``src/`` before and
after a change) the runs are interleaved, so other load on the machine falls on each alike.

This machine sets ``PYTHONDONTWRITEBYTECODE=1``: compile the sources once first
(``python -m compileall -q src``) to measure what an installed gristmill costs.

    .venv/bin/python benchmarks/fixed_cost.py [--runs 5] [--src src] [--src /tmp/before/src]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, table
from pipeline import gristmill_yaml

SAMPLE_WARCS = REPO / "src" / "gristmill" / "samples" / "warc"
CASES = ("python", "import", "extract", "pipeline", "pipeline-2", "demo")


def command(case: str, work: Path) -> list[str]:
    """The command line of one case, writing a new output folder under ``work``."""
    out = Path(tempfile.mkdtemp(dir=work)) / "out"  # a fresh one: clearing an old run is not fixed cost
    python = Path(sys.executable)
    gristmill = str(python.parent / "gristmill")
    if case == "python":
        return [str(python), "-c", "pass"]
    if case == "import":
        return [str(python), "-c", "import gristmill.cli"]
    if case == "demo":
        return [gristmill, "demo", "--workers", "1", "--out", str(out), "--no-progress"]
    spec = out.with_suffix(".yaml")
    if case == "extract":
        text = f'input: {{path: "{SAMPLE_WARCS}/*.warc.gz"}}\noutput: {{path: "{out}"}}\n'
        text += "steps:\n  - extract: {}\n"
    else:
        text = gristmill_yaml(SAMPLE_WARCS, out, "defaults")
    spec.write_text(text, encoding="utf-8")
    workers = "2" if case == "pipeline-2" else "1"
    return [gristmill, "run", str(spec), "--workers", workers, "--quiet"]


def cpu_of(args: list[str], src: Path) -> float:
    """CPU seconds (user + system) of one command and its workers, with ``src`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    """Run every case ``--runs`` times for each source folder, interleaved, and print the medians."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--src", type=Path, action="append", help="a gristmill source folder (default: src)")
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--all-runs", action="store_true", help="print every run, not only the medians")
    options = parser.parse_args()
    sources = [s.resolve() for s in options.src or [REPO / "src"]]
    cpu: dict[tuple[str, Path], list[float]] = {(c, s): [] for c in options.cases for s in sources}
    work = Path(tempfile.mkdtemp(prefix="gristmill-fixed-"))
    try:
        for _ in range(options.runs):
            for case in options.cases:
                for src in sources:
                    cpu[case, src].append(cpu_of(command(case, work), src))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    header = ["case", *(str(s) for s in sources)]
    rows = [[case, *(statistics.median(cpu[case, s]) for s in sources)] for case in options.cases]
    print(f"CPU s, median of {options.runs} runs")
    print(table(rows, header))
    if options.all_runs:
        for (case, src), values in cpu.items():
            print(case, src, " ".join(f"{v:.3f}" for v in values))


if __name__ == "__main__":
    main()
