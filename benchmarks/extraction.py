"""Main-text extraction: gristmill's two engines against trafilatura and resiliparse called directly.

Two public benchmarks from ``../shared/data/html_extraction`` (see SOURCES.md there):

* scrapinghub (181 articles, gold body text): the upstream metric — 4-word shingles of ``\\w+`` tokens
  matched as multisets, counts normalised per page, precision and recall averaged over pages, F1 from
  the two averages.
* trafilatura eval (990 pages, snippets): a ``with`` snippet found in the output is a true positive,
  missing a false negative; a ``without`` snippet found is a false positive. Whitespace is collapsed on
  both sides before matching. Precision, recall and F1 over all snippets.

Each extractor gets the page bytes; pages/s is over both sets, decoding included, one process. Pages
are run page by page with every extractor in turn, so that other load on the machine falls on all alike.
Usage: ``python benchmarks/extraction.py [--limit N] [--only NAME ...]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from gristmill.document import Document
from gristmill.steps.extract import Extract
from gristmill.text.charset import decode_page


def _shared_data() -> Path:
    """``shared/data`` beside the repository (or beside a folder above it, for worktrees)."""
    for folder in Path(__file__).resolve().parents[1].parents:
        if (folder / "shared" / "data").is_dir():
            return folder / "shared" / "data"
    return Path("../shared/data")


DATA = _shared_data() / "html_extraction"
SCRAPINGHUB = DATA / "scrapinghub_article_extraction_benchmark"
TRAFILATURA_EVAL = DATA / "trafilatura_eval"

Extractor = Callable[[bytes], str]


def load_scrapinghub(limit: int | None) -> list[tuple[bytes, str]]:
    gold = json.loads((SCRAPINGHUB / "ground-truth.json").read_text(encoding="utf-8"))
    keys = sorted(gold)[:limit]
    html = SCRAPINGHUB / "html"
    return [(gzip.decompress((html / f"{k}.html.gz").read_bytes()), gold[k]["articleBody"]) for k in keys]


def load_trafilatura_eval(limit: int | None) -> list[tuple[bytes, list[str], list[str]]]:
    entries = json.loads((TRAFILATURA_EVAL / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for _, entry in sorted(entries.items())[:limit]:
        path = TRAFILATURA_EVAL / "html" / f"{entry['file']}.gz"
        if path.exists():
            page = gzip.decompress(path.read_bytes())
            pages.append((page, entry.get("with", []), entry.get("without", [])))
    return pages


_TOKEN = re.compile(r"\w+")


def _shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def shingle_scores(gold: str, pred: str) -> tuple[float, float, float]:
    """Normalised (tp, fp, fn) of one page, as the upstream evaluate.py counts them."""
    g, p = _shingles(gold), _shingles(pred)
    tp = sum((g & p).values())
    fp = sum((p - g).values())
    fn = sum((g - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def scrapinghub_metrics(triples: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    precisions = [1.0 if fp == fn == 0 else tp / (tp + fp) for tp, fp, fn in triples if tp + fp > 0]
    recalls = [1.0 if fp == fn == 0 else tp / (tp + fn) for tp, fp, fn in triples if tp + fn > 0]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


_SPACE = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def snippet_metrics(results: list[tuple[str, list[str], list[str]]]) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for text, with_, without in results:
        flat = _squash(text)
        for snippet in with_:
            if _squash(snippet) in flat:
                tp += 1
            else:
                fn += 1
        fp += sum(1 for snippet in without if _squash(snippet) in flat)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def gristmill_extractor(engine: str) -> Extractor:
    step = Extract(engine=engine)  # type: ignore[arg-type]

    def run(data: bytes) -> str:
        doc = Document(id="page", text="", meta={"content_type": "text/html"}, raw=data)
        return doc.text if step.keep(doc) is True else ""

    return run


def trafilatura_default() -> Extractor:
    import trafilatura

    def run(data: bytes) -> str:
        return trafilatura.extract(data) or ""

    return run


def resiliparse_direct(main_content: bool) -> Extractor:
    from resiliparse.extract.html2text import extract_plain_text

    def run(data: bytes) -> str:
        return extract_plain_text(decode_page(data).text, main_content=main_content)

    return run


EXTRACTORS: dict[str, Callable[[], Extractor]] = {
    "gristmill extract (resiliparse)": lambda: gristmill_extractor("resiliparse"),
    "gristmill extract (trafilatura)": lambda: gristmill_extractor("trafilatura"),
    "trafilatura.extract (defaults)": trafilatura_default,
    "resiliparse main_content=True": lambda: resiliparse_direct(True),
    "resiliparse (defaults, full page)": lambda: resiliparse_direct(False),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--limit", type=int, default=None, help="pages per set (default: all)")
    parser.add_argument("--only", nargs="*", default=None, help="substrings of extractor names to run")
    args = parser.parse_args()
    if not SCRAPINGHUB.exists():
        print(f"benchmark data not found at {DATA}", file=sys.stderr)
        return 1
    articles = load_scrapinghub(args.limit)
    pages = load_trafilatura_eval(args.limit)
    print(f"scrapinghub: {len(articles)} pages; trafilatura eval: {len(pages)} pages")
    header = (
        f"| {'extractor':<34} | SH P  | SH R  | SH F1 | TE P  | TE R  | TE F1 | pages/s |\n"
        f"|{'-' * 36}|-------|-------|-------|-------|-------|-------|---------|"
    )
    chosen = {
        name: factory()
        for name, factory in EXTRACTORS.items()
        if not args.only or any(part in name for part in args.only)
    }
    # Page by page, every extractor in turn: load on the machine from other work falls on all alike.
    seconds = dict.fromkeys(chosen, 0.0)
    clock = time.perf_counter

    def each(html: bytes) -> dict[str, str]:
        out = {}
        for name, extract in chosen.items():
            start = clock()
            out[name] = extract(html)
            seconds[name] += clock() - start
        return out

    sh_out = [(gold, each(html)) for html, gold in articles]
    te_out = [(each(html), with_, without) for html, with_, without in pages]
    rows = []
    speeds: dict[str, float] = {}
    for name in chosen:
        speeds[name] = (len(articles) + len(pages)) / seconds[name]
        sp, sr, sf = scrapinghub_metrics([shingle_scores(gold, out[name]) for gold, out in sh_out])
        tp, tr, tf = snippet_metrics([(out[name], w, wo) for out, w, wo in te_out])
        rows.append(
            f"| {name:<34} | {sp:.3f} | {sr:.3f} | {sf:.3f} | {tp:.3f} | {tr:.3f} | {tf:.3f} | "
            f"{speeds[name]:7.1f} |"
        )
    print(header)
    print("\n".join(rows))
    base = speeds.get("trafilatura.extract (defaults)")
    if base:
        for name, speed in speeds.items():
            print(f"{name}: {speed / base:.1f}x trafilatura's pages/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
