"""What tools outside gristmill read: the steps as JSON, and the JSON Schema of a pipeline file.

``gristmill steps --json`` and ``gristmill schema`` print them; both are built from the registry alone.

Everything goes through :func:`describe_steps`, which asks the registry for each step's options
(``step_options``) and their JSON Schema (``step_schema``, from the msgspec checks the options run).
"""

from __future__ import annotations

import inspect
import types
import typing
from pathlib import Path
from typing import Any, Literal

import msgspec

from gristmill.io.inputs import READERS, InputSpec
from gristmill.io.outputs import OutputSpec
from gristmill.steps.base import BarrierStep
from gristmill.steps.registry import describe, registered_steps, step_options, step_schema, type_name

JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"


def describe_steps() -> list[dict[str, Any]]:
    """Every registered step as plain data: name, summary, options (type, default, help, JSON Schema)."""
    described = []
    for name, cls in registered_steps().items():
        options = []
        schemas = step_schema(name)["properties"]
        for option in step_options(cls):
            entry: dict[str, Any] = {
                "name": option.name,
                "type": type_name(option.type),
                "required": option.required,
                "help": option.help,
                "schema": _option_schema(schemas.get(option.name), option.type),
            }
            if not option.required:
                entry["default"] = _plain(option.default)
            options.append(entry)
        described.append(
            {
                "name": name,
                "summary": describe(cls),
                "class": f"{cls.__module__}.{cls.__qualname__}",
                "barrier": issubclass(cls, BarrierStep),
                "options": options,
                "meta_fields": dict(cls.meta_fields),
                "signal_fields": dict(cls.signal_fields),
            }
        )
    return described


def pipeline_schema() -> dict[str, Any]:
    """The JSON Schema of a pipeline file: its sections, and each registered step with its options."""
    step_items: list[dict[str, Any]] = []
    names = []  # steps a bare name builds (`- salad`): those without a required option
    for step in describe_steps():
        options = {o["name"]: {**o["schema"], "description": o["help"]} for o in step["options"]}
        required = [o["name"] for o in step["options"] if o["required"]]
        if not required:
            names.append(step["name"])
        body: dict[str, Any] = {
            "type": ["object", "null"],
            "properties": options,
            "additionalProperties": False,
        }
        if required:
            body = {
                "type": "object",
                "properties": options,
                "required": required,
                "additionalProperties": False,
            }
        step_items.append(
            {
                "type": "object",
                "description": step["summary"],
                "properties": {step["name"]: body},
                "required": [step["name"]],
                "additionalProperties": False,
            }
        )
    return {
        "$schema": JSON_SCHEMA,
        "title": "gristmill pipeline",
        "type": "object",
        "properties": {
            # A section left empty (`steps:` alone) is null in YAML: the run takes it as its default.
            "imports": {
                "type": ["array", "null"],
                "items": {"type": "string", "minLength": 1},
                "description": "modules that register steps",
            },
            "input": _section(InputSpec),
            "output": _section(OutputSpec),
            "steps": {"type": ["array", "null"], "items": {"anyOf": [{"enum": names}, *step_items]}},
            "max_errors": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
        },
        "required": ["input", "output"],
        "additionalProperties": False,
    }


def type_schema(hint: Any) -> dict[str, Any]:
    """The JSON Schema of the values an option's type hint accepts (the hints step options use)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any:
        return {}
    if origin is Literal:
        return {"enum": [_plain(a) for a in args]}
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [type_schema(a) for a in args]}
    simple = {
        type(None): "null",
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        Path: "string",
    }
    if hint in simple:
        return {"type": simple[hint]}
    if origin in (list, tuple):
        return {"type": "array", "items": type_schema(args[0])} if args else {"type": "array"}
    if origin is dict:
        return (
            {"type": "object", "additionalProperties": type_schema(args[1])} if args else {"type": "object"}
        )
    return {}


def _option_schema(declared: dict[str, Any] | None, hint: Any) -> dict[str, Any]:
    """An option's JSON Schema as its checks say it (``step_schema``); from its hint for an old-style step."""
    if declared is None:
        return type_schema(hint)
    return {k: v for k, v in declared.items() if k not in ("description", "default")}


def _section(cls: Any) -> dict[str, Any]:
    """The schema of ``input:`` or ``output:``: a path alone, or a mapping of the dataclass's fields.

    Made by msgspec from the fields' annotations, the ones ``check_fields`` checks a run's section by.
    """
    generated = msgspec.json.schema(cls)
    properties = dict(generated["$defs"][generated["$ref"].rsplit("/", 1)[1]]["properties"])
    if cls is InputSpec:  # the formats are the readers registered, not a type
        properties["format"] = {"anyOf": [{"enum": sorted(READERS)}, {"type": "null"}], "default": None}
    mapping = {
        "type": "object",
        "properties": properties,
        "required": ["path"],
        "additionalProperties": False,
    }
    path = properties["path"]
    shorthand = next((p for p in path.get("anyOf", [path]) if p.get("type") == "string"), path)
    summary = (inspect.getdoc(cls) or "").split("\n", 1)[0]
    return {"description": summary, "anyOf": [shorthand, mapping]}


def _plain(value: Any) -> Any:
    """A default as JSON says it: tuples and sets as lists, paths as text."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
