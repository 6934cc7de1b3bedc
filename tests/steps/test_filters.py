from pathlib import Path
from typing import Any

import pytest

from gristmill import ConfigError, Document, LengthFilter, MetaFilter, Normalize, RegexFilter
from gristmill.inspect import inspect_document
from tests.helpers import REPO, read_all, write_jsonl, write_pipeline


def verdicts(step, docs):
    return [step.keep(d) for d in docs]


def doc(text: str, **meta) -> Document:
    return Document(id="d", text=text, meta=meta)


def test_length_filter_reasons() -> None:
    step = LengthFilter(min_chars=3, max_chars=5)
    assert verdicts(step, [doc("ab"), doc("abc"), doc("abcde"), doc("abcdef")]) == [
        "min_chars",
        True,
        True,
        "max_chars",
    ]


def test_length_filter_checks_its_options() -> None:
    with pytest.raises(ConfigError, match="step 'length_filter', option 'max_chars'"):
        LengthFilter(min_chars=10, max_chars=5)


def test_regex_filter_drop_and_keep() -> None:
    texts = [doc("Lorem ipsum dolor"), doc("Plain prose")]
    assert verdicts(RegexFilter(pattern="lorem", ignore_case=True), texts) == ["pattern", True]
    keep = RegexFilter(pattern="prose", action="keep", reason="prose")
    assert verdicts(keep, texts) == ["no_prose", True]
    with pytest.raises(ConfigError, match="not a valid regular expression"):
        RegexFilter(pattern="(unclosed")


def test_regex_filter_flags_the_matching_sentence_in_inspect() -> None:
    result = inspect_document(
        doc("A fine sentence. Then lorem ipsum here. The end."),
        [RegexFilter(pattern="lorem", reason="placeholder")],
    )
    assert result["verdict"] == "regex_filter:placeholder"
    assert [s["flags"] for s in result["sentences"]] == [[], ["regex_filter:placeholder"], []]


def test_meta_filter_values_pattern_nested_and_missing() -> None:
    docs = [doc("x", lang="en"), doc("x", lang="de"), doc("x"), doc("x", warc={"status": 200})]
    assert verdicts(MetaFilter(field="lang", values=["en"]), docs) == [True, "no_match", "missing", "missing"]
    assert verdicts(MetaFilter(field="lang", pattern="d", missing="keep"), docs) == [
        "no_match",
        True,
        True,
        True,
    ]
    assert verdicts(MetaFilter(field="warc.status", values=[200]), docs)[3] is True
    with pytest.raises(ConfigError, match="exactly one of"):
        MetaFilter(field="lang")


def test_normalize_records_what_it_removed() -> None:
    d = Normalize().transform(doc("  two  spaces\x00 \r\n"))
    assert d.text == "two spaces"
    assert d.signals["normalize_chars_removed"] == 7


WEB_SAMPLE = REPO / "src/gristmill/samples/web/cc-main-2019-30-sample.jsonl.gz"  # Dolma-format records
WARC_SAMPLE = REPO / "src/gristmill/samples/warc/cc-main-2020-34-excerpt.warc.gz"


def _meta_filter_run(run_cli: Any, tmp_path: Path, source: Path, options: str, before: str = "") -> Any:
    path = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {source}\noutput: {tmp_path / 'out'}\nsteps:\n{before}  - meta_filter: {{{options}}}\n",
    )
    return run_cli("run", str(path))


def test_a_meta_filter_field_no_early_record_has_is_said_in_one_line(tmp_path: Path, run_cli: Any) -> None:
    # A new user's `field: langauge` dropped every document as meta_filter:missing, and nothing said why.
    # Said, not refused, over records: the first ones cannot prove that no later one has the field.
    result = _meta_filter_run(run_cli, tmp_path, WEB_SAMPLE, "field: contnet_type, values: [text/html]")
    assert result.exit_code == 0, result.output
    said = [line for line in result.output.splitlines() if "names 'contnet_type'" in line]
    assert len(said) == 1 and "step 'meta_filter', option 'field'" in said[0], result.output
    assert "did you mean 'content_type'?" in said[0]
    (tmp_path / "right").mkdir()
    right = _meta_filter_run(
        run_cli, tmp_path / "right", WEB_SAMPLE, "field: content_type, values: [text/html]"
    )
    assert right.exit_code == 0 and "names" not in right.output, right.output


def test_a_meta_filter_field_warc_records_lack_is_said_in_one_line(tmp_path: Path, run_cli: Any) -> None:
    # Said, not refused: a plugin step before it may write the key undeclared (a review's case).
    result = _meta_filter_run(run_cli, tmp_path, WARC_SAMPLE, "field: contnet_type, values: [text/html]")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "names 'contnet_type'" in line]
    assert len(lines) == 1 and "step 'meta_filter', option 'field'" in lines[0], result.output
    assert "did you mean 'content_type'?" in lines[0]


def test_a_meta_filter_field_an_earlier_step_writes_is_not_looked_for(tmp_path: Path, run_cli: Any) -> None:
    result = _meta_filter_run(
        run_cli,
        tmp_path,
        WARC_SAMPLE,
        "field: language, values: [en]",
        before="  - extract: {}\n  - language: {}\n",
    )
    assert result.exit_code == 0 and "names" not in result.output, result.output


def test_a_dotted_meta_filter_field_is_looked_for_by_its_first_name(tmp_path: Path, run_cli: Any) -> None:
    # `warc.status` reaches into meta["warc"]: that first name is what the documents must have.
    records = [{"id": "a", "text": "some text", "metadata": {"warc": {"status": 200}}}]
    write_jsonl(tmp_path / "in.jsonl", records)
    right = _meta_filter_run(run_cli, tmp_path, tmp_path / "in.jsonl", "field: warc.status, values: [200]")
    assert right.exit_code == 0 and "names" not in right.output, right.output
    assert [d["id"] for d in read_all(tmp_path / "out" / "kept")] == ["a"]
    (tmp_path / "warc").mkdir()
    wrong = _meta_filter_run(
        run_cli, tmp_path / "warc", WARC_SAMPLE, "field: wrac_type.x, values: [response]"
    )
    lines = [line for line in wrong.output.splitlines() if "names 'wrac_type'" in line]
    assert wrong.exit_code == 0 and len(lines) == 1, wrong.output
    assert "step 'meta_filter', option 'field' ('wrac_type.x') names 'wrac_type'" in lines[0]
    assert "did you mean 'warc_type'?" in lines[0]


def test_meta_filter_refuses_no_values() -> None:
    with pytest.raises(ConfigError, match="step 'meta_filter', option 'values': must not be empty"):
        MetaFilter(field="lang", values=[])
