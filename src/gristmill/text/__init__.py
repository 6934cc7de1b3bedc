"""Text tools every step shares: normalisation, sentences, words, content terms, furniture, hashing."""

from gristmill.text.content import content_terms, stopword_share
from gristmill.text.furniture import furniture_kind
from gristmill.text.hashing import hash64
from gristmill.text.normalize import normalize_text
from gristmill.text.sentences import sentence_spans, split_sentences
from gristmill.text.words import words

__all__ = [
    "content_terms",
    "furniture_kind",
    "hash64",
    "normalize_text",
    "sentence_spans",
    "split_sentences",
    "stopword_share",
    "words",
]
