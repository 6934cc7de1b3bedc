"""Every per-document step finishes a megabyte of adversarial text within seconds (linear, or near it).

Each input is what once made a step super-linear: regex backtracking, a scan from the line's start per
candidate, an affix loop that copied the rest of a chunk per character, a pairwise overlap check. The
bound is wide on purpose (a busy two-core CI box); a quadratic step takes minutes here, not seconds.
"""

from __future__ import annotations

import random
import time

import pytest

from gristmill.document import Document
from gristmill.stats import StepContext, StepStats
from gristmill.steps.registry import build_step

MB = 1 << 20
BOUND_S = 20.0


def _fill(unit: str) -> str:
    return (unit * (MB // len(unit) + 1))[:MB]


def _ips() -> str:
    rng = random.Random(7)
    return _fill(" ".join(".".join(str(rng.randrange(256)) for _ in range(4)) for _ in range(2000)) + " ")


def _emails() -> str:
    return _fill(" ".join(f"user.{i}@mail{i % 13}.example.com" for i in range(2000)) + " ")


def _sentence_lines() -> str:
    return _fill("".join(f"This is sentence number {i} of the test.\n" for i in range(5000)))


INPUTS = {
    "ips": _ips,
    "emails": _emails,
    "word.word": lambda: _fill("word.word "),
    "word.word glued": lambda: _fill("word.word"),
    "parentheses": lambda: _fill("("),
    "open-close": lambda: _fill("()"),
    "sentence lines": _sentence_lines,
    "one-line sentences": lambda: _fill("This is one sentence of the test. "),
    "dots": lambda: _fill("."),
    "dot lines": lambda: _fill("....\n"),
    "plus signs": lambda: _fill("+"),
}

CASES = [
    ("pii", "ips"),
    ("pii", "emails"),
    *[
        (step, name)
        for step in ("gopher_quality", "gopher_repetition")
        for name in ("word.word", "word.word glued", "parentheses", "open-close", "plus signs")
    ],
    *[
        (step, name)
        for step in ("span_dedup", "boilerplate_lines")
        for name in ("sentence lines", "one-line sentences", "dots", "dot lines")
    ],
    *[
        (step, name)
        for step in ("c4_quality", "fineweb_quality", "normalize", "language")
        for name in ("one-line sentences", "dots", "parentheses")
    ],
]


@pytest.mark.parametrize(("step_name", "input_name"), CASES, ids=[f"{s}-{i}" for s, i in CASES])
def test_step_takes_a_megabyte_of_adversarial_text_within_seconds(step_name: str, input_name: str) -> None:
    text = INPUTS[input_name]()
    step = build_step(step_name, {})
    dropped: list[Document] = []
    ctx = StepContext(StepStats(0, step_name), dropped.append)
    start = time.perf_counter()
    kept = list(step.apply([Document(id="big", text=text)], ctx))
    took = time.perf_counter() - start
    assert len(kept) + len(dropped) == 1
    assert took < BOUND_S, f"{step_name} took {took:.1f} s on 1 MB of {input_name}"
