"""HTML to main text: site furniture (menus, footers, banners, comments) removed, paragraphs kept."""

from __future__ import annotations

import codecs
import functools
import html
import importlib.util
import re
import time
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from gristmill.document import Document
from gristmill.errors import ConfigError
from gristmill.io.schema import FieldType
from gristmill.steps.base import Filter
from gristmill.steps.options import Help
from gristmill.steps.registry import register
from gristmill.text.charset import decode_page

Engine = Literal["resiliparse", "trafilatura"]

_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xhtml", "application/vnd.wap.xhtml+xml")
_PLAIN_TYPES = ("text/plain",)
# File signatures of payloads that are never a page, whatever the server called them.
_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"RIFF",
    b"\x00\x00\x01\x00",
    b"OggS",
    b"ID3",
    b"fLaC",
    b"\x7fELF",
    b"MZ\x90\x00",
    b"\xd0\xcf\x11\xe0",
    b"wOFF",
    b"wOF2",
    b"BZh91AY&SY",
    b"7z\xbc\xaf",
)
_LOOKS_HTML = re.compile(rb"<(!doctype\s+html|html|head|body|title|meta|div|p|a|table|span)[\s>/]", re.I)
# HTML elements a page is made of (names a chat log's "<Sarah>" or a quoted "<T>" are not).
_ELEMENTS = (
    r"(?:html|head|body|title|meta|link|script|style|div|span|p|a|br|hr|img|ul|ol|li|table|tr|td|th|"
    r"h[1-6]|section|article|nav|header|footer|main|aside|form|input|button|b|i|em|strong|iframe|noscript)"
)
# A text field that is markup starts with a tag (after white space and comments)... A comment
# cannot run past its "-->" and the comments are matched possessively: text of many comments and
# no tag must not backtrack through every way of grouping them (exponential).
_LEADING_TAG = re.compile(
    r"[\s\ufeff]*+(?:<!--(?:(?!-->).)*+-->\s*+)*+<(?:!doctype\s+html|\?xml|" + _ELEMENTS + r"[\s/>])",
    re.I | re.S,
)
# ...or holds a page's frame amid tags (stray HTTP headers or junk before the page).
_PAGE_FRAME = re.compile(r"<(?:!doctype\s+html|html|head|body)[\s>]", re.I)
_HTML_TAG = re.compile(r"</?" + _ELEMENTS + r"\b[^<>]{0,400}>", re.I)
_SNIFF_CHARS = 4096
# Image captions: resiliparse keeps them inside articles; they are rarely part of the body text.
_SKIP = ['[class*="caption"]']


@dataclass
class Extracted:
    """What an engine found in a page."""

    text: str  # one block per line, each stripped, no blank lines
    title: str | None = None
    date: str | None = None


@register("extract")
class Extract(Filter):
    """Extract the main text of HTML pages (from ``raw`` bytes, else ``text``), one block per line.

    The charset comes from the HTTP header, then ``<meta charset>``, then detection; a declared one the
    bytes do not fit is passed over (``meta.charset_rejected``). A payload that is not HTML or plain
    text (PDF, image, binary) is dropped as ``extract:not_html``; a page with no main text as
    ``extract:empty``. Plain-text payloads (WET conversions) pass through, one line per
    block. A ``text`` field (JSONL, Parquet) is parsed only when it is markup by sniffing
    (:func:`looks_like_markup`), whatever ``meta.content_type`` says: text already extracted passes
    through untouched. ``meta`` of a parsed page gains ``title``, ``date`` (where the engine finds
    them), ``charset`` and ``extractor``.
    """

    engine: Annotated[
        Engine,
        Help(
            "resiliparse (fast, the default) or trafilatura (slower, best quality; needs"
            " ``pip install 'gristmill[trafilatura]'``)."
        ),
    ] = "resiliparse"
    comments: Annotated[bool, Help("keep comment sections under an article.")] = False
    tables: Annotated[bool, Help("keep the text of tables.")] = True
    max_bytes: Annotated[
        int,
        Help(
            "pages larger than this (bytes of ``raw``, characters of ``text``) are dropped as"
            " ``extract:too_large`` (they stall parsers).",
            ge=1,
        ),
    ] = 10_000_000
    time_limit: Annotated[
        float,
        Help(
            "seconds one page may take; a page over it raises :class:`ExtractTimeout`"
            " (the run quarantines the document).",
            gt=0,
        ),
    ] = 10.0

    extracts_text: ClassVar[bool] = True
    meta_fields: ClassVar[dict[str, FieldType]] = {
        "charset": "str",
        "charset_source": "str",
        "charset_rejected": "str",
        "extractor": "str",
        "extract_error": "str",
        "title": "str",
        "date": "str",
    }

    def setup(self) -> None:

        self._extract = _engine(self)

    def keep(self, doc: Document) -> Literal[True] | str:
        """Replace ``doc.text`` with the main text of its page; return True, or why it has none."""
        kind = payload_kind(doc)
        if kind == "binary":
            return "not_html"
        data = doc.raw
        if data is None and kind == "plain":
            # Text already extracted (Dolma, CCNet, datatrove records): every line stays as it is.
            return True if doc.text.strip() else "empty"
        if len(data if data is not None else doc.text) > self.max_bytes:
            return "too_large"
        deadline = Deadline(self.time_limit)
        if data is not None:
            # The reader's decoding, where no step has replaced the text since.
            reader = doc.raw_decoded if doc.raw_decoded and doc.raw_decoded[1] is doc.text else None
            decoded = decode_page(data, doc.meta.get("charset"), html=kind == "html", decoded=reader)
            doc.meta["charset"] = decoded.charset
            doc.meta["charset_source"] = decoded.source
            if decoded.rejected:
                doc.meta["charset_rejected"] = decoded.rejected
            page = decoded.text
            tags = data.count(b"<") if _lt_is_one_byte(decoded.charset) else None
        else:
            page, tags = doc.text, None
        if kind == "plain":
            found = Extracted(tidy_blocks(page))
            doc.meta["extractor"] = "plain"
        else:
            try:
                found = self._extract(page, deadline, tags)
            except ExtractTimeout:
                raise
            except Exception as exc:  # a page a parser chokes on is one bad document, not a bad run
                doc.meta["extract_error"] = f"{type(exc).__name__}: {exc}"[:200]
                return "parse_error"
            doc.meta["extractor"] = self.engine
        text = found.text
        doc.raw = doc.raw_decoded = None
        if not text:
            return "empty"
        doc.text = text
        if found.title:
            doc.meta["title"] = found.title
        if found.date:
            doc.meta["date"] = found.date
        return True

    def removed_blocks(self, before: Document, after: Document) -> list[str]:
        """The blocks of the whole page's text that the extraction left out (for ``inspect``)."""
        from resiliparse.extract.html2text import extract_plain_text

        if payload_kind(before) != "html":
            return []
        raw = before.raw
        page = decode_page(raw, before.meta.get("charset")).text if raw is not None else before.text
        kept = set(after.text.splitlines()) if after.text != before.text else set()
        full = tidy_blocks(extract_plain_text(page, preserve_formatting=True, main_content=False))
        return [line for line in full.splitlines() if line not in kept]


def payload_kind(doc: Document) -> Literal["html", "plain", "binary"]:
    """Say whether a document's payload is an HTML page, plain text, or something else.

    A ``raw`` payload (an HTTP body, an ``.html`` file) is judged by its content type and first
    bytes. A ``text`` field is text already: it is HTML only when it is markup by sniffing, since
    ``meta.content_type`` there says what the page was before someone extracted it (Dolma, CCNet).
    """
    if doc.raw is None:
        return "html" if looks_like_markup(doc.text) else "plain"
    content_type = str(doc.meta.get("content_type") or "").split(";", 1)[0].strip().lower()
    head = doc.raw[:1024]
    if head.lstrip().startswith(_BINARY_MAGIC):
        return "binary"
    if content_type.startswith(_HTML_TYPES):
        return "html"
    if content_type.startswith(_PLAIN_TYPES):
        return "html" if _LOOKS_HTML.search(head) else "plain"
    if content_type:
        return "binary"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    return "html"


def looks_like_markup(text: str) -> bool:
    """Say whether a text field holds HTML: it starts with a tag, or frames a page amid dense tags.

    Text quoting some HTML (a "grab my button" snippet, a tutorial) is not markup: it neither starts
    with a tag nor holds a page's ``<html>``/``<body>`` frame with tags making up half its characters.
    """
    if _LEADING_TAG.match(text):
        return True
    window = text[:_SNIFF_CHARS]
    if "<" not in window or not _PAGE_FRAME.search(window):
        return False
    tags = _HTML_TAG.findall(window)
    solid = len(window) - sum(map(str.isspace, window))
    return len(tags) >= 10 and sum(map(len, tags)) >= 0.5 * solid


_NOSCRIPT = re.compile(r"</?noscript\b[^<>]*>", re.I)  # [^<>]: linear on "<noscript" without ">"


def open_noscript(page: str) -> str:
    """Drop the ``<noscript>`` tags of a page that leaves one open, so what follows it stays text.

    Extractors skip ``<noscript>`` (what shows without scripts: "enable JavaScript", pixels); an
    unclosed one would take the rest of the page, article included, with it.
    """
    opened = page.count("<noscript") + page.count("<NOSCRIPT")
    if not opened or opened <= page.count("</noscript") + page.count("</NOSCRIPT"):
        return page
    return _NOSCRIPT.sub("", page)


class ExtractTimeout(TimeoutError):
    """A page took longer than the step's ``time_limit``; the run quarantines its document."""


class Deadline:
    """The moment by which one page must be done, checked between the engine's passes.

    resiliparse spends its time in native code, where a timer signal's handler only runs once the
    call returns: so the passes themselves are kept bounded (see ``_TOO_DEEP``) and the clock is
    read between them.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.start = time.monotonic()

    def check(self, what: str) -> None:
        """Raise :class:`ExtractTimeout` when the page is over its time."""
        spent = time.monotonic() - self.start
        if spent > self.seconds:
            raise ExtractTimeout(f"extract: {what} took {spent:.3g} s, over time_limit {self.seconds:g} s")


def tidy_blocks(text: str) -> str:
    """One block (paragraph, heading, list item) per line: lines stripped, blank lines dropped."""
    return "\n".join(block_lines(text))


def _engine(step: Extract) -> ResiliparseEngine | TrafilaturaEngine:
    if step.engine == "trafilatura":
        return TrafilaturaEngine(comments=step.comments, tables=step.tables)
    return ResiliparseEngine(comments=step.comments, tables=step.tables)


@dataclass
class ResiliparseEngine:
    """resiliparse's main-content heuristics over its fast DOM (lexbor), then a trim of what they leave."""

    comments: bool = False
    tables: bool = True

    def __post_init__(self) -> None:
        from resiliparse.extract.html2text import extract_plain_text
        from resiliparse.parse.html import HTMLTree

        self._parse = HTMLTree.parse
        self._extract = extract_plain_text
        common = {
            "comments": self.comments,
            "alt_texts": False,
            "post_meta": False,
            "list_bullets": False,
            "skip_elements": _SKIP if self.tables else [*_SKIP, "table"],
        }
        # The main pass: plain text, one block per line.
        self._plain: dict[str, Any] = {"preserve_formatting": True, "links": False, **common}
        # The fallback pass over the whole page: minimal HTML with link markup, the only way to learn
        # which words were link text (menus are on the page again).
        self._markup: dict[str, Any] = {"preserve_formatting": "minimal_html", "links": True, **common}

    def __call__(self, page: str, deadline: Deadline | None = None, tags: int | None = None) -> Extracted:
        """The main text of ``page``; ``tags``: at least the ``<`` it holds, where counted in its bytes."""
        tree = self._parse(page)
        cut_tail = not self.comments
        text = ""
        # resiliparse's main-content pass costs nodes times depth: a page nested deeper than real
        # pages ever are goes straight to the (linear) whole-page pass below. A count of its bytes
        # over the bound may be of other characters' bytes (ISO-2022-JP writes kanji with 0x3C):
        # the page's own count decides then.
        if tags is None or tags > _DEPTH_CHECK_TAGS:
            tags = page.count("<")
        if tags <= _DEPTH_CHECK_TAGS or not _too_deep(tree):
            lines = block_lines(self._extract(tree, main_content=True, **self._plain))
            text = trim_lines(lines, cut_tail=cut_tail)
        if len(text) < _FALLBACK_CHARS:
            if deadline:
                deadline.check("the main-content pass")
            reopened = open_noscript(page)
            if reopened is not page:  # looked for only here: it costs a scan of every page
                return self(reopened, deadline)
            # The heuristics sometimes drop a whole article (a wrapper whose class name says
            # "share" or "sidebar"): then the densest run of prose on the whole page stands in.
            lines = densest_run(prose_lines(self._extract(tree, main_content=False, **self._markup)))
            found = trim_lines(lines, cut_tail=cut_tail)
            if len(found) > len(text):
                text = found
        if deadline:
            deadline.check("the page")
        return Extracted(text, (tree.title or "").strip() or None, meta_date(tree))


# Pages with up to this many tags are cheap at any depth (4,000 nested tags: under a second); over
# it, a page is checked for ``_MAX_DEPTH`` levels of elements (real pages stay under 64).
_DEPTH_CHECK_TAGS = 4000
_MAX_DEPTH = 128
_TOO_DEEP = ":root" + " > *" * _MAX_DEPTH


@functools.cache
def _lt_is_one_byte(charset: str) -> bool:
    """Whether ``charset`` writes ``<`` as the byte ``<``: then a page's bytes hold at least its ``<``.

    Counted in the bytes, a page's tags cost a third less than in its text (which is two or four bytes
    a character on most pages). Multi-byte charsets that write ASCII as ASCII never put that byte inside
    another character (UTF-8, Shift_JIS, GBK, Big5, EUC) or put it there more often (ISO-2022): the
    count is never short, and a count over the bound is taken again in the text. UTF-16, EBCDIC and
    UTF-7 (which may write ``<`` as ``+ADw-``) pages are counted in their text.
    """
    try:
        return codecs.lookup(charset).name != "utf-7" and "<".encode(charset) == b"<"
    except (LookupError, UnicodeError):
        return False


def _too_deep(tree: Any) -> bool:
    """Say whether a parsed page has elements ``_MAX_DEPTH`` levels down (lexbor's selector, in C)."""
    return tree.document is not None and tree.document.query_selector(_TOO_DEEP) is not None


# Under this many characters of main text, the densest run of prose on the page is tried instead.
_FALLBACK_CHARS = 200
# A block more than this share of which is link text is navigation or a teaser, not prose.
_LINK_SHARE = 0.5
# A block of this many words or more is prose. (Text without spaces between words, such as Chinese
# or Japanese, never is: there, only sentence punctuation keeps a line at the edges.)
_PROSE_WORDS = 10
# Prose blocks separated by this many shorter blocks or more belong to different runs.
_RUN_GAP = 3
# An opening or closing link tag (one pass marks both).
_LINK = re.compile(r"<a\b[^>]*>|</a>")
_TAG = re.compile(r"<[^>]*>")
# A short line that opens the "more to read" part of a page: the article ended above it.
_TAIL_MARKER = re.compile(
    r"(?i)^(related|read more|more from|more on|more stories|recommended|see also|you may also like|"
    r"you might also like|also read|trending|popular|latest|newsletter|share this|mehr zum thema|"
    r"das könnte (sie|dich) auch interessieren|ähnliche (beiträge|artikel)|"
    r"weitere (artikel|beiträge|informationen|themen)|lesen sie auch|auch interessant|neueste artikel|"
    r"über den autor|about the author|czytaj (też|także)|zobacz (też|także)|más sobre|te puede interesar|"
    r"lee también|noticias relacionadas|à lire aussi|lire aussi|sur le même sujet|leia também|veja também|"
    r"artigos relacionados|kommentare|comments|leave a (reply|comment))\b"
)
# A tail marker ends the article only below this share of its prose (characters).
_TAIL_AFTER = 0.5
# What a sentence ends with (a tuple, for one ``str.endswith`` call).
_SENTENCE_END = tuple('.!?:;"”»)…。！？')


def block_lines(text: str) -> list[str]:
    """The blocks of a text, one per line: stripped, blank lines dropped."""
    return list(filter(None, map(str.strip, text.splitlines())))


def prose_lines(markup: str) -> list[str]:
    """Blocks of resiliparse's ``minimal_html`` output (with ``links``) as plain text, one per line.

    Blocks more than half of which is link text (menus, tag lists, "more stories" teasers) are left
    out. Links are marked with control characters before the tags are stripped, so that their share
    is counted on the plain text. A link that runs on to a later line counts as link text only on the
    line where it starts.
    """
    if "\x01" in markup or "\x02" in markup:
        markup = markup.replace("\x01", "").replace("\x02", "")
    links = "<a" in markup
    if links:
        markup = _LINK.sub(_link_mark, markup)
    markup = _TAG.sub("", markup)
    if "&" in markup:
        markup = html.unescape(markup)
    lines = block_lines(markup)
    if not links:
        return lines
    kept = []
    for line in lines:
        if "\x01" in line:
            parts = line.split("\x01")
            linked = 0
            for part in parts[1:]:
                end = part.find("\x02")
                linked += end if end >= 0 else len(part)
            line = "".join(parts).replace("\x02", "").strip()
            if line and linked <= _LINK_SHARE * len(line):
                kept.append(line)
        elif "\x02" in line:  # the end of a link that began on a line above
            line = line.replace("\x02", "").strip()
            if line:
                kept.append(line)
        else:
            kept.append(line)
    return kept


def _link_mark(match: re.Match[str]) -> str:
    return "\x02" if match.group().startswith("</") else "\x01"


def _prose(line: str) -> bool:
    return line.count(" ") >= _PROSE_WORDS - 1  # resiliparse leaves single spaces


def _prose_chars(lines: list[str]) -> int:
    return sum(len(line) for line in lines if _prose(line))


def _furniture(line: str) -> bool:
    """A short line without sentence punctuation: a menu item, byline, tag, date."""
    return not _prose(line) and not line.endswith(_SENTENCE_END)


def trim_lines(lines: list[str], *, cut_tail: bool = True) -> str:
    """Cut what main-content heuristics leave at a page's edges; return one block per line.

    With ``cut_tail`` (no comment sections wanted): everything after the last block of prose, and
    the "related / read more" tail: from a short line matching common markers, where at least half
    of the prose (by characters) stands above it. A menu that lists "Newsletter" or "Related" above
    the article has no prose above it; a teaser line inside an article has much below it.
    Then short lines without sentence punctuation (menus, bylines, tag lists) before the first and
    after the last sentence.
    """
    end = len(lines)
    if cut_tail:
        while end and not _prose(lines[end - 1]):
            end -= 1
        if not end:
            end = len(lines)
        for i in range(end):
            line = lines[i]
            marker = len(line) < 60 and line.count(" ") < 7 and _TAIL_MARKER.match(line)
            if marker and _prose_chars(lines[:i]) >= _TAIL_AFTER * _prose_chars(lines[:end]):
                end = i
                break
    start = 0
    while start < end and _furniture(lines[start]):
        start += 1
    while end > start and _furniture(lines[end - 1]):
        end -= 1
    return "\n".join(lines[start:end])


def densest_run(lines: list[str]) -> list[str]:
    """The run of prose blocks that holds the most text: the article, where heuristics lost it.

    A run's prose blocks have fewer than ``_RUN_GAP`` short blocks between any two of them.
    """
    best = (0, 0, 0)  # size, start, end
    start = size = gap = 0
    for i, line in enumerate(lines):
        if not _prose(line):
            gap += 1
            continue
        if gap >= _RUN_GAP or not size:
            start, size = i, 0
        size += len(line)
        gap = 0
        if size > best[0]:
            best = (size, start, i + 1)
    return lines[best[1] : best[2]]


# <meta> tags that can carry a publication date (attribute, value), in the order they are trusted.
_META_DATE = (
    ("property", "article:published_time"),
    ("name", "date"),
    ("itemprop", "datePublished"),
    ("name", "dc.date"),
    ("name", "DC.date.issued"),
)


def meta_date(tree: Any) -> str | None:
    """The publication date a ``<meta>`` tag in the page's head gives, if any.

    lexbor's own attribute lookup, one per tag kind, is cheaper than a CSS selector (which is
    compiled on every call).
    """
    head = tree.head
    if head is None:
        return None
    for name, value in _META_DATE:
        for node in head.get_elements_by_attr(name, value):
            if node.tag == "meta" and (content := str(node.getattr("content") or "").strip()):
                return content
    return None


@dataclass
class TrafilaturaEngine:
    """trafilatura's extraction (its own heuristics with readability and jusText fallbacks)."""

    comments: bool = False
    tables: bool = True

    def __post_init__(self) -> None:
        # Found, not imported: its import (~0.25 CPU-s) is paid by the first page, so a run's step
        # timings charge it to extraction, as datatrove's do, and building the step stays cheap.
        if importlib.util.find_spec("trafilatura") is None:
            raise ConfigError(
                "step 'extract', option 'engine': trafilatura is not installed; "
                "run: pip install 'gristmill[trafilatura]'"
            )

    def __call__(self, page: str, deadline: Deadline | None = None, tags: int | None = None) -> Extracted:
        """The main text of ``page`` (``tags``, as the resiliparse engine takes it, is not needed here)."""
        import trafilatura
        from resiliparse.parse.html import HTMLTree

        # trafilatura's own metadata pass (htmldate) doubles its time; title and date come from
        # the page's head instead.
        text = trafilatura.extract(page, include_comments=self.comments, include_tables=self.tables)
        if deadline:
            deadline.check("the page")
        tree = HTMLTree.parse(page)
        return Extracted(tidy_blocks(text or ""), (tree.title or "").strip() or None, meta_date(tree))
