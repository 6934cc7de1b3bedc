"""HTML to main text: site furniture (menus, footers, banners, comments) removed, paragraphs kept."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from gristmill.document import Document
from gristmill.errors import ConfigError
from gristmill.steps.base import Filter
from gristmill.steps.registry import register
from gristmill.text.charset import decode_page

if TYPE_CHECKING:
    pass

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
# Image captions: resiliparse keeps them inside articles; they are rarely part of the body text.
_SKIP = ['[class*="caption"]']
_META_DATE = (
    'meta[property="article:published_time"]',
    'meta[name="date"]',
    'meta[itemprop="datePublished"]',
    'meta[name="dc.date"]',
    'meta[name="DC.date.issued"]',
)


@dataclass
class Extracted:
    """What an engine found in a page."""

    text: str
    title: str | None = None
    date: str | None = None


@register("extract")
class Extract(Filter):
    """Extract the main text of HTML pages (from ``raw`` bytes, else ``text``), one block per line.

    The charset comes from the HTTP header, then ``<meta charset>``, then detection. A payload that
    is not HTML or plain text (PDF, image, binary) is dropped as ``extract:not_html``; a page with no
    main text as ``extract:empty``. Plain-text records (WET conversions) pass through, one line per block.
    ``meta`` gains ``title``, ``date`` (where the engine finds them), ``charset`` and ``extractor``.

    Options:
        engine: resiliparse (fast, the default) or trafilatura (slower, best quality; needs
            ``pip install 'gristmill[trafilatura]'``).
        comments: keep comment sections under an article.
        tables: keep the text of tables.
        max_bytes: pages larger than this are dropped as ``extract:too_large`` (they stall parsers).
    """

    def __init__(
        self,
        *,
        engine: Engine = "resiliparse",
        comments: bool = False,
        tables: bool = True,
        max_bytes: int = 10_000_000,
    ) -> None:
        if max_bytes < 1:
            raise self.fail("max_bytes", f"must be positive, got {max_bytes}")
        self.engine = engine
        self.comments = comments
        self.tables = tables
        self.max_bytes = max_bytes
        self._extract = _engine(self)

    def keep(self, doc: Document) -> Literal[True] | str:
        """Replace ``doc.text`` with the main text of its page; return True, or why it has none."""
        kind = payload_kind(doc)
        if kind == "binary":
            return "not_html"
        data = doc.raw
        if data is not None and len(data) > self.max_bytes:
            return "too_large"
        if data is not None:
            decoded = decode_page(data, doc.meta.get("charset"), html=kind == "html")
            doc.meta["charset"] = decoded.charset
            doc.meta["charset_source"] = decoded.source
            page = decoded.text
        else:
            page = doc.text
        if kind == "plain":
            found = Extracted(page)
            doc.meta["extractor"] = "plain"
        else:
            try:
                found = self._extract(page)
            except Exception as exc:  # a page a parser chokes on is one bad document, not a bad run
                doc.meta["extract_error"] = f"{type(exc).__name__}: {exc}"[:200]
                return "parse_error"
            doc.meta["extractor"] = self.engine
        text = tidy_blocks(found.text)
        doc.raw = None
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
    """Say whether a document's payload is an HTML page, plain text, or something else."""
    content_type = str(doc.meta.get("content_type") or "").split(";", 1)[0].strip().lower()
    head = doc.raw[:1024] if doc.raw is not None else doc.text[:1024].encode("utf-8", "replace")
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
    if doc.raw is None and not _LOOKS_HTML.search(head):
        return "plain"  # a text record (JSONL, .txt) in a pipeline that also reads pages
    return "html"


def tidy_blocks(text: str) -> str:
    """One block (paragraph, heading, list item) per line: lines stripped, blank lines dropped."""
    return "\n".join(line for line in (part.strip() for part in text.splitlines()) if line)


def _engine(step: Extract) -> ResiliparseEngine | TrafilaturaEngine:
    if step.engine == "trafilatura":
        return TrafilaturaEngine(comments=step.comments, tables=step.tables)
    return ResiliparseEngine(comments=step.comments, tables=step.tables)


@dataclass
class ResiliparseEngine:
    """resiliparse's main-content heuristics over its fast DOM (lexbor)."""

    comments: bool = False
    tables: bool = True

    def __call__(self, page: str) -> Extracted:
        from resiliparse.extract.html2text import extract_plain_text
        from resiliparse.parse.html import HTMLTree

        tree = HTMLTree.parse(page)
        text = extract_plain_text(
            tree,
            preserve_formatting=True,
            main_content=True,
            comments=self.comments,
            alt_texts=False,
            post_meta=False,
            list_bullets=False,
            skip_elements=_SKIP if self.tables else [*_SKIP, "table"],
        )
        return Extracted(trim_furniture(text, cut_tail=not self.comments), *_title_and_date(tree))


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
_SENTENCE_END = re.compile(r"[.!?:;\"”»)…。！？]$")
_EDGE_WORDS = 10


def trim_furniture(text: str, *, cut_tail: bool = True) -> str:
    """Cut what main-content heuristics leave at a page's edges.

    That is the "related" tail, and short lines without sentence punctuation (menus, bylines, tag
    lists) before the first and after the last sentence. ``cut_tail=False`` keeps the tail (where
    comment sections are, when they are asked for).
    """
    lines = [line for line in (part.strip() for part in text.splitlines()) if line]
    for i, line in enumerate(lines if cut_tail else []):
        if i > len(lines) * 0.4 and len(line.split()) <= 7 and _TAIL_MARKER.search(line):
            lines = lines[:i]
            break

    def furniture(line: str) -> bool:
        return len(line.split()) < _EDGE_WORDS and not _SENTENCE_END.search(line)

    start, end = 0, len(lines)
    while start < end and furniture(lines[start]):
        start += 1
    while end > start and furniture(lines[end - 1]):
        end -= 1
    return "\n".join(lines[start:end])


def _title_and_date(tree: Any) -> tuple[str | None, str | None]:
    return (tree.title or "").strip() or None, _meta_date(tree)


def _meta_date(tree: Any) -> str | None:
    head = tree.head
    if head is None:
        return None
    for selector in _META_DATE:
        node = head.query_selector(selector)
        if node is not None and node.getattr("content"):
            return str(node.getattr("content")).strip()
    return None


@dataclass
class TrafilaturaEngine:
    """trafilatura's extraction (its own heuristics with readability and jusText fallbacks)."""

    comments: bool = False
    tables: bool = True

    def __post_init__(self) -> None:
        try:
            import trafilatura  # noqa: F401
        except ImportError as exc:
            raise ConfigError(
                "step 'extract', option 'engine': trafilatura is not installed; "
                f"run: pip install 'gristmill[trafilatura]' ({exc})"
            ) from exc

    def __call__(self, page: str) -> Extracted:
        import trafilatura
        from resiliparse.parse.html import HTMLTree

        # trafilatura's own metadata pass (htmldate) doubles its time; title and date come from
        # the page's head instead.
        text = trafilatura.extract(page, include_comments=self.comments, include_tables=self.tables)
        return Extracted(text or "", *_title_and_date(HTMLTree.parse(page)))
