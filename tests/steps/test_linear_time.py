"""Every per-document step does work linear in the size of adversarial text (or near it).

Each input is what once made a step super-linear: regex backtracking, a scan from the line's start per
candidate, an affix loop that copied the rest of a chunk per character, a pairwise overlap check. The
work is counted, not timed (``tests.counting``): the lines gristmill executes and the characters its
patterns read grow about 4 times on an input 4 times larger, where a quadratic step's grow 16 times.
Work inside one call into C is out of a count's reach (the regular expression engine backtracking, a
string sliced afresh per character): a megabyte of each input also runs under a hang guard, minutes of
margin on what takes a second or two, so that such a step fails instead of hanging.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from gristmill.document import Document
from gristmill.stats import StepContext, StepStats
from gristmill.steps.registry import build_step
from tests.counting import assert_grows_linearly, counting_work, hang_guard

KB = 1 << 10
MB = 1 << 20
SMALL = 16 * KB  # counted at this size and at GROWTH times it
GROWTH = 4
HANG_S = 120.0  # a megabyte takes seconds: only a quadratic or exponential step gets near this


def _fill(unit: str) -> Callable[[int], str]:
    return lambda size: (unit * (size // len(unit) + 1))[:size]


def _ips(size: int) -> str:
    rng = random.Random(7)
    ips = " ".join(".".join(str(rng.randrange(256)) for _ in range(4)) for _ in range(2000))
    return _fill(ips + " ")(size)


def _emails(size: int) -> str:
    return _fill(" ".join(f"user.{i}@mail{i % 13}.example.com" for i in range(2000)) + " ")(size)


def _sentence_lines(size: int) -> str:
    return _fill("".join(f"This is sentence number {i} of the test.\n" for i in range(5000)))(size)


INPUTS: dict[str, Callable[[int], str]] = {
    "ips": _ips,
    "emails": _emails,
    "word.word": _fill("word.word "),
    "word.word glued": _fill("word.word"),
    "parentheses": _fill("("),
    "open-close": _fill("()"),
    "sentence lines": _sentence_lines,
    "one-line sentences": _fill("This is one sentence of the test. "),
    "dots": _fill("."),
    "dot lines": _fill("....\n"),
    "plus signs": _fill("+"),
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


IDS = [f"{s}-{i}" for s, i in CASES]


def _apply(step_name: str, text: str) -> None:
    step = build_step(step_name, {})
    dropped: list[Document] = []
    ctx = StepContext(StepStats(0, step_name), dropped.append)
    kept = list(step.apply([Document(id="big", text=text)], ctx))
    assert len(kept) + len(dropped) == 1


@pytest.mark.parametrize(("step_name", "input_name"), CASES, ids=IDS)
def test_step_work_grows_linearly_with_adversarial_text(step_name: str, input_name: str) -> None:
    _apply(step_name, INPUTS[input_name](KB))  # imports and first-use set-up, which are not counted
    counted = []
    for size in (SMALL, GROWTH * SMALL):
        text = INPUTS[input_name](size)
        with counting_work() as work:
            _apply(step_name, text)
        counted.append(work)
    assert_grows_linearly(f"{step_name} on {input_name}", *counted, factor=GROWTH)


@pytest.mark.parametrize(("step_name", "input_name"), CASES, ids=IDS)
def test_step_finishes_a_megabyte_of_adversarial_text(step_name: str, input_name: str) -> None:
    text = INPUTS[input_name](MB)
    with hang_guard(HANG_S, f"{step_name} on 1 MB of {input_name}"):
        _apply(step_name, text)
