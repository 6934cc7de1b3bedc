"""The run's output schema: the same ``meta`` and ``signals`` keys, one type each, on every document.

Readers and steps declare the keys they write (``meta_fields``, ``signal_fields``); a run's schema is
the union over its input formats and steps. Writers of ``kept/`` and ``rejected/`` conform every
document to it, so the shards of a run load as one table in ``datasets``, pandas, polars or DuckDB:

- a declared key a document lacks is null in Parquet and its type's zero (``""``, ``0``, ``0.0``,
  ``false``) in JSON Lines, where a null has no type and ``datasets`` takes each column's type from
  the first rows of the first shard;
- ``json`` keys (lists, objects) are written as JSON text;
- keys nobody declared, and values of another type than declared, go whole into ``meta.extra``
  (JSON text of ``{"meta": {...}, "signals": {...}}``, ``""`` when there are none): nothing is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import orjson

from gristmill.document import Document, json_bytes

if TYPE_CHECKING:
    import pyarrow as pa

FieldType = Literal["str", "int", "float", "bool", "json"]
FIELD_TYPES: tuple[FieldType, ...] = ("str", "int", "float", "bool", "json")
EXTRA = "extra"  # the meta key that holds what the schema has no column for
TOP_FIELDS = ("id", "text", "meta", "signals")

_ZERO: dict[str, Any] = {"str": "", "int": 0, "float": 0.0, "bool": False, "json": ""}


def _fits(value: Any, kind: str) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63
    if kind == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    return True  # json: anything JSON can say


def _cast(value: Any, kind: str) -> Any:
    if kind == "float":
        return float(value)
    if kind == "json":
        return json_bytes(value, option=orjson.OPT_NON_STR_KEYS).decode()
    return value


@dataclass(frozen=True)
class Schema:
    """The declared ``meta`` and ``signals`` keys of a run's output, and which top fields are written.

    ``fields`` holds ``id``, ``text``, ``meta``, ``signals`` or ``meta.KEY`` / ``signals.KEY`` (only
    those keys of that part).
    """

    meta: Mapping[str, FieldType] = field(default_factory=dict)
    signals: Mapping[str, FieldType] = field(default_factory=dict)
    fields: tuple[str, ...] = TOP_FIELDS

    @classmethod
    def union(cls, parts: Iterable[tuple[Mapping[str, FieldType], Mapping[str, FieldType]]]) -> Schema:
        """Join ``(meta, signals)`` declarations; a key declared with two types becomes ``json``."""
        meta: dict[str, FieldType] = {}
        signals: dict[str, FieldType] = {}
        for part_meta, part_signals in parts:
            for target, declared in ((meta, part_meta), (signals, part_signals)):
                for key, kind in declared.items():
                    target[key] = kind if target.get(key, kind) == kind else _widen(target[key], kind)
        meta.pop(EXTRA, None)
        return cls(meta, signals)

    def with_fields(self, fields: Iterable[str]) -> Schema:
        """The same schema writing only ``fields``."""
        return Schema(self.meta, self.signals, tuple(fields))

    def with_meta(self, extra: Mapping[str, FieldType]) -> Schema:
        """The schema with more declared ``meta`` keys (the rejected output's ``rejected_by``, ``reason``)."""
        return Schema({**self.meta, **extra}, self.signals, self.fields)

    def _columns(self) -> dict[str, Any]:
        """Top field -> None (whole) or the keys of that part to write, in declared order."""
        chosen: dict[str, Any] = {}
        for name in self.fields:
            top, _, key = name.partition(".")
            if not key:
                chosen[top] = None
            elif chosen.get(top, ()) is not None:
                chosen[top] = (*chosen.get(top, ()), key)
        return chosen

    def _keys(self, part: str, keys: tuple[str, ...] | None) -> list[tuple[str, FieldType]]:
        declared = self.meta if part == "meta" else self.signals
        if keys is None:
            listed = [*declared.items()]
            return [*listed, (EXTRA, "json")] if part == "meta" else listed
        return [(key, "json" if key == EXTRA else declared[key]) for key in keys]

    @cached_property
    def _layout(self) -> list[tuple[str, list[str] | None]]:
        """Per top field, the keys of its part written (None: id or text), worked out once per schema."""
        return [
            (top, None if top in ("id", "text") else [key for key, _ in self._keys(top, keys)])
            for top, keys in self._columns().items()
        ]

    @cached_property
    def _plans(self) -> dict[bool, tuple[_Plan, _Plan]]:
        """Per ``nulls``, the (meta, signals) plans: each key with its exact type and empty value."""
        return {nulls: (_plan(self.meta, nulls), _plan(self.signals, nulls)) for nulls in (False, True)}

    def record(self, doc: Document, *, nulls: bool = False) -> dict[str, Any]:
        """The document conformed to the schema: every declared key, one type each.

        ``nulls`` True writes a missing value as null (Parquet); else as its type's zero (JSON Lines).
        """
        leftovers: dict[str, dict[str, Any]] = {}
        meta_plan, signals_plan = self._plans[nulls]
        meta = _conform(doc.meta, meta_plan, leftovers, "meta")
        signals = _conform(doc.signals, signals_plan, leftovers, "signals")
        if leftovers:
            meta[EXTRA] = json_bytes(leftovers, option=orjson.OPT_NON_STR_KEYS).decode()
        else:
            meta[EXTRA] = None if nulls else ""
        out: dict[str, Any] = {}
        for top, keys in self._layout:
            if keys is None:
                out[top] = doc.id if top == "id" else doc.text
            else:
                values = meta if top == "meta" else signals
                out[top] = {key: values[key] for key in keys}
        return out

    def arrow(self) -> pa.Schema:
        """The Parquet schema: ``meta`` and ``signals`` as struct columns of typed fields."""
        import pyarrow as pa  # only Parquet output needs it: a run without it does not import it

        arrow = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
        arrow["json"] = pa.string()
        columns: list[pa.Field] = []
        for top, keys in self._columns().items():
            if top in ("id", "text"):
                columns.append(pa.field(top, pa.string()))
                continue
            members = [pa.field(key, arrow[kind]) for key, kind in self._keys(top, keys)]
            if members:  # Parquet has no empty struct: a run that declares no signals has no such column
                columns.append(pa.field(top, pa.struct(members)))
        return pa.schema(columns)

    def names(self) -> list[str]:
        """Every field a user may name in ``output: {fields: [...]}``."""
        return [
            *TOP_FIELDS,
            *(f"meta.{k}" for k in (*self.meta, EXTRA)),
            *(f"signals.{k}" for k in self.signals),
        ]


# The Python type each field type takes as it is (the common case, checked first); json has none.
_EXACT: dict[str, type | None] = {"str": str, "int": int, "float": float, "bool": bool, "json": None}
_Plan = tuple[tuple[str, "type | None", Any, FieldType], ...]


def _plan(declared: Mapping[str, FieldType], nulls: bool) -> _Plan:
    return tuple((key, _EXACT[kind], None if nulls else _ZERO[kind], kind) for key, kind in declared.items())


def _conform(
    values: dict[str, Any], plan: _Plan, leftovers: dict[str, dict[str, Any]], part: str
) -> dict[str, Any]:
    """``values`` with every planned key, typed; what fits nowhere goes into ``leftovers[part]``."""
    conformed: dict[str, Any] = {}
    present = 0
    for key, exact, empty, kind in plan:
        value = values.get(key)
        if value is None:
            conformed[key] = empty
            continue
        present += 1
        if value.__class__ is exact:
            conformed[key] = value
        elif _fits(value, kind):
            conformed[key] = _cast(value, kind)
        else:
            conformed[key] = empty
            leftovers.setdefault(part, {})[key] = value
    if present < len(values):  # keys no one declared (beside the ``extra`` a read-back output holds)
        declared = {item[0] for item in plan}
        for key, value in values.items():
            if key not in declared and value is not None and not (part == "meta" and key == EXTRA):
                leftovers.setdefault(part, {})[key] = value
    return conformed


def _widen(old: FieldType, new: FieldType) -> FieldType:
    """The type both declarations fit: float for int and float, else json."""
    return "float" if {old, new} == {"int", "float"} else "json"
