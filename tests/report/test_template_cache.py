"""The report's template is compiled once per user, not once per run (issue 16: a run's fixed cost)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import write_pipeline

# Renders the report of a finished run in a fresh process; prints how often jinja2 compiled a
# template (0.026 CPU-s each) and a digest of the page.
RENDER = """
import hashlib, sys
import jinja2
compiled = []
compile = jinja2.Environment.compile
def counted(self, *args, **kwargs):
    compiled.append(1)
    return compile(self, *args, **kwargs)
jinja2.Environment.compile = counted
from gristmill.report.html import render_report
page = render_report(sys.argv[1])
print(len(compiled), hashlib.sha256(page.encode()).hexdigest())
"""


def render(run: Path, cache_home: Path) -> tuple[str, str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    done = subprocess.run(
        [sys.executable, "-c", RENDER, str(run)], env=env, capture_output=True, text=True, check=True
    )
    compiled, digest = done.stdout.split()
    return compiled, digest


def finished_run(run_cli, make_corpus, tmp_path: Path) -> Path:
    corpus = make_corpus(shards=1, docs=10)
    spec = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {{path: '{corpus}'}}\noutput: {{path: '{tmp_path / 'out'}'}}\n"
        "steps:\n  - length_filter: {min_chars: 60}\n",
    )
    assert run_cli("run", str(spec), "--quiet").exit_code == 0
    return tmp_path / "out"


def test_the_second_run_reuses_the_compiled_template_and_writes_the_same_page(
    run_cli, make_corpus, tmp_path: Path
) -> None:
    run = finished_run(run_cli, make_corpus, tmp_path)
    first = render(run, tmp_path / "cache")
    second = render(run, tmp_path / "cache")
    assert first[0] == "1" and second[0] == "0"
    assert second[1] == first[1]
    assert list((tmp_path / "cache" / "gristmill" / "report").iterdir())


def test_a_cache_that_cannot_be_written_or_read_only_costs_the_compile(
    run_cli, make_corpus, tmp_path: Path
) -> None:
    run = finished_run(run_cli, make_corpus, tmp_path)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert render(run, blocked)[0] == "1"
    # A cache file cut short or overwritten: compiled again, the same page.
    good = render(run, tmp_path / "cache")
    for entry in (tmp_path / "cache" / "gristmill" / "report").iterdir():
        data = entry.read_bytes()
        entry.write_bytes(data[: len(data) // 2])
    assert render(run, tmp_path / "cache") == ("1", good[1])
    for entry in (tmp_path / "cache" / "gristmill" / "report").iterdir():
        entry.write_bytes(hashlib.sha256(b"junk").digest())
    assert render(run, tmp_path / "cache") == ("1", good[1])
