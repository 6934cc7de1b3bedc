import pytest

from gristmill import ConfigError, Document, LengthFilter, MetaFilter, Normalize, RegexFilter
from gristmill.inspect import inspect_document


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
