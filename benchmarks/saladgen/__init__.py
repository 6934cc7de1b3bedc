"""Labelled pages for the salad benchmark and tests: stitched, untouched and choppy-but-genuine.

Every page is built from real coherent text in ``../shared/data`` (WikiText-2 articles, the
scrapinghub gold article bodies, dolma Common Crawl text). Source documents are split in two halves
by a hash of their key: ``"tune"`` and ``"report"``; a page only ever mixes documents of one half, so
nothing used to tune the step appears in the reported figures.

- **stitched**: 2-6 sources; either every sentence shuffled together (sentences sampled from each
  source, like the seed page) or one contiguous excerpt per source kept as a block; 0-3 furniture
  lines inserted; paragraphs of 1-6 sentences, or one sentence a line.
- **untouched**: a contiguous excerpt of one source, as long as the stitched pages (in sentences),
  or a whole dolma web document as crawled.
- **choppy**: FAQs (questions built from one WikiText article's section headings, answers the
  section's opening sentences), glossaries (WikiText article titles, each with its article's first
  sentence: unrelated topics, like a real glossary), news tickers (time stamp + a news article's first
  sentence), recipes and product lists (templates filled from word lists).
"""

from __future__ import annotations

import gzip
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from gristmill.text import hash64, split_sentences

FURNITURE = [
    "© 2020 A&E Television Networks, LLC. All rights reserved.",
    "Sign up now to get the latest stories straight to your inbox.",
    "Share this article on Facebook and Twitter.",
    "Read more: the ten best stories of the week.",
    "Copyright 2019 The Daily Courier.",
    "We use cookies to improve your experience on our site.",
    "Follow us on Instagram for more.",
    "Subscribe to our newsletter.",
    "1200 Market Street, San Francisco, CA 94102",
    "Contact us at info@example-news.com",
    "Leave a comment below.",
    "Advertisement",
]


@dataclass
class Source:
    """A coherent document: its key, its half (tune/report) and its paragraphs as sentence lists."""

    key: str
    title: str
    paragraphs: list[list[str]]
    sections: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def sentences(self) -> list[str]:
        return [s for p in self.paragraphs for s in p]


@dataclass
class Page:
    """A built page: text, its class, and the source of each unit (sentence) with its offsets."""

    text: str
    kind: str  # stitched-shuffled | stitched-blocks | untouched | choppy-<type>
    sources: int
    units: list[tuple[int, int, int]]  # (start, end, source index or -1 for furniture)
    document: str = ""  # a genuine excerpt's source document key ("" when not one document's excerpt)

    @property
    def stitched(self) -> bool:
        return self.kind.startswith("stitched")

    def gold_labels(self, spans: list[tuple[int, int]]) -> list[int]:
        """Return the source of each sentence span (by where it starts), -1 for furniture/unknown."""
        out = []
        for start, _ in spans:
            label = -1
            for a, b, src in self.units:
                if a <= start < b:
                    label = src
                    break
            out.append(label)
        return out


class PageWriter:
    """Pieces of text with their sources, joined into a :class:`Page` with matching units."""

    def __init__(self) -> None:
        self.text = ""
        self.units: list[tuple[int, int, int]] = []

    def add(self, piece: str, source: int, sep: str = " ") -> None:
        """Append ``piece`` (after ``sep`` unless it is the first) as a unit of ``source``."""
        if self.text:
            self.text += sep
        self.units.append((len(self.text), len(self.text) + len(piece), source))
        self.text += piece

    def page(self, kind: str, sources: int) -> Page:
        """The page written so far."""
        return Page(self.text, kind, sources, self.units)


def half(key: str) -> str:
    return "tune" if hash64(key) % 2 == 0 else "report"


# One tune document in three is kept for the guard (`benchmarks/salad.py --fit`): the tune half holds
# only ~180 documents (47 wiki, 79 news, 56 web), and a quarter of them left the guard 14 web
# documents, two of them 40 sentences long, too few for the web and length=40 rows it judges.
GUARD_EVERY = 3


def part(key: str) -> str:
    """Within a half, ``"guard"`` for about one document in :data:`GUARD_EVERY` (by a hash of its key),
    else ``"fit"``: the fit's pages and the guard's never share a document."""
    return "guard" if hash64(f"guard:{key}") % GUARD_EVERY == 0 else "fit"


def fold(key: str, k: int) -> int:
    """Which of ``k`` folds of documents ``key`` is in (by a hash of its key): the all-folds fit's
    out-of-fold pages never share a document with the fit that scores them."""
    return hash64(f"fold:{key}") % k


def in_part(key: str, only: str | None) -> bool:
    """Whether document ``key`` is in part ``only``: ``None`` (all), ``"fit"`` or ``"guard"``
    (:func:`part`), or ``"fold:I/K"`` (:func:`fold`)."""
    if only is None:
        return True
    if only.startswith("fold:"):
        i, k = (int(v) for v in only.removeprefix("fold:").split("/"))
        return fold(key, k) == i
    return part(key) == only


def _detok(line: str) -> str:
    s = re.sub(r" @(.)@ ", r"\1", line)
    s = s.replace("<unk>", "")
    s = re.sub(r" ([.,;:!?%)\]'])", r"\1", s)
    s = re.sub(r"([(\[$]) ", r"\1", s)
    s = re.sub(r" (n't|'s|'re|'ve|'ll|'d)\b", r"\1", s)
    s = re.sub(r'" ([^"]*?) "', r'"\1"', s)
    return re.sub(r"\s+", " ", s).strip()


def load_wikitext(data: Path) -> list[Source]:
    sources = []
    for name in ("valid.txt", "test.txt"):
        text = (data / "coherence/wikitext2" / name).read_text(encoding="utf-8")
        for chunk in re.split(r"\n \= (?=[^=])", text):
            lines = chunk.split("\n")
            title = _detok(lines[0].strip(" ="))
            paragraphs: list[list[str]] = []
            sections: list[tuple[str, list[str]]] = []
            heading = title
            for line in lines[1:]:
                if re.match(r"^ (= )+.*(= )+$", line + " ") or line.strip().startswith("= "):
                    heading = line.strip(" =")
                    continue
                if len(line.strip()) < 40:
                    continue
                sents = [s for s in split_sentences(_detok(line)) if len(s) > 20]
                if sents:
                    paragraphs.append(sents)
                    sections.append((heading, sents))
            if title and len(paragraphs) >= 3:
                sources.append(Source(f"wiki:{title}", title, paragraphs, sections))
    return sources


def load_news(data: Path) -> list[Source]:
    gt = json.loads(
        (data / "html_extraction/scrapinghub_article_extraction_benchmark/ground-truth.json").read_text()
    )
    out = []
    for key, item in gt.items():
        paragraphs = [
            [s for s in split_sentences(p.strip()) if s]
            for p in re.split(r"\n\s*\n|\n", item["articleBody"])
            if len(p.strip()) > 40
        ]
        paragraphs = [p for p in paragraphs if p]
        if sum(len(p) for p in paragraphs) >= 8:
            out.append(Source(f"news:{key}", key, paragraphs))
    return out


def load_web(data: Path) -> tuple[list[Source], list[str]]:
    """Return dolma documents as sources (their prose lines) and their whole texts (untouched pages)."""
    path = data / "web_text/dolma/CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
    sources, whole = [], []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            doc = json.loads(line)
            text = doc["text"]
            tokens = re.findall(r"\w+", text.lower())
            english = sum(t in _ENGLISH for t in tokens) / max(len(tokens), 1)
            if english < 0.15 or not 600 < len(text) < 30000:
                continue
            paragraphs = [split_sentences(p) for p in text.split("\n") if len(p) > 80]
            paragraphs = [p for p in paragraphs if p]
            if sum(len(p) for p in paragraphs) >= 8:
                key = f"web:{doc['id']}"
                sources.append(Source(key, key, paragraphs))
                whole.append(text)
    return sources, whole


_ENGLISH = frozenset("the of and to a in is that for it with as was on be by this are at from".split())


def _layout(units: list[tuple[str, int]], rng: random.Random, one_per_line: bool) -> Page:
    text, spans = "", []
    i = 0
    while i < len(units):
        size = 1 if one_per_line else rng.randint(1, 6)
        para = units[i : i + size]
        if text:
            text += "\n" if one_per_line or rng.random() < 0.5 else "\n\n"
        for j, (sentence, src) in enumerate(para):
            if j:
                text += " "
            spans.append((len(text), len(text) + len(sentence), src))
            text += sentence
        i += size
    return Page(text, "", 0, spans)


def stitched_page(pools: list[list[Source]], rng: random.Random) -> Page:
    k = rng.randint(2, 6)
    chosen: list[Source] = []
    while len(chosen) < k:
        src = rng.choice(rng.choice(pools))
        if src not in chosen:
            chosen.append(src)
    shuffled = rng.random() < 0.5
    units: list[tuple[str, int]] = []
    blocks: list[list[tuple[str, int]]] = []
    for src_index, src in enumerate(chosen):
        sents = src.sentences
        m = min(rng.randint(3, 12), len(sents))
        if shuffled:
            picked = rng.sample(sents, m)
        else:
            start = rng.randint(0, len(sents) - m)
            picked = sents[start : start + m]
        blocks.append([(s, src_index) for s in picked])
    if shuffled:
        units = [u for b in blocks for u in b]
        rng.shuffle(units)
    else:
        units = [u for b in blocks for u in b]
    page = _layout(units, rng, one_per_line=rng.random() < 0.15)
    # Furniture goes on lines of its own, between paragraphs: the step's cue for furniture inside
    # a line of prose (seen on the seed page) then plays no part in these figures.
    for _ in range(rng.randint(0, 3)):
        _insert_line(page, rng.choice(FURNITURE), rng)
    page.kind = "stitched-shuffled" if shuffled else "stitched-blocks"
    page.sources = k
    return page


def _insert_line(page: Page, line: str, rng: random.Random) -> None:
    breaks = [m.end() for m in re.finditer(r"\n+", page.text)]
    at = rng.choice([0, *breaks, len(page.text)])
    piece = line + "\n" if at < len(page.text) else "\n" + line
    start = at if at < len(page.text) else at + 1
    page.text = page.text[:at] + piece + page.text[at:]
    shifted = [(a + len(piece), b + len(piece), s) if a >= at else (a, b, s) for a, b, s in page.units]
    page.units = sorted([*shifted, (start, start + len(line), -1)])


def untouched_page(src: Source, rng: random.Random) -> Page:
    sents = src.sentences
    m = min(sum(rng.randint(3, 12) for _ in range(rng.randint(2, 6))), len(sents))
    # A page opens where a paragraph opens.
    starts = [sum(len(p) for p in src.paragraphs[:i]) for i in range(len(src.paragraphs))]
    start = rng.choice([s for s in starts if s <= len(sents) - m] or [0])
    # Keep the source's own paragraph breaks.
    units, text_parts, pos, spans = [], [], 0, []
    flat = [(pi, s) for pi, p in enumerate(src.paragraphs) for s in p][start : start + m]
    text = ""
    last = None
    for pi, sentence in flat:
        if text:
            text += " " if pi == last else "\n\n"
        spans.append((len(text), len(text) + len(sentence), 0))
        text += sentence
        last = pi
    del units, text_parts, pos
    return Page(text, "untouched", 1, spans)


def _whole(text: str) -> Page:
    return Page(text, "untouched-web", 1, [(0, len(text), 0)])


INGREDIENTS = "flour sugar butter eggs milk salt pepper garlic onion tomatoes basil olive-oil rice chicken "
INGREDIENTS += "carrots celery lemon honey yeast cinnamon vanilla cream cheese parsley ginger"
UNITS = ["cups", "tablespoons", "teaspoons", "grams", "ounces", "pinch of", "cloves of", "pounds"]
STEPS = [
    "Preheat the oven to {n}0 degrees.",
    "Mix the {a} and the {b} in a large bowl.",
    "Add the {a} slowly, stirring all the time.",
    "Let it rest for {n} minutes.",
    "Chop the {a} finely and set aside.",
    "Bake for {n}5 minutes until golden.",
    "Season with {a} and serve warm.",
    "Whisk the {a} with the {b} until smooth.",
    "Bring the {a} to a boil, then lower the heat.",
    "Pour the mixture into a greased tin.",
]
PRODUCTS = "laptop headphones backpack kettle blender monitor keyboard lamp chair jacket sneakers watch"
ADJ = "compact wireless ergonomic stainless lightweight waterproof premium classic adjustable foldable"
BRANDS = ["Acme", "Northwind", "Globex", "Initech", "Umbrella", "Soylent", "Hooli", "Vandelay"]


def recipe_page(rng: random.Random) -> Page:
    ing = INGREDIENTS.split()
    dish = f"{rng.choice(ing).replace('-', ' ').title()} and {rng.choice(ing).replace('-', ' ')} bake"
    lines = [dish, "Ingredients"]
    lines += [
        f"{rng.randint(1, 4)} {rng.choice(UNITS)} {rng.choice(ing).replace('-', ' ')}"
        for _ in range(rng.randint(5, 10))
    ]
    lines.append("Method")
    for i, step in enumerate(rng.sample(STEPS, rng.randint(5, 9)), 1):
        a, b = rng.sample(ing, 2)
        lines.append(
            f"{i}. " + step.format(n=rng.randint(1, 9), a=a.replace("-", " "), b=b.replace("-", " "))
        )
    text = "\n".join(lines)
    return Page(text, "choppy-recipe", 1, [(0, len(text), 0)])


def product_page(rng: random.Random) -> Page:
    lines = ["Best sellers this week"]
    for _ in range(rng.randint(6, 14)):
        adj, prod = rng.choice(ADJ.split()), rng.choice(PRODUCTS.split())
        lines.append(
            f"{rng.choice(BRANDS)} {adj.title()} {prod.title()} {rng.randint(100, 999)} - "
            f"${rng.randint(9, 499)}.99. A {adj} {prod} with {rng.randint(1, 5)}-year warranty. "
            f"In stock, ships in {rng.randint(1, 5)} days."
        )
    text = "\n".join(lines)
    return Page(text, "choppy-products", 1, [(0, len(text), 0)])


def faq_page(src: Source, rng: random.Random) -> Page:
    lines = [f"{src.title}: frequently asked questions"]
    seen = set()
    for heading, sents in src.sections:
        if heading in seen:
            continue
        seen.add(heading)
        topic = heading if heading != src.title else "its history"
        lines.append(f"Q: What should I know about {topic.lower()} of {src.title}?")
        lines.append("A: " + " ".join(sents[: rng.randint(1, 3)]))
    text = "\n".join(lines[:25])
    return Page(text, "choppy-faq", 1, [(0, len(text), 0)])


def glossary_page(pool: list[Source], rng: random.Random) -> Page:
    lines = ["Glossary"]
    for src in rng.sample(pool, min(len(pool), rng.randint(8, 16))):
        lines.append(f"{src.title}: {src.paragraphs[0][0]}")
    text = "\n".join(lines)
    return Page(text, "choppy-glossary", 1, [(0, len(text), 0)])


def ticker_page(pool: list[Source], rng: random.Random) -> Page:
    lines = ["Latest news"]
    hour, minute = 18, 0
    for src in rng.sample(pool, min(len(pool), rng.randint(8, 15))):
        minute -= rng.randint(3, 40)
        if minute < 0:
            hour, minute = hour - 1, minute + 60
        lines.append(f"{hour:02d}:{minute:02d} {src.paragraphs[0][0]}")
    text = "\n".join(lines)
    return Page(text, "choppy-ticker", 1, [(0, len(text), 0)])


def build(data: Path, which: str, n_stitched: int, seed: int = 0) -> list[Page]:
    """Return ``n_stitched`` stitched pages, as many untouched and as many choppy, from half ``which``."""
    rng = random.Random(f"{which}:{seed}")
    wiki = [s for s in load_wikitext(data) if half(s.key) == which]
    news = [s for s in load_news(data) if half(s.key) == which]
    web, whole = load_web(data)
    web_pairs = [(s, t) for s, t in zip(web, whole, strict=True) if half(s.key) == which]
    web = [s for s, _ in web_pairs]
    pools = [wiki, news, web]
    pages = [stitched_page(pools, rng) for _ in range(n_stitched)]
    # Untouched pages use each source document once before any is used again.
    queues: list[list[Source]] = [[], [], []]
    wholes: list[str] = []
    for i in range(n_stitched):
        if i % 4 == 3 and web_pairs:
            if not wholes:
                wholes = rng.sample([t for _, t in web_pairs], len(web_pairs))
            pages.append(_whole(wholes.pop()))
        else:
            which_pool = rng.randrange(3)
            if not queues[which_pool]:
                queues[which_pool] = rng.sample(pools[which_pool], len(pools[which_pool]))
            pages.append(untouched_page(queues[which_pool].pop(), rng))
    makers = [
        lambda: faq_page(rng.choice([w for w in wiki if len(w.sections) >= 4]), rng),
        lambda: glossary_page(wiki, rng),
        lambda: ticker_page(news + wiki, rng),
        lambda: recipe_page(rng),
        lambda: product_page(rng),
    ]
    pages += [makers[i % len(makers)]() for i in range(n_stitched)]
    return pages
