"""A keyword stuffed into every sentence must not make a stitched page read as one text.

A new user's trial (stop 36) put one made-up word into each sentence of stitched news pages and the
detector's flags fell from 16 of 20 to 0: the word linked every sentence to every other through the
word terms, the word vectors and the names. Pages written for search engines carry such a keyword.
"""

import sys
from collections.abc import Callable

import pytest

from gristmill.salad import analyse
from gristmill.salad.analysis import DEFAULT_THRESHOLD
from gristmill.salad.features import recurring
from gristmill.salad.transitions import page_names
from gristmill.text.sentences import sentence_spans
from tests.helpers import REPO

sys.path.insert(0, str(REPO / "benchmarks"))

from saladgen import factors

KEYWORDS = ["zorblax", "Zorblax", "plumbers", "Dallas plumbers"]


def stuffed(text: str, keyword: str) -> str:
    """``text`` with ``keyword`` after the second word of every sentence."""
    out, last = [], 0
    for start, end in sentence_spans(text):
        said = text[start:end].split(" ")
        out.append(text[last:start] + " ".join([*said[:2], keyword, *said[2:]]))
        last = end
    return "".join(out) + text[last:]


def test_a_term_in_most_sentences_is_recurring() -> None:
    terms = [{"mill", "brook"}, {"mill"}, {"wheel"}, {"mill", "wheel"}]
    assert recurring(terms) == {"mill"}  # three of four: over RECURRING_SHARE; two of four: under
    assert recurring(terms, share=0.5) == {"mill", "wheel"}


def test_a_terms_weight_is_not_counted_as_sentences() -> None:
    # A rare term weighs ~4: counted by its weights, one sentence in four passed for four.
    terms = [{"lim": 4.0, "mill": 1.0}, {"mill": 1.0}, {"mill": 1.0}, {"wheel": 1.0}]
    assert recurring(terms) == {"mill"}


def test_a_name_on_every_line_links_no_sentence_to_another() -> None:
    said = ["Rain fell on Zorblax and Paris.", "Then Zorblax slept.", "The Zorblax team met Oslo."]
    assert page_names(said) == [{"paris"}, set(), {"oslo"}]


def flagged(pages: list[factors.Page], keyword: str | None) -> int:
    return flagged_after(pages, (lambda text: stuffed(text, keyword)) if keyword else None)


def flagged_after(pages: list[factors.Page], edit: Callable[[str], str] | None) -> int:
    """How many of ``pages`` the default threshold flags, each edited by ``edit`` first."""
    texts = [edit(p.text) if edit else p.text for p in pages]
    return sum(analyse(text).score >= DEFAULT_THRESHOLD for text in texts)


@pytest.mark.parametrize("keyword", KEYWORDS)
def test_a_stuffed_keyword_does_not_hide_stitched_pages(base_pages: list[factors.Page], keyword: str) -> None:
    stitched = [p for p in base_pages if p.stitched]
    plain = flagged(stitched, None)
    assert plain >= 10  # the base condition's recall is ~60%: the comparison below means something
    assert flagged(stitched, keyword) >= plain - 2


@pytest.mark.parametrize("keyword", KEYWORDS)
def test_a_stuffed_keyword_does_not_make_genuine_pages_stitched(
    base_pages: list[factors.Page], keyword: str
) -> None:
    genuine = [p for p in base_pages if not p.stitched]
    assert flagged(genuine, keyword) <= flagged(genuine, None) + 1
