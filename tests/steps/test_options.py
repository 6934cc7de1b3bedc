"""Options declared once: the same declaration gives keyword arguments, checks, help and JSON Schema."""

from __future__ import annotations

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
