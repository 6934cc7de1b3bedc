"""A page's layout read past before it is judged: list markers, markdown, headings, one sentence a line.

A stitcher can lay the same sentences out as prose, a bulleted list, one sentence a line or markdown
for free, so the measures must read the sentences, not their layout. :func:`read_layout` gives, for
the sentence spans of a page, what the measures read (each sentence without its list marker, heading
marks, emphasis or link syntax), which spans are headings or title lines (not prose sentences, not
seams: set aside like furniture), which are a list number the sentence splitter cut off on its own,
and whether the page's line breaks say anything about its paragraphs. The spans themselves are not
moved: ``gristmill inspect`` and the split parts keep marking the page as written.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import numpy as np

# A list marker or a markdown heading/quote mark at the start of a line: "- ", "* ", "• ", "1. ",
# "2) ", "a) ", "b. ", "## ", "> ". Upper-case letters are left alone ("A. Lincoln", "I. Summary").
_MARKS = r"(?:[-*•·–+]|\d{1,3}[.)]|[a-z][.)]|#{1,6}|>)[^\S\n]+"
MARKER = re.compile("^" + _MARKS)
_LINE_MARKER = re.compile(r"(?m)^[^\S\n]*" + _MARKS)
_HEADING_MARK = re.compile(r"^#{1,6}[^\S\n]+")
# What a sentence splitter leaves of a numbered item's number when it cuts after "1.".
_BARE_MARKER = re.compile(r"(?:\d{1,3}|[a-z])[.)]")
_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\s]*\)")
_EMPHASIS = re.compile(r"(?<![\w*_`])[*_`]{1,3}(?=[^\s*_`])|(?<=[^\s*_`])[*_`]{1,3}(?![\w*_`])")
_ENDS_SENTENCE = re.compile(r"[.!?…;,][\"'”’»)\]]*$")
HEADING_WORDS = 12  # a line of this many words or fewer, without a sentence's end, is a heading
LIST_RUN = 3  # ... unless it is one of this many such lines in a row: the items of a list
# Share of a page's prose lines that hold exactly one sentence above which its line breaks are
# layout: a list or one sentence a line says nothing of where the author's paragraphs were.
LINES_ARE_SENTENCES = 0.9
_MIN_LINES = 4
# A page is prose laid out when at most this share of its lines (and at least one) are not lines of
# prose: this many words or more, ending as a sentence does (a list item need not).
OTHER_LINES = 0.1
PROSE_LINE_WORDS = 4


@dataclass
class Layout:
    """What the measures read of each sentence span, and which spans are layout, not prose."""

    sentences: list[str]
    headings: set[int] = field(default_factory=set)  # headings and short title lines
    marks: set[int] = field(default_factory=set)  # a list number standing as a span of its own
    items: set[int] = field(default_factory=set)  # spans that open a line with a list marker
    lines_are_sentences: bool = False  # nearly every prose line is one sentence: breaks carry nothing
    reads_as_prose: bool = True  # nearly every line is prose (see reads_as_prose)
    marked: bool = False  # list markers, markdown headings, emphasis or links: the page was laid out


def plain(sentence: str, at_line_start: bool) -> str:
    """``sentence`` without a leading list or heading marker (at a line's start), emphasis and link syntax."""
    if at_line_start and (found := MARKER.match(sentence)):
        sentence = sentence[found.end() :]
    if "[" in sentence:
        sentence = _LINK.sub(r"\1", sentence)
    if "*" in sentence or "_" in sentence or "`" in sentence:
        sentence = _EMPHASIS.sub("", sentence)
    return sentence


def read_layout(text: str, spans: list[tuple[int, int]]) -> Layout:
    """Read the layout of ``text`` around its sentence ``spans`` (see the module's docstring)."""
    if not reads_as_prose(text):  # a page of items: its lines, marks and breaks are read as written
        return Layout([text[a:b] for a, b in spans], reads_as_prose=False)
    layout = Layout([])
    previous_end = 0
    line_of: list[int] = []  # the line number of each span
    line = 0
    short: list[int] = []  # short lines that do not end as a sentence does
    for i, (a, b) in enumerate(spans):
        gap = text[previous_end:a]
        line += gap.count("\n")
        starts_line = i == 0 or "\n" in gap
        ends_line = i == len(spans) - 1 or "\n" in text[b : spans[i + 1][0]]
        raw = text[a:b]
        said = plain(raw, starts_line)
        layout.sentences.append(said)
        line_of.append(line)
        previous_end = b
        if starts_line and not ends_line and _BARE_MARKER.fullmatch(raw):
            layout.marks.add(i)
            layout.items.add(i + 1)
        elif starts_line and raw != said and MARKER.match(raw) and not _HEADING_MARK.match(raw):
            layout.items.add(i)
        elif starts_line and ends_line and _HEADING_MARK.match(raw):
            layout.headings.add(i)
        elif starts_line and ends_line and _is_short_line(raw, said):
            short.append(i)
    layout.marked = bool(layout.items or layout.headings) or any(
        said != text[a:b] for said, (a, b) in zip(layout.sentences, spans, strict=True)
    )
    layout.headings.update(_titles(short, line_of))
    prose_lines: dict[int, int] = {}
    for i, number in enumerate(line_of):
        if i not in layout.headings and i not in layout.marks:
            prose_lines[number] = prose_lines.get(number, 0) + 1
    if len(prose_lines) >= _MIN_LINES:
        single = sum(1 for count in prose_lines.values() if count == 1)
        layout.lines_are_sentences = single >= LINES_ARE_SENTENCES * len(prose_lines)
    return layout


def reads_as_prose(text: str) -> bool:
    """Whether nearly every line (markdown headings aside) is prose: sentences, or list items of them.

    Only such a page is prose laid out: on a page of short lines (menus, archive entries, tool
    pages) the lines and their breaks are what tells its items apart, and are read as written.
    A list item is a line of prose if it ends as a sentence or is long enough; another line needs both.
    """
    lines = [
        line for line in (raw.strip() for raw in text.split("\n")) if line and not _HEADING_MARK.match(line)
    ]
    allowed = max(1.0, OTHER_LINES * len(lines))
    other = 0
    for line in lines:
        item = MARKER.match(line) is not None
        said = plain(line, True)
        ends = _ENDS_SENTENCE.search(said) is not None
        long = len(said.split()) >= PROSE_LINE_WORDS
        if not ((item and (ends or long)) or (ends and long)):
            other += 1
            if other > allowed:  # most web pages of short lines stop here, after a few lines
                return False
    return True


def paragraph_breaks(
    text: str, spans: list[tuple[int, int]], prose: list[int], layout: Layout, unknown: float
) -> np.ndarray:
    """Per boundary between the ``prose`` spans: 1.0 where a paragraph break comes between them.

    A line break between two items of one list is no paragraph break (the list is one paragraph);
    on a page whose every line is one sentence the breaks say nothing, and every boundary reads
    ``unknown``.
    """
    if layout.lines_are_sentences:
        return np.full(max(0, len(prose) - 1), unknown)
    out = np.zeros(max(0, len(prose) - 1))
    for row, (i, j) in enumerate(itertools.pairwise(prose)):
        gap = text[spans[i][1] : spans[j][0]]
        if "\n" in gap:
            same_list = i in layout.items and j in layout.items and gap.count("\n") == 1
            out[row] = 0.0 if same_list else 1.0
    return out


def _is_short_line(raw: str, said: str) -> bool:
    """A short line that is not a list item and does not end as a sentence does."""
    if MARKER.match(raw):  # a list item is a sentence, punctuated or not
        return False
    return len(said.split()) <= HEADING_WORDS and not _ENDS_SENTENCE.search(said)


def _titles(short: list[int], line_of: list[int]) -> list[int]:
    """The short lines that stand as titles: not in a run of LIST_RUN or more on adjacent lines.

    Three or more short lines in a row ("2 cups flour", "1 onion", …) are the items of an
    unmarked list, sentences of the page; a short line alone is a heading or a title.
    """
    out: list[int] = []
    run: list[int] = []
    for i in [*short, -1]:
        if run and (i < 0 or i != run[-1] + 1 or line_of[i] != line_of[run[-1]] + 1):
            if len(run) < LIST_RUN:
                out += run
            run = []
        if i >= 0:
            run.append(i)
    return out


def unmarked(text: str) -> str:
    """``text`` with the list and heading markers at its lines' starts removed (for line-shape measures)."""
    return _LINE_MARKER.sub("", text)
