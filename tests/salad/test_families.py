"""The fit's extra recipe families (benchmarks/saladgen/families.py): tune half, labels matching the text."""

import random
import re
import sys

import pytest

from tests.helpers import REPO, SHARED

sys.path.insert(0, str(REPO / "benchmarks"))

from saladgen import factors, families, half


@pytest.fixture(scope="module")
def corpus() -> factors.Corpus:
    if not (SHARED / "data").is_dir():
        pytest.skip("../shared/data is not here")
    return factors.Corpus(SHARED / "data", "tune")


def _sentences_used(page: object) -> set[str]:
    return {page.text[a:b] for a, b, s in page.units if s >= 0}  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", list(families.FAMILIES))
def test_each_family_builds_both_classes_from_tune_documents(corpus: factors.Corpus, name: str) -> None:
    built = families.pages(corpus, name, 4)
    stitched, genuine = built[:4], built[4:]
    tune_text = {s for pool in corpus.pools.values() for d in pool for s in d.sentences}
    for page in built:
        assert page.units and page.text
        for a, b, _ in page.units:
            assert page.text[a:b].strip() == page.text[a:b]  # a unit is a whole piece of the text
        if name != "edited":  # edited pages hold tune sentences after an edit
            prose = [page.text[a:b] for a, b, s in page.units if s >= 0 and page.text[a:b] in tune_text]
            assert len(prose) >= len(page.units) // 2
    for page in stitched:
        assert page.stitched
        assert len({s for _, _, s in page.units if s >= 0}) >= 2
    for page in genuine:
        assert not page.stitched
        assert {s for _, _, s in page.units if s >= 0} == {0}
    assert all(half(d.key) == "tune" for pool in corpus.pools.values() for d in pool)


def test_a_source_comes_back_after_another_in_insert_pages(corpus: factors.Corpus) -> None:
    built = families.pages(corpus, "insert", 6)[:6]
    for page in built:
        order = [s for _, _, s in page.units if s >= 0]
        runs = [s for i, s in enumerate(order) if i == 0 or order[i - 1] != s]
        assert len(runs) > len(set(runs))  # A ... B ... A


def test_long_pages_hold_50_to_150_sentences(corpus: factors.Corpus) -> None:
    for page in families.pages(corpus, "long", 40):
        assert 50 <= sum(1 for _, _, s in page.units if s >= 0) <= 150


def test_thread_posts_open_with_a_header_line(corpus: factors.Corpus) -> None:
    for page in families.pages(corpus, "thread", 3):
        lines = page.text.split("\n")
        assert sum(bool(re.match(families.HEADER_PATTERN, line)) for line in lines) >= 3


def test_the_copy_edit_changes_numbers_and_keeps_the_words() -> None:
    before = "The harbour board built the mill in 1852 for 300 workers."
    after = families.copy_edit(before, random.Random(3))
    assert after != before
    assert "1852" not in after and "300" not in after
    assert len(after.split()) == len(before.split())
