"""Text tools every step shares: normalisation, sentences, words, tokens, lines, n-grams, hashing."""

from gristmill.text.hashing import hash64, match_key
from gristmill.text.lines import duplicates, lines, nonblank_lines, paragraphs
from gristmill.text.ngrams import NgramIndex
from gristmill.text.normalize import normalize_text
from gristmill.text.punctuation import GOPHER_STOP_WORDS, PUNCTUATION, TERMINAL_PUNCTUATION, is_symbol
from gristmill.text.sentences import sentence_spans, split_sentences
from gristmill.text.tokens import count_sentences, word_tokens
from gristmill.text.words import words

__all__ = [
    "GOPHER_STOP_WORDS",
    "PUNCTUATION",
    "TERMINAL_PUNCTUATION",
    "NgramIndex",
    "count_sentences",
    "duplicates",
    "hash64",
    "is_symbol",
    "lines",
    "match_key",
    "nonblank_lines",
    "normalize_text",
    "paragraphs",
    "sentence_spans",
    "split_sentences",
    "word_tokens",
    "words",
]
