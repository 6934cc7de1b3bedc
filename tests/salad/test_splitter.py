"""The splitter on its own: a page forced to split is cut into the sources it was built from."""

import pytest

from gristmill.salad import analyse
from tests.steps.test_salad import DIGEST

VOLCANO, CHESS, BAKERY = DIGEST[0], DIGEST[1], DIGEST[2]

# Three news items stitched in runs of one or two sentences, each item read in order.
RUNS = [
    [VOLCANO[0], VOLCANO[1], CHESS[0], BAKERY[0], VOLCANO[2], CHESS[1], CHESS[2], BAKERY[1]],
    [BAKERY[2], VOLCANO[3], CHESS[3], BAKERY[3]],
]
# The same items, one sentence from each in turn.
SINGLES = [[item[i] for i in range(4) for item in (VOLCANO, CHESS, BAKERY)]]


@pytest.mark.parametrize("paragraphs", [RUNS, SINGLES], ids=["runs", "single_sentences"])
def test_a_page_of_three_known_sources_is_split_into_them(paragraphs: list[list[str]]) -> None:
    text = "\n\n".join(" ".join(p) for p in paragraphs)
    found = analyse(text, threshold=1e-9)  # forced: every judged page is split
    said = [text[a:b].strip() for a, b in found.spans]
    label = dict(zip(said, found.labels, strict=True))
    groups = [{label[s] for s in item} for item in (VOLCANO, CHESS, BAKERY)]
    assert all(len(g) == 1 for g in groups), groups  # each source in one part
    assert len(set().union(*groups)) == 3 and found.sources == 3  # and the parts are distinct


def test_an_eight_sentence_page_of_three_sources_is_cut_in_three() -> None:
    # At most one source per three sentences allowed an 8-sentence page only two parts.
    text = " ".join([*VOLCANO[:3], *CHESS[:3], *BAKERY[:2]])
    found = analyse(text, threshold=1e-9)
    said = [text[a:b].strip() for a, b in found.spans]
    label = dict(zip(said, found.labels, strict=True))
    groups = [{label[s] for s in item} for item in (VOLCANO[:3], CHESS[:3], BAKERY[:2])]
    assert all(len(g) == 1 for g in groups), groups
    assert found.sources == 3
