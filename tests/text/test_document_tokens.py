"""One tokenization per text version, shared by the steps that count tokens (issue 16)."""

from gristmill.steps.fineweb import FineWebQualityFilter
from gristmill.steps.gopher import GopherQualityFilter, GopherRepetitionFilter
from gristmill.text import tokens
from gristmill.text.tokens import document_tokens, word_tokens

TEXT = "Don't stop: the U.S. economy grew 3% in 2023... says Mr. Smith (e.g. in Q3)."


def test_the_same_text_is_tokenized_once_and_gives_the_tokenizers_tokens() -> None:
    first = document_tokens(TEXT)
    again = document_tokens("".join(list(TEXT)))  # equal, not the same object
    assert first == tuple(word_tokens(TEXT)) and again is first


def test_a_changed_text_is_tokenized_again() -> None:
    first = document_tokens(TEXT)
    changed = document_tokens(TEXT + " More words.")
    assert changed == tuple(word_tokens(TEXT + " More words.")) and changed is not first


def test_a_text_longer_than_a_block_is_not_held() -> None:
    long = "word " * (tokens._BLOCK // 5 + 10)
    found = document_tokens(long)
    assert not isinstance(found, tuple)
    assert list(found) == word_tokens(long)


def test_the_steps_signals_are_those_of_fresh_tokens() -> None:
    text = "\n".join(f"Line {i} of a page that says the same thing again and again." for i in range(40))
    steps = [GopherRepetitionFilter(), GopherQualityFilter(), FineWebQualityFilter()]
    for step in steps:
        step.setup()
    shared = [step.measure(text) for step in steps]  # the second and third reuse the first's tokens
    alone = []
    for step in steps:
        tokens.clear_cache()  # as if no step had seen the text
        alone.append(step.measure(text))
    assert shared == alone


def test_the_tokens_c4_hands_on_are_those_of_its_kept_text() -> None:
    from gristmill.document import Document
    from gristmill.steps.c4 import C4QualityFilter

    lines = [f"Line {i} of a page [1] that says the same thing again, and again." for i in range(12)]
    doc = Document("d", "\n".join([*lines, "menu  home  about", "  We use cookies, see our policy.  "]))
    assert C4QualityFilter().keep(doc) is True
    handed_on = document_tokens(doc.text)
    assert handed_on == tuple(word_tokens(doc.text)) and "[" not in handed_on
    after_c4 = FineWebQualityFilter().measure(doc.text)
    tokens.clear_cache()
    assert FineWebQualityFilter().measure(doc.text) == after_c4
