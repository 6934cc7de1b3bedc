"""Quality thresholds per language (FineWeb-2 style): one YAML, other options where meta.language matches."""

import pytest

from gristmill import ConfigError, Document, GopherQualityFilter, Pipeline
from gristmill.steps.registry import build_step
from tests.helpers import read_all, write_jsonl

SHORT_EN = "The mill by the river grinds grain for the village, and the baker buys the flour."
SHORT_DE = "Die Mühle am Fluss mahlt das Korn für das Dorf, und der Bäcker kauft das Mehl."


def test_documents_of_a_listed_language_are_judged_by_its_options(tmp_path) -> None:
    records = [
        {"id": "en", "text": SHORT_EN, "meta": {"language": "en"}},
        {"id": "de", "text": SHORT_DE, "meta": {"language": "de"}},
        {"id": "none", "text": SHORT_DE},
    ]
    src = write_jsonl(tmp_path / "in.jsonl", records)
    step = build_step(
        "gopher_quality",
        {"by_language": {"de": {"min_words": 5, "stop_words": ["der", "die", "das", "und"]}}},
    )
    result = Pipeline(input={"path": str(src)}, output={"path": str(tmp_path / "out")}, steps=[step]).run()
    assert [d["id"] for d in read_all(tmp_path / "out/kept")] == ["de"]
    reasons = {d["id"]: d["meta"]["reason"] for d in read_all(tmp_path / "out/rejected")}
    assert reasons == {"en": "gopher_quality:min_words", "none": "gopher_quality:min_words"}
    assert result.totals["kept"] == 1


def test_python_and_yaml_give_the_same_step() -> None:
    options = {"by_language": {"fr": {"min_words": 30}}}
    step = GopherQualityFilter(**options)
    assert build_step("gopher_quality", step.options()).options() == step.options()
    assert step.for_document(Document("x", "", {"language": "fr"})).options()["min_words"] == 30
    assert step.for_document(Document("x", "", {"language": "en"})) is step


@pytest.mark.parametrize(
    ("by_language", "message"),
    [
        ({"French": {"min_words": 3}}, "expected language codes like 'fr' as keys, got 'French'"),
        (
            {"fr": {"min_wrds": 3}},
            "fr: step 'gopher_quality': unknown option 'min_wrds'; did you mean 'min_words'?",
        ),
        ({"fr": {"min_words": "many"}}, "fr: step 'gopher_quality', option 'min_words': expected int | none"),
        ({"fr": {"by_language": {}}}, "fr: expected a mapping of this step's other options"),
    ],
)
def test_wrong_per_language_options_are_one_line_naming_the_language(by_language, message) -> None:
    with pytest.raises(ConfigError) as error:
        build_step("gopher_quality", {"by_language": by_language})
    assert "step 'gopher_quality', option 'by_language': " in str(error.value)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("keep", "by_language", "said"),
    [
        (["en", "de", "fr"], None, "de, fr"),
        (["en", "de", "fr"], {"de": {"min_stop_words": 0}}, "fr"),
        (["en", "de"], {"de": {"stop_words": ["der", "die", "das", "und"]}}, None),
        (["en", "de"], {"de": {"min_words": 30}}, "de"),  # other thresholds, the same English words
        (["en"], None, None),
    ],
)
def test_english_stop_words_after_keeping_other_languages_are_said(tmp_path, caplog, keep, by_language, said):
    # A new user kept [en, de]: gopher_quality dropped 44 of 48 German pages as stop_words, without a word.
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": "de", "text": SHORT_DE}])
    gopher = {"by_language": by_language} if by_language else {}
    steps = [  # two gopher_quality steps: said once
        build_step("language", {"keep": keep}),
        build_step("gopher_quality", gopher),
        build_step("gopher_quality", gopher),
    ]
    with caplog.at_level("WARNING"):
        Pipeline(input={"path": str(src)}, output={"path": str(tmp_path / "out")}, steps=steps).run()
    lines = [r.getMessage() for r in caplog.records if "stop words are English" in r.getMessage()]
    if said is None:
        assert lines == []
    else:
        assert len(lines) == 1 and f"language keeps {said}:" in lines[0], lines
