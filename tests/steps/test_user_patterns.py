"""User regular expressions run on RE2: no pattern stalls a worker, and what RE2 cannot run is refused."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import orjson
import pytest

from gristmill import ConfigError, Document, MetaFilter, RegexFilter
from tests.counting import hang_guard
from tests.helpers import write_jsonl, write_pipeline

EVIL = "(a+)+$"  # exponential for a backtracking engine on a run of "a" that ends in "b"
RUN = "a" * 1_000_000 + "b"
# No count reaches inside the engine's one call, so these tests run under a hang guard: RE2 answers in
# milliseconds, a backtracking engine (Python's re) would not answer in the age of the universe, and
# the guard stops it (re checks for signals while it backtracks) so that the test fails, not hangs.
HANG_S = 60.0


def test_regex_filter_runs_a_catastrophic_pattern_in_linear_time() -> None:
    step = RegexFilter(pattern=EVIL)
    with hang_guard(HANG_S, "regex_filter on (a+)+$"):
        assert step.keep(Document(id="a", text=RUN)) is True
    assert step.keep(Document(id="b", text="aaa")) == "pattern"


def test_meta_filter_runs_a_catastrophic_pattern_in_linear_time() -> None:
    step = MetaFilter(field="name", pattern=EVIL)
    with hang_guard(HANG_S, "meta_filter on (a+)+$"):
        assert step.keep(Document(id="a", text="x", meta={"name": RUN})) == "no_match"
    assert step.keep(Document(id="b", text="x", meta={"name": "aaaa"})) is True


def test_patterns_keep_python_syntax_case_and_anchors() -> None:
    texts = [Document(id="a", text="Order #123 shipped"), Document(id="b", text="no numbers here")]
    assert [RegexFilter(pattern=r"#\d+").keep(d) for d in texts] == ["pattern", True]
    assert [RegexFilter(pattern="ORDER", ignore_case=True).keep(d) for d in texts] == ["pattern", True]
    assert [RegexFilter(pattern=r"(?P<word>\bhere)$").keep(d) for d in texts] == [True, "pattern"]
    step = MetaFilter(field="url", pattern=r"https://(www\.)?example\.org/")
    assert step.keep(Document(id="c", text="x", meta={"url": "https://example.org/a"})) is True
    assert step.keep(Document(id="d", text="x", meta={"url": "see https://example.org/"})) == "no_match"


def test_a_built_pattern_step_pickles_for_worker_processes() -> None:
    step = pickle.loads(pickle.dumps(RegexFilter(pattern="colou?r", ignore_case=True)))
    assert step.keep(Document(id="a", text="COLOR")) == "pattern"


@pytest.mark.parametrize(
    ("pattern", "why"),
    [(r"foo(?=bar)", "invalid perl operator: (?="), (r"(a)\1", "invalid escape sequence: \\1")],
)
def test_a_pattern_re2_cannot_run_is_refused_when_built(pattern: str, why: str) -> None:
    with pytest.raises(ConfigError) as info:
        RegexFilter(pattern=pattern)
    message = str(info.value)
    assert message.startswith("step 'regex_filter', option 'pattern': not a valid regular expression for RE2")
    assert why in message and "no lookaround or backreference" in message


def test_catastrophic_pattern_does_not_stall_a_run(tmp_path: Path, run_cli: Any) -> None:
    write_jsonl(
        tmp_path / "in.jsonl",
        [{"id": f"d{i}", "text": RUN if i % 2 else "aaaa", "meta": {"name": RUN}} for i in range(4)],
    )
    path = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {tmp_path / 'in.jsonl'}\noutput: {tmp_path / 'out'}\nsteps:\n"
        f"  - regex_filter: {{pattern: '{EVIL}'}}\n  - meta_filter: {{field: name, pattern: '{EVIL}'}}\n",
    )
    with hang_guard(2 * HANG_S, "a run with (a+)+$ in two steps"):
        result = run_cli("run", str(path), "--workers", "2")
    assert result.exit_code == 0, result.output
    totals = orjson.loads((tmp_path / "out" / "stats.json").read_bytes())["totals"]
    assert totals == {**totals, "read": 4, "kept": 0, "rejected": 4}


def test_a_refused_pattern_exits_2_with_one_line(tmp_path: Path, run_cli: Any) -> None:
    write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "x"}])
    path = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {tmp_path / 'in.jsonl'}\noutput: {tmp_path / 'out'}\nsteps:\n"
        "  - meta_filter: {field: url, pattern: '(?<!www)example'}\n",
    )
    result = run_cli("run", str(path))
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "step 'meta_filter', option 'pattern': not a valid regular expression for RE2" in result.output
