import random

import pytest

from gristmill import ConfigError, SpanDedup
from gristmill.document import Document
from gristmill.inspect import inspect_document
from gristmill.text import split_sentences
from tests.dedup.helpers import SEED, dolma_docs, random_words, run_pipeline, small_windows

TROTSKY = "Leon Trotsky, a leader of the Bolshevik revolution and early architect of the Soviet state"


def sentence(rng: random.Random, words: int = 10) -> str:
    return " ".join(random_words(rng, words)).capitalize() + "."


def test_the_seed_page_loses_its_repeated_sentence(tmp_path):
    text = SEED.read_text(encoding="utf-8")
    assert text.count(TROTSKY) == 2
    out = run_pipeline(tmp_path, [{"id": "seed", "text": text}], [SpanDedup()])
    (doc,) = out.kept
    assert doc.text.count(TROTSKY) == 1
    assert doc.signals["spans_cut"] == 1
    assert doc.signals["copied_sentence_fraction"] == 0.0  # repeated in itself, not copied from another
    first = text.index(TROTSKY)
    assert doc.text[: first + len(TROTSKY)] == text[: first + len(TROTSKY)]
    others = [s for s in split_sentences(text) if TROTSKY not in s]
    assert all(s in doc.text for s in others)


def test_sentences_copied_across_documents_stay_in_the_first():
    rng = random.Random(5)
    shared = sentence(rng)
    own = [sentence(rng) for _ in range(6)]
    docs = [
        Document("a", f"{own[0]} {shared} {own[1]}"),
        Document("b", f"{own[2]} {shared}\n{own[3]}"),
        Document("c", f"{shared} {own[4]} {own[5]}"),
    ]
    out = {d.id: d for d in _apply(SpanDedup(), docs)}
    assert out["a"].text == f"{own[0]} {shared} {own[1]}"
    assert out["b"].text == f"{own[2]}\n{own[3]}"
    assert out["c"].text == f"{own[4]} {own[5]}"
    assert [out[k].signals["copied_sentence_fraction"] for k in "abc"] == [0.3333, 0.3333, 0.3333]
    assert [out[k].signals["spans_cut"] for k in "abc"] == [0, 1, 1]


@pytest.mark.parametrize("role", [None, "quotes"])
def test_a_page_salad_found_stitched_gives_up_its_copied_sentences_whatever_the_order(role):
    # provenance saw one source of a stitched page in the corpus and called both pages "quotes" (or ran
    # not at all); salad split the page. The first in input order kept the sentences: the part split
    # from the stitched page kept them, and the original article lost fourteen of its sentences.
    rng = random.Random(7)
    article = [sentence(rng, 12) for _ in range(8)]
    foreign = [sentence(rng, 12) for _ in range(4)]
    stitched = Document("page#s0", " ".join(article[:2] + foreign[:2] + article[4:6] + foreign[2:]))
    stitched.meta.update({"salad": "stitched", "split_from": "page"})
    original = Document("article", " ".join(article))
    for doc in (stitched, original):
        if role:
            doc.meta["provenance_role"] = role
    out = {d.id: d for d in _apply(SpanDedup(), [stitched, original])}
    assert out["article"].text == original.text and out["article"].signals["spans_cut"] == 0
    assert out["page#s0"].text == " ".join(foreign)


def test_max_docs_keeps_spans_held_by_few_documents():
    rng = random.Random(6)
    shared = sentence(rng)
    docs = [Document(str(i), f"{sentence(rng)} {shared}") for i in range(3)]
    kept = _apply(SpanDedup(max_docs=3), docs)
    assert all(shared in d.text for d in kept)
    assert all(d.signals["copied_sentence_fraction"] == 0.5 for d in kept)
    kept = _apply(SpanDedup(max_docs=2), [Document(str(i), f"{sentence(rng)} {shared}") for i in range(3)])
    assert [shared in d.text for d in kept] == [True, False, False]


def test_short_boilerplate_lines_go_as_paragraphs_only(tmp_path):
    rng = random.Random(7)
    records = [
        {"id": f"d{i}", "text": f"Home | About us\n{sentence(rng)}\nShare this\n\n{sentence(rng)}"}
        for i in range(4)
    ]
    out = run_pipeline(tmp_path / "p", records, [SpanDedup()])
    texts = {d.id: d.text for d in out.kept}
    assert texts["d0"].startswith("Home | About us\n")
    for i in (1, 2, 3):
        assert "Home" not in texts[f"d{i}"] and "Share" not in texts[f"d{i}"]
        lines = records[i]["text"].split("\n")
        assert texts[f"d{i}"] == f"{lines[1]}\n\n{lines[-1]}"
    lines_off = run_pipeline(tmp_path / "s", records, [SpanDedup(paragraphs=False)])
    assert all(d.text.startswith("Home | About us") for d in lines_off.kept)


def test_a_document_copied_whole_is_rejected(tmp_path):
    rng = random.Random(8)
    text = f"{sentence(rng)} {sentence(rng)}\n{sentence(rng)}"
    out = run_pipeline(tmp_path, [{"id": "a", "text": text}, {"id": "b", "text": text}], [SpanDedup()])
    assert [d.id for d in out.kept] == ["a"]
    (gone,) = out.rejected
    assert gone.id == "b"
    assert gone.meta["reason"] == "span_dedup:empty"


@pytest.mark.parametrize(("files", "workers"), [(3, 1), (4, 2)])
def test_result_does_not_depend_on_shards_or_workers(tmp_path, shared_data, files, workers):
    records = dolma_docs(shared_data)[:300]
    one = run_pipeline(tmp_path / "one", records, [SpanDedup()])
    many = run_pipeline(tmp_path / "many", records, [SpanDedup(buckets=3)], files=files, workers=workers)
    assert [(d.id, d.text, d.signals) for d in one.kept] == [(d.id, d.text, d.signals) for d in many.kept]
    assert sum(d.signals["spans_cut"] for d in one.kept) > 100  # real pages share menus and footers


def test_inspect_flags_the_repeated_sentence():
    text = SEED.read_text(encoding="utf-8")
    result = inspect_document(Document("seed", text), [SpanDedup()])
    flagged = [s["text"] for s in result["sentences"] if "repeated_in_document" in s["flags"]]
    assert len(flagged) == 1
    assert flagged[0].startswith(TROTSKY)


def test_options_are_checked():
    with pytest.raises(ConfigError, match="step 'span_dedup', option 'max_docs'"):
        SpanDedup(max_docs=0)
    with pytest.raises(ConfigError, match="option 'min_words'"):
        SpanDedup(min_words=0)


def _apply(step: SpanDedup, docs: list[Document]) -> list[Document]:
    from gristmill.stats import StepContext, StepStats

    dropped: list[Document] = []
    kept = list(step.apply(docs, StepContext(StepStats(0, step.name), dropped.append)))
    assert dropped == []
    return kept


def _holders_of_one_sentence(shards: int, per_shard: int) -> list[list[Document]]:
    """Shards of pages that all end with one footer; the first shard's pages are all copiers."""
    rng = random.Random(11)
    footer = sentence(rng, 12)
    shared = [sentence(rng) for _ in range(20)]
    out = []
    for shard in range(shards):
        docs = []
        for pos in range(per_shard):
            doc = Document(f"{shard}-{pos}", f"{rng.choice(shared)} {sentence(rng)}\n{footer}")
            if shard == 0 or pos % 9 == 4:  # the first holder is then in a later piece
                doc.meta["provenance_role"] = "stitched" if pos % 2 else "mirror"
            docs.append(doc)
        out.append(docs)
    return out


def test_a_span_held_by_more_documents_than_a_window_is_counted_in_pieces(tmp_path, monkeypatch):
    from gristmill.dedup import spans

    shards = _holders_of_one_sentence(3, 1500)
    for folder in ("whole", "pieces"):
        (tmp_path / folder).mkdir()
        for shard, docs in enumerate(shards):
            SpanDedup(buckets=2).sign(docs, shard, tmp_path / folder)
    for bucket in range(2):
        SpanDedup(buckets=2).group(bucket, 3, tmp_path / "whole")
    windows = small_windows(monkeypatch, spans)
    for bucket in range(2):
        SpanDedup(buckets=2).group(bucket, 3, tmp_path / "pieces")
    assert max(windows) <= 1024 + 3 * 1024 < 4500  # the footer is held by 4,500 documents
    names = sorted(p.name for p in (tmp_path / "whole").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "pieces").iterdir())
    for name in names:  # the group's files, byte for byte
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "pieces" / name).read_bytes(), name


def test_a_long_span_run_in_pieces_gives_the_same_pipeline_output(tmp_path, monkeypatch):
    from gristmill.dedup import work

    records = [{"id": d.id, "text": d.text} for docs in _holders_of_one_sentence(3, 1200) for d in docs]
    whole = run_pipeline(tmp_path / "whole", records, [SpanDedup(buckets=1)], files=3)
    monkeypatch.setattr(work, "WINDOW_ROWS", 1024)
    pieces = run_pipeline(tmp_path / "pieces", records, [SpanDedup(buckets=1)], files=3)
    assert [(d.id, d.text, d.signals) for d in pieces.kept] == [(d.id, d.text, d.signals) for d in whole.kept]
    assert len(whole.kept) == 3600 and sum("\n" not in d.text for d in whole.kept) == 3599


def test_a_copy_left_with_marks_only_is_empty(tmp_path):
    # A copy of another document's sentences lost them and kept a line of marks: kept as a document
    # whose whole text was '"' (WikiText closes a quote after a space, on a line of its own here).
    rng = random.Random(9)
    first, second = sentence(rng), sentence(rng)
    for k, copy in enumerate((f'{first} {second}\n\n"', f"{first}\n--\n{second}")):
        records = [{"id": "a", "text": f"{first} {second}"}, {"id": "b", "text": copy}]
        out = run_pipeline(tmp_path / str(k), records, [SpanDedup()])
        assert [d.id for d in out.kept] == ["a"] and out.kept[0].text == records[0]["text"]
        (gone,) = out.rejected
        assert gone.id == "b" and gone.meta["reason"] == "span_dedup:empty"
