"""Mapping records in gristmill, Dolma and datatrove form onto documents."""

from __future__ import annotations

from typing import Any

import orjson

from gristmill.document import Document
from gristmill.io.base import describe_value

# Fields that are the document itself; every other top-level field is kept in ``meta``.
_OWN_FIELDS = frozenset({"id", "text", "meta", "metadata", "signals"})


class RecordError(ValueError):
    """A record that is valid JSON but not a document; the message is the quarantine reason."""


def document_from_record(record: Any, fallback_id: str) -> Document:
    """Build a document from a decoded record: ``id``, ``text``, ``meta``/``metadata``, other fields."""
    if not isinstance(record, dict):
        raise RecordError(f"record is a JSON {describe_value(record)}, not an object")
    text = record.get("text")
    if text is None:
        raise RecordError("no 'text' field")
    if not isinstance(text, str):
        raise RecordError(f"'text' is a {describe_value(text)}, not a string")
    doc_id = record.get("id")
    doc_id = fallback_id if doc_id is None or doc_id == "" else str(doc_id)
    meta = _mapping(record.get("meta", record.get("metadata")), "meta")
    for key, value in record.items():
        if key not in _OWN_FIELDS and value is not None:
            meta.setdefault(key, value)
    signals = _mapping(record.get("signals"), "signals")
    return Document(id=doc_id, text=text, meta=meta, signals=signals)


def _mapping(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, str | bytes):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            raise RecordError(f"'{name}' is a string that is not a JSON object") from exc
    if not isinstance(value, dict):
        raise RecordError(f"'{name}' is a {describe_value(value)}, not an object")
    return dict(value)
