"""Stitched pages made by recipes that :mod:`saladgen.factors` never builds: nothing was fitted on them.

Each recipe gives stitched pages and genuine pages of the same shape (same layout, same edits, one
source), from **report-half documents only**, so AUROC and false positives compare like with like:

- ``edited``: runs of 1-3 sentences, every sentence lightly edited after copying (two words swapped,
  numbers changed); the genuine side gets the same edits.
- ``headings``: sources interleaved paragraph by paragraph, a heading or a list item between them.
- ``qa``: a forum question and 3-5 answers, each answer a run of a different source (one source for
  the genuine thread).
- ``insert``: one genuine article with 1-2 foreign paragraphs inserted (the spam "insert" case).
- ``list``: sources as a list of short items, one sentence an item.
- ``long``: 80-100 sentences, runs of 3-8, the sources' own paragraph breaks.
- ``markdown``: a markdown page (title, ``##`` sections, a bullet list, bold words).
- ``html``: blocks of news pages extracted from their HTML by gristmill's ``extract`` step, runs of
  1-3 blocks from 2-3 pages (a window of one page's blocks for the genuine side).
"""

from __future__ import annotations

import gzip
import itertools
import json
import random
import re
from collections.abc import Callable
from pathlib import Path

from gristmill.document import Document
from gristmill.steps.extract import Extract
from gristmill.text import split_sentences
from saladgen import Page, PageWriter, Source, half, load_news, load_web, load_wikitext

SCRAPINGHUB = Path("html_extraction/scrapinghub_article_extraction_benchmark")
HEADINGS = ["Background", "Overview", "What happened next", "Key facts", "Why it matters", "Details"]
LIST_ITEMS = ["See also: related stories", "Photo: staff photographer", "Updated 3 hours ago", "Share"]


class Pool:
    """Report-half (or tune-half) documents of WikiText, news gold bodies and dolma web text."""

    def __init__(self, data: Path, which: str = "report") -> None:
        web, _ = load_web(data)
        docs = load_wikitext(data) + load_news(data) + web
        self.docs = [d for d in docs if half(d.key) == which and len(d.paragraphs) >= 2]
        self.data = data
        self.which = which
        self._extracted: list[list[str]] | None = None

    def doc(self, rng: random.Random, sentences: int = 8, paragraphs: int = 2) -> Source:
        """A random document with at least ``sentences`` sentences and ``paragraphs`` paragraphs."""
        fits = [d for d in self.docs if len(d.sentences) >= sentences and len(d.paragraphs) >= paragraphs]
        return rng.choice(fits)

    def docs_apart(self, rng: random.Random, k: int, sentences: int = 8, paragraphs: int = 2) -> list[Source]:
        """``k`` different documents."""
        out: list[Source] = []
        while len(out) < k:
            d = self.doc(rng, sentences, paragraphs)
            if d not in out:
                out.append(d)
        return out

    def extracted(self) -> list[list[str]]:
        """Blocks of this half's scrapinghub news pages, as gristmill's ``extract`` step gives them."""
        if self._extracted is None:
            step = Extract()
            step.setup()
            gt = json.loads((self.data / SCRAPINGHUB / "ground-truth.json").read_text(encoding="utf-8"))
            self._extracted = []
            for key in sorted(gt):
                if half(f"news:{key}") != self.which:
                    continue
                raw = gzip.decompress((self.data / SCRAPINGHUB / "html" / f"{key}.html.gz").read_bytes())
                doc = Document(id=key, text="", meta={"content_type": "text/html"}, raw=raw)
                if step.keep(doc) is True:
                    blocks = [b for b in doc.text.split("\n") if b.strip()]
                    if len(blocks) >= 12:
                        self._extracted.append(blocks)
        return self._extracted


def _runs(
    docs: list[Source], total: int, lo: int, hi: int, rng: random.Random
) -> list[tuple[int, list[str]]]:
    """Runs of ``lo``-``hi`` consecutive sentences, sources taking turns, each read on from a random place."""
    need = total // len(docs) + hi + 1
    cursors = {}
    for i, d in enumerate(docs):
        start = rng.randint(0, max(0, len(d.sentences) - need))
        cursors[i] = iter(d.sentences[start:] + d.sentences[:start])
    out: list[tuple[int, list[str]]] = []
    got, last = 0, -1
    read_out: set[int] = set()  # sources with no sentence left (a short page picked often)
    while got < total:
        choices = [i for i in range(len(docs)) if i not in read_out and (i != last or len(docs) == 1)]
        if not choices:  # every other source is read out: the last one goes on, or the page ends
            choices = [i for i in range(len(docs)) if i not in read_out]
        if not choices:
            break
        src = rng.choice(choices)
        size = min(rng.randint(lo, hi), total - got)
        run = list(itertools.islice(cursors[src], size))
        if len(run) < size:
            read_out.add(src)
        if run:
            out.append((src, run))
            got += len(run)
            last = src
    return out


def _excerpt(doc: Source, total: int, rng: random.Random) -> list[list[str]]:
    """``total`` consecutive sentences of ``doc`` from a paragraph start, in its own paragraphs."""
    starts = [sum(len(p) for p in doc.paragraphs[:i]) for i in range(len(doc.paragraphs))]
    flat = [(p, s) for p, para in enumerate(doc.paragraphs) for s in para]
    start = rng.choice([s for s in starts if s <= len(flat) - total] or [0])
    out: list[list[str]] = []
    last = None
    for p, s in flat[start : start + total]:
        if p != last:
            out.append([])
            last = p
        out[-1].append(s)
    return out


_WORD = re.compile(r"\b[a-z]{3,}\b")


def edit(sentence: str, rng: random.Random) -> str:
    """A light copy-edit: two neighbouring lowercase words swapped, every number changed."""
    words = list(_WORD.finditer(sentence))
    if len(words) >= 3:
        j = rng.randrange(len(words) - 1)
        a, b = words[j], words[j + 1]
        sentence = (
            sentence[: a.start()]
            + b.group()
            + sentence[a.end() : b.start()]
            + a.group()
            + sentence[b.end() :]
        )
    return re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randint(1, 9)), sentence)


def edited(pool: Pool, stitched: bool, rng: random.Random) -> Page:
    """Runs of 1-3 sentences from 3 pages, every sentence copy-edited (genuine: one page, same edits)."""
    w = PageWriter()
    if stitched:
        docs = pool.docs_apart(rng, 3)
        for src, run in _runs(docs, 20, 1, 3, rng):
            for s in run:
                w.add(edit(s, rng), src)
        return w.page("stitched", 3)
    for para in _excerpt(pool.doc(rng, 20), 20, rng):
        for s in para:
            w.add(edit(s, rng), 0)
    return w.page("genuine", 1)


def headings(pool: Pool, stitched: bool, rng: random.Random) -> Page:
    """Paragraphs of 3 pages taking turns, a heading or list item between paragraphs."""
    w = PageWriter()
    if stitched:
        docs = pool.docs_apart(rng, 3, 12)
        paras = [(src, run) for src, run in _runs(docs, 24, 2, 4, rng)]
    else:
        paras = [(0, p) for p in _excerpt(pool.doc(rng, 24, 4), 24, rng)]
    for j, (src, run) in enumerate(paras):
        if j:
            between = rng.choice(HEADINGS) if rng.random() < 0.5 else "- " + rng.choice(LIST_ITEMS)
            w.add(between, -1, "\n\n")
        for i, s in enumerate(run):
            w.add(s, src, "\n\n" if i == 0 and w.text else " ")
    return w.page("stitched" if stitched else "genuine", 3 if stitched else 1)


def qa(pool: Pool, stitched: bool, rng: random.Random) -> Page:
    """A question and 3-5 answers, each a run of a different page (genuine: runs of one page)."""
    w = PageWriter()
    answers = rng.randint(3, 5)
    if stitched:
        docs = pool.docs_apart(rng, answers, 6)
        runs = [
            (i, d.sentences[(st := rng.randint(0, len(d.sentences) - 4)) : st + rng.randint(2, 4)])
            for i, d in enumerate(docs)
        ]
    else:
        doc = pool.doc(rng, 4 * answers + 2)
        cut = rng.randint(0, len(doc.sentences) - 4 * answers)
        runs = []
        for _ in range(answers):
            size = rng.randint(2, 4)
            runs.append((0, doc.sentences[cut : cut + size]))
            cut += size
    topic = runs[0][1][0].split()[:6]
    w.add(f"Question: can anyone explain {' '.join(topic).rstrip('.,;:')}?", -1)
    for n, (src, run) in enumerate(runs, 1):
        w.add(f"Answer {n} (user{rng.randint(10, 999)}, {rng.randint(1, 28)} days ago)", -1, "\n\n")
        for i, s in enumerate(run):
            w.add(s, src, "\n" if i == 0 else " ")
    return w.page("stitched" if stitched else "genuine", answers if stitched else 1)


def insert(pool: Pool, stitched: bool, rng: random.Random) -> Page:
    """One article with 1-2 foreign paragraphs inserted between its own (genuine: the article alone)."""
    w = PageWriter()
    article = _excerpt(pool.doc(rng, 24, 5), 24, rng)
    foreign: list[list[str]] = []
    if stitched:
        for other in pool.docs_apart(rng, rng.randint(1, 2), 6):
            st = rng.randint(0, len(other.sentences) - 3)
            foreign.append(other.sentences[st : st + rng.randint(2, 3)])
        # Keep the page as long as the genuine one: trim the article by the inserted sentences.
        drop = sum(len(f) for f in foreign)
        while drop > 0 and len(article) > 1:
            cut = min(drop, len(article[-1]))
            article[-1] = article[-1][: len(article[-1]) - cut]
            drop -= cut
            if not article[-1]:
                article.pop()
    paras: list[tuple[int, list[str]]] = [(0, p) for p in article]
    for j, f in enumerate(foreign, 1):
        paras.insert(rng.randint(1, len(paras)), (j, f))
    for src, run in paras:
        for i, s in enumerate(run):
            w.add(s, src, "\n\n" if i == 0 else " ")
    return w.page("stitched" if stitched else "genuine", 1 + len(foreign))


def as_list(pool: Pool, stitched: bool, rng: random.Random) -> Page:
    """12-16 one-sentence list items, runs of 1-3 from 3 pages (genuine: one page's sentences)."""
    w = PageWriter()
    n = rng.randint(12, 16)
    if stitched:
        runs = _runs(pool.docs_apart(rng, 3), n, 1, 3, rng)
    else:
        runs = [(0, [s for p in _excerpt(pool.doc(rng, n), n, rng) for s in p])]
    w.add("Things to know", -1)
    for src, run in runs:
        for s in run:
            w.add("- " + s, src, "\n")
    return w.page("stitched" if stitched else "genuine", 3 if stitched else 1)


def long(pool: Pool, stitched: bool, rng: random.Random) -> Page:
    """80-100 sentences, runs of 3-8 from 3-4 pages, a paragraph per run (genuine: one page's excerpt)."""
    w = PageWriter()
    n = rng.randint(80, 100)
    if stitched:
        k = rng.randint(3, 4)
        docs = pool.docs_apart(rng, k, n // k + 10)
        paras = _runs(docs, n, 3, 8, rng)
    else:
        paras = [(0, p) for p in _excerpt(pool.doc(rng, n), n, rng)]
        k = 1
    for src, run in paras:
        for i, s in enumerate(run):
            w.add(s, src, "\n\n" if i == 0 else " ")
    return w.page("stitched" if stitched else "genuine", k)


def markdown(pool: Pool, stitched: bool, rng: random.Random) -> Page:
    """A markdown page of title, headings, bullets and bold words around paragraphs of 3 pages."""
    w = PageWriter()
    if stitched:
        docs = pool.docs_apart(rng, 3, 10)
        paras = _runs(docs, 20, 2, 4, rng)
        title = docs[0].title
    else:
        doc = pool.doc(rng, 20, 4)
        paras = [(0, p) for p in _excerpt(doc, 20, rng)]
        title = doc.title
    w.add(f"# {title[:60]}", -1)
    for j, (src, run) in enumerate(paras):
        if j and rng.random() < 0.4:
            w.add(f"## {rng.choice(HEADINGS)}", -1, "\n\n")
        if rng.random() < 0.25:
            for s in run:
                w.add("* " + s, src, "\n")
            continue
        for i, s in enumerate(run):
            if i == 0:
                s = re.sub(r"\b([A-Z][a-z]{3,})\b", r"**\1**", s, count=1)
            w.add(s, src, "\n\n" if i == 0 else " ")
    return w.page("stitched" if stitched else "genuine", 3 if stitched else 1)


def html(pool: Pool, stitched: bool, rng: random.Random) -> Page:
    """16 extracted blocks in runs of 1-3 from 2-3 news pages (genuine: a window of one page's blocks)."""
    w = PageWriter()
    pages = pool.extracted()
    n = 16
    if stitched:
        k = rng.randint(2, 3)
        chosen = rng.sample(pages, k)
        cursors = [iter(b[(st := rng.randint(0, max(0, len(b) - n))) :] + b[:st]) for b in chosen]
        got, last = 0, -1
        while got < n:
            src = rng.choice([i for i in range(k) if i != last])
            size = min(rng.randint(1, 3), n - got)
            for _ in range(size):
                w.add(next(cursors[src]), src, "\n")
            got += size
            last = src
        return w.page("stitched", k)
    blocks = rng.choice(pages)
    st = rng.randint(0, len(blocks) - n) if len(blocks) > n else 0
    for b in blocks[st : st + n]:
        w.add(b, 0, "\n")
    return w.page("genuine", 1)


TRAFILATURA = Path("html_extraction/trafilatura_eval")
_ENGLISH = frozenset("the of and to a in is that for it with as was on be by this are at from".split())


def real_pages(data: Path, which: str = "report") -> list[tuple[str, str]]:
    """Whole real pages no tune-half page was built from: (kind, text).

    Every dolma document but the tune half's sources (the ones ``load_web`` drops were never
    sources), the provided dolma documents, and the English pages of the trafilatura set extracted
    by gristmill's ``extract`` step (no salad page is built from that set).
    """
    tune_keys = {s.key for s in load_web(data)[0] if half(s.key) != which}
    out: list[tuple[str, str]] = []
    dolma = data / "web_text/dolma"
    with gzip.open(
        dolma / "CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz", "rt", encoding="utf-8"
    ) as fh:
        for line in fh:
            doc = json.loads(line)
            if f"web:{doc['id']}" not in tune_keys:
                out.append(("dolma-web", doc["text"]))
    with gzip.open(dolma / "provided-documents-000.jsonl.gz", "rt", encoding="utf-8") as fh:
        out += [("dolma-provided", json.loads(line)["text"]) for line in fh]
    step = Extract()
    step.setup()
    evaldata = json.loads((data / TRAFILATURA / "evaldata.json").read_text(encoding="utf-8"))
    for item in evaldata.values():
        path = data / TRAFILATURA / "html" / f"{item['file']}.gz"
        if not path.exists():
            continue
        doc = Document(
            id=item["file"],
            text="",
            meta={"content_type": "text/html"},
            raw=gzip.decompress(path.read_bytes()),
        )
        if step.keep(doc) is not True:
            continue
        tokens = re.findall(r"\w+", doc.text.lower())
        if sum(t in _ENGLISH for t in tokens) / max(len(tokens), 1) >= 0.15:
            out.append(("trafilatura-en", doc.text))
    return out


Recipe = Callable[[Pool, bool, random.Random], Page]
RECIPES: dict[str, Recipe] = {
    "edited (words swapped, numbers changed)": edited,
    "paragraphs interleaved, headings/list items between": headings,
    "Q&A thread, answers from different pages": qa,
    "one article + 1-2 foreign paragraphs inserted": insert,
    "list of short items": as_list,
    "long pages (80-100 sentences)": long,
    "markdown layout": markdown,
    "extracted HTML blocks (extract step)": html,
}


def pages(pool: Pool, recipe: Recipe, n: int, seed: int = 0) -> list[Page]:
    """``n`` stitched and ``n`` genuine pages of one recipe."""
    rng = random.Random(f"unseen:{recipe.__name__}:{seed}")
    return [recipe(pool, True, rng) for _ in range(n)] + [recipe(pool, False, rng) for _ in range(n)]


def seed_variants(text: str, rng: random.Random) -> dict[str, str]:
    """The seed page under the unseen recipes' layouts and edits: it must stay flagged."""
    sentences = [s for p in text.split("\n") for s in split_sentences(p) if s.strip()]
    return {
        "as is": text,
        "edited": " ".join(edit(s, rng) for s in sentences),
        "list of items": "\n".join("- " + s for s in sentences),
        "one sentence a line": "\n".join(sentences),
        "markdown": "# Trotsky\n\n"
        + "\n\n".join(
            ("## Background\n\n" if i % 12 == 0 and i else "") + " ".join(sentences[i : i + 4])
            for i in range(0, len(sentences), 4)
        ),
        "first 20 sentences": " ".join(sentences[:20]),
    }
