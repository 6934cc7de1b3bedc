"""Options declared once: the same declaration gives keyword arguments, checks, help and JSON Schema."""

from __future__ import annotations

import importlib
from pathlib import Path

import orjson
import pytest

from gristmill import ConfigError, LengthFilter
from gristmill.dedup.minhash import MinhashDedup
from gristmill.steps.registry import registered_steps, step_options, step_schema


def test_every_step_has_a_json_schema_of_its_declared_options() -> None:
    for name, cls in registered_steps().items():
        schema = step_schema(name)
        options = step_options(cls)
        assert schema["type"] == "object"
        assert schema["additionalProperties"] is False
        assert list(schema["properties"]) == [o.name for o in options], name
        assert sorted(schema.get("required", [])) == sorted(o.name for o in options if o.required)
        for option in options:
            described = schema["properties"][option.name]
            assert described["description"] == option.help
            if not option.required:
                assert described["default"] == option.default
        orjson.dumps(schema)  # plain JSON, for editors and other tools


def test_schema_carries_bounds_and_choices() -> None:
    props = step_schema("minhash_dedup")["properties"]
    assert props["seed"]["minimum"] == 0
    assert props["buckets"]["maximum"] == 4096
    assert {"enum": ["drop", "keep"]}.items() <= step_schema("regex_filter")["properties"]["action"].items()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: LengthFilter(min_chars="ten"),
            "step 'length_filter', option 'min_chars': expected int, got 'ten'",
        ),
        (
            lambda: LengthFilter(min_chars=-1),
            "step 'length_filter', option 'min_chars': must be 0 or more, got -1",
        ),
        (lambda: LengthFilter(min_char=3), "step 'length_filter': unknown option 'min_char'; did you mean"),
        (
            lambda: MinhashDedup(threshold=0),
            "step 'minhash_dedup', option 'threshold': must lie in (0, 1], got 0",
        ),
        (lambda: MinhashDedup(seed=True), "step 'minhash_dedup', option 'seed': expected int, got True"),
    ],
)
def test_python_keywords_are_checked_like_yaml(build, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        build()
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_keywords_only() -> None:
    with pytest.raises(TypeError):
        LengthFilter(10)  # type: ignore[misc]
    assert LengthFilter(min_chars=10, max_chars=20).options() == {"min_chars": 10, "max_chars": 20}


NEW_STYLE = '''
from typing import Annotated, Literal

from gristmill import Filter, Help, register


@register("url_blocklist_new")
class UrlBlocklist(Filter):
    """Drop documents from blocked hosts."""

    hosts: Annotated[list[str], Help("hosts whose pages are dropped.")]
    min_hits: Annotated[int, Help("matches needed to drop a page.", ge=1)] = 1
    mode: Annotated[Literal["drop", "flag"], Help("drop the page, or flag it.")] = "drop"

    def setup(self) -> None:
        if self.mode == "flag" and self.min_hits > 1:
            raise self.fail("min_hits", "flagging takes one hit")

    def keep(self, doc):
        return "blocked" if any(h in doc.meta.get("url", "") for h in self.hosts) else True
'''

OLD_STYLE = '''
from gristmill import Filter, register


@register("url_blocklist_old")
class UrlBlocklist(Filter):
    """Drop documents from blocked hosts.

    Options:
        hosts: hosts whose pages are dropped.
        min_hits: matches needed to drop a page.
    """

    def __init__(self, *, hosts: list[str], min_hits: int = 1) -> None:
        self.hosts = hosts
        self.min_hits = min_hits

    def keep(self, doc):
        return True
'''


def test_a_plugin_declares_options_as_the_docs_show_and_an_old_one_still_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gristmill.steps import registry
    from gristmill.steps.registry import build_step

    (tmp_path / "new_style_plugin.py").write_text(NEW_STYLE, encoding="utf-8")
    (tmp_path / "old_style_plugin.py").write_text(OLD_STYLE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    # Registered for this test only: other tests build every registered step.
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    importlib.import_module("new_style_plugin")
    importlib.import_module("old_style_plugin")
    new = build_step("url_blocklist_new", {"hosts": ["bad.org"]})
    assert new.options() == {"hosts": ["bad.org"], "min_hits": 1, "mode": "drop"}
    with pytest.raises(
        ConfigError, match="step 'url_blocklist_new', option 'min_hits': flagging takes one hit"
    ):
        build_step("url_blocklist_new", {"hosts": [], "mode": "flag", "min_hits": 2})
    with pytest.raises(ConfigError, match="step 'url_blocklist_new': missing required option 'hosts'"):
        build_step("url_blocklist_new", {})
    old = build_step("url_blocklist_old", {"hosts": ["bad.org"], "min_hits": 2})
    assert old.options() == {"hosts": ["bad.org"], "min_hits": 2}
    with pytest.raises(
        ConfigError, match="step 'url_blocklist_old', option 'min_hits': expected int, got 'x'"
    ):
        build_step("url_blocklist_old", {"hosts": [], "min_hits": "x"})
    old_schema = step_schema("url_blocklist_old")
    assert old_schema["properties"]["min_hits"]["description"] == "matches needed to drop a page."
    assert old_schema["required"] == ["hosts"]


def test_datatrove_names_of_options_point_to_ours_and_the_docs_list_them() -> None:
    # A user porting `LanguageFilter(languages=[...], language_threshold=...)` got only the list of
    # options back, with no word that `keep` and `min_score` are the same options.
    from gristmill import Language
    from gristmill.steps.registry import build_step

    with pytest.raises(
        ConfigError, match=r"unknown option 'language_threshold' \(datatrove's name\): here 'min_score'"
    ):
        build_step("language", {"language_threshold": 0.65})
    with pytest.raises(ConfigError, match=r"unknown option 'languages' \(datatrove's name\): here 'keep'"):
        Language(languages=["en"])  # type: ignore[call-arg]
    table = (Path(__file__).resolve().parents[2] / "docs" / "quality.md").read_text(encoding="utf-8")
    named = 0
    for name, cls in registered_steps().items():
        options = {o.name for o in step_options(cls)}
        for theirs, ours in cls.datatrove_names.items():
            assert ours in options and theirs not in options, (name, theirs, ours)
            assert f"| `{name}` | `{theirs}` | `{ours}` |" in table, (name, theirs)
            named += 1
    assert named >= 20


def test_two_steps_writing_one_signal_as_different_types_is_one_line(tmp_path) -> None:
    # A classifier named its score `tokens`: it overwrote tokenize's count with a probability, unsaid.
    from gristmill import ConfigError, GopherQualityFilter, Pipeline
    from gristmill.steps.base import Filter

    class WordScore(Filter):
        name = "word_score"

        def output_fields(self):
            return {}, {"gopher_words": "float"}

        def keep(self, doc):
            return True

    where = {"input": {"path": str(tmp_path)}, "output": {"path": str(tmp_path / "out")}}
    with pytest.raises(
        ConfigError, match=r"'gopher_quality' and 'word_score' both write signals\.gopher_words"
    ):
        Pipeline(**where, steps=[GopherQualityFilter(), WordScore()])
    Pipeline(**where, steps=[GopherQualityFilter(), GopherQualityFilter()])  # one type: one meaning
