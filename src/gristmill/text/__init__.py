"""Text tools every step shares: normalisation, sentences, words, hashing."""

from gristmill.text.hashing import hash64, match_key
from gristmill.text.normalize import normalize_text
from gristmill.text.sentences import sentence_spans, split_sentences
from gristmill.text.words import words

__all__ = ["hash64", "match_key", "normalize_text", "sentence_spans", "split_sentences", "words"]
