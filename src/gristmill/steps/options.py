"""A step's options, declared once as annotated class attributes and checked by msgspec.

A step declares each option on its class, with its type, help and bounds in one place::

    class LengthFilter(Filter):
        min_chars: Annotated[int, Help("fewest characters a kept document has.", ge=0)] = 1

From these declarations come the keyword arguments (``LengthFilter(min_chars=10)`` is what YAML's
``length_filter: {min_chars: 10}`` builds), a msgspec Struct that validates them, the help that
``gristmill steps`` shows, and the step's JSON Schema. Checks across options go in ``Step.setup``.
A step written before this (its own ``__init__`` with keyword-only arguments and an ``Options:``
docstring section) is still read from its signature, so old plugins keep working.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import inspect
import math
import re
import types
import typing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import msgspec

from gristmill.errors import ConfigError

if TYPE_CHECKING:
    from gristmill.steps.base import Step

REQUIRED = inspect.Parameter.empty


def Help(text: str, **bounds: Any) -> msgspec.Meta:
    """Describe one option: its help text, and bounds (``ge``, ``le``, ``gt``, ``lt``) if it has any."""
    return msgspec.Meta(description=text, **bounds)


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
        return self.default is REQUIRED


@functools.cache
def step_options(cls: type[Step]) -> tuple[Option, ...]:
    """Return the keyword options of a step class, with types, defaults and help."""
    if _written_before_declarations(cls):
        return _signature_options(cls)
    hints = typing.get_type_hints(cls, include_extras=True)
    options: list[Option] = []
    seen: set[str] = set()
    for klass in cls.__mro__:  # the step's own options first, then those it inherits
        for name in inspect.get_annotations(klass):
            meta = _help_meta(hints.get(name))
            if name in seen or meta is None:
                continue
            seen.add(name)
            options.append(Option(name, hints[name], getattr(cls, name, REQUIRED), meta.description or ""))
    return tuple(options)


@functools.cache
def options_struct(cls: type[Step]) -> type[msgspec.Struct]:
    """Return the msgspec Struct that validates a step's options (named after the step)."""
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = [
        (o.name, o.type) if o.required else (o.name, o.type, o.default) for o in step_options(cls)
    ]
    return msgspec.defstruct(
        cls.name or cls.__name__, fields, kw_only=True, forbid_unknown_fields=True, module=cls.__module__
    )


def options_schema(cls: type[Step]) -> dict[str, Any]:
    """Return the JSON Schema of a step's options (an object schema, with help as descriptions)."""
    schema = msgspec.json.schema(options_struct(cls))
    body: dict[str, Any] = dict(schema["$defs"][schema["$ref"].rsplit("/", 1)[1]])
    # msgspec puts the help of an ``X | None`` option inside its ``anyOf``: say it on the option too.
    props = body["properties"]
    for option in step_options(cls):
        props[option.name] = {"description": option.help, **props[option.name]}
    cls.refine_options_schema(props)
    doc = (inspect.getdoc(cls) or "").split("\n", 1)[0]
    if doc:
        body["description"] = doc
    return body


def check_options(cls: type[Step], options: dict[str, Any]) -> dict[str, Any]:
    """Validate YAML or keyword options for ``cls``; return every option's value, defaults filled in.

    A mistake raises :class:`ConfigError` in one line naming the step and the option.
    """
    step = cls.name or cls.__name__
    known = {o.name: o for o in step_options(cls)}
    for key, value in options.items():
        if key not in known:
            ours = cls.datatrove_names.get(str(key))
            near = [] if ours else difflib.get_close_matches(str(key), known, n=1)
            if ours:
                hint = f" (datatrove's name): here {ours!r}"
            elif near:
                hint = f"; did you mean {near[0]!r}?"
            else:
                hint = f"; options are {sorted(known)}"
            raise ConfigError(f"step {step!r}: unknown option {key!r}{hint}")
        problem = number_problem(value)
        if problem:
            raise ConfigError(f"step {step!r}, option {key!r}: {problem}")
    options = {key: whole_number(value, known[key].type) for key, value in options.items()}
    missing = [o.name for o in known.values() if o.required and o.name not in options]
    if missing:
        raise ConfigError(f"step {step!r}: missing required option {missing[0]!r}")
    try:
        checked = msgspec.convert(options, options_struct(cls), strict=True)
    except msgspec.ValidationError as exc:
        option = _option_in(str(exc), known)
        value = options.get(option)
        raise ConfigError(
            f"step {step!r}, option {option!r}: {_explain(value, known[option].type)}"
        ) from None
    return {name: getattr(checked, name) for name in known}


def whole_number(value: Any, hint: Any) -> Any:
    """A float with nothing after the point (``1.0``) as the int an ``int`` option takes, else ``value``.

    JSON Schema counts ``1.0`` an integer, so an editor checking against ``gristmill schema`` takes it.
    """
    if isinstance(value, float) and value.is_integer() and _takes(hint, int) and not _takes(hint, float):
        return int(value)
    return value


def _takes(hint: Any, kind: type) -> bool:
    """Whether a hint takes values of the plain type ``kind`` (looking inside Annotated and unions)."""
    origin = typing.get_origin(hint)
    if origin is Annotated:
        return _takes(typing.get_args(hint)[0], kind)
    if origin in (typing.Union, types.UnionType):
        return any(_takes(arg, kind) for arg in typing.get_args(hint))
    return hint is kind


def check_fields(spec: Any, section: str) -> None:
    """Check every field of a config dataclass against its annotated type and bounds, as checked.

    The same annotations make the section's JSON Schema, so ``gristmill schema`` and the run agree.
    A field keeps its value as checked (a tuple as a list, ``1.0`` as ``1``), so that what passed
    the check is what the run reads.
    """
    hints = typing.get_type_hints(type(spec), include_extras=True)
    for field in dataclasses.fields(spec):
        hint = hints[field.name]
        value = whole_number(getattr(spec, field.name), hint)
        try:
            checked = msgspec.convert(value, hint, strict=True)
        except msgspec.ValidationError:
            raise ConfigError(f"{section}, option {field.name!r}: {_explain(value, hint)}") from None
        problem = number_problem(value)
        if problem:
            raise ConfigError(f"{section}, option {field.name!r}: {problem}")
        object.__setattr__(spec, field.name, checked)  # a frozen dataclass, being built


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


def type_name(hint: Any) -> str:
    """Return a type hint as a user reads it (``int``, ``'drop' | 'keep'``)."""
    origin = typing.get_origin(hint)
    if origin is Annotated:
        return type_name(typing.get_args(hint)[0])
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in typing.get_args(hint))
    if origin in (typing.Union, types.UnionType):
        return " | ".join(type_name(a) for a in typing.get_args(hint))
    if hint is type(None):
        return "none"
    if origin is not None:
        return f"{origin.__name__}[{', '.join(type_name(a) for a in typing.get_args(hint))}]"
    return getattr(hint, "__name__", str(hint))


def _short(value: int) -> str:
    """Show a huge integer by its size rather than its thousands of digits."""
    return str(value) if value.bit_length() < 200 else f"an integer of {value.bit_length()} bits"


def _metas(hint: Any) -> list[msgspec.Meta]:
    """The msgspec.Meta annotations of a hint, looking inside ``X | None``."""
    origin = typing.get_origin(hint)
    if origin is Annotated:
        return [m for m in hint.__metadata__ if isinstance(m, msgspec.Meta)]
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(hint) for m in _metas(arg)]
    return []


def _help_meta(hint: Any) -> msgspec.Meta | None:
    """The annotation that makes a class attribute an option: a ``Help(...)``, or None."""
    return next((m for m in _metas(hint) if m.description is not None), None)


# msgspec names where a value failed: "at `$.option…`", or "at `key` in `$.option`" for a mapping's key.
_AT = re.compile(r"`\$\.(\w+)")


def _option_in(message: str, known: dict[str, Option]) -> str:
    """The option a msgspec error is about (its path starts ``$.<option>``)."""
    match = _AT.search(message)
    return match.group(1) if match and match.group(1) in known else next(iter(known))


def _explain(value: Any, hint: Any) -> str:
    """Say why ``value`` does not fit ``hint``: outside the option's bounds, or of the wrong type."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        for meta in _metas(hint):
            if meta.gt is not None and meta.le is not None and not meta.gt < value <= meta.le:
                return f"must lie in ({meta.gt}, {meta.le}], got {value}"
            if meta.ge == 0 and meta.le == 1 and not 0 <= value <= 1:
                return f"must lie between 0 and 1, got {value}"
            if meta.ge is not None and value < meta.ge:
                return f"must be {meta.ge} or more, got {value}"
            if meta.gt is not None and value <= meta.gt:
                return f"must be above {meta.gt}, got {value}"
            if meta.le is not None and value > meta.le:
                return f"must be {meta.le} or less, got {value}"
            if meta.lt is not None and value >= meta.lt:
                return f"must be below {meta.lt}, got {value}"
    if isinstance(value, str | list | dict):
        for meta in _metas(hint):
            if meta.min_length is not None and len(value) < meta.min_length:
                return "must not be empty" if meta.min_length == 1 else f"must hold {meta.min_length} or more"
    if isinstance(value, list | dict) and any(
        isinstance(item, str) and meta.min_length and len(item) < meta.min_length
        for item in value
        for meta in _item_metas(hint)
    ):
        return "must not hold an empty name"
    if isinstance(value, str):
        for meta in _metas(hint):
            if meta.pattern is not None and not re.search(meta.pattern, value):
                return f"must match the pattern {meta.pattern}, got {value!r}"
    return f"expected {type_name(hint)}, got {value!r}{_yaml_booleans(value)}"


def _item_metas(hint: Any) -> list[msgspec.Meta]:
    """The msgspec.Meta annotations of a list's items or a mapping's keys, in any member of ``hint``."""
    origin = typing.get_origin(hint)
    if origin is Annotated:
        return _item_metas(typing.get_args(hint)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(hint) for m in _item_metas(arg)]
    if origin in (list, dict) and typing.get_args(hint):
        return _metas(typing.get_args(hint)[0])
    return []


def _yaml_booleans(value: Any) -> str:
    """A hint where YAML read a word as true or false (``no``, Norway's code; ``on``, ``off``)."""
    items = (
        [value]
        if not isinstance(value, list | dict)
        else [*value, *(value.values() if isinstance(value, dict) else [])]
    )
    if any(isinstance(item, bool) for item in items):
        return " (YAML reads an unquoted no, yes, on or off as false or true: quote it, 'no')"
    return ""


def _written_before_declarations(cls: type[Step]) -> bool:
    """Whether a step takes its options through its own ``__init__`` (a plugin written the old way)."""
    from gristmill.steps.base import Step

    return cls.__init__ is not Step.__init__


_OPTION_LINE = re.compile(r"^\s{4}(\w+):\s*(.*)$")


def _signature_options(cls: type[Step]) -> tuple[Option, ...]:
    """Options of an old-style step: its ``__init__``'s keyword-only arguments, help from its docstring."""
    hints = typing.get_type_hints(cls.__init__)
    doc = inspect.getdoc(cls) or ""
    helps: dict[str, str] = {}
    current = ""
    for line in (doc.split("Options:", 1)[1] if "Options:" in doc else "").splitlines():
        match = _OPTION_LINE.match(line)
        if match:
            current = match.group(1)
            helps[current] = match.group(2).strip()
        elif current and line.startswith("        "):
            helps[current] += " " + line.strip()
    params = inspect.signature(cls.__init__).parameters.values()
    return tuple(
        Option(p.name, hints.get(p.name, Any), p.default, helps.get(p.name, ""))
        for p in params
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    )
