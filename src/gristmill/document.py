"""The document that flows through every step."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass(slots=True)
class Document:
    """One text with its metadata (``meta``) and the numbers steps computed (``signals``).

    ``raw`` holds the original payload (an HTTP body) for the extract step; it is never written out.
    ``raw_decoded`` is ``(codec, text)`` where a reader decoded ``raw`` into ``text`` with that Python
    codec, replacing nothing: extract reuses the text, while ``text`` is still that very string, instead
    of decoding the page a second time.
    """

    id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    signals: dict[str, float] = field(default_factory=dict)
    raw: bytes | None = None
    raw_decoded: tuple[str, str] | None = None

    def to_record(self) -> dict[str, Any]:
        """Return the on-disk form: ``{"id", "text", "meta", "signals"}``."""
        return {"id": self.id, "text": self.text, "meta": self.meta, "signals": self.signals}


_SURROGATE = re.compile("[\ud800-\udfff]")


def json_bytes(value: Any, option: int = 0) -> bytes:
    """``orjson.dumps(value)``, with each lone UTF-16 surrogate in its strings written as U+FFFD.

    No reader gives one (a JSONL escape of one is quarantined), but a step may leave one, and UTF-8
    cannot hold it: the document is written, with the replacement character in its place.
    """
    try:
        return orjson.dumps(value, option=option)
    except TypeError as exc:
        if "surrogates" not in str(exc):
            raise
        return orjson.dumps(without_surrogates(value), option=option)


def without_surrogates(value: Any) -> Any:
    """``value`` with each lone surrogate in its strings (keys too, nested) replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {without_surrogates(k): without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_surrogates(v) for v in value]
    return value


def forget_offsets(doc: Document) -> None:
    """Drop what holds offsets into ``doc``'s text once that text changed: ``meta.copied_from``'s ``spans``.

    ``provenance`` gives where each copied sentence stands in the page; after a step cut or rewrote
    the text (``span_dedup``, ``pii``, a split part) those offsets would point at other characters.
    """
    copied = doc.meta.get("copied_from")
    if isinstance(copied, list) and any(isinstance(e, dict) and "spans" in e for e in copied):
        doc.meta["copied_from"] = [
            {key: v for key, v in e.items() if key != "spans"} if isinstance(e, dict) else e for e in copied
        ]


def batches(docs: Iterable[Document], max_docs: int, max_chars: int) -> Iterator[list[Document]]:
    """Group documents ``max_docs`` at a time, or fewer holding ``max_chars`` characters of text.

    Steps that hand a library many texts at once (fastText, numpy) work a few megabytes at a time.
    """
    batch: list[Document] = []
    chars = 0
    for doc in docs:
        batch.append(doc)
        chars += len(doc.text)
        if len(batch) >= max_docs or chars >= max_chars:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch
