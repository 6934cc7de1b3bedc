"""``gristmill inspect``: one document through the per-document steps, sentence by sentence.

The document is a text or HTML file, a WARC record (``FILE.warc.gz#N``, the N-th document record from 0,
or by its ``WARC-Record-ID``), a document of a JSONL or Parquet file by id (``out/kept/00000.jsonl.zst#ID``),
or what stdin holds (``-``).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from gristmill.document import Document
from gristmill.errors import (
    BrokenInputError,
    DamagedInputError,
    DamagedRowsError,
    InputError,
    MissingInputError,
)
from gristmill.io.base import quarantine_damage
from gristmill.io.files import HtmlFileReader, TextFileReader
from gristmill.io.inputs import format_of, reader_for
from gristmill.stats import StepContext, StepStats
from gristmill.steps.base import BarrierStep, Step
from gristmill.steps.extract import Extract, looks_like_markup
from gristmill.steps.language import Language
from gristmill.text.sentences import split_sentences_loosely

log = logging.getLogger(__name__)


class _Collect:
    """Sink that keeps what a reader set aside, to report it."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.records = 0  # as the run's quarantine counts them: a row group's rows, a damaged span as one

    def quarantine(
        self, path: str, where: str, reason: str, excerpt: bytes | str = b"", records: int = 1
    ) -> None:
        self.problems.append(f"{path}: {where}: {reason}")
        self.records += records

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


REMOVED_SHOWN = 5  # removed blocks listed in the terminal view; --json lists every one
PLACES_SHOWN = 10  # places of a repeated id named in its note


def read_target(target: str, *, record_id: str | None = None, stdin: bytes = b"") -> Document:
    """The document ``target`` names: ``-`` (``stdin``), ``FILE#N``, ``FILE#ID``, or a file.

    ``record_id`` picks a WARC record by its ``WARC-Record-ID``.
    """
    if target == "-":
        return _from_stdin(stdin)
    path, fragment = _split(target)
    fmt = format_of(path)
    if record_id is not None:
        if fmt != "warc":
            raise MissingInputError(f"{path}: --record-id picks a record of a WARC file, and this is none")
        # The header writes the id in angle brackets, the reader's meta without: take either.
        wanted = record_id.strip().removeprefix("<").removesuffix(">")
        return _find(
            path, fmt, lambda n, doc: doc.meta.get("warc_record_id") == wanted, f"record {record_id}"
        )
    if fragment is None:
        if fmt in ("warc", "jsonl", "parquet"):
            _find(path, fmt, lambda n, doc: True, "document")  # one that holds none says so
            # A WARC record is named by its place, a JSONL or Parquet document by its id.
            named = f"{path}#N (the N-th, from 0) or --record-id ID" if fmt == "warc" else f"{path}#ID"
            raise MissingInputError(f"{path}: a {fmt} file holds many documents; name one: {named}")
        return read_one(path)
    if fmt == "warc":
        if not fragment.isdigit():
            raise MissingInputError(f"{path}: #{fragment}: a WARC record is named by its place (#0, #1, …)")
        place = int(fragment)
        return _find(path, fmt, lambda n, doc: n == place, f"record #{place}")
    if fmt in ("jsonl", "parquet"):
        places: list[int] = []
        doc = _find(path, fmt, lambda n, doc: doc.id == fragment, f"document with id {fragment!r}", places)
        if len(places) > 1:  # ids of a file one did not write need not be unique: say which one is shown
            numbers = [str(n + 1) for n in places[:PLACES_SHOWN]]
            if len(places) > PLACES_SHOWN:
                shown = ", ".join(numbers) + ", …"
            else:
                shown = ", ".join(numbers[:-1]) + f" and {numbers[-1]}"
            log.warning(
                f"{path}: id {fragment!r} occurs {len(places):,} times (documents {shown}, from 1);"
                " showing the first"
            )
        return doc
    raise MissingInputError(f"{path}: #{fragment} names a document of a WARC, JSONL or Parquet file only")


def _split(target: str) -> tuple[str, str | None]:
    """Split ``FILE#FRAGMENT`` at the first ``#`` after which an existing file is named (ids hold ``#``)."""
    if Path(target).is_dir():
        raise MissingInputError(f"{target}: a folder; inspect takes one file (or FILE#N, FILE#ID, -)")
    if Path(target).exists():
        return target, None
    at = target.find("#")
    while at > 0:
        if Path(target[:at]).is_file():
            return target[:at], target[at + 1 :]
        at = target.find("#", at + 1)
    raise MissingInputError(f"{target}: no such file")


def _find(
    path: str, fmt: str, wanted: Callable[[int, Document], bool], what: str, places: list[int] | None = None
) -> Document:
    """The first document of ``path`` that is ``wanted``; else one line saying what was there instead.

    With ``places``, the whole file is read and the place of every one wanted (from 0) appended to it.
    """
    sink = _Collect()
    count = 0
    found: Document | None = None
    try:
        for count, doc in enumerate(reader_for(fmt).read(path, sink), start=1):
            if wanted(count - 1, doc):
                if places is None:
                    return doc
                places.append(count - 1)
                found = found or doc
    except (DamagedInputError, DamagedRowsError) as exc:  # read on past the damage, as a run counts it
        quarantine_damage(sink, path, exc)
        among = f" among its {count:,} readable documents"
    except BrokenInputError as exc:  # the one wanted may lie past the break: say both
        among = (
            f" among the {count:,} documents before the file breaks off: {str(exc).removeprefix(f'{path}: ')}"
        )
    else:
        if Path(path).stat().st_size == 0:
            among = ": the file is empty"
        else:
            among = f" among its {count:,} documents" if count else ": the file holds no document"
    if found is not None:
        return found
    problems = ""
    if sink.problems:  # the record wanted may be one of them: say why the first could not be read
        first = sink.problems[0].removeprefix(f"{path}: ")
        problems = f"; {sink.records:,} record(s) could not be read (the first: {first})"
    raise MissingInputError(f"{path}: no {what}{among}{problems}")


def _from_stdin(data: bytes) -> Document:
    """What stdin holds: an HTML page goes to extraction as a fetched page would; else it is the text."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or looks_like_markup(text):
        return Document("-", "", raw=data)  # extraction finds the page's charset, as for a WARC record
    return Document("-", text)


def inspect_document(doc: Document, steps: list[Step]) -> dict[str, Any]:
    """Run ``doc`` through every per-document step; return what each step and sentence showed.

    The verdict is the first drop reason, or ``"kept"``; later steps still run so that every flag shows.
    An HTML page goes through ``extract`` and ``language`` first when the pipeline has neither; a page
    that extraction leaves without text has nothing for the later steps to judge.
    """
    steps = _with_page_steps(doc, steps)
    # A document of a run's rejected/ carries the reason the run gave: a step that needs the whole
    # corpus (dedup) cannot give it again here, so it is shown as recorded.
    recorded = doc.meta.get("reason") if isinstance(doc.meta.get("reason"), str) else None
    verdict = "kept"
    removed: list[str] = []
    outcomes: list[dict[str, Any]] = []
    flags_by_step: list[tuple[Step, Document]] = []
    # Sentences are those of the input (of the extracted text, for a page), so a sentence a step
    # removes or rewrites still shows, flagged.
    # Run-on sentences (lowercased or unspaced text) are cut again, as salad reads them.
    sentences = split_sentences_loosely(doc.text)
    no_text = False
    for position, step in enumerate(steps):
        if no_text:  # the text left is the page's markup, not prose to judge
            outcomes.append({"step": step.name, "result": "skipped: extract kept no text"})
            continue
        if isinstance(step, BarrierStep) and not step.runs_alone:
            outcomes.append({"step": step.name, "result": "skipped: needs the whole corpus"})
            flags_by_step.append((step, doc))  # what it sees within one document still shows
            continue
        # The text as the step saw it, with the meta and signals it sets (shared, so they fill in).
        seen = Document(doc.id, doc.text, doc.meta, doc.signals)
        dropped: list[Document] = []
        # A step's side outputs (token files) are written to nowhere: a look at one document is not a run.
        ctx = StepContext(StepStats(position, step.name), dropped.append, open_output=lambda _: io.BytesIO())
        before = replace(doc, meta=dict(doc.meta), signals=dict(doc.signals))
        passed = list(step.apply([doc], ctx))
        if isinstance(step, Extract):
            removed = step.removed_blocks(before, passed[0] if passed else before)
            # The page's sentences are those of its main text, not of its markup (none if it has none).
            sentences = split_sentences_loosely(passed[0].text) if passed else []
            flags_by_step.clear()
            no_text = not passed
        if dropped:
            reason = str(dropped[0].meta.pop("reason"))
            dropped[0].meta.pop("rejected_by", None)
            outcomes.append({"step": step.name, "result": reason})
            if verdict == "kept":
                verdict = reason
        else:
            doc = passed[0] if passed else doc
            outcomes.append({"step": step.name, "result": "kept"})
        flags_by_step.append((step, seen))
    flags: dict[int, list[str]] = {}
    for step, before in flags_by_step:
        for i, found in step.sentence_flags(before, sentences).items():
            flags.setdefault(i, []).extend(found)
    return {
        "id": doc.id,
        "meta": {k: doc.meta[k] for k in _SHOWN_META if k in doc.meta},
        "signals": doc.signals,
        "removed": removed,
        "sentences": [{"i": i, "text": text, "flags": flags.get(i, [])} for i, text in enumerate(sentences)],
        "steps": outcomes,
        "verdict": verdict,
        **({"recorded_reason": recorded} if recorded else {}),
    }


_SHOWN_META = (
    "title",
    "date",
    "url",
    "language",
    "charset",
    "charset_source",
    "charset_rejected",
    "extractor",
    "salad",  # stitched, coherent, or not_judged: a score of 0 alone does not say which
    "provenance_role",
    "split_from",
    "copied_from",
)


def _with_page_steps(doc: Document, steps: list[Step]) -> list[Step]:
    names = {step.name for step in steps}
    if doc.raw is None or "extract" in names:
        return steps
    added: list[Step] = [Extract()]
    if "language" not in names:
        added.append(Language())
    return added + steps


def format_inspection(result: dict[str, Any]) -> str:
    """Render an inspection for a terminal."""
    lines = [f"document  {result['id']}", f"verdict   {result['verdict']}"]
    if result.get("recorded_reason"):
        lines.append(f"in run    rejected as {result['recorded_reason']}")
    lines += [f"{k:<9} {v}" for k, v in result.get("meta", {}).items()]
    lines += ["", "steps:"]
    lines += [f"  {o['step']:<20} {o['result']}" for o in result["steps"]]
    if result["signals"]:
        lines += ["", "signals:"]
        lines += [f"  {k:<28} {v}" for k, v in sorted(result["signals"].items())]
    removed = result.get("removed") or []
    if removed:
        # A page may lose hundreds of blocks (menus, links): the first few say what kind they are.
        lines += [
            "",
            f"removed by extract ({len(removed)} blocks, the first {min(len(removed), REMOVED_SHOWN)}):",
        ]
        lines += [f"  - {block[:100]}" for block in removed[:REMOVED_SHOWN]]
        if len(removed) > REMOVED_SHOWN:
            lines.append(f"  … {len(removed) - REMOVED_SHOWN} more (--json lists them all)")
    lines += ["", f"sentences ({len(result['sentences'])}):"]
    for sentence in result["sentences"]:
        mark = f"  [{', '.join(sentence['flags'])}]" if sentence["flags"] else ""
        lines.append(f"  {sentence['i']:>3}  {sentence['text']}{mark}")
    return "\n".join(lines)
