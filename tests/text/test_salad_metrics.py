import gzip
import itertools
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from gristmill.text.content import content_terms, stem
from gristmill.text.furniture import furniture_kind
from saladgen.metrics import adjusted_rand_index, auroc


def test_ari_is_one_for_the_same_partition_under_other_names() -> None:
    assert adjusted_rand_index([0, 0, 1, 1, 2], [5, 5, 3, 3, 9]) == pytest.approx(1.0)


def test_ari_matches_a_hand_computed_value() -> None:
    # Contingency [[2,1],[0,2]]: index 2, rows 1+1=... computed by hand: ARI = 0.1666...
    assert adjusted_rand_index([0, 0, 0, 1, 1], [0, 0, 1, 1, 1]) == pytest.approx(1 / 6)


def test_auroc_counts_ties_as_half() -> None:
    assert auroc([0.9, 0.5, 0.5, 0.1], [True, True, False, False]) == pytest.approx(0.875)


def test_names_and_rare_words_weigh_more_than_common_ones() -> None:
    terms = content_terms("Then Trotsky told the company the revolution would spread.")
    assert terms["trotsky"] > terms["revolution"] > terms["company"]
    assert stem("revolutions") == stem("revolution")


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("© 2020 A&E Television Networks, LLC.", "copyright"),
        ("Sign up now to learn about This Day in History straight from your inbox.", "newsletter"),
        ("Log in to see your saved articles.", "call_to_action"),
        ('", 945 Magazine Street, New Orleans, LA 70130', "address"),
        ("He walked down the street in 1990 and signed up for the army.", None),
        ("…after the disastrous Battle of more, Francis Salvador takes his seat in 1775.", "seam"),
        ("Prices fell sharply … Read more Ten ways to save on your energy bill.", "seam"),
        ("She asked for more, and the more she had, the more she wanted.", None),
        ("Books, music and more. Free delivery on orders over $25.", None),
        ("Residents keep asking for more, Mayor Jones said on Tuesday.", None),
        ("The fund ran out of more, Officials said, than it had planned.", None),
    ],
)
def test_furniture_kinds(line: str, kind: str | None) -> None:
    assert furniture_kind(line) == kind


def test_a_run_longer_than_any_furniture_line_is_left_to_the_prose_measures() -> None:
    # The loose address pattern backtracked for about a second on such runs; a line of furniture is
    # never 600 characters long.
    run = "Call us on 555 123 4567 for tickets and 22 Baker Street rooms " * 20
    assert len(run) > 600
    assert furniture_kind(run) is None
    assert furniture_kind("Call us on 555 123 4567") == "address"


def _by_the_patterns(sentence: str) -> str | None:
    """What the furniture rules' patterns alone say of ``sentence``: no shortcut before them."""
    from gristmill.text import furniture

    stripped = sentence.strip()
    if stripped and len(stripped) <= 300:
        for name, pattern in furniture.FURNITURE_RULES:
            if pattern.search(stripped):
                return name
    if len(sentence) > furniture.LOOSE_MAX_CHARS:
        return None
    for kind, pattern in furniture._LOOSE_RULES:
        if pattern.search(sentence):
            return kind
    return "seam" if furniture._SEAM.search(sentence) else None


def test_the_cheap_tests_before_each_pattern_never_change_what_it_says(shared_data: Path) -> None:
    # Each rule's pattern is searched only in a sentence holding a word it needs. The patterns ignore
    # case as the re module does, which folds "ı", "İ" and "ſ" to i and s where str.lower() does not.
    crafted = [
        "All rıghts reserved.",
        "All rıghts reserved by the club since 1990 and onwards",
        "The text is copyrıght 2019 by its author, used with leave",
        "ALL RİGHTS RESERVED",
        "Thiſ ſite uſes cookies to help us.",
        "This site uses COOKİES.",
        "Read our prıvacy polıcy before you sign.",
        "By using it you agree to the Terms of Use.",
        "Copyright 2021 Example Ltd",
        "(C) 2020 The Mill Press",
        "&COPY; Example",
        "Write to help@example.org for details",
        "Call 020 7946 0958",
        "12 Mill Road, Springfield, IL 62701",
        "The cookie jar was empty, said the baker's son.",
    ]
    sentences = list(crafted)
    with gzip.open(
        shared_data / "web_text/dolma/CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz", "rt"
    ) as f:
        for line in itertools.islice(f, 300):
            sentences += json.loads(line)["text"].splitlines()
    assert len(sentences) > 5000
    found = [(s, furniture_kind(s)) for s in sentences]
    assert [(s, _by_the_patterns(s)) for s in sentences] == found
    assert sum(1 for _, kind in found if kind) > 100  # the real pages hold furniture of every kind
    assert {kind for _, kind in found} >= {"copyright", "cookie", "notice", "address", "share", None}
