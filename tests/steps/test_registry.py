from pathlib import Path

import pytest

from gristmill import ConfigError, LengthFilter, load_pipeline
from gristmill.steps.registry import build_step, registered_steps, step_options
from tests.helpers import write_pipeline
from tests.steps.test_classifier import shipped_model
from tests.steps.test_tokenize import build_tokenizer


def file_options(tmp_path: Path) -> dict[str, dict[str, object]]:
    """Options naming real files, for the steps that read a file when built."""
    listed = tmp_path / "list.txt"
    listed.write_text("spam.example\n", encoding="utf-8")
    evaluation = tmp_path / "eval.txt"
    evaluation.write_text(" ".join(f"word{i}" for i in range(20)) + "\n", encoding="utf-8")
    return {
        "url_filter": {"block_domains": [str(listed)]},
        "decontaminate": {"sets": [str(evaluation)]},
        "tokenize": {"tokenizer": str(build_tokenizer(tmp_path / "tokenizer.json"))},
        "classifier": {"model": str(shipped_model()), "label": "en"},
        "classifier_top": {"model": str(shipped_model()), "label": "en", "keep_top": 0.5},
    }


def test_every_registered_step_is_built_from_yaml_with_its_keyword_arguments(tmp_path: Path) -> None:
    steps = registered_steps()
    files = file_options(tmp_path)
    assert {"length_filter", "regex_filter", "meta_filter", "normalize", "exact_dedup"} <= set(steps)
    for name, cls in steps.items():
        required = {o.name: "x" for o in step_options(cls) if o.required}
        if name == "meta_filter":
            required["values"] = ["en"]
        required |= files.get(name, {})
        step = build_step(name, required)
        assert isinstance(step, cls)
        assert build_step(name, step.options()).options() == step.options()  # Python == YAML


def test_every_option_has_help() -> None:
    for name, cls in registered_steps().items():
        for option in step_options(cls):
            assert option.help, f"{name}.{option.name} has no help in its docstring"


def test_yaml_builds_the_same_steps_as_python(tmp_path) -> None:
    path = write_pipeline(
        tmp_path / "p.yaml",
        "input: {path: in.jsonl}\noutput: {path: out}\nsteps:\n"
        "  - length_filter: {min_chars: 10}\n  - normalize\n",
    )
    pipeline = load_pipeline(path)
    assert pipeline.steps[0].options() == LengthFilter(min_chars=10).options()
    assert pipeline.to_config()["steps"][0] == {"length_filter": {"min_chars": 10, "max_chars": None}}


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ("- lenght_filter: {}", "unknown step 'lenght_filter'; did you mean 'length_filter'?"),
        (
            "- length_filter: {min_char: 3}",
            "step 'length_filter': unknown option 'min_char'; did you mean 'min_chars'?",
        ),
        (
            "- length_filter: {min_chars: ten}",
            "step 'length_filter', option 'min_chars': expected int, got 'ten'",
        ),
        ("- regex_filter: {}", "step 'regex_filter': missing required option 'pattern'"),
        (
            "- regex_filter: {pattern: a, action: maybe}",
            "option 'action': expected 'drop' | 'keep', got 'maybe'",
        ),
        ("- length_filter: 5", "step 'length_filter': options must be a mapping, got 5"),
        ("- {a: {}, b: {}}", "steps[0] must map one step name to its options"),
    ],
)
def test_config_errors_name_the_step_and_option(tmp_path, steps: str, message: str) -> None:
    path = write_pipeline(tmp_path / "p.yaml", f"input: in.jsonl\noutput: out\nsteps:\n  {steps}\n")
    with pytest.raises(ConfigError) as info:
        load_pipeline(path)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("input: in.jsonl\n", "missing section 'output'"),
        ("input: in.jsonl\noutput: out\nstep: []\n", "unknown section 'step'; did you mean 'steps'?"),
        (
            "input: {path: in.jsonl, fromat: jsonl}\noutput: out\n",
            "input: unknown option 'fromat'; did you mean 'format'?",
        ),
        ("input: {path: in.x, format: csv}\noutput: out\n", "input: unknown format 'csv'"),
        (
            "input: in.jsonl\noutput: {path: out, format: xml}\n",
            "output, option 'format': expected 'jsonl' | 'parquet'",
        ),
        ("input: [in.jsonl\n", "not valid YAML at line 2"),
        # A key written twice: YAML readers keep one or the other without a word.
        (
            "input: in.jsonl\noutput: {path: a}\noutput: {path: b}\n",
            "not valid YAML at line 3: 'output' is written twice (first at line 2); keep one",
        ),
        (
            "input: in.jsonl\noutput: {path: a, format: jsonl, path: b}\n",
            "not valid YAML at line 2: 'path' is written twice (first at line 2); keep one",
        ),
        (
            "input: in.jsonl\noutput: out\nsteps:\n  - length_filter:\n      min_chars: 1\n"
            "      max_chars: 9\n      min_chars: 2\n",
            "not valid YAML at line 7: 'min_chars' is written twice (first at line 5); keep one",
        ),
    ],
)
def test_section_errors(tmp_path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_pipeline(write_pipeline(tmp_path / "p.yaml", text))
    assert message in str(info.value)


def test_yaml_merge_keys_may_still_be_overridden(tmp_path) -> None:
    # `<<: *base` then a key of its own is YAML's way to override, not a key written twice.
    text = (
        "input: in.jsonl\noutput: out\nsteps:\n  - length_filter: &base {min_chars: 1, max_chars: 9}\n"
        "  - length_filter:\n      <<: *base\n      min_chars: 2\n"
    )
    pipeline = load_pipeline(write_pipeline(tmp_path / "p.yaml", text))
    assert pipeline.steps[1].options() == {"min_chars": 2, "max_chars": 9}


TWICE = """
from gristmill import Transform, register


@register("twice")
class Twice(Transform):
    def transform(self, doc):
        return doc
"""


def test_a_module_imported_again_registers_its_step_again_but_another_class_cannot_take_the_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib
    import sys

    from gristmill.steps import registry

    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))  # other tests build every step
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "twice_steps.py").write_text(TWICE, encoding="utf-8")
    (tmp_path / "twice_other.py").write_text(TWICE.replace("Twice(", "Other("), encoding="utf-8")
    try:
        module = importlib.import_module("twice_steps")
        module = importlib.reload(module)  # a new class of the same name, as a notebook's rerun makes
        assert registry.step_class("twice") is module.Twice
        with pytest.raises(
            ConfigError,
            match=r"^step name 'twice' is taken by twice_steps\.Twice; twice_other\.Other cannot be "
            r"registered under it too: register it under another name$",
        ):
            importlib.import_module("twice_other")
    finally:
        sys.modules.pop("twice_steps", None)
        sys.modules.pop("twice_other", None)
