"""``gristmill steps --json`` and ``gristmill schema`` (issue 13): what editors and other tools read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from gristmill.config import load_pipeline
from gristmill.steps.registry import registered_steps
from tests.helpers import REPO

PIPELINES = [
    REPO / "src/gristmill/samples/demo.yaml",
    REPO / "examples/fineweb_like.yaml",
    REPO / "examples/web_text.yaml",
]


def test_steps_json_lists_every_step_with_typed_options(run_cli) -> None:
    result = run_cli("steps", "--json")
    assert result.exit_code == 0, result.output
    steps = {s["name"]: s for s in json.loads(result.output)}
    assert set(steps) == set(registered_steps())
    length = {o["name"]: o for o in steps["length_filter"]["options"]}
    assert length["min_chars"]["schema"] == {"type": "integer", "minimum": 0}  # the bound is checked too
    assert length["min_chars"]["required"] is False and isinstance(length["min_chars"]["default"], int)
    assert steps["minhash_dedup"]["barrier"] is True and steps["length_filter"]["barrier"] is False
    assert steps["language"]["signal_fields"]["language_score"] == "float"
    assert all(s["summary"] for s in steps.values())


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    from click.testing import CliRunner

    from gristmill.cli import cli

    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0, result.output
    loaded = json.loads(result.output)
    jsonschema.Draft202012Validator.check_schema(loaded)
    return loaded


@pytest.mark.parametrize("path", PIPELINES, ids=lambda p: p.name)
def test_every_bundled_pipeline_fits_the_schema(schema: dict[str, Any], path: Path) -> None:
    load_pipeline(path)  # the same file gristmill itself accepts
    jsonschema.validate(yaml.safe_load(path.read_text()), schema)


@pytest.mark.parametrize(
    "mistake",
    [
        {"steps": [{"length_filter": {"min_char": 10}}]},  # unknown option
        {"steps": [{"length_filter": {"min_chars": "ten"}}]},  # wrong type
        {"steps": [{"salad": {"action": "explode"}}]},  # not one of the choices
        {"steps": ["normalise"]},  # unknown step
        {"steps": [{"decontaminate": {}}]},  # a required option missing
        {"output": {"path": "out", "fields": "id"}},
        {"input": {"path": "x.jsonl", "meta_keys": {"year": "integer"}}},
        {"inputs": {"path": "x.jsonl"}},
        # Found by a new user: the schema took these, and the run refused them.
        {"input": {"path": "x.jsonl", "files_per_shard": 0}},
        {"input": {"path": "x.jsonl", "text_key": ""}},
        {"steps": [{"salad": {"threshold": 1.5}}]},
        {"steps": [{"salad": {"threshold": 0}}]},
        {"steps": [{"decontaminate": {"sets": []}}]},
        {"steps": [{"language": {"keep": []}}]},
        {"steps": [{"pii": {"redact": []}}]},
        {"steps": [{"meta_filter": {"field": "language", "values": []}}]},
        {"steps": [{"meta_filter": {"field": "", "values": ["en"]}}]},
        {"steps": [{"classifier_top": {"model": "m.bin", "label": "hq", "keep_top": 0.1, "signal": ""}}]},
    ],
)
def test_the_schema_refuses_what_a_run_refuses(schema: dict[str, Any], mistake: dict[str, Any]) -> None:
    pipeline = {"input": {"path": "x.jsonl"}, "output": "out", **mistake}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(pipeline, schema)


@pytest.mark.parametrize("empty", ["steps", "max_errors", "imports"])
def test_the_schema_takes_an_empty_section_as_a_run_does(
    schema: dict[str, Any], empty: str, tmp_path: Path
) -> None:
    # `steps:` with nothing after it is null in YAML: the run takes it as none, the schema refused it.
    text = f"input: {tmp_path / 'x.jsonl'}\noutput: {tmp_path / 'out'}\n{empty}:\n"
    (tmp_path / "p.yaml").write_text(text)
    load_pipeline(tmp_path / "p.yaml")
    jsonschema.validate(yaml.safe_load(text), schema)


def _run_accepts(pipeline: dict[str, Any]) -> bool:
    from gristmill.config import pipeline_from_dict
    from gristmill.errors import ConfigError

    try:
        pipeline_from_dict(pipeline)
    except ConfigError:
        return False
    return True


def _schema_accepts(schema: dict[str, Any], pipeline: dict[str, Any]) -> bool:
    try:
        jsonschema.validate(pipeline, schema)
    except jsonschema.ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    "part",
    [
        # A helper's list (stop 33): the schema took each of these, and the run refused them, or the
        # other way round. An editor that validates against `gristmill schema` must say what the run says.
        {"output": {"path": "out", "fields": []}},
        {"output": {"path": ""}},
        {"output": ""},
        {"input": ""},
        {"input": {"path": []}},
        {"input": {"path": "x.jsonl", "meta_keys": {"": "str"}}},
        {"steps": [{"language": {"keep": ["EN"]}}]},
        {"steps": [{"language": {"keep": ["xx"]}}]},
        {"steps": [{"language": {"keep": ["en", "de"]}}]},
        {"steps": [{"regex_filter": {"pattern": "x", "reason": ""}}]},
        {"steps": [{"regex_filter": {"pattern": "x", "reason": "a:b"}}]},
        {"steps": [{"gopher_repetition": {"top_ngrams": {"0": 0.1}}}]},
        {"steps": [{"gopher_repetition": {"top_ngrams": {"101": 0.1}}}]},
        {"steps": [{"gopher_repetition": {"top_ngrams": {"two": 0.1}}}]},
        {"steps": [{"gopher_repetition": {"dup_ngrams": {"5": 1.5}}}]},
        {"steps": [{"gopher_repetition": {"top_ngrams": {"2": 0.2, "3": 0.18}}}]},
        {"steps": [{"gopher_quality": {"by_language": {"de": {"min_word": 30}}}}]},
        {"steps": [{"gopher_quality": {"by_language": {"de": {"min_words": "ten"}}}}]},
        {"steps": [{"gopher_quality": {"by_language": {"German": {"min_words": 30}}}}]},
        {"steps": [{"gopher_quality": {"by_language": {"de": {"min_words": 30}}}}]},
        {"steps": [{"gopher_quality": {"by_language": {"de": None}}}]},
        {"steps": [{"gopher_quality": {"by_language": {"de": {"by_language": None}}}}]},
        {"steps": [{"length_filter": False}]},
        {"steps": [{"length_filter": None}]},
        {"steps": [{"length_filter": {"min_chars": 1.0}}]},
        {"steps": [{"length_filter": {"min_chars": 1.5}}]},
        {"input": {"path": "x.jsonl", "files_per_shard": 1.0}},
        # A second review's list: a bare name of a step with a required option, an empty pattern or
        # module name, and YAML's `no` (false) among language codes.
        {"steps": ["regex_filter"]},
        {"steps": [{"regex_filter": {"pattern": ""}}]},
        {"imports": [""]},
        {"steps": [{"language": {"keep": ["en", False]}}]},
        {"steps": {}},
        {"steps": False},
        {"steps": ""},
        {"imports": ""},
        {"max_errors": False},
    ],
    ids=lambda part: json.dumps(part),
)
def test_the_schema_and_the_run_agree(schema: dict[str, Any], part: dict[str, Any]) -> None:
    pipeline = {"input": {"path": "x.jsonl"}, "output": "out", **part}
    assert _schema_accepts(schema, pipeline) == _run_accepts(pipeline)


def test_a_section_built_in_python_holds_its_values_as_checked() -> None:
    # A review's cases: a tuple of meta_keys passed the check and broke the run (a traceback), and a
    # read-only mapping of storage options could not go to the workers.
    import types

    from gristmill.io.inputs import InputSpec

    spec = InputSpec(
        path="x.jsonl",
        meta_keys=("url",),  # type: ignore[arg-type]
        storage_options=types.MappingProxyType({"anon": True}),  # type: ignore[arg-type]
        files_per_shard=2.0,  # type: ignore[arg-type]
    )
    assert spec.meta_key_types == {"url": "str"}
    assert spec.storage_options == {"anon": True} and type(spec.storage_options) is dict
    assert spec.files_per_shard == 2 and type(spec.files_per_shard) is int
