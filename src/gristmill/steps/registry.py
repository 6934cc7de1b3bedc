"""The step registry: YAML names to step classes, built from options checked against their declarations."""

from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from gristmill.errors import ConfigError
from gristmill.steps.base import Step
from gristmill.steps.options import Option, check_options, options_schema, step_options, type_name

__all__ = [
    "BUILTIN_STEPS",
    "Option",
    "build_step",
    "describe",
    "register",
    "registered_steps",
    "step_class",
    "step_options",
    "step_schema",
    "type_name",
]

_REGISTRY: dict[str, type[Step]] = {}
S = TypeVar("S", bound=type[Step])


def register(name: str) -> Callable[[S], S]:
    """Register a step class under ``name``, the key YAML uses for it; a name taken by another class fails."""

    def decorate(cls: S) -> S:
        # A built-in step's module is imported when a run first names it: a plugin registered before
        # then would take its name without a word.
        if name not in _REGISTRY and BUILTIN_STEPS.get(name, cls.__module__) != cls.__module__:
            importlib.import_module(BUILTIN_STEPS[name])
        held = _REGISTRY.get(name)
        # The same class again (a module imported again, or reloaded) takes its name back.
        if held is not None and _where(held) != _where(cls):
            raise ConfigError(
                f"step name {name!r} is taken by {_where(held)}; {_where(cls)} cannot be registered "
                "under it too: register it under another name"
            )
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return decorate


def _where(cls: type[Step]) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def registered_steps() -> dict[str, type[Step]]:
    """Return every registered step by name, sorted."""
    _load_builtin_steps()
    return dict(sorted(_REGISTRY.items()))


def step_class(name: str) -> type[Step]:
    """Return the step class registered as ``name``, or fail suggesting the nearest name.

    A built-in step imports its own module only; any other name loads every step and plugin first.
    """
    if name not in _REGISTRY and name in BUILTIN_STEPS:
        importlib.import_module(BUILTIN_STEPS[name])
    if name in _REGISTRY:
        return _REGISTRY[name]
    steps = registered_steps()
    if name not in steps:
        near = difflib.get_close_matches(name, steps, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise ConfigError(f"unknown step {name!r}{hint} (`gristmill steps` lists them)")
    return steps[name]


def describe(cls: type[Step]) -> str:
    """Return the first line of a step's docstring."""
    return (inspect.getdoc(cls) or "").split("\n", 1)[0]


def python_name(cls: type[Step]) -> str:
    """How Python code names a step's class: ``gristmill.LengthFilter``, or its module's path for a plugin."""
    import gristmill

    if getattr(gristmill, cls.__name__, None) is cls:
        return f"gristmill.{cls.__name__}"
    return f"{cls.__module__}.{cls.__qualname__}"


def step_schema(name: str) -> dict[str, Any]:
    """Return the JSON Schema of the options of the step registered as ``name``."""
    return options_schema(step_class(name))


def build_step(name: str, options: dict[str, Any] | None) -> Step:
    """Build the step registered as ``name`` from YAML options, checking every option first."""
    cls = step_class(name)
    if options is None:  # `- length_filter:` with nothing after it
        options = {}
    if not isinstance(options, dict):
        raise ConfigError(f"step {name!r}: options must be a mapping, got {options!r}")
    # A step written the old way does not check its options itself; it gets them as checked (1.0 as 1).
    checked = check_options(cls, options)
    return cls(**{key: checked[key] for key in options})


# Where each built-in step is registered: importing a module registers its steps, and a run imports
# only the modules of the steps it uses (tests check this table against the modules' @register).
BUILTIN_STEPS: dict[str, str] = {
    "boilerplate_lines": "gristmill.steps.boilerplate",
    "c4_quality": "gristmill.steps.c4",
    "classifier": "gristmill.steps.classifier",
    "classifier_top": "gristmill.steps.classifier",
    "decontaminate": "gristmill.steps.decontaminate",
    "exact_dedup": "gristmill.dedup.exact",
    "extract": "gristmill.steps.extract",
    "fineweb_quality": "gristmill.steps.fineweb",
    "gopher_quality": "gristmill.steps.gopher",
    "gopher_repetition": "gristmill.steps.gopher",
    "language": "gristmill.steps.language",
    "length_filter": "gristmill.steps.length",
    "meta_filter": "gristmill.steps.meta",
    "minhash_dedup": "gristmill.dedup.minhash",
    "normalize": "gristmill.steps.normalize",
    "pii": "gristmill.steps.pii",
    "provenance": "gristmill.dedup.provenance",
    "regex_filter": "gristmill.steps.regex",
    "salad": "gristmill.steps.salad",
    "span_dedup": "gristmill.dedup.spans",
    "tokenize": "gristmill.steps.tokenize",
    "url_filter": "gristmill.steps.url",
}


def _load_builtin_steps() -> None:
    # Importing the modules registers their steps; installed plugins register theirs.
    from gristmill.steps.plugins import load_entry_point_steps

    for module in sorted(set(BUILTIN_STEPS.values())):
        importlib.import_module(module)
    load_entry_point_steps()
