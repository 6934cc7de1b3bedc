"""Quality thresholds per language (FineWeb-2 style): one YAML, other options where meta.language matches."""

import pytest

from gristmill import ConfigError, Document, GopherQualityFilter, Language, Pipeline
from gristmill.steps.registry import build_step
from tests.helpers import REPO, read_all, write_jsonl, write_pipeline

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


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        ("deu_Latn", "did you mean 'de'?"),  # FineWeb-2's names: ISO 639-3 and script
        ("zho_Hans", "did you mean 'zh'?"),
        ("cmn_Hani", "did you mean 'zh'?"),
        ("arz_Arab", "did you mean 'arz'?"),
        ("en-US", "did you mean 'en'?"),
        ("spa", "did you mean 'es'?"),  # not 'sa', Sanskrit, the nearest string
        ("zz", "codes are ISO 639-1 where one exists ('de')"),
        ("pbt_Arab", "did you mean 'ps'?"),  # FineWeb-2's individual languages (a review's list)
        ("prs_Arab", "did you mean 'fa'?"),
        ("und", "codes are ISO 639-1 where one exists ('de')"),  # not 'nds': no likeness for a 3-letter code
        ("tok", "codes are ISO 639-1 where one exists ('de')"),  # Toki Pona, not 'tk'
    ],
)
def test_a_code_the_language_step_never_writes_is_refused_with_the_nearest(
    tmp_path, code: str, hint: str
) -> None:
    # A new user's deu_Latn and zz matched no document, silently: the language step writes 'de'.
    step = build_step("gopher_quality", {"by_language": {code: {"min_words": 5}}})
    pipeline = Pipeline(
        input=str(tmp_path / "in.jsonl"), output=str(tmp_path / "out"), steps=[Language(), step]
    )
    with pytest.raises(ConfigError) as error:
        pipeline.check_language_codes()
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(
        f"step 'gopher_quality', option 'by_language': {code!r} is no code the language step writes in "
        "meta.language; "
    ), message
    assert message.endswith(hint), message


def test_codes_of_the_inputs_own_language_field_are_taken(tmp_path, run_cli) -> None:
    # A review: FineWeb-2 records carry language "rus"; without a language step, by_language: {rus: …}
    # is what matches them, and it was refused (its hint, 'ru', then matched nothing, silently).
    records = [{"id": f"r{i}", "text": "слово " * 30, "language": "rus"} for i in range(3)]
    write_jsonl(tmp_path / "in.jsonl", records)
    path = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {tmp_path / 'in.jsonl'}\noutput: {tmp_path / 'out'}\nsteps:\n"
        "  - gopher_quality: {min_words: 100000, by_language: {rus: {min_words: 1, min_stop_words: 0,"
        " min_alpha_words_ratio: 0}}}\n",
    )
    result = run_cli("run", str(path))
    assert result.exit_code == 0, result.output
    assert "kept 3" in result.output, result.output


def test_language_keep_hints_the_two_letter_code_of_a_three_letter_one() -> None:
    with pytest.raises(ConfigError, match="'deu' is no language the model names; did you mean 'de'\\?"):
        build_step("language", {"keep": ["deu"]})


WARC = REPO / "src/gristmill/samples/warc/cc-main-2020-34-excerpt.warc.gz"
WEB = REPO / "src/gristmill/samples/web/cc-main-2019-30-sample.jsonl.gz"  # records without a language


def _run(run_cli, tmp_path, source, steps: str):
    path = write_pipeline(
        tmp_path / "p.yaml", f"input: {source}\noutput: {tmp_path / 'out'}\nsteps:\n{steps}"
    )
    return run_cli("run", str(path))


@pytest.mark.parametrize(
    ("steps", "said"),
    [
        (  # the new user's extra2.yaml: no language step at all
            "  - extract: {}\n  - gopher_quality: {by_language: {en: {min_words: 100000}}}\n",
            "no language step comes before gopher_quality: put `- language: {}` before it",
        ),
        (  # extra5.yaml: the language step after it
            "  - extract: {}\n  - gopher_quality: {by_language: {en: {min_words: 100000}}}\n"
            "  - language: {}\n",
            "the language step comes after gopher_quality: put it before",
        ),
    ],
)
def test_by_language_without_a_language_step_before_it_is_said_over_pages(
    tmp_path, run_cli, steps, said
) -> None:
    # WARC records carry no meta.language: only a language step before the filter gives one, and
    # without it by_language changed nothing, silently. Said, not refused: a plugin step may write it.
    result = _run(run_cli, tmp_path, WARC, steps)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "reads meta.language" in line]
    assert len(lines) == 1 and "step 'gopher_quality', option 'by_language'" in lines[0], result.output
    assert said in lines[0] and "or by_language changes nothing" in lines[0]


def test_by_language_over_records_without_a_language_is_said_in_one_line(tmp_path, run_cli) -> None:
    # Records may carry meta.language (Dolma's metadata does): the first ones without it are a warning.
    result = _run(run_cli, tmp_path, WEB, "  - c4_quality: {by_language: {de: {min_sentences: 1}}}\n")
    assert result.exit_code == 0, result.output
    said = [line for line in result.output.splitlines() if "reads meta.language" in line]
    assert len(said) == 1 and "step 'c4_quality', option 'by_language' reads meta.language" in said[0], said
    assert "in the first 100 records of" in said[0] and "no language step comes before c4_quality" in said[0]


@pytest.mark.parametrize("with_language_step", [True, False])
def test_by_language_with_a_language_before_it_says_nothing(tmp_path, run_cli, with_language_step) -> None:
    # Either a language step before it writes meta.language, or the records carry it.
    meta = {} if with_language_step else {"meta": {"language": "de"}}
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": "de", "text": SHORT_DE, **meta}])
    language = "  - language: {}\n" if with_language_step else ""
    result = _run(
        run_cli, tmp_path, src, f"{language}  - c4_quality: {{by_language: {{de: {{min_sentences: 1}}}}}}\n"
    )
    assert result.exit_code == 0 and "reads meta.language" not in result.output, result.output
