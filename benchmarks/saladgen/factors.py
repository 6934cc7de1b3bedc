"""Stitched and genuine pages built under named conditions, one factor varied at a time.

A :class:`Condition` fixes how a page is assembled: how its sources are chosen (at random, or on one
subject: nearest neighbours by TF-IDF), how long the runs taken from each source are (1, 1-3, 3-5
sentences, or one block per source), the page's length (8, 20, 40 sentences), its layout (one paragraph,
random breaks, breaks at run boundaries — for a genuine page, its own paragraph breaks), boilerplate (in
neither class, stitched only, genuine only, both; inline or on lines of its own), where a genuine
excerpt starts (the article's start, a paragraph start, mid-article), the number of sources (2-6) and
a keyword stuffed into most sentences (in neither class, stitched only, both: a made-up word, a word of
the page or two of them, capitalised or not), as a page written for search engines carries one.

Each condition gives stitched pages and genuine excerpts of the same length, layout and boilerplate,
so only the stitching differs. Source documents are split into ``tune`` and ``report`` halves by a
hash of their key (:func:`saladgen.half`): pages of one half never use a document of the other.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gristmill.text import hash64
from saladgen import FURNITURE, Page, Source, half, in_part, load_news, load_web, load_wikitext

POOLS = ("wiki", "news", "web")


@dataclass(frozen=True)
class Condition:
    """How pages are assembled; every field is one factor of the benchmark."""

    subject: str = "random"  # random | same (nearest neighbours by TF-IDF, within one pool)
    pool: str = "any"  # any | wiki | news | web: where sources and genuine excerpts come from
    runs: str = "1-3"  # 1 | 1-3 | 3-5 | block (one contiguous block per source)
    length: int = 20  # sentences on the page (prose, boilerplate not counted)
    layout: str = "one"  # one paragraph | random breaks | runs (breaks at run boundaries)
    boilerplate: str = "none"  # none | stitched | genuine | both
    inline: bool = False  # boilerplate inside a line of prose instead of a line of its own
    excerpt: str = "mid"  # where a genuine excerpt starts: start | paragraph | mid
    sources: str = "3"  # "2".."6" or a range "2-6"
    # Left out of repr: the pages of every condition without a keyword are drawn as before it came.
    keyword: str = field(default="none", repr=False)  # none | stitched | genuine | both

    def name(self) -> str:
        """Only the factors that differ from the base condition, e.g. ``runs=1 length=40``."""
        base = Condition()
        diff = [
            f"{f.name}={getattr(self, f.name)}"
            for f in dataclasses.fields(self)
            if getattr(self, f.name) != getattr(base, f.name)
        ]
        return " ".join(diff) or "base"


BASE = Condition()


def one_at_a_time() -> list[Condition]:
    """The base condition and every factor moved off it alone (same-subject per pool, also shuffled)."""
    out = [BASE]
    out += [Condition(subject="same", pool=p) for p in POOLS]
    # The seed page's recipe: single sentences from pages on one subject, shuffled.
    out += [Condition(subject="same", pool=p, runs="1") for p in POOLS]
    out += [Condition(runs=r) for r in ("1", "3-5", "block")]
    out += [Condition(length=n) for n in (8, 40)]
    out += [Condition(layout=lay) for lay in ("random", "runs")]
    out += [Condition(boilerplate=b) for b in ("stitched", "genuine", "both")]
    out += [Condition(boilerplate=b, inline=True) for b in ("stitched", "genuine", "both")]
    out += [Condition(excerpt=e) for e in ("start", "paragraph")]
    out += [Condition(sources=k) for k in ("2", "4", "6")]
    out += [Condition(keyword=k) for k in ("stitched", "both")]
    return out


def random_conditions(n: int, seed: int) -> list[Condition]:
    """``n`` conditions with every factor drawn at random."""
    rng = random.Random(seed)
    # The keyword from an rng of its own: the other factors are drawn as before the keyword came.
    keywords = random.Random(f"keyword:{seed}")
    out = []
    for _ in range(n):
        subject = rng.choice(["random", "same"])
        out.append(
            Condition(
                subject=subject,
                pool=rng.choice(POOLS) if subject == "same" else rng.choice(["any", *POOLS]),
                runs=rng.choice(["1", "1-3", "3-5", "block"]),
                length=rng.choice([8, 20, 40]),
                layout=rng.choice(["one", "random", "runs"]),
                boilerplate=rng.choice(["none", "stitched", "genuine", "both"]),
                inline=rng.random() < 0.5,
                excerpt=rng.choice(["start", "paragraph", "mid"]),
                sources=rng.choice(["2", "3", "4", "5", "6", "2-6"]),
                keyword=keywords.choice(["none", "none", "none", "stitched", "genuine", "both"]),
            )
        )
    return out


class Corpus:
    """The source documents of one half, by pool, with each pool's TF-IDF neighbours.

    ``only`` keeps one part of the half (:func:`saladgen.in_part`: ``"fit"``, ``"guard"`` or ``"fold:I/K"``).
    """

    def __init__(self, data: Path, which: str, only: str | None = None) -> None:
        web, _ = load_web(data)
        loaded = {"wiki": load_wikitext(data), "news": load_news(data), "web": web}
        self.pools = {
            name: [
                s for s in sources if half(s.key) == which and len(s.sentences) >= 8 and in_part(s.key, only)
            ]
            for name, sources in loaded.items()
        }
        self.neighbours = {name: _neighbours(pool) for name, pool in self.pools.items()}

    def pick(self, pool: str, rng: random.Random) -> tuple[str, int]:
        """A random document: its pool and index."""
        name = rng.choice(POOLS) if pool == "any" else pool
        return name, rng.randrange(len(self.pools[name]))


def _neighbours(pool: list[Source], dims: int = 1 << 15) -> np.ndarray:
    """For each document, the others ranked by TF-IDF cosine (hashed words), nearest first."""
    counts = np.zeros((len(pool), dims), dtype=np.float32)
    for row, src in enumerate(pool):
        for word, c in Counter(re.findall(r"[a-z]{3,}", " ".join(src.sentences).lower())).items():
            counts[row, hash64(word) % dims] += c
    df = (counts > 0).sum(axis=0)
    tfidf = np.log1p(counts) * np.log((1 + len(pool)) / (1 + df))
    tfidf /= np.maximum(np.linalg.norm(tfidf, axis=1, keepdims=True), 1e-9)
    sim = tfidf @ tfidf.T
    np.fill_diagonal(sim, -1.0)
    return np.argsort(-sim, axis=1)


def _runs(cond: Condition, k: int, rng: random.Random) -> list[tuple[int, int]]:
    """(source, run length) in page order; every source used, never the same source twice in a row."""
    n = cond.length
    if cond.runs == "block":
        cuts = sorted(rng.sample(range(1, n), k - 1))
        sizes = [b - a for a, b in zip([0, *cuts], [*cuts, n], strict=True)]
        return list(enumerate(sizes))
    lo, hi = {"1": (1, 1), "1-3": (1, 3), "3-5": (3, 5)}[cond.runs]
    out: list[tuple[int, int]] = []
    total, last = 0, -1
    while total < n:
        unused = [s for s in range(k) if s != last and all(s != src for src, _ in out)]
        src = rng.choice(unused or [s for s in range(k) if s != last])
        size = min(rng.randint(lo, hi), n - total)
        out.append((src, size))
        total += size
        last = src
    return out


def _sources(corpus: Corpus, cond: Condition, need: list[int], rng: random.Random) -> list[Source]:
    """One document per source, each long enough for the sentences the plan takes from it."""
    k = len(need)
    if cond.subject == "same":
        while True:
            name, first = corpus.pick(cond.pool, rng)
            pool = corpus.pools[name]
            if len(pool[first].sentences) < need[0]:
                continue
            near = [int(i) for i in corpus.neighbours[name][first][:40]]
            fits = [i for i in near if len(pool[i].sentences) >= max(need[1:])][: max(k + 2, 6)]
            if len(fits) >= k - 1:
                return [pool[i] for i in [first, *rng.sample(fits, k - 1)]]
    chosen: list[Source] = []
    while len(chosen) < k:
        name, i = corpus.pick(cond.pool, rng)
        doc = corpus.pools[name][i]
        if doc not in chosen and len(doc.sentences) >= need[len(chosen)]:
            chosen.append(doc)
    return chosen


def stitched(corpus: Corpus, cond: Condition, rng: random.Random) -> Page:
    """A page of runs from ``k`` sources, each source read in order from a random place."""
    lo, _, hi = cond.sources.partition("-")
    k = rng.randint(int(lo), int(hi or lo))
    k = min(k, max(2, cond.length // 2 if cond.runs != "1" else cond.length))
    plan = _runs(cond, k, rng)
    need = [sum(size for s, size in plan if s == src) for src in range(k)]
    docs = _sources(corpus, cond, need, rng)
    reading = {}
    for src, doc in enumerate(docs):
        start = rng.randint(0, len(doc.sentences) - need[src])
        reading[src] = iter(doc.sentences[start:])
    units: list[tuple[str, int, bool]] = []  # sentence, source, break before it
    for run, (src, size) in enumerate(plan):
        for j in range(size):
            units.append((next(reading[src]), src, run > 0 and j == 0))
    if cond.keyword in ("stitched", "both"):
        units = _stuffed(units, rng)
    page = _lay_out(units, cond, rng)
    page.kind, page.sources = "stitched", k
    if cond.boilerplate in ("stitched", "both"):
        _furnish(page, cond.inline, rng)
    return page


def genuine(corpus: Corpus, cond: Condition, rng: random.Random) -> Page:
    """A contiguous excerpt of one document, as long as the stitched pages, its own breaks kept."""
    while True:
        name, i = corpus.pick(cond.pool, rng)
        doc = corpus.pools[name][i]
        if len(doc.sentences) >= cond.length:
            break
    flat = [(p, s) for p, para in enumerate(doc.paragraphs) for s in para]
    m = min(cond.length, len(flat))
    if cond.excerpt == "start":
        start = 0
    elif cond.excerpt == "paragraph":
        starts = [j for j, (p, _) in enumerate(flat) if j == 0 or flat[j - 1][0] != p]
        start = rng.choice([s for s in starts if s <= len(flat) - m] or [0])
    else:
        start = rng.randint(0, len(flat) - m)
    chosen = flat[start : start + m]
    units = [(s, 0, j > 0 and chosen[j - 1][0] != p) for j, (p, s) in enumerate(chosen)]
    if cond.keyword in ("genuine", "both"):
        units = _stuffed(units, rng)
    page = _lay_out(units, cond, rng)
    page.kind, page.sources, page.document = f"genuine-{name}", 1, doc.key
    if cond.boilerplate in ("genuine", "both"):
        _furnish(page, cond.inline, rng)
    return page


_SYLLABLES = ("ka", "zor", "blax", "vin", "tel", "mu", "qua", "rex", "do", "lin", "spar", "oth")
_WORDISH = re.compile(r"[A-Za-z]{5,}")


def _stuffed(units: list[tuple[str, int, bool]], rng: random.Random) -> list[tuple[str, int, bool]]:
    """The sentences with one keyword put into a share (0.5-1) of them, each at a random word."""
    vocabulary = sorted({w.lower() for s, _, _ in units for w in _WORDISH.findall(s)}) or ["keyword"]
    kind = rng.choice(["made-up", "word", "two words"])
    if kind == "made-up":
        keyword = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
    else:
        keyword = " ".join(rng.sample(vocabulary, min(len(vocabulary), 1 if kind == "word" else 2)))
    if rng.random() < 0.5:
        keyword = keyword.title()
    share = rng.uniform(0.5, 1.0)
    out = []
    for sentence, src, brk in units:
        said = sentence.split(" ")
        if rng.random() < share and len(said) > 2:
            at = rng.randint(1, len(said) - 1)
            sentence = " ".join([*said[:at], keyword, *said[at:]])
        out.append((sentence, src, brk))
    return out


def _lay_out(units: list[tuple[str, int, bool]], cond: Condition, rng: random.Random) -> Page:
    text, spans = "", []
    for j, (sentence, src, natural_break) in enumerate(units):
        if j:
            if cond.layout == "runs":
                brk = natural_break
            elif cond.layout == "random":
                brk = rng.random() < 0.25
            else:
                brk = False
            text += "\n\n" if brk else " "
        spans.append((len(text), len(text) + len(sentence), src))
        text += sentence
    return Page(text, "", 0, spans)


def _furnish(page: Page, inline: bool, rng: random.Random) -> None:
    """Insert 1-2 boilerplate sentences: between sentences of a line, or on lines of their own."""
    for _ in range(rng.randint(1, 2)):
        line = rng.choice(FURNITURE)
        if not line.endswith("."):
            line += "."
        ends = [b for _, b, _ in page.units]
        at = rng.choice(ends[:-1]) if len(ends) > 1 else ends[0]
        piece = (" " + line) if inline else ("\n" + line + "\n")
        start = at + 1
        page.text = page.text[:at] + piece + page.text[at:]
        shifted = [(a + len(piece), b + len(piece), s) if a >= at else (a, b, s) for a, b, s in page.units]
        page.units = sorted([*shifted, (start, start + len(line), -1)])


def pages(corpus: Corpus, cond: Condition, n: int, seed: int = 0) -> list[Page]:
    """``n`` stitched pages and ``n`` genuine ones under ``cond``."""
    rng = random.Random(f"{cond}:{seed}" + (f":keyword={cond.keyword}" if cond.keyword != "none" else ""))
    return [stitched(corpus, cond, rng) for _ in range(n)] + [genuine(corpus, cond, rng) for _ in range(n)]


def whole_documents(data: Path, which: str | None = None, only: str | None = None) -> list[tuple[str, str]]:
    """Whole genuine documents as (kind, text): dolma web, CCNet, WikiText articles, news gold bodies.

    ``which`` keeps one half (CCNet documents are in both: they never feed a page); ``only`` keeps one
    part of it (:func:`saladgen.in_part`), CCNet included, by its file and line.
    """

    def keep(key: str, halved: bool = True) -> bool:
        return (which is None or not halved or half(key) == which) and in_part(key, only)

    out: list[tuple[str, str]] = []
    web_sources, web = load_web(data)
    out += [("dolma-web", t) for s, t in zip(web_sources, web, strict=True) if keep(s.key)]
    for name in ("cc_en_head-0091.jsonl.gz", "cc_en_head-0174.jsonl.gz"):
        with gzip.open(data / "web_text/dolma" / name, "rt", encoding="utf-8") as handle:
            lines = enumerate(handle)
            out += [("ccnet", json.loads(ln)["text"]) for i, ln in lines if keep(f"ccnet:{name}:{i}", False)]
    for src in load_wikitext(data):
        if keep(src.key):
            out.append(("wikitext", "\n\n".join(" ".join(p) for p in src.paragraphs)))
    gt = json.loads(
        (data / "html_extraction/scrapinghub_article_extraction_benchmark/ground-truth.json").read_text()
    )
    for key, item in gt.items():
        if keep(f"news:{key}"):
            out.append(("news", item["articleBody"]))
    return out
