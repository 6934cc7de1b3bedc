from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from gristmill import ConfigError, Document
from gristmill.inspect import inspect_document
from gristmill.steps.c4 import C4QualityFilter
from gristmill.steps.fineweb import FineWebQualityFilter
from gristmill.steps.gopher import GopherQualityFilter, GopherRepetitionFilter
from gristmill.steps.registry import build_step

PROSE = (
    "The river runs through the old town and the mill stands by the bridge. "
    "People come to see the wheel turn, and they stay to have lunch with friends. "
    "In winter the water is low, so the miller waits for the rain to come back. "
    "Most visitors walk along the bank, read the signs, and take a photo of the stones. "
    "The museum opens at ten and closes at five, except on holidays and Mondays."
)


def doc(text: str) -> Document:
    return Document("d", text)


def test_gopher_quality_keeps_prose_and_keeps_signals() -> None:
    d = doc(PROSE)
    assert GopherQualityFilter().keep(d) is True
    assert d.signals["gopher_words"] == 75
    assert d.signals["gopher_stop_words"] == 6
    assert 3 < d.signals["gopher_mean_word_length"] < 10


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("the cat and the dog", "min_words"),
        ("the and " + "x " * 60, "mean_word_length"),
        ("the of " + "incomprehensibilities " * 60, "mean_word_length"),
        (PROSE + " #tag" * 20, "hash_ratio"),
        (PROSE + " wait..." * 20, "ellipsis_ratio"),
        ("\n".join(f"- item {i} of the list with some words here" for i in range(30)), "bullet_lines"),
        (
            "\n".join(f"line {i} of the story goes on and on..." for i in range(10)) + "\n" + PROSE,
            "ellipsis_lines",
        ),
        (PROSE + " 1234 5678" * 60, "alpha_words"),
        (" ".join(["river", "mill", "bridge", "stone", "water"] * 15), "stop_words"),
    ],
)
def test_gopher_quality_names_the_failing_rule(text: str, reason: str) -> None:
    assert GopherQualityFilter().keep(doc(text)) == reason


def test_gopher_quality_thresholds_are_options() -> None:
    assert GopherQualityFilter(min_words=3).keep(doc("the cat and the dog")) is True
    with pytest.raises(ConfigError, match="max_bullet_lines_ratio"):
        build_step("gopher_quality", {"max_bullet_lines_ratio": 2})


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "\n\n".join(["A paragraph that repeats itself."] * 3 + ["Another one.", "And one more."]),
            "dup_para_frac",
        ),
        (
            "\n".join(["same line here"] * 5 + ["other", "lines", "here", "too", "and", "more"]),
            "dup_line_frac",
        ),
        (PROSE + " buy now" * 40, "top_2_gram"),
        ("\n\n".join([PROSE, PROSE, "Short one.", "Another.", "Third."]), "dup_para_char_frac"),
    ],
)
def test_gopher_repetition_names_the_failing_rule(text: str, reason: str) -> None:
    assert GopherRepetitionFilter().keep(doc(text)) == reason


def test_gopher_repetition_keeps_prose_and_records_every_signal() -> None:
    d = doc(PROSE)
    assert GopherRepetitionFilter().keep(d) is True
    assert {f"gopher_dup_{n}_gram_frac" for n in range(5, 11)} <= d.signals.keys()
    assert GopherRepetitionFilter().keep(doc("")) == "empty"


def test_c4_removes_lines_and_keeps_the_rest() -> None:
    text = "\n".join(
        [
            "Home",
            "Please enable JavaScript to view the comments.",
            "We use cookies, see our privacy policy for details.",
            *PROSE.replace(". ", ".\n").splitlines(),
            "Share",
        ]
    )
    d = doc(text)
    assert C4QualityFilter().keep(d) is True
    assert d.text == PROSE.replace(". ", ".\n")
    assert d.signals["c4_lines_removed"] == 4
    assert d.signals["c4_sentences"] == 5


def test_c4_keeps_curly_quotes_as_end_marks_but_not_a_link_arrow() -> None:
    # The paper's "end quotation mark": ” and ’ close a quotation; » ends "Read more »" links on the
    # web far more often than a French quotation (and opens German ones).
    quoted = "“It was never about the money,” she said in an interview on Tuesday.”"
    d = doc(
        "\n".join([quoted, "Read more »", "page 1 of 3 next »", *PROSE.replace(". ", ".\n").splitlines()])
    )
    assert C4QualityFilter().keep(d) is True
    assert d.text.splitlines()[0] == quoted and "»" not in d.text
    assert d.signals["c4_lines_removed"] == 2


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (PROSE + "\nLorem ipsum dolor sit amet, consectetur.", "lorem_ipsum"),
        (PROSE + "\nThe code reads function() { return 1; }.", "curly_bracket"),
        ("Only one sentence is here.\nAnd a second one.", "too_few_sentences"),
    ],
)
def test_c4_drops_documents_by_rule(text: str, reason: str) -> None:
    assert C4QualityFilter().keep(doc(text)) == reason


def test_c4_drops_a_document_left_with_no_line_as_empty() -> None:
    # With min_sentences: 0 a page whose every line went was kept as an empty document.
    d = doc("Home\nNews\nPlease enable JavaScript to view the comments.")
    assert C4QualityFilter(min_sentences=0).keep(d) == "empty"
    assert d.signals["c4_lines_removed"] == 3
    assert C4QualityFilter(min_sentences=0).keep(doc("")) == "empty"
    assert C4QualityFilter(min_sentences=0).keep(doc("One line is kept here.")) is True


def test_fineweb_rules() -> None:
    good = PROSE.replace(". ", ".\n")
    d = doc(good)
    assert FineWebQualityFilter().keep(d) is True
    assert d.signals["fineweb_line_punct_ratio"] == 1.0
    assert FineWebQualityFilter().keep(doc("Home\nNews\nSport\nWeather\n" + PROSE)) == "short_line_ratio"
    assert FineWebQualityFilter().keep(doc("a b c\n" * 3 + "no punctuation anywhere")) == "line_punct_ratio"
    assert FineWebQualityFilter().keep(doc(good + "\n" + good.splitlines()[0])) == "char_dup_ratio"
    assert FineWebQualityFilter().keep(doc("\n\n")) == "empty"
    assert FineWebQualityFilter(max_char_dup_ratio=0.5).keep(doc(good + "\n" + good.splitlines()[0])) is True


def test_filters_build_from_yaml_options() -> None:
    step = build_step("gopher_repetition", {"top_ngrams": {2: 0.5}, "dup_ngrams": {}})
    assert isinstance(step, GopherRepetitionFilter)
    assert step.keep(doc(PROSE + " buy now" * 40)) is True
    assert isinstance(build_step("c4_quality", {"min_sentences": 1}), C4QualityFilter)
    with pytest.raises(ConfigError, match="short_line_length"):
        build_step("fineweb_quality", {"short_line_length": -1})


def test_inspect_flags_c4_removed_lines() -> None:
    text = PROSE + "\nPlease enable JavaScript to see the map."
    result = inspect_document(Document("d", text), [C4QualityFilter()])
    flagged = {s["text"]: s["flags"] for s in result["sentences"] if s["flags"]}
    assert flagged == {"Please enable JavaScript to see the map.": ["c4_quality:javascript"]}


def test_filters_run_on_real_web_text(shared_dir: Path) -> None:
    path = shared_dir / "data" / "web_text" / "dolma" / "cc_en_head-0091.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        docs = [Document(r["id"], r["text"]) for r in map(json.loads, lines)]
    # CCNet's "head" bucket: clean English prose, which Gopher's quality rules should mostly keep.
    kept = [d for d in docs if GopherQualityFilter().keep(d) is True]
    assert len(kept) >= 7
    assert all("gopher_words" in d.signals for d in docs)


def test_pipeline_routes_drops_with_rule_reasons(tmp_path: Path) -> None:
    from gristmill import LocalExecutor, pipeline_from_dict

    records = [
        {"id": "good", "text": PROSE.replace(". ", ".\n")},
        {"id": "short", "text": "the cat and the dog"},
        {"id": "lorem", "text": PROSE.replace(". ", ".\n") + "\nLorem ipsum dolor sit amet, consectetur."},
    ]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    pipeline = pipeline_from_dict(
        {
            "input": {"path": str(tmp_path / "in.jsonl")},
            "output": {"path": str(tmp_path / "out")},
            "steps": [{"gopher_quality": {}}, {"c4_quality": {}}, {"fineweb_quality": {}}],
        }
    )
    LocalExecutor(workers=1).run(pipeline)
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    dropped: dict[str, int] = {}
    for step in stats["steps"]:
        dropped.update(step["dropped"])
    assert dropped == {"gopher_quality:min_words": 1, "c4_quality:lorem_ipsum": 1}


def test_c4_counts_the_lines_each_rule_removed_in_stats(tmp_path) -> None:
    # datatrove's stats count C4's line rules one by one; a run's stats.json says the same.
    from gristmill.config import pipeline_from_dict
    from tests.helpers import write_jsonl

    prose = PROSE.replace(". ", ".\n")
    texts = [
        "Home\nRead more »\nPlease enable JavaScript to view this.\n"
        + prose,  # 2 no_terminal_punct, 1 javascript
        "We use cookies, see our privacy policy for details.\nOk.\n" + prose,  # 1 policy, 1 too_few_words
        "Menu\nOnly one sentence here.",  # dropped (too_few_sentences): its lines are not counted
    ]
    write_jsonl(tmp_path / "in.jsonl", [{"id": str(i), "text": t} for i, t in enumerate(texts)])
    config = {"input": {"path": str(tmp_path / "in.jsonl")}, "output": {"path": str(tmp_path / "out")}}
    result = pipeline_from_dict({**config, "steps": [{"c4_quality": {}}]}).run(progress=False)
    step = result.stats["steps"][0]
    assert step["lines_removed_by_rule"] == {
        "javascript": 1,
        "no_terminal_punct": 2,
        "policy": 1,
        "too_few_words": 1,
    }
    assert sum(step["lines_removed_by_rule"].values()) == step["lines_removed"]
