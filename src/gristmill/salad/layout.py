"""A page's layout read past before it is judged: list markers, markdown, headings, one sentence a line.

A stitcher can lay the same sentences out as prose, a bulleted list, one sentence a line or markdown
for free, so the measures must read the sentences, not their layout. :func:`read_layout` gives, for
the sentence spans of a page, what the measures read (each sentence without its list marker, heading
marks, emphasis or link syntax), which spans are headings or title lines (not prose sentences, not
seams: set aside like furniture), which are a list number the sentence splitter cut off on its own,
and whether the page's line breaks say anything about its paragraphs. Label lines between paragraphs
(a forum post's header or byline, a heading, a lone short list item) are set aside too, so that the
sentences either side of one are neighbours and a seam behind it can be seen. The spans themselves are not
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
# A label: at most two short lines in a row (HEADING_WORDS words or fewer each) that are not prose, or
# read as a byline, followed by a line of prose: a forum post's header, a heading, a "Related: ..." item.
LABEL_RUN = 2
# What a post header or byline says, in the words of several languages' forum software: a reply's
# subject ("Re:", "AW:", "SV:"), a post number ("#3"), a handle ("@jo"), who wrote it and when.
_REPLY_SUBJECT = r"(?:re|aw|sv|vs|antw|odp|r)\s*:"
_BYLINE = re.compile(
    rf"^{_REPLY_SUBJECT}"
    r"|(?:^|\s)#\d+\b|(?:^|\s)@\w"
    r"|\b(?:posted|reply|replied|wrote|writes|quote|comment(?:ed)?|answer(?:ed)?|asked"
    r"|schrieb|antwort(?:ete)?|écrit|répondu|escribió|respondió|respuesta|scritto|risposta"
    r"|schreef|reactie|skrev|svar|napisał|odpowiedź)\b"
    r"|\b\d+\s+(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?)\s+ago\b"
    r"|\b(?:yesterday|today|gestern|heute|hier|aujourd'hui|ayer|hoy|ieri|oggi|gisteren|vandaag)\b"
    r"|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}:\d{2}\b",
    re.IGNORECASE,
)
# A short line that ends as a sentence does is a label only when it opens as a post header does, or
# ends as an attribution ("jo wrote:"): a short sentence that merely mentions a reply or a day is prose.
_POST_HEADER = re.compile(
    rf"^(?:{_REPLY_SUBJECT}|#\d+\b|@\w|(?:posted|replied|reply|comment|answer|quote)\b)"
    r"|\b(?:wrote|writes|schrieb|a écrit|escribió|ha scritto|schreef|skrev|napisał)\s*:$",
    re.IGNORECASE,
)


@dataclass
class Layout:
    """What the measures read of each sentence span, and which spans are layout, not prose."""

    sentences: list[str]
    headings: set[int] = field(default_factory=set)  # headings and short title lines
    marks: set[int] = field(default_factory=set)  # a list number standing as a span of its own
    items: set[int] = field(default_factory=set)  # spans that open a line with a list marker
    labels: set[int] = field(default_factory=set)  # spans of label lines (see label_lines), in headings
    bylines: set[int] = field(default_factory=set)  # label lines that read as a post header or byline
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
    labels, prose = _scan(text, stop_early=True)
    if not prose:  # a page of items: its lines, marks and breaks are read as written
        return Layout([text[a:b] for a, b in spans], reads_as_prose=False)
    layout = Layout([])
    labelled: list[int] = []
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
        if line in labels:  # every span of a label line: a header may hold a date cut as a sentence
            labelled.append(i)
            if labels[line]:
                layout.bylines.add(i)
        elif starts_line and not ends_line and _BARE_MARKER.fullmatch(raw):
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
    layout.headings.update(labelled)
    layout.labels.update(labelled)
    prose_lines: dict[int, int] = {}
    for i, number in enumerate(line_of):
        if i not in layout.headings and i not in layout.marks:
            prose_lines[number] = prose_lines.get(number, 0) + 1
    if len(prose_lines) >= _MIN_LINES:
        single = sum(1 for count in prose_lines.values() if count == 1)
        layout.lines_are_sentences = single >= LINES_ARE_SENTENCES * len(prose_lines)
    return layout


def reads_as_prose(text: str) -> bool:
    """Whether nearly every line (markdown headings and labels aside) is prose: sentences, or list items.

    Only such a page is prose laid out: on a page of short lines (menus, archive entries, tool
    pages) the lines and their breaks are what tells its items apart, and are read as written.
    A list item is a line of prose if it ends as a sentence or is long enough; another line needs both.
    A label (see :func:`label_lines`) is a line of the layout, not one of the page's items.
    """
    return _scan(text, stop_early=True)[1]


def label_lines(text: str) -> dict[int, bool]:
    """The label lines of ``text`` by line number, each with whether it reads as a byline.

    A label is one or two short lines that are not prose (or that read as a post header or byline:
    "Reply #3 by jo, 3 weeks ago", "Posted by jo on 4.5.2019.", "Re: ...", "@jo wrote:") followed by a
    line of prose; a lone short list item between paragraphs is one too. Three or more short lines
    in a row are a list or a menu, not labels, and so is a short line with no prose after it.
    """
    return _scan(text, stop_early=False)[0]


def _scan(text: str, stop_early: bool) -> tuple[dict[int, bool], bool]:
    """One pass over the lines: the label lines, and whether the page reads as prose.

    With ``stop_early`` the pass stops (labels unfinished) once more lines than one in ten of the
    whole page are neither prose nor labels: most web pages of short lines stop after a few lines.
    """
    lines = _lines(text)
    bound = max(1.0, OTHER_LINES * len(lines))  # the share of kept lines can only be larger
    labels: dict[int, bool] = {}
    run: list[tuple[int, str, bool]] = []  # short lines waiting for a line of prose: number, text, other
    spoiled = False  # the run grew past LABEL_RUN: a list or a menu, no labels until the next prose
    other = 0  # lines that are neither prose nor labels
    was_item = False
    for k, (number, line) in enumerate(lines):
        said = plain(line, True)
        item = MARKER.match(line) is not None
        words = len(said.split())
        ends = _ENDS_SENTENCE.search(said) is not None
        prose = (item and (ends or words >= PROSE_LINE_WORDS)) or (ends and words >= PROSE_LINE_WORDS)
        short = words <= HEADING_WORDS
        # A short list item that does not end as a sentence is a label if it stands alone (a list of
        # one between paragraphs: "- Related: ..."); beside other items it is one of a list.
        lone_item = item and short and not ends and not was_item and not _next_is_item(lines, k)
        was_item = item
        if prose and not lone_item and not (short and _POST_HEADER.search(said)):
            if not spoiled:
                labels.update((n, _BYLINE.search(t) is not None) for n, t, _ in run)
            run, spoiled = [], False
            continue
        if not short:  # a long line that is not prose (a menu bar, a run-on caption): no label before it
            other += 1 + sum(o for _, _, o in run)
            run, spoiled = [], False
        elif spoiled:
            other += not prose
        else:
            run.append((number, said, not prose))
            if len(run) > LABEL_RUN:
                other += sum(o for _, _, o in run)
                run, spoiled = [], True
        if stop_early and other > bound:
            return labels, False
    other += sum(o for _, _, o in run)
    return labels, other <= max(1.0, OTHER_LINES * (len(lines) - len(labels)))


def _next_is_item(lines: list[tuple[int, str]], k: int) -> bool:
    """Whether the non-empty line after line ``k`` opens with a list marker."""
    return k + 1 < len(lines) and MARKER.match(lines[k + 1][1]) is not None


def _lines(text: str) -> list[tuple[int, str]]:
    """The non-empty lines of ``text`` with their numbers, markdown headings left out (set aside anyway)."""
    out = []
    for number, raw in enumerate(text.split("\n")):
        line = raw.strip()
        if line and not _HEADING_MARK.match(line):
            out.append((number, line))
    return out


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
