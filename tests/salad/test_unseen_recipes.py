"""The unseen-recipe pages of benchmarks/saladgen/unseen.py: report half only, labels that match the text."""

import random
import sys

import pytest

from tests.helpers import REPO, SHARED

sys.path.insert(0, str(REPO / "benchmarks"))

from saladgen import half, unseen


@pytest.fixture(scope="module")
def pool() -> unseen.Pool:
    if not (SHARED / "data").is_dir():
        pytest.skip("../shared/data is not here")
    return unseen.Pool(SHARED / "data", "report")


def test_the_pool_holds_report_half_documents_only(pool: unseen.Pool) -> None:
    assert pool.docs
    assert {half(d.key) for d in pool.docs} == {"report"}


@pytest.mark.parametrize("name", list(unseen.RECIPES))
def test_each_recipe_builds_both_classes_with_matching_labels(pool: unseen.Pool, name: str) -> None:
    built = unseen.pages(pool, unseen.RECIPES[name], 3)
    stitched, genuine = built[:3], built[3:]
    for page in built:
        assert page.units and page.text
        for a, b, _ in page.units:
            assert page.text[a:b].strip() == page.text[a:b]  # a unit is a whole piece of the text
    for page in stitched:
        assert page.stitched
        assert len({s for _, _, s in page.units if s >= 0}) >= 2
    for page in genuine:
        assert not page.stitched
        assert {s for _, _, s in page.units if s >= 0} == {0}


def test_the_edit_swaps_words_and_changes_numbers() -> None:
    before = "The mill was built in 1852 by the harbour board."
    after = unseen.edit(before, random.Random(0))
    assert after != before
    assert "1852" not in after
    words_before = [w for w in before.split() if not w.isdigit()]
    words_after = [w for w in after.split() if not w.isdigit()]
    assert sorted(words_after) == sorted(words_before) and words_after != words_before


def test_runs_from_a_short_source_go_on_from_the_others() -> None:
    from saladgen import Source

    short = Source("short", "Short", [[f"Short sentence {i}." for i in range(3)]])
    long = Source("long", "Long", [[f"Long sentence {i}." for i in range(100)]])
    for seed in range(20):  # the short page is read out on most draws: the long one goes on
        runs = unseen._runs([short, long], 20, 1, 3, random.Random(seed))
        sentences = [s for _, run in runs for s in run]
        assert len(sentences) == 20 and len(set(sentences)) == 20
