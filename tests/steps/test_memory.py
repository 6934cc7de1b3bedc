"""A 100 MB document through the default steps peaks at a small multiple of its size (issue 10).

The run happens in a subprocess, whose peak resident memory the parent reads from
``resource.getrusage(RUSAGE_CHILDREN)`` once it ends; the same run on a small document gives the
fixed cost (interpreter, libraries, language model) that is taken off. It once peaked at 1.8 GB.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
import yaml

from tests.helpers import REPO, write_jsonl

SIZE = 100 << 20
MULTIPLE = 8  # bytes of peak memory per byte of document, beyond the fixed cost
DEMO = REPO / "src" / "gristmill" / "samples" / "demo.yaml"
WEB = REPO / "src" / "gristmill" / "samples" / "web" / "cc-main-2019-30-sample.jsonl.gz"
# Runs the command given after it, then prints the peak memory (KiB) of its process tree.
MEASURE = (
    "import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)"
)


def _web_text(size: int) -> str:
    """Real web prose repeated to ``size`` characters, one byte each (Latin-1 pages of the sample)."""
    records = [orjson.loads(line) for line in gzip.decompress(WEB.read_bytes()).splitlines()]
    texts = [r["text"] for r in records if r["text"] and max(map(ord, r["text"])) < 256]
    unit = "\n\n".join(texts)
    return (unit * (size // len(unit) + 1))[:size]


def _peak_kib(tmp_path: Path, name: str, text: str) -> int:
    """Run the default steps over one document of ``text``; return the run's peak memory in KiB."""
    folder = tmp_path / name
    folder.mkdir()
    write_jsonl(folder / "in.jsonl", [{"id": name, "text": text}])
    steps = yaml.safe_load(DEMO.read_text(encoding="utf-8"))["steps"]
    # The record is text already: extract, which reads HTML, is not one of the steps it goes through.
    steps = [step for step in steps if "extract" not in step]
    config = {"input": {"path": str(folder / "in.jsonl")}, "output": {"path": str(folder / "out")}}
    (folder / "p.yaml").write_text(yaml.safe_dump({**config, "steps": steps}), encoding="utf-8")
    command = [sys.executable, "-m", "gristmill", "run", str(folder / "p.yaml"), "--workers", "1"]
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, timeout=1200
    )
    assert done.returncode == 0, done.stdout + done.stderr
    stats = orjson.loads((folder / "out" / "stats.json").read_bytes())
    assert stats["totals"]["read"] == 1
    return int(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_a_100_mb_document_peaks_at_a_small_multiple_of_its_size(tmp_path: Path) -> None:
    fixed = _peak_kib(tmp_path, "small", _web_text(100_000))
    peak = _peak_kib(tmp_path, "big", _web_text(SIZE))
    extra = (peak - fixed) * 1024
    assert extra < MULTIPLE * SIZE, f"peak {peak // 1024} MiB, {extra / SIZE:.1f} times the document"
