"""YAML pipelines: read, check and turn into :class:`~gristmill.pipeline.Pipeline` objects."""

from __future__ import annotations

import dataclasses
import difflib
from pathlib import Path
from typing import Any

import yaml

from gristmill.errors import ConfigError, GristmillError
from gristmill.io import storage
from gristmill.io.inputs import InputSpec
from gristmill.io.outputs import OutputSpec
from gristmill.pipeline import Pipeline
from gristmill.steps.plugins import import_step_modules
from gristmill.steps.registry import build_step

_SECTIONS = ("imports", "input", "output", "steps", "max_errors")


def load_pipeline(path: str | Path) -> Pipeline:
    """Read a pipeline YAML file; relative input/output paths are taken from the current folder."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the pipeline file: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: the pipeline file is not UTF-8") from exc
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from exc
    return pipeline_from_dict(data, source=str(path), folder=path.resolve().parent)


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a mapping that holds a key twice (PyYAML keeps the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *base` then a key: an override
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                line = first_line.get(key)
            except TypeError:  # an unhashable key: the constructor below says so
                continue
            if line is not None:
                raise yaml.constructor.ConstructorError(
                    problem=f"{key!r} is written twice (first at line {line + 1}); keep one",
                    problem_mark=key_node.start_mark,
                )
            first_line[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def pipeline_from_dict(data: Any, source: str = "pipeline", folder: Path | None = None) -> Pipeline:
    """Build a pipeline from its mapping (``imports``, ``input``, ``output``, ``steps``, ``max_errors``).

    ``imports`` names modules to import before the steps are built (their ``@register`` steps), found
    in ``folder`` (the pipeline file's) first.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a pipeline is a mapping with {list(_SECTIONS)}")
    for key in data:
        if key not in _SECTIONS:
            raise ConfigError(f"{source}: unknown section {key!r}{_suggest(key, _SECTIONS)}")
    imports = _section_or(data, "imports", [])
    if not isinstance(imports, list):
        raise ConfigError(f"{source}: `imports` is a list of module names (`imports: [my_steps]`)")
    import_step_modules(imports, folder)
    for key in ("input", "output"):
        if key not in data:
            raise ConfigError(f"{source}: missing section {key!r}")
    steps_data = _section_or(data, "steps", [])
    if not isinstance(steps_data, list):
        raise ConfigError(f"{source}: `steps` is a list of one-key mappings (`- length_filter: {{}}`)")
    steps = []
    for position, entry in enumerate(steps_data):
        if isinstance(entry, str):
            entry = {entry: {}}
        if not isinstance(entry, dict) or len(entry) != 1:
            raise ConfigError(
                f"{source}: steps[{position}] must map one step name to its options, got {entry!r}"
            )
        ((name, options),) = entry.items()
        try:
            steps.append(build_step(str(name), options))
        except GristmillError:
            raise
        except Exception as exc:  # a plugin's setup() (a model file not found): the step's own mistake
            raise ConfigError(
                f"{source}: step {name!r} (steps[{position}]): setup failed: {type(exc).__name__}: {exc}"
            ) from exc
    extra = {"max_errors": data["max_errors"]} if data.get("max_errors") is not None else {}
    return Pipeline(
        input=input_spec(data["input"]),
        output=output_spec(data["output"]),
        steps=steps,
        imports=imports,
        **extra,
    )


def _section_or(data: dict[str, Any], key: str, empty: Any) -> Any:
    """A section's value, or ``empty`` when left blank (``steps:`` alone is null in YAML).

    Only null is blank: ``steps: {}`` or ``steps: false`` is a mistake, said as one.
    """
    value = data.get(key)
    return empty if value is None else value


def input_spec(data: Any) -> InputSpec:
    """Build the ``input:`` section, checking its keys and types."""
    if isinstance(data, str):
        data = {"path": data}
    return _spec(InputSpec, data, "input")


def output_spec(data: Any) -> OutputSpec:
    """Build the ``output:`` section, checking its keys and types."""
    if isinstance(data, str):
        data = {"path": data}
    return _spec(OutputSpec, data, "output")


def spec_to_dict(spec: InputSpec | OutputSpec) -> dict[str, Any]:
    """Return an input or output section as its YAML mapping, without ``storage_options`` (credentials)."""
    data = dataclasses.asdict(spec)
    data.pop("storage_options", None)
    return data


def _spec(cls: Any, data: Any, section: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{section}: expected a mapping such as {{path: ...}}, got {data!r}")
    fields = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in fields:
            raise ConfigError(f"{section}: unknown option {key!r}{_suggest(key, fields)}")
    # Types and bounds (1.0 as 1 too) are checked by the section itself, from the annotations its
    # schema is made of (steps.options.check_fields).
    if "path" not in data:
        raise ConfigError(f"{section}: missing option 'path'")
    for path in data["path"] if isinstance(data["path"], list) else [data["path"]]:
        scheme = storage.mistyped_url_scheme(path) if isinstance(path, str) else None
        if scheme is not None:
            raise ConfigError(
                f"{section}, option 'path': {path!r} is not a URL: write {scheme}://… for an object store, "
                f"or ./{path} for a local folder"
            )
    return cls(**data)


def _suggest(key: Any, known: Any) -> str:
    near = difflib.get_close_matches(str(key), list(known), n=1)
    return f"; did you mean {near[0]!r}?" if near else f"; known: {sorted(known)}"
