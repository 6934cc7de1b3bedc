"""Text tools every step shares: sentences, words, tokens, lines, n-grams, content terms, furniture."""

from typing import TYPE_CHECKING

from gristmill.lazy import lazy_attributes

# Named like their modules: imported now, or the package attribute would be the module once a step
# imported it (``gristmill.text.lines``), and ``from gristmill.text import lines`` would give that.
from gristmill.text.lines import duplicates, lines, nonblank_lines, paragraphs
from gristmill.text.words import words

if TYPE_CHECKING:
    from gristmill.text.content import content_terms, stopword_share
    from gristmill.text.furniture import furniture_kind, furniture_rule
    from gristmill.text.hashing import hash64, match_key
    from gristmill.text.ngrams import NgramIndex
    from gristmill.text.normalize import normalize_text
    from gristmill.text.punctuation import GOPHER_STOP_WORDS, PUNCTUATION, TERMINAL_PUNCTUATION, is_symbol
    from gristmill.text.sentences import sentence_spans, split_sentences
    from gristmill.text.tokens import count_sentences, word_tokens

__all__ = [
    "GOPHER_STOP_WORDS",
    "PUNCTUATION",
    "TERMINAL_PUNCTUATION",
    "NgramIndex",
    "content_terms",
    "count_sentences",
    "duplicates",
    "furniture_kind",
    "furniture_rule",
    "hash64",
    "is_symbol",
    "lines",
    "match_key",
    "nonblank_lines",
    "normalize_text",
    "paragraphs",
    "sentence_spans",
    "split_sentences",
    "stopword_share",
    "word_tokens",
    "words",
]

# Each name is imported when first used: importing one module of the package (``text.charset`` for
# extract) does not load the others (the token tables, numpy behind n-grams and content terms).
_HOMES = {
    "GOPHER_STOP_WORDS": "gristmill.text.punctuation",
    "PUNCTUATION": "gristmill.text.punctuation",
    "TERMINAL_PUNCTUATION": "gristmill.text.punctuation",
    "NgramIndex": "gristmill.text.ngrams",
    "content_terms": "gristmill.text.content",
    "count_sentences": "gristmill.text.tokens",
    "furniture_kind": "gristmill.text.furniture",
    "furniture_rule": "gristmill.text.furniture",
    "hash64": "gristmill.text.hashing",
    "is_symbol": "gristmill.text.punctuation",
    "match_key": "gristmill.text.hashing",
    "normalize_text": "gristmill.text.normalize",
    "sentence_spans": "gristmill.text.sentences",
    "split_sentences": "gristmill.text.sentences",
    "stopword_share": "gristmill.text.content",
    "word_tokens": "gristmill.text.tokens",
}
__getattr__ = lazy_attributes(__name__, _HOMES)
