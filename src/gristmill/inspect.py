"""``gristmill inspect``: one document through the per-document steps, sentence by sentence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gristmill.document import Document
from gristmill.errors import InputError
from gristmill.io.files import HtmlFileReader, TextFileReader
from gristmill.io.inputs import format_of
from gristmill.stats import StepContext, StepStats
from gristmill.steps.base import BarrierStep, Step
from gristmill.text.sentences import split_sentences


class _Collect:
    """Sink that keeps what a reader set aside, to report it."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def quarantine(self, path: str, where: str, reason: str, excerpt: bytes | str = b"") -> None:
        self.problems.append(f"{path}: {where}: {reason}")

    def progress(self, nbytes: int) -> None:
        pass


def read_one(path: str | Path) -> Document:
    """Read a text or HTML file as one document."""
    path = str(path)
    reader = HtmlFileReader() if format_of(path) == "html" else TextFileReader()
    sink = _Collect()
    docs = list(reader.read(path, sink))
    if not docs:
        raise InputError(sink.problems[0] if sink.problems else f"{path}: no document")
    return docs[0]


def inspect_document(doc: Document, steps: list[Step]) -> dict[str, Any]:
    """Run ``doc`` through every per-document step; return what each step and sentence showed.

    The verdict is the first drop reason, or ``"kept"``; later steps still run so that every flag shows.
    """
    verdict = "kept"
    outcomes: list[dict[str, Any]] = []
    flags_by_step: list[tuple[Step, Document]] = []
    for position, step in enumerate(steps):
        if isinstance(step, BarrierStep):
            outcomes.append({"step": step.name, "result": "skipped: needs the whole corpus"})
            flags_by_step.append((step, doc))  # what it sees within one document still shows
            continue
        dropped: list[Document] = []
        ctx = StepContext(StepStats(position, step.name), dropped.append)
        passed = list(step.apply([doc], ctx))
        if dropped:
            reason = str(dropped[0].meta.pop("reason"))
            dropped[0].meta.pop("rejected_by", None)
            outcomes.append({"step": step.name, "result": reason})
            if verdict == "kept":
                verdict = reason
        else:
            doc = passed[0] if passed else doc
            outcomes.append({"step": step.name, "result": "kept"})
        flags_by_step.append((step, doc))
    sentences = split_sentences(doc.text)
    flags: dict[int, list[str]] = {}
    for step, _ in flags_by_step:
        for i, found in step.sentence_flags(doc, sentences).items():
            flags.setdefault(i, []).extend(found)
    return {
        "id": doc.id,
        "signals": doc.signals,
        "sentences": [{"i": i, "text": text, "flags": flags.get(i, [])} for i, text in enumerate(sentences)],
        "steps": outcomes,
        "verdict": verdict,
    }


def format_inspection(result: dict[str, Any]) -> str:
    """Render an inspection for a terminal."""
    lines = [f"document  {result['id']}", f"verdict   {result['verdict']}", "", "steps:"]
    lines += [f"  {o['step']:<20} {o['result']}" for o in result["steps"]]
    if result["signals"]:
        lines += ["", "signals:"]
        lines += [f"  {k:<28} {v}" for k, v in sorted(result["signals"].items())]
    lines += ["", f"sentences ({len(result['sentences'])}):"]
    for sentence in result["sentences"]:
        mark = f"  [{', '.join(sentence['flags'])}]" if sentence["flags"] else ""
        lines.append(f"  {sentence['i']:>3}  {sentence['text']}{mark}")
    return "\n".join(lines)
