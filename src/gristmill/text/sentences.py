"""Sentence splitting that knows abbreviations, initials, decimals and line breaks."""

from __future__ import annotations

import re

# Words that end with a period without ending a sentence ("Stalin vs. Trotsky", "St. Petersburg").
ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr jr st mt ft vs etc al cf eg ie viz approx dept est inc ltd co corp
    no nos vol vols fig figs pp ed eds rev gen gov sen rep capt col lt sgt maj cmdr adm hon
    ave blvd rd jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun
    u.s u.k u.n e.g i.e a.m p.m ph.d b.a m.a d.c op cit ca
    """.split()
)

# A candidate end: terminal punctuation, optional closing quotes/brackets, then space. It starts only
# where a run of marks starts and never gives back what it took: a megabyte of "." with no space
# after would otherwise be tried from every dot, each try running to the end (quadratic). The first
# mark comes before the look-behind (which says the character before it is no mark) so that the regex
# engine skips ahead to the next mark instead of trying the look-behind at every character.
_CANDIDATE = re.compile(r"[.!?…](?<![.!?…][.!?…])[.!?…]*+[\"'”’»)\]]*+(?=\s)")
_NEXT_START = re.compile(r"\s++(?![a-zà-öø-ÿ])\S")
# A line without its leading and trailing whitespace (lines holding only whitespace do not match).
_TRIMMED_LINE = re.compile(r"(?m)^[^\S\n]*+(\S(?:[^\n]*\S)?)")


def _ends_sentence(text: str, start: int, end: int) -> bool:
    """Whether the punctuation at ``text[start:end]`` closes a sentence."""
    if not _NEXT_START.match(text, end):
        return False
    if text[start] != ".":
        return True
    # The word before, found by stepping back to the space (a regex search for it from the line's
    # start made every candidate cost the whole line).
    begin = start
    while begin > 0 and not text[begin - 1].isspace():
        begin -= 1
    if begin == start:
        return True
    word = text[begin:start].lstrip("\"'“‘«([").lower()
    if word in ABBREVIATIONS:
        return False
    # An initial ("J. Smith") or a dotted abbreviation ("U.S.S.R.") does not end a sentence.
    return not (len(word) == 1 and word.isalpha()) and not re.fullmatch(r"(?:\w\.)+\w", word)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` offsets of the sentences of ``text``, whitespace trimmed.

    Line breaks always end a sentence: in web text a line is a unit (a heading, a menu item).
    """
    return line_and_sentence_spans(text)[1]


def line_and_sentence_spans(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Return the offsets of the lines of ``text`` and of its sentences, each whitespace trimmed.

    One pass for callers that need both: a line that is one sentence is trimmed once.
    Lines holding only whitespace are left out.
    """
    # Candidates are found over the whole text, not line by line: one at a line's end may then end a
    # sentence, which changes nothing (what follows it on its line is whitespace, trimmed either way).
    lines = [found.span(1) for found in _TRIMMED_LINE.finditer(text)]
    ends = [
        match.end() for match in _CANDIDATE.finditer(text) if _ends_sentence(text, match.start(), match.end())
    ]
    if not ends:
        return lines, list(lines)
    spans: list[tuple[int, int]] = []
    i, count = 0, len(ends)
    for start, end in lines:
        while i < count and ends[i] <= start:
            i += 1
        if i == count or ends[i] >= end:
            spans.append((start, end))
            continue
        cut = start
        while i < count and ends[i] < end:
            _add_span(spans, text, cut, ends[i])
            cut = ends[i]
            i += 1
        _add_span(spans, text, cut, end)
    return lines, spans


def _add_span(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        spans.append((start + lead, start + lead + len(stripped)))


# What the strict rule passes over: closing punctuation, then whitespace or a non-breaking space left as
# an HTML entity (or nothing), then the next word, in either case.
_LOOSE_END = re.compile(r"[.!?…]++[\"'”’»)\]]*+((?:\s|&nbsp;|&#160;|&#xa0;)*+)(?=[^\W\d_])", re.IGNORECASE)
RUN_ON_WORDS = 60  # a "sentence" longer than this is cut again by the loose rule


def loose_sentence_spans(text: str) -> list[tuple[int, int]]:
    """:func:`sentence_spans`, each over :data:`RUN_ON_WORDS` words cut again where a sentence plainly ends.

    Lowercased text, "end.Next" and "end.&nbsp;Next" (scrape artefacts) leave a page one run-on
    sentence to the strict rule. The loose rule takes a lowercase next word after a space, and an
    upper-case one with no space, and still keeps abbreviations, initials and dotted acronyms whole.
    """
    out: list[tuple[int, int]] = []
    for start, end in sentence_spans(text):
        if text.count(" ", start, end) < RUN_ON_WORDS:
            out.append((start, end))
            continue
        cut = start
        for match in _LOOSE_END.finditer(text, start, end):
            gap = match.group(1)
            after = match.end()
            if not gap and not text[after].isupper():
                continue  # "example.com", "3.5": no space and no capital after
            if not _ends_before(text, match.start()):
                continue
            _add_span(out, text, cut, after - len(gap))
            cut = after
        _add_span(out, text, cut, end)
    return out


def _ends_before(text: str, at: int) -> bool:
    """Whether the word before the punctuation at ``at`` may end a sentence (no abbreviation or initial)."""
    if text[at] != ".":
        return True
    begin = at
    while begin > 0 and not text[begin - 1].isspace() and text[begin - 1] not in ".;":
        begin -= 1
    word = text[begin:at].lstrip("\"'“‘«([").lower()
    return len(word) > 1 and word not in ABBREVIATIONS


def split_sentences(text: str) -> list[str]:
    """Return the sentences of ``text`` (see :func:`sentence_spans`)."""
    return [text[a:b] for a, b in sentence_spans(text)]


def split_sentences_loosely(text: str) -> list[str]:
    """The sentences of ``text``, run-on ones cut again as ``salad`` reads them (``loose_sentence_spans``)."""
    return [text[a:b] for a, b in loose_sentence_spans(text)]
