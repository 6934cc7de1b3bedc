"""Remove site furniture: lines and sentences that belong to the site, not to the page's content.

Two sources of evidence:

- **patterns**, per sentence: copyright notices, newsletter and sign-up calls, cookie notices,
  share/follow prompts, "read more" seams, breadcrumbs, and labels such as "Related articles";
- **the corpus**, per line: a line that recurs on ``min_pages`` or more pages of the same host is the
  host's furniture (menus, footers, bylines). Counting needs the whole corpus, so the step is a
  barrier: ``sign`` writes a hash per (host, line) pair, ``group`` counts them, ``decide`` removes.

What goes is counted in ``signals`` (``boilerplate_lines``, ``boilerplate_sentences``,
``boilerplate_chars``); a document left with no text is dropped as ``boilerplate_lines:empty``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, ClassVar
from urllib.parse import urlsplit

import numpy as np

from gristmill.dedup.work import PartsWriter, bucket_windows, key_runs, load_part, save_buckets
from gristmill.document import Document
from gristmill.io.schema import FieldType
from gristmill.stats import StepContext
from gristmill.steps.base import BarrierStep
from gristmill.steps.options import Help
from gristmill.steps.registry import register
from gristmill.text.furniture import furniture_rule
from gristmill.text.hashing import hash64
from gristmill.text.sentences import sentence_spans

# One row per distinct (host, line) pair of a page: the line's hash seeded with the host's, so a
# line on every page of a host is one run of one key, which the group task can take in pieces.
# The shard goes with it, so that what is learned goes back only to the shards whose pages have it.
PAIR = np.dtype([("pair", "<u8"), ("shard", "<u4")])
LEARNED = np.dtype([("pair", "<u8")])
_SPACE = re.compile(r"\s+")
_BLANKS = re.compile(r"[ \t]{2,}")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def host_of(url: object) -> str:
    """Return the host of a URL, lower case without ``www.``, or ``""`` when there is none."""
    if not isinstance(url, str) or not url:
        return ""
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def line_key(line: str) -> str:
    """Return the form two lines share when they count as the same line."""
    return _SPACE.sub(" ", line).strip().casefold()


def pair_hash(host_hash: int, key: str) -> int:
    """Return the hash of line ``key`` on the host hashed as ``host_hash``."""
    return hash64(key, host_hash)


@register("boilerplate_lines")
class BoilerplateLines(BarrierStep):
    """Remove site furniture: pattern-matched sentences, and lines recurring across a host's pages."""

    signal_fields: ClassVar[dict[str, FieldType]] = {
        "boilerplate_lines": "int",
        "boilerplate_sentences": "int",
        "boilerplate_chars": "int",
    }

    runs_alone: ClassVar[bool] = True

    def meta_keys_named(self) -> dict[str, str]:
        """``url_field``, where lines are learned (its hosts group them); else no key is read."""
        return {"url_field": self.url_field} if self.learn else {}

    patterns: Annotated[
        bool,
        Help(
            "remove sentences matching the furniture rules (copyright, newsletter, cookie, share,"
            " read_more, breadcrumb, label)."
        ),
    ] = True
    learn: Annotated[
        bool, Help("remove lines that recur on many pages of the same host (needs the whole corpus).")
    ] = True
    min_pages: Annotated[
        int, Help("pages of one host a line must appear on to count as that host's furniture.", ge=2)
    ] = 3
    min_line_chars: Annotated[
        int, Help("shorter lines are never learned (they are too common to mean anything).", ge=0)
    ] = 10
    url_field: Annotated[str, Help("the meta field holding the page URL the host is read from.")] = "url"

    # -- the corpus-wide count -------------------------------------------------------------------

    def _pairs(self, doc: Document) -> set[int]:
        host = host_of(doc.meta.get(self.url_field))
        if not host:
            return set()
        host_hash = hash64(host)
        return {
            pair_hash(host_hash, key)
            for key in map(line_key, doc.text.split("\n"))
            if len(key) >= self.min_line_chars
        }

    def sign(self, docs: Iterable[Document], shard: int, work: Path) -> None:
        """Write the hash of each document's distinct (host, line) pairs, bucketed by it."""
        pairs: list[int] = []
        if self.learn:
            for doc in docs:
                pairs.extend(self._pairs(doc))
        else:
            for _ in docs:
                pass
        rows = np.empty(len(pairs), PAIR)
        rows["pair"], rows["shard"] = np.array(pairs, np.uint64), shard
        save_buckets(work, "pairs", shard, rows, "pair", self.buckets)

    def group(self, bucket: int, shards: int, work: Path) -> None:
        """Hand each (host, line) pair seen on ``min_pages`` pages or more to the shards of those pages."""
        with PartsWriter(work / f"furniture-{bucket:03d}.npy", LEARNED, shards) as learned:
            run = _LearnedRun(learned, self.min_pages)
            for rows in bucket_windows(work, "pairs", range(bucket, bucket + 1), shards, "pair", long_runs=0):
                run.add(rows[np.argsort(rows["pair"], kind="stable")])

    def decide(
        self, docs: Iterable[Document], shard: int, work: Path, ctx: StepContext
    ) -> Iterator[Document]:
        """Remove furniture from each document of the shard; drop documents left empty."""
        learned: set[int] = set()
        if self.learn:  # only the pairs this shard's pages have: bounded by the shard, not the run
            for bucket in range(self.buckets):
                learned.update(load_part(work / f"furniture-{bucket:03d}.npy", shard)["pair"].tolist())
        for doc in docs:
            if self.clean(doc, learned):
                yield doc
            else:
                ctx.reject(doc, f"{self.name}:empty")

    # -- removal ---------------------------------------------------------------------------------

    def furniture_spans(self, doc: Document, learned: set[int]) -> list[tuple[int, int, str]]:
        """Return ``(start, end, rule)`` for every piece of ``doc.text`` that is furniture.

        ``learned``: the :func:`pair_hash` of each (host, line) pair the corpus calls furniture.

        Besides recurring lines and pattern matches, a heading (a short line without end punctuation)
        whose whole section went is removed too, as ``dangling_heading``.
        """
        text = doc.text
        spans: list[tuple[int, int, str]] = []
        host = host_of(doc.meta.get(self.url_field)) if learned else ""
        host_hash = hash64(host) if host else 0
        # Per line: (start, end, state) with state "kept", "partial", "removed" or "blank".
        layout: list[tuple[int, int, str]] = []
        start = 0
        for line in text.split("\n"):
            end = start + len(line)
            key = line_key(line)
            state = "blank" if not key else "kept"
            if host and len(key) >= self.min_line_chars and pair_hash(host_hash, key) in learned:
                spans.append((start, end, "recurring"))
                state = "removed"
            elif self.patterns and key:
                found = 0
                pieces = sentence_spans(line)
                for a, b in pieces:
                    rule = furniture_rule(line[a:b])
                    if rule:
                        spans.append((start + a, start + b, rule))
                        found += 1
                if found:
                    state = "removed" if found == len(pieces) else "partial"
            layout.append((start, end, state))
            start = end + 1
        if spans:
            spans += _dangling_headings(text, layout)
            spans.sort()
        return spans

    def clean(self, doc: Document, learned: set[int]) -> bool:
        """Remove furniture from ``doc`` in place; return whether any text is left."""
        spans = self.furniture_spans(doc, learned)
        lines_removed = sum(1 for *_, rule in spans if rule == "recurring")
        doc.signals["boilerplate_lines"] = lines_removed
        doc.signals["boilerplate_sentences"] = len(spans) - lines_removed
        if not spans:
            doc.signals["boilerplate_chars"] = 0
            return bool(doc.text.strip())
        pieces = []
        cut = 0
        for a, b, _ in spans:
            pieces.append(doc.text[cut:a])
            cut = b
        pieces.append(doc.text[cut:])
        # Spans lie within lines, so the cleaned lines match the text's one for one: a line that had
        # text and has none left goes whole, rather than leave a paragraph break where it was.
        lines = zip("".join(pieces).split("\n"), doc.text.split("\n"), strict=True)
        cleaned = "\n".join(
            _BLANKS.sub(" ", line).strip() for line, was in lines if line.strip() or not was.strip()
        )
        cleaned = _MANY_NEWLINES.sub("\n\n", cleaned).strip()
        doc.signals["boilerplate_chars"] = len(doc.text) - len(cleaned)
        doc.text = cleaned
        return bool(cleaned)

    def sentence_flags(self, doc: Document, sentences: list[str]) -> dict[int, list[str]]:
        """Flag each sentence the pattern rules call furniture, naming the rule."""
        flags: dict[int, list[str]] = {}
        if not self.patterns:
            return flags
        for i, sentence in enumerate(sentences):
            rule = furniture_rule(sentence)
            if rule:
                flags[i] = [f"{self.name}:{rule}"]
        return flags


_HEADING_END = (".", "!", "?", ",", ";", ":", '"', "'", "”", "’", ")")


class _LearnedRun:
    """Counts the pages of each pair of a group task's windows and hands learned pairs to their shards.

    A pair on more pages than a window comes in pieces: the window's last pair goes on into the next
    window, its rows held back only until ``min_pages`` of them are seen (then they go out at once);
    rows still held back when the bucket ends were not learned.
    """

    def __init__(self, learned: PartsWriter, min_pages: int) -> None:
        self._learned, self._min_pages = learned, min_pages
        self._pair: int | None = None
        self._seen = 0
        self._waiting = np.empty(0, PAIR)

    def add(self, rows: np.ndarray) -> None:
        """Take a window's rows, sorted by pair."""
        if self._pair is not None and len(rows) and int(rows["pair"][0]) == self._pair:
            cut = int(np.searchsorted(rows["pair"], rows["pair"][0], side="right"))
            self._go_on(rows[:cut])
            rows = rows[cut:]
        if not len(rows):
            return
        first, _, pages = key_runs(rows["pair"])
        last = int(np.flatnonzero(first)[-1])  # where the window's last pair starts
        whole = pages[:last] >= self._min_pages
        self._hand(rows[:last][whole])
        self._pair, self._seen, self._waiting = int(rows["pair"][last]), 0, np.empty(0, PAIR)
        self._go_on(rows[last:])

    def _go_on(self, rows: np.ndarray) -> None:
        self._seen += len(rows)
        if self._seen < self._min_pages:
            self._waiting = np.concatenate((self._waiting, rows))
            return
        self._hand(np.concatenate((self._waiting, rows)))
        self._waiting = np.empty(0, PAIR)

    def _hand(self, rows: np.ndarray) -> None:
        # Rows of a pair come in shard order: one row per (pair, shard) is all a decide needs.
        fresh = np.ones(len(rows), bool)
        fresh[1:] = (rows["pair"][1:] != rows["pair"][:-1]) | (rows["shard"][1:] != rows["shard"][:-1])
        rows = rows[fresh]
        table = np.empty(len(rows), LEARNED)
        table["pair"] = rows["pair"]
        self._learned.add(table, rows["shard"])


def _is_heading(line: str) -> bool:
    stripped = line.strip()
    return 0 < len(stripped.split()) <= 8 and not stripped.endswith(_HEADING_END)


def _dangling_headings(text: str, layout: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Headings whose section (the lines up to the next heading or the end) was all removed."""
    out = []
    for i, (start, end, state) in enumerate(layout):
        if state != "kept" or not _is_heading(text[start:end]):
            continue
        section = []
        for j in range(i + 1, len(layout)):
            s, e, st = layout[j]
            if st == "blank":
                continue
            if st == "kept" and _is_heading(text[s:e]):
                break
            section.append(st)
        if section and all(st == "removed" for st in section):
            out.append((start, end, "dangling_heading"))
    return out
