"""A WARC corpus of real pages for benchmarks/pipeline.py, with near-duplicates planted.

The pages are the 1,171 HTML files of ``../shared/data/html_extraction`` (news, blogs, shops; English,
German and more). Each page is written once as it is; a quarter of them also get one to three edited
copies under new URLs (0.2-5% of the words of their text nodes replaced, deleted or swapped), which a
near-duplicate step should find. Past the pages at hand the corpus goes on with fresh edited copies, so
``--size`` can ask for more than the 175 MB of real HTML. Records are gzip members, as crawlers write them.
"""

from __future__ import annotations

import gzip
import random
import re
from pathlib import Path

from _common import SHARED_DATA

_TEXT_NODE = re.compile(rb">([^<>]{60,})<")
_DONOR = (
    b"the of and in to a is that for it as was with be by on not he this are or his from at which".split()
)


def real_pages(data: Path = SHARED_DATA) -> list[tuple[str, bytes]]:
    """(url, page bytes) of every HTML page in the extraction benchmarks, in a fixed order."""
    import json

    pages: list[tuple[str, bytes]] = []
    zyte = data / "html_extraction" / "scrapinghub_article_extraction_benchmark"
    gold = json.loads((zyte / "ground-truth.json").read_text(encoding="utf-8"))
    for key in sorted(gold):
        pages.append((gold[key]["url"], gzip.decompress((zyte / "html" / f"{key}.html.gz").read_bytes())))
    evaluation = data / "html_extraction" / "trafilatura_eval"
    entries = json.loads((evaluation / "evaldata.json").read_text(encoding="utf-8"))
    for url, entry in sorted(entries.items()):
        path = evaluation / "html" / f"{entry['file']}.gz"
        if path.exists():
            pages.append((url, gzip.decompress(path.read_bytes())))
    return pages


def edited(page: bytes, strength: float, rng: random.Random) -> bytes:
    """``page`` with about ``strength`` of the words of its longer text nodes changed."""

    def change(match: re.Match[bytes]) -> bytes:
        words = match.group(1).split(b" ")
        for _ in range(round(strength * len(words))):
            spot = rng.randrange(len(words))
            kind = rng.random()
            if kind < 0.4:
                words[spot] = rng.choice(_DONOR)
            elif kind < 0.7 and len(words) > 1:
                del words[spot]
            else:
                other = rng.randrange(len(words))
                words[spot], words[other] = words[other], words[spot]
        return b">" + b" ".join(words) + b"<"

    return _TEXT_NODE.sub(change, page)


def response_record(url: str, body: bytes, number: int) -> bytes:
    """One WARC/1.0 response record (HTTP headers and body), uncompressed."""
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    head = (
        "WARC/1.0\r\nWARC-Type: response\r\n"
        f"WARC-Target-URI: {url}\r\nWARC-Date: 2024-05-01T10:00:00Z\r\n"
        f"WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-{number:012d}>\r\n"
        "Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(http)}\r\n\r\n"
    ).encode()
    return head + http + b"\r\n\r\n"


def write_corpus(folder: Path, megabytes: float, files: int = 4, seed: int = 7) -> dict[str, float]:
    """Write ``files`` WARC files of about ``megabytes`` MB (uncompressed) in all; return what was written."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    pages = real_pages()
    rng.shuffle(pages)
    budget = int(megabytes * 1e6)
    outs = [(folder / f"crawl-{i:02d}.warc.gz").open("wb") for i in range(files)]
    written = records = planted = 0
    round_ = 0
    try:
        while written < budget:
            for url, page in pages:
                if written >= budget:
                    break
                copies: list[tuple[str, bytes]] = []
                if round_ == 0:
                    copies.append((url, page))
                if round_ > 0 or rng.random() < 0.25:
                    for n in range(1 if round_ > 0 else rng.randint(1, 3)):
                        body = edited(page, rng.uniform(0.002, 0.05), rng)
                        copies.append((f"{url}#copy-{round_}-{n}", body))
                        planted += 1
                for copy_url, body in copies:
                    record = response_record(copy_url, body, records)
                    # One gzip member per record, so readers can seek and a cut costs one record.
                    outs[records % files].write(gzip.compress(record, compresslevel=6, mtime=0))
                    written += len(record)
                    records += 1
            round_ += 1
    finally:
        for out in outs:
            out.close()
    compressed = sum(p.stat().st_size for p in folder.glob("*.warc.gz"))
    return {"records": records, "planted": planted, "mb": written / 1e6, "gz_mb": compressed / 1e6}
