import random
import re
import subprocess
import sys
import unicodedata

import pytest

from gristmill import ExactDedup
from gristmill.text.hashing import hash64
from tests.dedup.helpers import random_words, run_pipeline, small_windows

RECORDS = [
    {"id": "a", "text": "The same words, in the same order."},
    {"id": "b", "text": "the same words,   in the same order."},
    {"id": "c", "text": "The same words in the same order"},
    {"id": "d", "text": "Something else."},
    {"id": "e", "text": "The same words, in the same order."},
]


@pytest.mark.parametrize(
    ("options", "dropped"),
    [
        ({}, {"b": "a", "e": "a"}),
        ({"ignore_case": False}, {"e": "a"}),
        ({"ignore_punctuation": True}, {"b": "a", "c": "a", "e": "a"}),
    ],
)
def test_equal_texts_keep_the_first_and_name_the_cluster(tmp_path, options, dropped):
    out = run_pipeline(tmp_path, RECORDS, [ExactDedup(**options)], files=2, workers=2)
    docs = out.by_id()
    assert {d.id: d.meta["duplicate_of"] for d in out.rejected} == dropped
    assert all(d.meta["reason"] == "exact_dedup:duplicate" for d in out.rejected)
    assert docs["a"].meta["dup_cluster"] == "a"
    assert docs["a"].meta["dup_cluster_size"] == len(dropped) + 1
    assert "dup_cluster" not in docs["d"].meta


def _copies_of_one_page(rng: random.Random) -> list[dict[str, str]]:
    """6,000 pages: most the same page (every copy in one run of one hash), some others between."""
    page = " ".join(random_words(rng, 60))
    records = []
    for i in range(6000):
        text = " ".join(random_words(rng, 20)) if i % 9 == 4 else page.upper() if i % 11 == 2 else page
        records.append({"id": f"d{i}", "text": text})
    return records


def test_a_page_copied_by_more_documents_than_a_window_is_linked_in_pieces(tmp_path, monkeypatch):
    from gristmill.dedup import exact

    records = _copies_of_one_page(random.Random(5))
    whole = run_pipeline(tmp_path / "whole", records, [ExactDedup()], files=3)
    windows = small_windows(monkeypatch, exact)
    pieces = run_pipeline(tmp_path / "pieces", records, [ExactDedup()], files=3)
    copies = len(records) - len(whole.kept)
    assert max(windows) <= 1024 + 3 * 1024 < copies  # the copies: one run of one hash
    assert [(d.id, d.meta) for d in pieces.kept] == [(d.id, d.meta) for d in whole.kept]
    assert [(d.id, d.meta) for d in pieces.rejected] == [(d.id, d.meta) for d in whole.rejected]
    assert {d.meta["duplicate_of"] for d in whole.rejected} == {"d0"}


def _old_key(text: str, options: dict) -> int:
    """The key as one pass over the whole text computes it: what keying in pieces must give."""
    if options.get("ignore_case", True):
        text = text.casefold()
    if options.get("ignore_punctuation", False):
        text = "".join(c for c in text if not unicodedata.category(c).startswith("P"))
    if options.get("ignore_whitespace", True):
        text = re.sub(r"\s+", " ", text).strip()
    return hash64(text)


@pytest.mark.parametrize(
    "options",
    [{}, {"ignore_punctuation": True}, {"ignore_case": False}, {"ignore_whitespace": False}],
)
def test_a_text_keyed_in_pieces_has_the_key_of_the_whole(monkeypatch, options) -> None:
    from gristmill.dedup import exact

    monkeypatch.setattr(exact, "_PIECE", 5)  # whitespace runs and punctuation across every piece edge
    rng = random.Random(3)
    parts = ["Word", "ß", "  ", "\t\n", "\u2003", ",", "...", " ", "x", "Σ", "-"]
    texts = [
        "",
        " ",
        " \t ",
        ",,",
        "a",
        " a ",
        *("".join(rng.choices(parts, k=rng.randint(1, 40))) for _ in range(500)),
    ]
    step = ExactDedup(**options)
    assert [step.key(t) for t in texts] == [_old_key(t, options) for t in texts]


@pytest.mark.parametrize("options", [{}, {"ignore_punctuation": True}])
def test_keying_a_large_text_takes_a_small_multiple_of_its_size(options) -> None:
    size = 20 << 20
    code = (
        "import resource, sys; from gristmill import ExactDedup; "
        f"text = ('Word, and  more\\twords. ' * {size // 24}); "
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; "
        f"ExactDedup(**{options!r}).key(text); "
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    extra = int(done.stdout)
    assert extra < 2 * size, f"{extra / size:.1f} times the text"  # a string per space: 20 times


def test_a_run_over_an_earlier_runs_kept_and_rejected_counts_each_document_once(tmp_path):
    # Every member of an earlier cluster carries its size, the dropped ones too (they name the kept one
    # in duplicate_of): only the kept one stands for the others. Deduplicated again together, a
    # cluster of 3 said 9 (each of the 3 counted as 3).
    from gristmill import Pipeline
    from tests.dedup.helpers import read_folder

    page = " ".join(random_words(random.Random(2), 50))
    records = [{"id": f"copy{i}", "text": page} for i in range(3)] + [{"id": "other", "text": "x y z"}]
    first = tmp_path / "first" / "out"
    run_pipeline(tmp_path / "first", records, [ExactDedup()])
    folders = [str(first / "kept"), str(first / "rejected")]
    Pipeline(input={"path": folders}, output={"path": str(tmp_path / "again")}, steps=[ExactDedup()]).run(
        progress=False
    )
    docs = read_folder(tmp_path / "again" / "kept") + read_folder(tmp_path / "again" / "rejected")
    assert {d.id: d.meta.get("dup_cluster_size") for d in docs if d.id != "other"} == {
        "copy0": 3,
        "copy1": 3,
        "copy2": 3,
    }
