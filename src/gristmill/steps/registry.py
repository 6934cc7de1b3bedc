"""The step registry: YAML names to step classes, and options checked against their signatures."""

from __future__ import annotations

import difflib
import inspect
import math
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from gristmill.errors import ConfigError
from gristmill.steps.base import Step

_REGISTRY: dict[str, type[Step]] = {}
S = TypeVar("S", bound=type[Step])


@dataclass(frozen=True)
class Option:
    """One keyword option of a step: what YAML may set."""

    name: str
    type: Any
    default: Any
    help: str

    @property
    def required(self) -> bool:
        """Whether the option has no default."""
        return self.default is inspect.Parameter.empty


def register(name: str) -> Callable[[S], S]:
    """Register a step class under ``name``, the key YAML uses for it."""

    def decorate(cls: S) -> S:
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise ValueError(f"step name {name!r} is registered twice")
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return decorate


def registered_steps() -> dict[str, type[Step]]:
    """Return every registered step by name, sorted."""
    _load_builtin_steps()
    return dict(sorted(_REGISTRY.items()))


def step_class(name: str) -> type[Step]:
    """Return the step class registered as ``name``, or fail suggesting the nearest name."""
    steps = registered_steps()
    if name not in steps:
        near = difflib.get_close_matches(name, steps, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise ConfigError(f"unknown step {name!r}{hint} (`gristmill steps` lists them)")
    return steps[name]


def describe(cls: type[Step]) -> str:
    """Return the first line of a step's docstring."""
    return (inspect.getdoc(cls) or "").split("\n", 1)[0]


def step_options(cls: type[Step]) -> list[Option]:
    """Return the keyword options of a step class, with types, defaults and help."""
    hints = typing.get_type_hints(cls.__init__)
    helps = _option_help(cls)
    params = inspect.signature(cls.__init__).parameters.values()
    return [
        Option(p.name, hints.get(p.name, Any), p.default, helps.get(p.name, ""))
        for p in params
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    ]


def build_step(name: str, options: dict[str, Any] | None) -> Step:
    """Build the step registered as ``name`` from YAML options, checking every option first."""
    cls = step_class(name)
    options = options or {}
    if not isinstance(options, dict):
        raise ConfigError(f"step {name!r}: options must be a mapping, got {options!r}")
    known = {opt.name: opt for opt in step_options(cls)}
    for key, value in options.items():
        if key not in known:
            near = difflib.get_close_matches(str(key), known, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else f"; options are {sorted(known)}"
            raise ConfigError(f"step {name!r}: unknown option {key!r}{hint}")
        if not matches_type(value, known[key].type):
            raise ConfigError(
                f"step {name!r}, option {key!r}: expected {type_name(known[key].type)}, got {value!r}"
            )
        problem = number_problem(value)
        if problem:
            raise ConfigError(f"step {name!r}, option {key!r}: {problem}")
    missing = [opt.name for opt in known.values() if opt.required and opt.name not in options]
    if missing:
        raise ConfigError(f"step {name!r}: missing required option {missing[0]!r}")
    return cls(**options)


def matches_type(value: Any, hint: Any) -> bool:
    """Whether a YAML value fits a type hint (the subset of hints step options use)."""
    if hint is Any:
        return True
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is Literal:
        return value in args
    if origin in (typing.Union, types.UnionType):
        return any(matches_type(value, arg) for arg in args)
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin in (list, tuple):
        return isinstance(value, list | tuple) and all(matches_type(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(
            matches_type(k, args[0]) and matches_type(v, args[1]) for k, v in value.items()
        )
    return isinstance(value, hint)


# Integers an option may hold: what a signed 64-bit field (numpy, orjson, Parquet) can take.
LARGEST_INT = 2**63 - 1


def number_problem(value: Any) -> str | None:
    """Say what is wrong with the numbers in an option value (too large, not finite), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and not -LARGEST_INT <= value <= LARGEST_INT:
        return f"{_short(value)} is out of range (at most 2**63 - 1 in size)"
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number, got {value}"
    items: list[Any] = []
    if isinstance(value, list | tuple):
        items = list(value)
    elif isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    for item in items:
        problem = number_problem(item)
        if problem:
            return problem
    return None


def _short(value: int) -> str:
    """Show a huge integer by its size rather than its thousands of digits."""
    return str(value) if value.bit_length() < 200 else f"an integer of {value.bit_length()} bits"


def type_name(hint: Any) -> str:
    """Return a type hint as a user reads it (``int``, ``'drop' | 'keep'``)."""
    origin = typing.get_origin(hint)
    if origin is Literal:
        return " | ".join(repr(a) for a in typing.get_args(hint))
    if origin in (typing.Union, types.UnionType):
        return " | ".join(type_name(a) for a in typing.get_args(hint))
    if hint is type(None):
        return "none"
    if origin is not None:
        return f"{origin.__name__}[{', '.join(type_name(a) for a in typing.get_args(hint))}]"
    return getattr(hint, "__name__", str(hint))


_OPTION_LINE = re.compile(r"^\s{4}(\w+):\s*(.*)$")


def _option_help(cls: type[Step]) -> dict[str, str]:
    """Read option help from the ``Options:`` section of a step's docstring."""
    doc = inspect.getdoc(cls) or ""
    section = doc.split("Options:", 1)[1] if "Options:" in doc else ""
    helps: dict[str, str] = {}
    current = ""
    for line in section.splitlines():
        match = _OPTION_LINE.match(line)
        if match:
            current = match.group(1)
            helps[current] = match.group(2).strip()
        elif current and line.startswith("        "):
            helps[current] += " " + line.strip()
    return helps


def _load_builtin_steps() -> None:
    # Importing the packages registers their steps; installed plugins register theirs.
    import gristmill.dedup
    import gristmill.steps  # noqa: F401
    from gristmill.steps.plugins import load_entry_point_steps

    load_entry_point_steps()
