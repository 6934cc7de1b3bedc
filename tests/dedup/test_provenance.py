import random
import re
from pathlib import Path

import numpy as np
import pytest

from gristmill import ConfigError, Provenance, Salad, SpanDedup
from gristmill.dedup import provenance, work
from gristmill.dedup.work import bucket_windows
from gristmill.text import split_sentences
from tests.dedup.helpers import run_pipeline

ROLE = "provenance_role"


def wiki_articles(shared_data: Path, count: int) -> list[list[str]]:
    """The sentences of the first ``count`` long WikiText-2 articles, paragraphs kept as sentence lists."""
    raw = (shared_data / "coherence" / "wikitext2" / "test.txt").read_text(encoding="utf-8")
    articles = []
    for chunk in re.split(r"\n \= (?=[^=])", raw):
        text = re.sub(r" @(.)@ ", r"\1", chunk)
        lines = [ln.strip() for ln in text.splitlines()[1:] if ln.strip() and not ln.strip().startswith("=")]
        sentences = [s for ln in lines for s in split_sentences(ln) if len(s.split()) >= 8]
        if len(sentences) >= 40:
            articles.append(sentences[:60])
        if len(articles) == count:
            return articles
    raise AssertionError("not enough WikiText articles")


def stitch(rng: random.Random, sources: list[list[str]], length: int = 15) -> str:
    """A page of runs of 1-3 sentences taken in turn from ``sources`` (from anywhere in each)."""
    parts: list[str] = []
    k = 0
    while len(parts) < length:
        source = sources[k % len(sources)]
        run = rng.randint(1, 3)
        start = rng.randrange(len(source) - run)
        parts.extend(source[start : start + run])
        k += 1
    return " ".join(parts[:length])


@pytest.fixture
def corpus(shared_data: Path) -> tuple[list[dict[str, str]], dict[str, str], dict[str, set[str]]]:
    """Records, the role each should get, and the true sources of the stitched ones."""
    rng = random.Random(11)
    arts = wiki_articles(shared_data, 13)
    records: list[dict[str, str]] = []
    roles: dict[str, str] = {}
    truth: dict[str, set[str]] = {}
    for i in range(6):
        records.append({"id": f"source{i}", "text": " ".join(arts[i]), "url": f"https://wiki.example/{i}"})
        roles[f"source{i}"] = "original"
    for j in range(4):
        picked = rng.sample(range(6), 3)
        records.append({"id": f"stitched{j}", "text": stitch(rng, [arts[i] for i in picked])})
        roles[f"stitched{j}"] = "stitched"
        truth[f"stitched{j}"] = {f"source{i}" for i in picked}
    records.append({"id": "syndicated", "text": " ".join(arts[6])})
    records.append({"id": "article6", "text": " ".join(arts[6])})
    roles["syndicated"] = roles["article6"] = "mirror"
    quoting = [*arts[7][:20], arts[8][5], *arts[7][20:40]]
    records.append({"id": "quoting", "text": " ".join(quoting)})
    records.append({"id": "quoted", "text": " ".join(arts[8])})
    roles["quoting"] = roles["quoted"] = "quotes"
    records.append({"id": "article12", "text": " ".join(arts[12])})
    records.append({"id": "excerpt", "text": " ".join(arts[12][10:25])})
    roles["article12"], roles["excerpt"] = "original", "mirror"
    for i in (9, 10, 11):
        records.append({"id": f"unrelated{i}", "text": " ".join(arts[i])})
        roles[f"unrelated{i}"] = "none"
    return records, roles, truth


def test_roles_sources_and_fractions(tmp_path, corpus):
    records, roles, truth = corpus
    out = run_pipeline(tmp_path, records, [Provenance()], files=3)
    assert out.rejected == []
    docs = out.by_id()
    assert {k: d.meta[ROLE] for k, d in docs.items()} == roles
    for page, sources in truth.items():
        named = docs[page].meta["copied_from"]
        assert {e["id"] for e in named} == sources
        assert sum(e["sentences"] for e in named) >= 12  # runs may repeat a sentence
        order = [(-e["sentences"], e["id"]) for e in named]
        assert order == sorted(order)
        assert all(e["url"] == f"https://wiki.example/{e['id'][-1]}" for e in named)
        text = docs[page].text
        for e in named:  # the spans credited to a source are sentences of that source
            assert len(e["spans"]) >= e["sentences"]
            assert all(text[a:b] in docs[e["id"]].text for a, b in e["spans"])
        assert docs[page].signals["copied_sentence_fraction"] == 1.0
    assert docs["syndicated"].meta["mirror_of"] == "article6"
    assert docs["article6"].meta["mirror_of"] == "syndicated"
    assert docs["excerpt"].meta["mirror_of"] == "article12"
    assert docs["article12"].meta["copied_by"] == [{"id": "excerpt", "sentences": 15}]
    assert docs["quoting"].meta["copied_from"] == [{"id": "quoted", "sentences": 1}]
    assert docs["quoted"].meta["copied_from"] == [{"id": "quoting", "sentences": 1}]
    assert docs["source0"].meta["copied_from"] == []
    takers = {page for page, sources in truth.items() if "source0" in sources}
    assert {e["id"] for e in docs["source0"].meta["copied_by"]} == takers
    assert 0 < docs["source0"].signals["copied_sentence_fraction"] < 0.5
    assert docs["unrelated9"].signals["copied_sentence_fraction"] == 0.0


def test_a_stitched_page_is_not_named_where_the_article_it_copied_holds_the_sentences(tmp_path, shared_data):
    # Two stitched pages took the same run of one article; the second also has text of its own (a
    # sidebar) and shares a sentence with the first that no article holds. It shares more with the
    # first page than the article does, yet the article is where those sentences come from.
    arts = wiki_articles(shared_data, 7)
    records = [{"id": f"article{i}", "text": " ".join(arts[i])} for i in range(5)]
    shared_run, fragment = arts[0][10:13], "Readers of this page also liked the following seven stories here."
    first = [*arts[1][:4], *shared_run, *arts[2][20:23], fragment]
    second = [*shared_run, *arts[3][5:9], *arts[4][30:33], fragment, *arts[5][:3]]
    records += [{"id": "page1", "text": " ".join(first)}, {"id": "page2", "text": " ".join(second)}]
    docs = run_pipeline(tmp_path, records, [Provenance()], files=2).by_id()
    assert docs["page1"].meta[ROLE] == docs["page2"].meta[ROLE] == "stitched"
    named = {e["id"]: e["sentences"] for e in docs["page1"].meta["copied_from"]}
    assert named == {"article1": 4, "article0": 3, "article2": 3, "page2": 1}
    named = {e["id"]: e["sentences"] for e in docs["page2"].meta["copied_from"]}
    assert named["article0"] == 3 and named["article3"] == 4 and named["article4"] == 3
    assert {e["id"] for e in docs["article0"].meta["copied_by"]} == {"page1", "page2"}
    # Each source names the page's sentences credited to it: where in the page its text stands.
    text = docs["page1"].text
    spans = {e["id"]: [text[a:b] for a, b in e["spans"]] for e in docs["page1"].meta["copied_from"]}
    assert spans == {
        "article0": shared_run,
        "article1": arts[1][:4],
        "article2": arts[2][20:23],
        "page2": [fragment],
    }


def test_salad_splits_a_page_by_the_sentences_provenance_credited(tmp_path, shared_data):
    # Three sources give 4, 3 and 3 sentences in runs: matched by group size alone, the two
    # 3-sentence sources were a coin toss. Each part holds its own source's sentences.
    arts = wiki_articles(shared_data, 4)
    records = [
        {"id": f"article{i}", "text": " ".join(arts[i]), "url": f"https://wiki.example/{i}"} for i in range(3)
    ]
    runs = [arts[0][5:7], arts[1][10:13], arts[0][30:32], arts[2][3:6]]
    records.append({"id": "page", "text": " ".join(s for run in runs for s in run)})
    out = run_pipeline(tmp_path, records, [Provenance(), Salad(action="split")], files=2)
    parts = {d.meta["source_id"]: d.text for d in out.kept if d.id.startswith("page#")}
    assert not any("spans" in e for d in out.kept if d.id.startswith("page#") for e in d.meta["copied_from"])
    assert set(parts) == {"article0", "article1", "article2"}
    for i, taken in ((0, [*runs[0], *runs[2]]), (1, runs[1]), (2, runs[3])):
        assert all(s in parts[f"article{i}"] for s in taken)
        assert not any(s in parts[f"article{i}"] for run in runs for s in run if s not in taken)


def test_spans_are_dropped_once_a_later_step_changes_the_text(tmp_path, shared_data):
    # span_dedup cuts the copied sentences out of the page: offsets into the old text would point at
    # other characters, so the page keeps its sources without them.
    arts = wiki_articles(shared_data, 5)
    records = [{"id": f"article{i}", "text": " ".join(arts[i])} for i in range(2)]
    sidebar = arts[4][:4]  # text of its own: article 4 is not in the corpus
    records.append({"id": "page", "text": " ".join([*arts[0][3:6], *arts[1][8:11], *sidebar])})
    alone = run_pipeline(tmp_path / "alone", records, [Provenance()]).by_id()["page"]
    assert all("spans" in e for e in alone.meta["copied_from"])
    docs = run_pipeline(tmp_path / "cut", records, [Provenance(), SpanDedup()]).by_id()
    assert docs["page"].text == " ".join(sidebar)
    assert {e["id"] for e in docs["page"].meta["copied_from"]} == {"article0", "article1"}
    assert not any("spans" in e for e in docs["page"].meta["copied_from"])
    assert docs["article0"].meta["copied_by"][0]["id"] == "page"


def test_a_page_wholly_inside_a_bigger_stitched_page_is_stitched_from_the_articles(tmp_path, shared_data):
    # One page is two runs of two articles; a bigger stitched page took the same two runs, a third and
    # a sidebar of its own. The small page shares most with the big one, which is no source of it.
    arts = wiki_articles(shared_data, 5)
    records = [{"id": f"article{i}", "text": " ".join(arts[i])} for i in range(3)]
    small = [*arts[0][4:7], *arts[1][9:12]]
    big = [*small, *arts[2][15:18], *arts[3][:3]]  # article 3 is not in the corpus: the sidebar
    records += [{"id": "small", "text": " ".join(small)}, {"id": "big", "text": " ".join(big)}]
    docs = run_pipeline(tmp_path, records, [Provenance()], files=2).by_id()
    assert docs["big"].meta[ROLE] == "stitched"
    assert docs["small"].meta[ROLE] == "stitched"
    assert {e["id"]: e["sentences"] for e in docs["small"].meta["copied_from"]} == {
        "article0": 3,
        "article1": 3,
    }


def test_roles_do_not_depend_on_input_order(tmp_path, corpus):
    records, roles, _ = corpus
    seen = []
    for seed in range(3):
        shuffled = records[:]
        random.Random(seed).shuffle(shuffled)
        out = run_pipeline(tmp_path / str(seed), shuffled, [Provenance(buckets=4)], files=2)
        seen.append({d.id: (d.meta[ROLE], d.meta["copied_from"]) for d in out.kept})
    assert seen[0] == seen[1] == seen[2]
    assert {k: v[0] for k, v in seen[0].items()} == roles


@pytest.mark.parametrize(("files", "workers"), [(3, 1), (4, 2)])
def test_output_does_not_depend_on_shards_or_workers(tmp_path, corpus, files, workers):
    records, _, _ = corpus
    one = run_pipeline(tmp_path / "one", records, [Provenance(), SpanDedup()])
    steps = [Provenance(buckets=3), SpanDedup(buckets=5)]
    many = run_pipeline(tmp_path / "many", records, steps, files=files, workers=workers)
    assert [d.to_record() for d in one.kept] == [d.to_record() for d in many.kept]
    assert [d.to_record() for d in one.rejected] == [d.to_record() for d in many.rejected]


def test_span_dedup_keeps_copied_sentences_in_their_originals(tmp_path, corpus):
    records, roles, _ = corpus
    # The stitched pages come first: without provenance, span_dedup would keep their copies.
    first = sorted(records, key=lambda r: roles[r["id"]] != "stitched")
    # A source alone still loses the sentences it repeats itself: that is the text to keep.
    alone = run_pipeline(tmp_path / "alone", records[:6], [SpanDedup()]).by_id()
    plain = run_pipeline(tmp_path / "plain", first, [SpanDedup()], files=2).by_id()
    assert any(plain[f"source{i}"].text != alone[f"source{i}"].text for i in range(6))
    out = run_pipeline(tmp_path / "prov", first, [Provenance(), SpanDedup()], files=2, workers=2)
    docs = out.by_id()
    for i in range(6):
        assert docs[f"source{i}"].text == alone[f"source{i}"].text
    assert {d.id for d in out.rejected} >= {"stitched0", "stitched1", "stitched2", "stitched3"}
    assert all(d.meta["reason"] == "span_dedup:empty" for d in out.rejected if d.id.startswith("stitched"))
    # rejected/ keeps each stitched page as span_dedup was given it, not the nothing it cut it to.
    given = {r["id"]: r["text"] for r in records}
    assert all(d.text == given[d.id] for d in out.rejected if d.id.startswith("stitched"))


def test_furniture_and_short_sentences_do_not_count(tmp_path, shared_data):
    arts = wiki_articles(shared_data, 30)
    footer = "All rights reserved by the publisher of this website and its partners."
    tail = f"\nShort line here.\n{footer}"
    records = [{"id": f"d{i}", "text": " ".join(a[:20]) + tail} for i, a in enumerate(arts)]
    out = run_pipeline(tmp_path, records, [Provenance(max_docs=20)])
    assert {d.meta[ROLE] for d in out.kept} == {"none"}
    assert {d.signals["copied_sentence_fraction"] for d in out.kept} == {0.0}
    held = run_pipeline(tmp_path / "held", records, [Provenance(max_docs=30)])
    assert {d.meta[ROLE] for d in held.kept} == {"quotes"}


def test_options_are_checked_and_listed():
    with pytest.raises(ConfigError, match="step 'provenance', option 'max_docs'"):
        Provenance(max_docs=1)
    with pytest.raises(ConfigError, match="option 'stitch_share'"):
        Provenance(stitch_share=1.5)
    with pytest.raises(ConfigError, match="option 'mirror_share'"):
        Provenance(mirror_share=0)
    from gristmill.steps.registry import step_options

    helps = {opt.name: opt.help for opt in step_options(Provenance)}
    assert set(helps) == {"min_words", "max_docs", "min_sentences", "stitch_share", "mirror_share", "buckets"}
    assert all(helps.values())


def test_odd_documents_go_on_with_role_none(tmp_path, corpus):
    records, _, _ = corpus
    odd = [
        {"id": "empty", "text": ""},
        {"id": "numeric-url", "text": records[0]["text"], "url": 5},
        {"id": "short", "text": "Too short. Also short."},
    ]
    out = run_pipeline(tmp_path, [*records[:2], *odd], [Provenance()])
    docs = out.by_id()
    assert out.rejected == []
    assert docs["empty"].meta[ROLE] == docs["short"].meta[ROLE] == "none"
    assert docs["empty"].signals["copied_sentence_fraction"] == 0.0
    # A whole copy whose url is not a string is named without one.
    counted = len(Provenance().sentence_keys(records[0]["text"]))
    assert docs["source0"].meta["copied_from"] == [{"id": "numeric-url", "sentences": counted}]
    assert docs["numeric-url"].meta["mirror_of"] == "source0"


def test_furniture_held_by_more_documents_than_a_window_comes_in_pieces(tmp_path, shared_data, monkeypatch):
    arts = wiki_articles(shared_data, 20)
    footer = "All rights reserved by the publisher of this website and its partners."
    rng = random.Random(3)
    records = [{"id": f"s{i}", "text": " ".join(a[:20]) + f"\n{footer}"} for i, a in enumerate(arts[:10])]
    for j in range(3):
        records.append({"id": f"t{j}", "text": stitch(rng, rng.sample(arts[:10], 3)) + f"\n{footer}"})
    for k in range(3000):  # more holders of the footer than a window of the test's size
        records.append({"id": f"p{k}", "text": f"Page {k} of the site has only its footer.\n{footer}"})
    whole = run_pipeline(tmp_path / "whole", records, [Provenance()], files=2)
    windows: list[int] = []

    def spied(*args, **kwargs):  # the real merge, its window sizes noted
        for rows in bucket_windows(*args, **kwargs):
            windows.append(len(rows))
            yield rows

    monkeypatch.setattr(work, "WINDOW_ROWS", 64)
    monkeypatch.setattr(provenance, "bucket_windows", spied)
    pieces = run_pipeline(tmp_path / "pieces", records, [Provenance()], files=2)
    assert max(windows) < 3013  # the footer's run was handed over in pieces
    assert [(d.id, d.meta, d.signals) for d in pieces.kept] == [(d.id, d.meta, d.signals) for d in whole.kept]
    assert "stitched" in {d.meta[ROLE] for d in whole.kept if d.id.startswith("t")}  # pairs still found


def _sign_files(folder: Path, shards: int, docs: int) -> None:
    """Sign files as ``Provenance.sign`` writes them: 12 sentences a document, one footer on all,
    every 20th page holding four sentences of each of the three pages before it."""
    from gristmill.dedup.exact import SIGNATURE

    for shard in range(shards):
        doc = np.arange(shard * docs, (shard + 1) * docs)
        sentence = doc[:, None] * 12 + np.arange(12)
        stitched = doc % 20 == 19
        for k in range(3):
            sentence[stitched, 4 * k : 4 * k + 4] = (doc[stitched] - k - 1)[:, None] * 12 + np.arange(4)
        rows = np.empty(docs * 13, SIGNATURE)
        spread = sentence.reshape(-1).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)  # distinct: odd
        rows["hash"] = np.concatenate([spread, np.full(docs, 7, np.uint64)])
        rows["shard"] = shard
        rows["pos"] = np.concatenate([np.repeat(np.arange(docs), 12), np.arange(docs)])
        work.save_buckets(folder, "sentences", shard, rows, "hash", 1)


def test_a_group_task_holds_little_more_than_its_windows(tmp_path, monkeypatch):
    import tracemalloc

    monkeypatch.setattr(work, "WINDOW_ROWS", 1 << 16)
    _sign_files(tmp_path, shards=4, docs=20_000)  # 16 windows of rows, a quarter of them the footer
    tracemalloc.start()
    try:
        Provenance(buckets=1).group(0, 4, tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # A window's rows are 16 bytes each; the merge reads ahead and hands a long run over in pieces
    # of up to two windows. Before: each window's run tables per row, and the window before still held.
    assert peak < 130 * (1 << 16), peak / (1 << 16)
    pairs = np.load(tmp_path / "bucket-pairs-000.npy")
    assert len(pairs) == 4 * 20_000 // 20 * 12 * 2  # each copied sentence: the page and its source


def test_a_page_quoting_two_documents_is_not_made_stitched_by_salad(tmp_path, shared_data):
    # An article quoting one sentence of each of two others shares sentences with both: provenance calls
    # it "quotes" and lists them in copied_from, which salad took as two named sources, a stitch (the
    # article flagged, or split into parts credited to documents that gave it one sentence).
    arts = wiki_articles(shared_data, 3)
    essay = [*arts[0][:20], arts[1][4], *arts[0][20:40], arts[2][7], *arts[0][40:]]
    records = [
        {"id": "essay", "text": " ".join(essay)},
        {"id": "a", "text": " ".join(arts[1])},
        {"id": "b", "text": " ".join(arts[2])},
    ]
    for action in ("flag", "split"):
        out = run_pipeline(tmp_path / action, records, [Provenance(), Salad(action=action)])
        (page,) = [d for d in out.kept if d.id == "essay"]
        assert page.meta[ROLE] == "quotes" and len(page.meta["copied_from"]) == 2
        assert page.meta["salad"] == "coherent", page.signals
        assert not out.rejected


def test_salad_after_provenance_splits_by_source_with_two_workers(tmp_path, corpus):
    # Each worker gets the pipeline pickled: salad must still know provenance comes before it
    # (Step.after_steps_writing), or it would judge the stitched pages on their text alone.
    records, _, truth = corpus
    out = run_pipeline(tmp_path, records, [Provenance(), Salad(action="split")], files=3, workers=2)
    one = run_pipeline(tmp_path / "one", records, [Provenance(), Salad(action="split")])
    assert [d.to_record() for d in one.kept] == [d.to_record() for d in out.kept]
    for page, sources in truth.items():
        parts = [d for d in out.kept if d.meta.get("split_from") == page]
        assert {d.meta["source_id"] for d in parts} <= sources and len(parts) >= 2, page
    assert {d.id for d in out.rejected} == set(truth)
