"""The documents the quality benchmarks run on: real web text and the main text of real pages.

- every document of ``shared/data/web_text`` (Common Crawl text, Dolma format);
- the gold article bodies and the full-page text (``html-text``) of the Scrapinghub extraction set;
- the main text and the full text of every page of the trafilatura evaluation set, both extracted
  with resiliparse (cached under ``benchmarks/_data/``, which git ignores).

Run as a script it prints how many documents each source gives.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = next(
    (p / "shared" / "data" for p in ROOT.parents if (p / "shared" / "data").is_dir()),
    ROOT / ".." / "shared" / "data",
)
CACHE = ROOT / "benchmarks" / "_data" / "quality_corpus.jsonl.gz"


def _extracted_pages() -> list[tuple[str, str]]:
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding

    base = SHARED / "html_extraction" / "trafilatura_eval"
    evaldata = json.loads((base / "evaldata.json").read_text(encoding="utf-8"))
    out = []
    for url, entry in evaldata.items():
        path = base / "html" / (entry["file"] + ".gz")
        if not path.exists():
            continue
        raw = gzip.decompress(path.read_bytes())
        html = bytes_to_str(raw, detect_encoding(raw))
        out.append((f"trafilatura-main:{url}", extract_plain_text(html, main_content=True)))
        out.append((f"trafilatura-full:{url}", extract_plain_text(html, main_content=False)))
    return out


def load_corpus() -> list[tuple[str, str]]:
    """Return ``(id, text)`` for every benchmark document (non-empty texts only)."""
    docs: list[tuple[str, str]] = []
    for path in sorted((SHARED / "web_text").rglob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                docs.append((f"web:{record['id']}", record["text"]))
    scrapinghub = SHARED / "html_extraction" / "scrapinghub_article_extraction_benchmark"
    gold = json.loads((scrapinghub / "ground-truth.json").read_text(encoding="utf-8"))
    docs += [(f"scrapinghub-gold:{k}", v["articleBody"]) for k, v in gold.items()]
    full = json.loads((scrapinghub / "output" / "html-text.json").read_text(encoding="utf-8"))
    full = full.get("output", full)
    docs += [(f"scrapinghub-full:{k}", v["articleBody"]) for k, v in full.items()]
    if not CACHE.exists():
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(CACHE, "wt", encoding="utf-8") as out:
            for doc_id, text in _extracted_pages():
                out.write(json.dumps({"id": doc_id, "text": text}) + "\n")
    with gzip.open(CACHE, "rt", encoding="utf-8") as lines:
        docs += [(r["id"], r["text"]) for r in map(json.loads, lines)]
    return [(doc_id, text) for doc_id, text in docs if text and text.strip()]


if __name__ == "__main__":
    from collections import Counter

    corpus = load_corpus()
    print(f"{len(corpus)} documents:", dict(Counter(doc_id.split(":", 1)[0] for doc_id, _ in corpus)))
