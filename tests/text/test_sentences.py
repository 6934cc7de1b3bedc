from gristmill.text import sentence_spans, split_sentences
from gristmill.text.sentences import line_and_sentence_spans


def test_seed_abbreviations_stay_inside_their_sentence(seed_text: str) -> None:
    sentences = split_sentences(seed_text)
    assert "Breaking Down Stalin vs. Trotsky." in sentences
    petrograd = [s for s in sentences if "Petrograd" in s]
    assert len(petrograd) == 1
    assert "(formerly St. Petersburg), events he would later chronicle" in petrograd[0]
    assert petrograd[0].endswith("History of the Russian Revolution.")


def test_seed_sentences_are_whole() -> None:
    text = "And he could do so. This was a huge dilemma for Trotsky. The revolution had been stymied."
    assert split_sentences(text) == [
        "And he could do so.",
        "This was a huge dilemma for Trotsky.",
        "The revolution had been stymied.",
    ]


def test_initials_decimals_and_titles_do_not_split() -> None:
    text = "Dr. J. R. Smith paid 3.5 dollars. Mr. Jones did not! Why? Nobody knows."
    assert split_sentences(text) == [
        "Dr. J. R. Smith paid 3.5 dollars.",
        "Mr. Jones did not!",
        "Why?",
        "Nobody knows.",
    ]


def test_line_breaks_end_sentences_and_spans_point_into_text() -> None:
    text = "Home\nNews and more\n\n  A first sentence. A second one.  "
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "Home",
        "News and more",
        "A first sentence.",
        "A second one.",
    ]


def test_closing_quote_after_period_is_kept_with_its_sentence() -> None:
    assert split_sentences('He said "go home." Then he left.') == ['He said "go home."', "Then he left."]


def test_empty_text_has_no_sentences() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\n ") == []


def test_lines_and_sentences_in_one_pass() -> None:
    text = "  Title line \n\n\t \nDr. Smith came. He left!  \r\nlast  "
    lines, sentences = line_and_sentence_spans(text)
    assert [text[a:b] for a, b in lines] == ["Title line", "Dr. Smith came. He left!", "last"]
    assert [text[a:b] for a, b in sentences] == ["Title line", "Dr. Smith came.", "He left!", "last"]
    assert sentences == sentence_spans(text)
    assert line_and_sentence_spans("") == ([], [])
