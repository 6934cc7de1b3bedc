import random
import re

from gristmill.text import sentence_spans, split_sentences
from gristmill.text.sentences import line_and_sentence_spans, loose_sentence_spans


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


def _per_line_spans(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The splitter as it was, line by line (the whole-text version must give the same offsets).

    Its candidate regex is the one before the first mark was moved ahead of the look-behind.
    """
    from gristmill.text.sentences import _ends_sentence

    candidates = re.compile(r"(?<![.!?…])[.!?…]++[\"'”’»)\]]*+(?=\s)")

    lines: list[tuple[int, int]] = []
    spans: list[tuple[int, int]] = []

    def add(line: str, offset: int, start: int, end: int) -> None:
        piece = line[start:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            spans.append((offset + start + lead, offset + start + lead + len(piece.strip())))

    for found in re.finditer(r"[^\n]+", text):
        line, offset = found.group(), found.start()
        if not line.strip():
            continue
        start = offset + len(line) - len(line.lstrip())
        lines.append((start, start + len(line.strip())))
        cut = 0
        for match in candidates.finditer(line):
            if _ends_sentence(line, match.start(), match.end()):
                add(line, offset, cut, match.end())
                cut = match.end()
        if cut == 0:
            spans.append(lines[-1])
        else:
            add(line, offset, cut, len(line))
    return lines, spans


def test_whole_text_pass_matches_the_per_line_splitter() -> None:
    # Candidates at line ends, runs of marks, quotes, abbreviations, initials, Unicode spaces.
    rng = random.Random(11)
    pieces = [
        "Mr",
        "U.S",
        "J",
        "word",
        "Cat",
        "été",
        "3.5",
        ".",
        "!",
        "?",
        "…",
        '"',
        "”",
        ")",
        " ",
        " ",
        "  ",
        "\n",
        "\n\n",
        "\t",
        "\r",
        "\u2028",
        "\x85",
        "\u00a0",
        "a",
        "B",
        "’",
        "]",
        "«",
        "(",
        "..",
        "?!",
        "\u3000",
    ]
    texts = ["", " ", "\n", "End.\nnext line. Next one", "A. B.\n  C!  \n\nd?", "x.\u2028Y", "Hi.\r\nYo."]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randrange(40))) for _ in range(4000)]
    for text in texts:
        assert line_and_sentence_spans(text) == _per_line_spans(text), repr(text)


def _loose(text: str) -> list[str]:
    return [text[a:b] for a, b in loose_sentence_spans(text)]


RUN_ON = "the mill stands by the brook and grinds rye for the bakers of the village every day. " * 8


def test_a_lowercased_run_on_page_is_cut_at_its_full_stops() -> None:
    said = _loose(RUN_ON)
    assert len(sentence_spans(RUN_ON)) == 1  # the strict rule wants a capital after the space
    assert len(said) == 8 and all(s.startswith("the mill") and s.endswith("day.") for s in said)


def test_no_space_or_an_nbsp_entity_after_a_full_stop_still_ends_a_run_on_sentence() -> None:
    pieces = RUN_ON.strip().split("day. ")
    # "day.The mill" (no space) and "day.&nbsp;the mill" (a literal entity) in turn
    text = "day.".join(p[0].upper() + p[1:] if k % 2 else p for k, p in enumerate(pieces))
    text = text.replace("day.the", "day.&nbsp;the")
    said = _loose(text)
    assert len(said) == 8
    assert all("&nbsp;" not in s for s in said)


def test_the_loose_rule_keeps_abbreviations_initials_decimals_and_addresses_whole() -> None:
    tail = "dr. smith met j. smith at 3.5 p.m. by example.com and the u.s. office today."
    said = _loose(RUN_ON + tail)
    assert said[-1] == tail


def test_sentences_of_ordinary_length_are_left_as_the_strict_rule_cut_them() -> None:
    text = "it was late. the mill stood still. Then the wheel turned."
    assert _loose(text) == split_sentences(text)
