"""The Gopher quality and C4 filters' verdicts, signals and kept texts, pinned by hash (issue 16, stop 23).

Taken before their Python was cut down for speed, over real web text and odd lines that reach every
rule (citation marks, policy phrases, long words, brackets, symbols, digits of other scripts). A
faster filter must give the same bytes; the hash covers each document's verdict, signals and text.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import orjson

from gristmill.document import Document
from gristmill.steps.c4 import C4QualityFilter
from gristmill.steps.gopher import GopherQualityFilter
from gristmill.text import tokens
from gristmill.text.tokens import document_tokens, word_tokens
from tests.text.test_tokens_pinned import VARIED, _texts

ODD_LINES = [
    "A line that ends well and has words enough [1] to stay [edit] here [citation needed].",
    "Short one.",
    "no terminal punctuation in this line at all",
    "It ends with an ellipsis, so C4 removes it...",
    "Please enable JavaScript in your browser to see this page.",
    "This site uses cookies to improve your experience, as it says.",
    "Read our Privacy Policy and the Terms of Use before you go on.",
    "We use cookies. We use of cookies sometimes, and a Cookie Policy too.",
    "A " + "x" * 1001 + " word too long for C4, said the rule.",
    "A " + "y" * 1000 + " word just short enough for C4, it said.",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
    "A curly { bracket drops the whole document, they say.",
    "“Quoted speech ends inside its quotes,” she said.”",
    "Numbers like ١٢٣ and ½ or ² are not letters, are they?",
    "# ## ### #hash #tag ... … .... —— ––– !!! ??? ... at the end…",
    "• a bullet line here.",
    "- a dash line here.",
    "   ",
    "",
    "Mr. Smith went to Washington. Then he came back! Did he? Yes... He did.",
    "Ünïcödé wörds ǅemal ﬁne straße İstanbul — are words, with letters, aren't they?",
    "\t tabs\tand  spaces   inside a line that ends well.",
    "123 456 789 000.",
    "🙂 😀 👍🏽 ❤️ ★ ✓ © ® ™ emoji and symbols everywhere!",
]


def _odd_texts() -> list[str]:
    rng = random.Random(23)
    texts = ["\n".join(ODD_LINES), "\r\n".join(ODD_LINES), VARIED, "", " ", "...", "{", "word"]
    for _ in range(200):
        texts.append("\n".join(rng.choice(ODD_LINES) for _ in range(rng.randrange(1, 30))))
    for _ in range(100):
        chars = "ab ,.!?…#-•{}[]1١½²\n\t'\"“”aé🙂"
        texts.append("".join(rng.choice(chars) for _ in range(rng.randrange(0, 300))))
    return texts


def _digest(step: GopherQualityFilter | C4QualityFilter, texts: list[str]) -> str:
    digest = hashlib.sha256()
    for i, text in enumerate(texts):
        doc = Document(str(i), text)
        verdict = step.keep(doc)
        # What C4 hands on as the kept text's tokens (the next step's) are the text's own.
        assert tuple(document_tokens(doc.text)) == tuple(word_tokens(doc.text))
        digest.update(orjson.dumps([verdict, doc.signals, doc.text], option=orjson.OPT_SORT_KEYS))
    return digest.hexdigest()[:16]


# Taken on the filters before stop 23's speed work (commit 996ad09).
PINNED = {
    "gopher_quality": {"real": "3cde4cbbd68385b2", "odd": "b01fff73e3cfb22f"},
    "c4_quality": {"real": "18479a22a79c53fd", "odd": "ab24071c9933459f"},  # stop 28: » no end mark
}


def test_gopher_quality_and_c4_are_pinned_on_real_and_odd_text(shared_data: Path) -> None:
    sets = {"real": _texts(shared_data), "odd": _odd_texts()}
    found = {}
    for step in (GopherQualityFilter(), C4QualityFilter()):
        tokens.clear_cache()
        found[step.name] = {name: _digest(step, texts) for name, texts in sets.items()}
        # A second pass (every cache warm) gives the same.
        assert {name: _digest(step, texts) for name, texts in sets.items()} == found[step.name]
    assert found == PINNED, found
