"""Recipe families beyond :mod:`saladgen.factors` for the fit: each builds both classes in one shape.

Stop 20's unseen recipes showed the fit knew only the factor recipes' shapes. These families give the
fit (tune half only) more shapes, each with a genuine side built the same way from one source:

- ``insert``: one article with 1-2 foreign runs inserted, or two sources alternating A B A (B ...);
  the genuine side is the article alone.
- ``thread``: a question line, then 3-6 posts, each a header line and a run of 2-4 sentences, each
  post from another source; the genuine thread takes every post from one source, in order.
- ``long``: 50-150 sentences, runs of 3-10 from 2-5 sources that come back; one source for genuine.
- ``edited``: factor conditions over a copy-edited corpus (neighbouring words swapped, a common word
  replaced, numbers changed), so both classes carry the same edits.
- ``blocks``: extracted-HTML-like text: a headline, short heading lines, paragraphs of 1-3 sentences
  a line; runs of 1-3 blocks from 2-3 sources.

The code is written apart from :mod:`saladgen.unseen` on purpose: those recipes stay a check that
nobody fitted on, and they read the report half only.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable

from saladgen import Page, PageWriter, Source, factors

HEADER_PATTERN = r"^(Reply #\d+|Posted by |#\d+ |Re: |Comment from )"
NAMES = ["mike_t", "annab", "riverside22", "jkl", "old_salt", "dr.kim", "peteF", "moonbeam", "tsr", "hal9"]
WHEN = ["2 days ago", "yesterday", "3 weeks ago", "on 4 May 2019", "in March", "an hour ago", "last year"]
QUESTIONS = [
    "Does anyone know more about {t}?",
    "Question about {t}",
    "{t}: what do you all think?",
    "Help needed: {t}",
]
SECTION_WORDS = [
    "Summary",
    "In brief",
    "More on this",
    "The story so far",
    "Reaction",
    "Analysis",
    "Timeline",
]
SYNONYMS = {
    "said": "stated",
    "big": "large",
    "also": "too",
    "began": "started",
    "shows": "indicates",
    "many": "numerous",
    "however": "but",
    "about": "around",
    "help": "assist",
    "buy": "purchase",
}


def _page(b: PageWriter, stitched: bool, family: str, sources: int) -> Page:
    """The page ``b`` wrote, of the family's stitched or genuine kind (a genuine page has one source)."""
    kind = f"stitched-{family}" if stitched else f"genuine-{family}"
    return b.page(kind, sources if stitched else 1)


def _docs(corpus: factors.Corpus, rng: random.Random, k: int, sentences: int) -> list[Source]:
    """``k`` different tune documents of any pool with at least ``sentences`` sentences each."""
    fits = [d for pool in corpus.pools.values() for d in pool if len(d.sentences) >= sentences]
    return rng.sample(fits, k)


def _excerpt(doc: Source, m: int, rng: random.Random) -> list[tuple[str, bool]]:
    """``m`` consecutive sentences of ``doc`` from a random place, each with "a paragraph opens here"."""
    flat = [(s, j == 0) for para in doc.paragraphs for j, s in enumerate(para)]
    start = rng.randint(0, len(flat) - m)
    return flat[start : start + m]


def _title(doc: Source) -> str:
    """A heading for ``doc``: its WikiText title, else the opening words of its first sentence."""
    if doc.key.startswith("wiki:"):
        return doc.title[:60]
    return " ".join(doc.sentences[0].split()[:7]).rstrip(".,;:")


def insert(corpus: factors.Corpus, stitched: bool, rng: random.Random) -> Page:
    """An article with foreign runs inserted (1-2 runs, or A B A alternation); genuine: the article alone."""
    m = rng.randint(16, 30)
    article, *others = _docs(corpus, rng, 3, m)
    body = _excerpt(article, m, rng)
    if not stitched:
        b = PageWriter()
        for i, (s, opens) in enumerate(body):
            b.add(s, 0, "\n\n" if opens and i else " ")
        return _page(b, False, "insert", 1)
    plan: list[tuple[int, int]] = []  # (source, sentences) in page order
    if rng.random() < 0.5:  # the spam insert: mostly one article, 1-2 foreign runs of 2-4
        inserts = [rng.randint(2, 4) for _ in range(rng.randint(1, 2))]
        own = m - sum(inserts)
        cuts = sorted(rng.sample(range(2, own - 1), len(inserts)))
        last = 0
        for j, (cut, size) in enumerate(zip(cuts, inserts, strict=True)):
            plan += [(0, cut - last), (1 + j % 2 if rng.random() < 0.5 else 1, size)]
            last = cut
        plan.append((0, own - last))
    else:  # A B A (B A ...): two sources taking turns, runs of 2-6
        total, turn = 0, 0
        while total < m:
            size = min(rng.randint(2, 6), m - total)
            plan.append((turn, size))
            total, turn = total + size, 1 - turn
        if len(plan) < 3:
            plan = [(0, 3), (1, 3), (0, max(2, m - 6))]
    need = {src: sum(n for s, n in plan if s == src) for src, _ in plan}
    docs = {0: article, 1: others[0], 2: others[1]}
    reading = {src: iter(_excerpt(docs[src], n, rng)) for src, n in need.items()}
    own_breaks = rng.random() < 0.5  # foreign runs as paragraphs of their own, or inside the prose
    b = PageWriter()
    for run, (src, size) in enumerate(plan):
        for j in range(size):
            s, opens = next(reading[src])
            sep = "\n\n" if (run and j == 0 and own_breaks) or (opens and src == 0 and j) else " "
            b.add(s, src, sep)
    return _page(b, True, "insert", len(need))


def _header(k: int, rng: random.Random, title: str) -> str:
    who, when = rng.choice(NAMES), rng.choice(WHEN)
    return rng.choice(
        [
            f"Reply #{k} by {who}, {when}",
            f"Posted by {who} {when}",
            f"#{k} {who} ({when})",
            f"Re: {title[:40]}",
            f"Comment from {who}",
        ]
    )


def thread(corpus: factors.Corpus, stitched: bool, rng: random.Random) -> Page:
    """A question and 3-6 posts, each a header line and 2-4 sentences; one source per post if stitched."""
    posts = [rng.randint(2, 4) for _ in range(rng.randint(3, 6))]
    k = min(len(posts), rng.randint(3, 5)) if stitched else 1
    docs = _docs(corpus, rng, k, max(posts) + 1 if stitched else sum(posts))
    title = _title(docs[0])
    b = PageWriter()
    b.add(rng.choice(QUESTIONS).format(t=title), 0)
    if stitched:
        order = list(range(k)) + [rng.randrange(k) for _ in posts[k:]]
        runs = [
            (src, [s for s, _ in _excerpt(docs[src], n, rng)]) for src, n in zip(order, posts, strict=False)
        ]
    else:
        flat = [s for s, _ in _excerpt(docs[0], sum(posts), rng)]
        starts = [sum(posts[:i]) for i in range(len(posts))]
        runs = [(0, flat[a : a + n]) for a, n in zip(starts, posts, strict=True)]
    for i, (src, sentences) in enumerate(runs, 1):
        b.add(_header(i, rng, title), src, "\n\n")
        for j, s in enumerate(sentences):
            b.add(s, src, "\n" if j == 0 else " ")
    return _page(b, stitched, "thread", k)


def long(corpus: factors.Corpus, stitched: bool, rng: random.Random) -> Page:
    """50-150 sentences: runs of 3-10 from 2-5 sources that come back, or one source's own text."""
    m = rng.randint(50, 150)
    per_run = rng.random() < 0.5  # a paragraph per run / per source paragraph, else every 3-7 sentences
    if not stitched:
        fits = [d for pool in corpus.pools.values() for d in pool if len(d.sentences) >= 50]
        doc = rng.choice(fits)
        body = _excerpt(doc, min(m, len(doc.sentences)), rng)
        units = [(s, 0, opens) for s, opens in body]
    else:
        k = rng.randint(2, 5)
        plan, total, last = [], 0, -1
        while total < m:
            src = rng.choice([s for s in range(k) if s != last])
            size = min(rng.randint(3, 10), m - total)
            plan.append((src, size))
            total, last = total + size, src
        number = {src: i for i, src in enumerate(dict.fromkeys(s for s, _ in plan))}  # a source never drawn
        plan = [(number[src], size) for src, size in plan]
        k = len(number)
        need = [sum(n for s, n in plan if s == src) for src in range(k)]
        docs = _docs(corpus, rng, k, max(need))
        reading = {src: iter(_excerpt(docs[src], need[src], rng)) for src in range(k)}
        units = [(next(reading[src])[0], src, j == 0) for src, size in plan for j in range(size)]
    b, since = PageWriter(), 0
    for i, (s, src, opens) in enumerate(units):
        brk = opens if per_run else since >= rng.randint(3, 7)
        since = 0 if brk else since + 1
        b.add(s, src, "\n\n" if brk and i else " ")
    return _page(b, stitched, "long", len({s for _, s, _ in units}))


def copy_edit(sentence: str, rng: random.Random) -> str:
    """A light copy-edit: every number changed, and a common word replaced or two neighbours swapped."""
    out = re.sub(r"\d+", lambda m: str(max(1, int(m.group()) + rng.choice([-3, -2, -1, 1, 2, 7]))), sentence)
    words = out.split(" ")
    swaps = [i for i, w in enumerate(words) if w.lower() in SYNONYMS]
    if swaps and rng.random() < 0.6:
        i = rng.choice(swaps)
        words[i] = SYNONYMS[words[i].lower()]
    elif len(words) > 4 and rng.random() < 0.6:
        i = rng.randrange(1, len(words) - 2)  # never the first word, never the one with the full stop
        words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def _edited(corpus: factors.Corpus, seed: int) -> factors.Corpus:
    """The corpus with every sentence copy-edited (the same edits for both classes)."""
    rng = random.Random(f"edited:{seed}")
    out = copy.copy(corpus)
    out.pools = {
        name: [
            Source(d.key, d.title, [[copy_edit(s, rng) for s in para] for para in d.paragraphs], d.sections)
            for d in pool
        ]
        for name, pool in corpus.pools.items()
    }
    return out


EDITED_CONDITIONS = [
    factors.BASE,
    factors.Condition(runs="3-5", layout="runs"),
    factors.Condition(length=40, runs="1-3", layout="random"),
    factors.Condition(subject="same", pool="news"),
    factors.Condition(runs="1", sources="2-6"),
]


def blocks(corpus: factors.Corpus, stitched: bool, rng: random.Random) -> Page:
    """Extracted-HTML-like lines: a headline, heading lines, paragraphs of 1-3 sentences a line."""
    n_blocks = rng.randint(8, 14)
    sizes = [rng.randint(1, 3) for _ in range(n_blocks)]
    k = rng.randint(2, 3) if stitched else 1
    docs = _docs(corpus, rng, k, sum(sizes) if not stitched else max(8, sum(sizes) // k + 3))
    reading = {
        src: iter(_excerpt(docs[src], min(len(docs[src].sentences), sum(sizes)), rng)) for src in range(k)
    }
    b = PageWriter()
    b.add(_title(docs[0]), 0)
    src, left = 0, rng.randint(1, 3)
    for size in sizes:
        if left == 0:
            src = rng.choice([s for s in range(k) if s != src]) if k > 1 else 0
            left = rng.randint(1, 3)
        if rng.random() < 0.2:
            headings = [h for h, _ in docs[src].sections if h != docs[src].title]
            b.add(rng.choice(headings or SECTION_WORDS)[:50], src, "\n")
        line = []
        for _ in range(size):
            nxt = next(reading[src], None)
            if nxt is None:
                break
            line.append(nxt[0])
        for j, s in enumerate(line):
            b.add(s, src, "\n" if j == 0 else " ")
        left -= 1
    used = len({s for _, _, s in b.units})
    if stitched and used < 2:  # too few blocks to change source: give the last block to another one
        return blocks(corpus, stitched, rng)
    return _page(b, stitched, "blocks", used)


Family = Callable[[factors.Corpus, bool, random.Random], Page]
FAMILIES: dict[str, Family | None] = {
    "insert": insert,
    "thread": thread,
    "long": long,
    "edited": None,  # factor conditions over the edited corpus: see :func:`pages`
    "blocks": blocks,
}


def pages(corpus: factors.Corpus, family: str, n: int, seed: int = 0) -> list[Page]:
    """``n`` stitched pages and ``n`` genuine pages of ``family``, from ``corpus``'s half."""
    rng = random.Random(f"family:{family}:{seed}")
    build = FAMILIES[family]
    if build is None:
        edited = _edited(corpus, seed)
        conds = [EDITED_CONDITIONS[i % len(EDITED_CONDITIONS)] for i in range(n)]
        out = [factors.stitched(edited, c, rng) for c in conds] + [
            factors.genuine(edited, c, rng) for c in conds
        ]
        for p in out:
            p.kind = f"{'stitched' if p.stitched else 'genuine'}-edited"
        return out
    return [build(corpus, True, rng) for _ in range(n)] + [build(corpus, False, rng) for _ in range(n)]
