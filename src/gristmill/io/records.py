"""Mapping records in gristmill, Dolma and datatrove form onto documents."""

from __future__ import annotations

from typing import Any

import orjson

from gristmill.document import Document
from gristmill.io.base import ReaderOptions, describe_value
from gristmill.io.schema import EXTRA, FieldType

# Fields that are the document itself, beside its text and id fields (``text_key``, ``id_key``); every
# other top-level field is kept in ``meta`` (an ``id`` field too, where ``id_key`` names another).
_OWN_FIELDS = frozenset({"meta", "metadata", "signals"})
# Deeper records cannot be written back out (orjson stops at 254 levels, the document adds two).
MAX_DEPTH = 200
_DEFAULT = ReaderOptions()
# The fields Dolma and datatrove records share, typed in the output; other fields go to meta.extra.
RECORD_FIELDS: dict[str, FieldType] = {"url": "str", "source": "str", "added": "str", "created": "str"}


class RecordError(ValueError):
    """A record that is valid JSON but not a document; the message is the quarantine reason."""


def document_from_record(
    record: Any, fallback_id: str, keys: ReaderOptions = _DEFAULT, *, nested: bool = True
) -> Document:
    """Build a document from a decoded record: text, id, ``meta`` and ``metadata``, other fields.

    ``meta`` and ``metadata`` (Dolma, datatrove) are merged, ``meta`` winning where both name a key;
    every other top-level field that is not null goes into ``meta`` as well, unless ``meta`` has it.
    ``nested`` False tells that the record cannot nest deeper than ``MAX_DEPTH`` (a reader's cheap
    check), so it is not walked.
    """
    if not isinstance(record, dict):
        raise RecordError(f"record is {describe_value(record)}, not an object")
    if keys.text_key not in record:
        raise RecordError(_missing_text(record, keys.text_key))
    text = record[keys.text_key]
    if text is None:
        raise RecordError(f"'{keys.text_key}' is null")
    if not isinstance(text, str):
        raise RecordError(f"'{keys.text_key}' is {describe_value(text)}, not a string")
    if nested and _depth(record) > MAX_DEPTH:
        raise RecordError(f"record nested deeper than {MAX_DEPTH} levels")
    doc_id = record.get(keys.id_key)
    doc_id = fallback_id if doc_id is None or doc_id == "" else _id_text(doc_id, keys.id_key)
    meta = _mapping(record.get("metadata"), "metadata")
    meta.update(_mapping(record.get("meta"), "meta"))
    own = _OWN_FIELDS | {keys.text_key, keys.id_key}
    for key, value in record.items():
        if key not in own and value is not None:
            meta.setdefault(key, value)
    if keys.meta_keys is not None:
        meta = {key: meta[key] for key in keys.meta_keys if meta.get(key) is not None}
    signals = _mapping(record.get("signals"), "signals")
    if isinstance(meta.get(EXTRA), str):
        meta, signals = _unconform(meta, signals)
    return Document(id=doc_id, text=text, meta=meta, signals=signals)


def _unconform(meta: dict[str, Any], signals: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Undo gristmill's output schema (``io.schema``), so a run over a run's output sees what it wrote.

    The empty values it filled in are dropped, JSON text lists and objects read back, ``extra`` unpacked.
    """
    extra = meta.pop(EXTRA)
    meta = {
        k: _json_text(v)
        for k, v in meta.items()
        if v is not None and v != "" and (isinstance(v, bool) or v != 0)
    }
    if extra:
        try:
            parts = orjson.loads(extra)
        except orjson.JSONDecodeError as exc:
            raise RecordError(f"'meta.{EXTRA}' is not JSON text") from exc
        if not isinstance(parts, dict):
            raise RecordError(f"'meta.{EXTRA}' is not a JSON object")
        meta.update(_mapping(parts.get("meta"), f"meta.{EXTRA}.meta"))
        signals.update(_mapping(parts.get("signals"), f"meta.{EXTRA}.signals"))
    return meta, signals


def _json_text(value: Any) -> Any:
    """A ``json`` field's value: the list or object its text holds; any other value as it is."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
        if isinstance(parsed, list | dict):
            return parsed
    return value


def _id_text(value: Any, key: str) -> str:
    """An id as text: a string as it is, an integer in decimal; a boolean, list or object is no id.

    A float that is an integer exactly counts as one: pandas writes an integer column with gaps so.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) <= 2**53:  # past 2**53 a float is no longer the id written
            return str(int(value))
        raise RecordError(f"'{key}' is the number {value!r}, not a string or integer")
    raise RecordError(f"'{key}' is {describe_value(value)}, not a string or integer")


def _missing_text(record: dict[str, Any], text_key: str) -> str:
    fields = ", ".join(repr(k) for k in list(record)[:8]) or "none"
    return (
        f"no '{text_key}' field (the record's fields: {fields}); "
        "if another field holds the text, name it with `text_key` in `input:`"
    )


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value``, counting it as 1; stops past ``MAX_DEPTH``."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list | tuple))
    return deepest


def _mapping(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, str | bytes):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            raise RecordError(f"'{name}' is a string that is not a JSON object") from exc
        if _depth(value) > MAX_DEPTH:
            raise RecordError(f"'{name}' nested deeper than {MAX_DEPTH} levels")
    if not isinstance(value, dict):
        raise RecordError(f"'{name}' is {describe_value(value)}, not an object")
    return dict(value)
