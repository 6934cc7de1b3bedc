"""Pages of the salad benchmark's report half, built once for the tests that edit them."""

import sys

import pytest

from tests.helpers import REPO, SHARED

sys.path.insert(0, str(REPO / "benchmarks"))

from saladgen import factors


@pytest.fixture(scope="session")
def base_pages() -> list[factors.Page]:
    """20 stitched and 20 genuine pages of the base condition, of documents no model was fitted on."""
    if not (SHARED / "data").is_dir():
        pytest.skip("shared/data is not beside the repository")
    corpus = factors.Corpus(SHARED / "data", "report")
    return factors.pages(corpus, factors.BASE, 20, seed=11)
