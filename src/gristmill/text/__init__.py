"""Text tools every step shares: sentences, words, tokens, lines, n-grams, content terms, furniture."""

from typing import TYPE_CHECKING

from gristmill.lazy import lazy_attributes
from gristmill.text.furniture import furniture_kind, furniture_rule
from gristmill.text.hashing import hash64, match_key
from gristmill.text.lines import duplicates, lines, nonblank_lines, paragraphs
from gristmill.text.normalize import normalize_text
from gristmill.text.punctuation import GOPHER_STOP_WORDS, PUNCTUATION, TERMINAL_PUNCTUATION, is_symbol
from gristmill.text.sentences import sentence_spans, split_sentences
from gristmill.text.tokens import count_sentences, word_tokens
from gristmill.text.words import words

if TYPE_CHECKING:
    from gristmill.text.content import content_terms, stopword_share
    from gristmill.text.ngrams import NgramIndex

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

# These bring numpy: imported when first used, so a step that only splits sentences does not load it.
_HOMES = {
    "NgramIndex": "gristmill.text.ngrams",
    "content_terms": "gristmill.text.content",
    "stopword_share": "gristmill.text.content",
}
__getattr__ = lazy_attributes(__name__, _HOMES)
