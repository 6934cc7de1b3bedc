"""The word tokenizer's output on real and tricky text, pinned by hash before its speed work (issue 16).

The Gopher, C4 and FineWeb signals are counts over these tokens, so a faster tokenizer must give
exactly the same tokens; the hash covers every token of every text, in order.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

from gristmill.text import tokens
from gristmill.text.tokens import count_sentences, iter_word_tokens, word_tokens

# Every rule of the tokenizer at least once: affixes, units, currency, ellipses, contractions, URLs,
# emoticons, symbols and emoji (alone, inside and at the ends of chunks), scripts the rules leave out.
VARIED = """\
"Don't!" she said... (really?) It's 3.5kg, 10km/h, 20°C. and 5°F. — or US$30, €5, 12%, +7, 3+ items.
Mr. Smith & Dr. Who met at 10:30 a.m. in the U.S.A.; see https://example.com/a?b=c#d, www.x.org. ok.
well-known foo--bar a/b A.B hello.World x,y 1-2 3^4 co-op's rock'n'roll Rock’s ’tis y'all …and……
Smile :) :-( <3 ;) xD ^_^ «Ça va?» „Gut“ 「日本語」『引用』（括弧）【注】 ¿Qué? ¡Sí! ١٢٣ ؟ ۔ ।
Emoji 😀x 👍🏽 ❤️ ★star✓ ©2024 ®™ ♥♦ ⚡️ 🇫🇷 a😀b 😀😀 #tag #1 *bold* _it_ [1] {x} ~approx
Հայերեն բառ ქართული ენა ދިވެހި ελληνικά Ελλάδα ΣΊΣΥΦΟΣ кириллица İstanbul straße ǅemal ﬁne
numbers 1,000,000.00 1.5e-3 0x1F 2nd 3rd 4th 1/2 ½ ¾ 5² m³ 3pm 9am 100MB 2GB 30mph ...... etc.
emails a.b@c.de x@y ... trailing dots.. two.. three... four.... 'quoted' ‘curly’ “double” ``tex''
"""


def _texts(shared_data: Path) -> list[str]:
    texts = [VARIED, VARIED.upper(), VARIED.replace(" ", "")]
    for path in sorted((shared_data / "web_text" / "dolma").glob("*.jsonl.gz")):
        if path.stat().st_size < 1_000_000:
            with gzip.open(path, "rt", encoding="utf-8") as lines:
                texts += [json.loads(line)["text"] for line in lines]
    pages = shared_data / "html_extraction" / "scrapinghub_article_extraction_benchmark" / "output"
    full = json.loads((pages / "html-text.json").read_text(encoding="utf-8"))
    texts += [entry["articleBody"] for _, entry in sorted(full.get("output", full).items())]
    return texts


def _digest(texts: list[str]) -> tuple[str, int, int]:
    digest = hashlib.sha256()
    count = sentences = 0
    for text in texts:
        found = word_tokens(text)
        digest.update("\x00".join(found).encode("utf-8", "surrogatepass") + b"\x01")
        count += len(found)
        sentences += count_sentences(found)
    return digest.hexdigest()[:16], count, sentences


# Taken on the tokenizer before its cold-start work (commit df1d597).
PINNED = ("a43cf7a734f18d98", 334094, 11343)


def test_word_tokens_are_pinned_on_real_and_tricky_text(shared_data: Path) -> None:
    texts = _texts(shared_data)
    tokens.clear_cache()  # cold: every chunk split by the rules
    cold = _digest(texts)
    warm = _digest(texts)  # the second pass comes from the per-chunk cache
    assert cold == warm == PINNED, cold
    assert [list(iter_word_tokens(t)) for t in texts[:3]] == [word_tokens(t) for t in texts[:3]]


def test_the_shortcuts_split_every_chunk_of_real_text_as_the_affix_loop_does(shared_data: Path) -> None:
    from tests.text.test_tokens import _by_the_loop

    chunks = {chunk for text in _texts(shared_data) for chunk in text.split()}
    wrong = [c for c in sorted(chunks) if tokens._new_chunk_tokens(c) != _by_the_loop(c)]
    assert wrong == [] and len(chunks) > 50_000
