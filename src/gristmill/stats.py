"""Counting what happened to documents: per step, per shard, and for the whole run."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from gristmill.document import Document
from gristmill.io.schema import FieldType

# What ``StepContext.reject`` writes on every dropped document: the rejected output's own meta keys.
REJECTED_FIELDS: dict[str, FieldType] = {"rejected_by": "str", "reason": "str"}


@dataclass
class StepStats:
    """Documents in, created, out, dropped by reason and quarantined on an error for one step.

    Every count is counted where it happens, never derived, so ``in + created == out + dropped + errors``
    is a check the engine makes, not an identity.
    """

    index: int
    name: str
    docs_in: int = 0
    docs_out: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    created: int = 0
    errors: int = 0
    seconds: float = 0.0
    # Time spent in this step and everything upstream of it; exclusive seconds are derived from it.
    cumulative: float = 0.0
    # Characters of the documents taken in, yielded, dropped and set aside (the text as the step saw it).
    chars_in: int = 0
    chars_out: int = 0
    chars_dropped: int = 0
    chars_errors: int = 0
    # Documents the step let through with a changed text, and what it took out of them, counted per
    # document as before minus after (negative where a step adds, as a redaction mark may).
    changed: int = 0
    chars_removed: int = 0
    # None: not counted, for a step that extracts text (its text before was the page's markup).
    lines_removed: int | None = 0
    # Of those lines, how many each of the step's line rules removed (steps that name them: c4_quality).
    lines_by_rule: Counter[str] = field(default_factory=Counter)
    # Tokens, when the pipeline has a ``tokenize`` step: of the documents yielded (from that step on,
    # read from ``signals.tokens``) and of those dropped (counted with its tokenizer). None: not counted.
    tokens_out: int | None = None
    tokens_dropped: int | None = None
    # A few documents whose text the step changed: id, url, and the text around the first change.
    examples: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form written to ``stats.json``."""
        return {
            "index": self.index,
            "name": self.name,
            "in": self.docs_in,
            "out": self.docs_out,
            "dropped": dict(sorted(self.dropped.items())),
            "created": self.created,
            "errors": self.errors,
            "seconds": round(self.seconds, 4),
            "chars_in": self.chars_in,
            "chars_out": self.chars_out,
            "chars_dropped": self.chars_dropped,
            "chars_errors": self.chars_errors,
            "changed": self.changed,
            "chars_removed": self.chars_removed,
            **({"lines_removed": self.lines_removed} if self.lines_removed is not None else {}),
            **(
                {"lines_removed_by_rule": dict(sorted(self.lines_by_rule.items()))}
                if self.lines_by_rule
                else {}
            ),
            **({"tokens_out": self.tokens_out} if self.tokens_out is not None else {}),
            **({"tokens_dropped": self.tokens_dropped} if self.tokens_dropped is not None else {}),
            **({"examples": self.examples} if self.examples else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StepStats:
        """Read back :meth:`to_dict`."""
        return cls(
            index=data["index"],
            name=data["name"],
            docs_in=data["in"],
            docs_out=data["out"],
            dropped=Counter(data["dropped"]),
            created=data.get("created", 0),
            errors=data.get("errors", 0),
            seconds=data["seconds"],
            chars_in=data.get("chars_in", 0),
            chars_out=data.get("chars_out", 0),
            chars_dropped=data.get("chars_dropped", 0),
            chars_errors=data.get("chars_errors", 0),
            changed=data.get("changed", 0),
            chars_removed=data.get("chars_removed", 0),
            lines_removed=data.get("lines_removed"),
            lines_by_rule=Counter(data.get("lines_removed_by_rule", {})),
            tokens_out=data.get("tokens_out"),
            tokens_dropped=data.get("tokens_dropped"),
            examples=list(data.get("examples", [])),
        )

    def add(self, other: StepStats) -> None:
        """Add another shard's counts for the same step."""
        self.docs_in += other.docs_in
        self.docs_out += other.docs_out
        self.dropped.update(other.dropped)
        self.created += other.created
        self.errors += other.errors
        self.seconds += other.seconds
        self.chars_in += other.chars_in
        self.chars_out += other.chars_out
        self.chars_dropped += other.chars_dropped
        self.chars_errors += other.chars_errors
        self.changed += other.changed
        self.chars_removed += other.chars_removed
        # Not counted in one task (an extracting step; a run resumed from tasks of an older version that
        # counted it): not counted. A partial sum would pass for the whole.
        lines = other.lines_removed
        self.lines_removed = (
            None if self.lines_removed is None or lines is None else self.lines_removed + lines
        )
        self.lines_by_rule.update(other.lines_by_rule)
        self.tokens_out = _plus(self.tokens_out, other.tokens_out)
        self.tokens_dropped = _plus(self.tokens_dropped, other.tokens_dropped)
        # Tasks are added in shard order, so the examples kept are the same whatever the workers.
        self.examples.extend(other.examples[: max(0, EXAMPLES_PER_STEP - len(self.examples))])

    def count_drop(self, doc: Document, before: str, count_tokens: Callable[[str], int] | None) -> None:
        """Count the characters (and tokens) of ``doc``, dropped, whose text was ``before`` when it came in.

        The text as it came in, since a step may have emptied it before giving up on it. Tokens are
        counted with ``count_tokens`` (the pipeline's tokenizer, for a step before ``tokenize``), else
        read from ``signals.tokens``, which ``tokenize`` wrote.
        """
        self.chars_dropped += len(before)
        if self.tokens_dropped is not None:
            tokens = count_tokens(before) if count_tokens is not None else doc.signals.get("tokens")
            self.tokens_dropped += tokens if isinstance(tokens, int) else 0

    def count_error(self, before: str) -> None:
        """Count a document set aside (quarantined) whose text was ``before`` when it came in."""
        self.errors += 1
        self.chars_errors += len(before)

    def count_change(self, doc: Document, before: str) -> bool:
        """Count what the step changed in ``doc``'s text (``before`` when it came in); say whether it did."""
        after = doc.text
        if after is before or after == before:
            return False
        self.changed += 1
        self.chars_removed += len(before) - len(after)
        if self.lines_removed is not None:
            self.lines_removed += _lines(before) - _lines(after)
        if len(self.examples) < EXAMPLES_PER_STEP:
            self.examples.append(change_example(doc, before))
        return True

    def unaccounted(self) -> int:
        """Documents this step took in (or made) but neither yielded, dropped nor quarantined."""
        return self.docs_in + self.created - self.docs_out - sum(self.dropped.values()) - self.errors


EXAMPLES_PER_STEP = 3
_EXCERPT = 400


def _plus(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else a + b


def _lines(text: str) -> int:
    return text.count("\n") + 1 if text else 0


def change_example(doc: Document, before: str) -> dict[str, Any]:
    """``doc``'s text before and after a step, from a little before the first difference on."""
    after = doc.text
    pairs = zip(before, after, strict=False)
    first = next((i for i, (a, b) in enumerate(pairs) if a != b), min(len(before), len(after)))
    # From the start of the line that changed, or a little before the change on a long line.
    start = max(before.rfind("\n", 0, first) + 1, first - 200)
    return {
        "id": doc.id,
        "url": doc.meta.get("url"),
        "at": start,
        "before": before[start : start + _EXCERPT],
        "after": after[start : start + _EXCERPT],
    }


@dataclass
class TaskStats:
    """What one task (a shard of a stage, or a phase of a barrier) did."""

    read: int = 0
    kept: int = 0
    rejected: int = 0
    quarantined: int = 0
    steps: list[StepStats] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form kept in a done-marker."""
        return {
            "read": self.read,
            "kept": self.kept,
            "rejected": self.rejected,
            "quarantined": self.quarantined,
            "steps": [s.to_dict() for s in self.steps],
            "errors": self.errors,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskStats:
        """Read back :meth:`to_dict`."""
        return cls(
            read=data["read"],
            kept=data["kept"],
            rejected=data["rejected"],
            quarantined=data["quarantined"],
            steps=[StepStats.from_dict(s) for s in data["steps"]],
            errors=list(data["errors"]),
        )


class StepContext:
    """What a running step reports to: rejected documents, its counters, and the files it writes."""

    def __init__(
        self,
        stats: StepStats,
        on_reject: Callable[[Document], None],
        *,
        shard: int = 0,
        open_output: Callable[[str], BinaryIO] | None = None,
        on_error: Callable[[Document, BaseException], None] | None = None,
    ) -> None:
        self.stats = stats
        self.shard = shard  # the index of the shard the step runs over, for naming its side outputs
        self._on_reject = on_reject
        self._open_output = open_output
        self._on_error = on_error

    def open_output(self, name: str) -> BinaryIO:
        """Open a side output (``tokens/00003-000.bin``, under the output folder) for writing.

        The task writes it under a temporary name and renames it into place with its other outputs,
        before its done-marker, so a killed task leaves no half-written file. Closing it is the task's job.
        """
        if self._open_output is None:
            raise RuntimeError(f"step {self.stats.name!r} writes files, which it can only do in a run")
        return self._open_output(name)

    def count_lines(self, removed: Counter[str]) -> None:
        """Count the lines a step's rules removed from a document it keeps, by rule (``stats.json``)."""
        self.stats.lines_by_rule.update(removed)

    def reject(self, doc: Document, reason: str) -> None:
        """Drop ``doc`` for ``reason`` (``"step:rule"``); it goes to the rejected output."""
        doc.meta["rejected_by"] = self.stats.name
        doc.meta["reason"] = reason
        self.stats.dropped[reason] += 1
        self._on_reject(doc)

    def set_aside(self, doc: Document, error: BaseException) -> None:
        """Quarantine ``doc``, which the step failed on with ``error``, in its turn among the documents held.

        For a step that holds several documents and settles them in the order they came: raising would
        set aside every document it holds. Without a run to quarantine into, ``error`` is raised.
        """
        if self._on_error is None:
            raise error
        self._on_error(doc, error)

    def create(self, doc: Document) -> Document:
        """Count ``doc`` as made by this step (a split page's part) and return it, to be yielded."""
        self.stats.created += 1
        return doc


def timed(docs: Iterable[Document], stats: StepStats) -> Iterator[Document]:
    """Count a step's output and add the time each ``next`` takes (upstream included)."""
    it = iter(docs)
    clock = time.perf_counter
    while True:
        start = clock()
        try:
            doc = next(it)
        except StopIteration:
            stats.cumulative += clock() - start
            return
        stats.cumulative += clock() - start
        stats.docs_out += 1
        stats.chars_out += len(doc.text)
        if stats.tokens_out is not None:
            tokens = doc.signals.get("tokens")
            stats.tokens_out += tokens if isinstance(tokens, int) else 0
        yield doc


def settle_seconds(steps: list[StepStats], source_seconds: float) -> None:
    """Turn cumulative times into each step's own seconds (a pull chain nests upstream time)."""
    before = source_seconds
    for stats in steps:
        stats.seconds = max(0.0, stats.cumulative - before)
        before = stats.cumulative


def merge_steps(tasks: Iterable[TaskStats]) -> list[StepStats]:
    """Sum step counters over tasks, one entry per pipeline position."""
    merged: dict[int, StepStats] = {}
    for task in tasks:
        for step in task.steps:
            if step.index not in merged:
                merged[step.index] = StepStats(step.index, step.name)
            merged[step.index].add(step)
    return [merged[i] for i in sorted(merged)]
