"""Edits a template or a scrape makes to every sentence must not hide a stitched page (stop 37's trial).

A lowercased page, "end.Next" with no space and a literal "&nbsp;" after each full stop left the whole
page one sentence to the splitter: every page came back not judged, score 0. A date stamp on every
sentence still hides most stitched pages at the default threshold (docs/salad.md, "Stop 37"); it is
held here to rank them and to flag no more genuine pages.
"""

import re
import sys
from collections.abc import Callable

import numpy as np
import pytest

from gristmill.salad import analyse
from gristmill.text.sentences import sentence_spans
from tests.helpers import REPO, SHARED
from tests.salad.test_keyword_stuffing import flagged_after

sys.path.insert(0, str(REPO / "benchmarks"))

from saladgen import factors
from saladgen.metrics import auroc


def lowercased(text: str) -> str:
    return text.lower()


def no_space_after_stops(text: str) -> str:
    return re.sub(r"([.!?]) (?=[A-Z])", r"\1", text)


def nbsp_after_stops(text: str) -> str:
    return re.sub(r"([.!?]) (?=[A-Z])", r"\1&nbsp;", text)


def date_stamped(text: str) -> str:
    out, last = [], 0
    for k, (start, end) in enumerate(sentence_spans(text)):
        out.append(text[last:start] + f"2024-03-{10 + k % 19:02d} — " + text[start:end])
        last = end
    return "".join(out) + text[last:]


def moreover_before_each(text: str) -> str:
    out, last = [], 0
    for start, end in sentence_spans(text):
        out.append(text[last:start] + "Moreover, " + text[start].lower() + text[start + 1 : end])
        last = end
    return "".join(out) + text[last:]


EDITS: dict[str, Callable[[str], str]] = {
    "lowercased": lowercased,
    "no_space": no_space_after_stops,
    "nbsp": nbsp_after_stops,
    "date_stamps": date_stamped,
    "moreover": moreover_before_each,  # flagged 4-5 of 40 genuine tune pages before stop 37
}


@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
def test_an_edited_page_is_still_judged(base_pages: list, edit: str) -> None:
    judged = sum(analyse(EDITS[edit](p.text)).score > 0 for p in base_pages)
    assert judged >= len(base_pages) - 4  # before: 0 of 40 for the first three


@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
def test_an_edited_page_still_ranks_stitched_above_genuine(base_pages: list, edit: str) -> None:
    scores = np.array([analyse(EDITS[edit](p.text)).score for p in base_pages])
    assert auroc(scores, np.array([p.stitched for p in base_pages])) >= 0.9  # before: 0.5 for the first three


# Lowercased pages rank as well but score lower (no names, no capitals): 4 of the 16 flagged as cased
# are flagged lowercased (docs/salad.md, "Stop 37").
@pytest.mark.parametrize("edit", ["no_space", "nbsp"])
def test_an_edit_to_every_sentence_does_not_hide_stitched_pages(base_pages: list, edit: str) -> None:
    stitched = [p for p in base_pages if p.stitched]
    plain = flagged_after(stitched, None)
    assert flagged_after(stitched, EDITS[edit]) >= plain * 3 // 4  # before: 0 (dates: 1 of 29 tune pages)


@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
def test_an_edit_to_every_sentence_does_not_make_genuine_pages_stitched(base_pages: list, edit: str) -> None:
    genuine = [p for p in base_pages if not p.stitched]
    assert flagged_after(genuine, EDITS[edit]) <= flagged_after(genuine, None) + 1


def test_a_connective_before_every_sentence_does_not_make_genuine_pages_stitched() -> None:
    # The adversary's trial: 40 genuine same-subject news excerpts of the tune half's guard documents,
    # 0 flagged as written and 5 with "Moreover, " before each sentence (the orphan-opening and
    # connective cues fired everywhere); a first word on most sentences is a template's, not a reference.
    if not (SHARED / "data").is_dir():
        pytest.skip("shared/data is not beside the repository")
    corpus = factors.Corpus(SHARED / "data", "tune", "guard")
    pages = factors.pages(corpus, factors.Condition(subject="same", pool="news"), 40, seed=5)
    genuine = [p for p in pages if not p.stitched]
    assert flagged_after(genuine, moreover_before_each) <= flagged_after(genuine, None) + 1
