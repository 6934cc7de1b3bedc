"""Where documents go: the output folder, its format, and the writers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, Protocol

import msgspec

from gristmill.document import Document
from gristmill.io.jsonl import JsonlWriter
from gristmill.io.parquet import ParquetWriter
from gristmill.io.schema import Schema
from gristmill.steps.options import check_fields

OutputFormat = Literal["jsonl", "parquet"]
_SUFFIX = {"jsonl": ".jsonl.zst", "parquet": ".parquet"}


class Writer(Protocol):
    """Anything that takes documents and closes."""

    def write(self, doc: Document) -> None:
        """Append one document."""

    def close(self) -> None:
        """Finish the file."""


@dataclass(frozen=True)
class OutputSpec:
    """The ``output:`` section: a folder, and the format of its ``kept/`` and ``rejected/`` shards.

    Options:
        path: the output folder: a local path or an fsspec URL (``s3://bucket/run``).
        format: jsonl (zstd-compressed JSON Lines, the default) or parquet.
        storage_options: options for the fsspec backend of a URL ``path``, passed through unchanged;
            never written into the output folder, as they may hold credentials.
        fields: what ``kept/`` documents hold: ``id``, ``text``, ``meta``, ``signals``, or single keys
            (``meta.url``, ``signals.language_score``); by default all. ``rejected/`` keeps all.
    """

    # Bounds are declared on the fields: the run's check (`check_fields`) and `gristmill schema` read them.
    path: Annotated[str, msgspec.Meta(min_length=1)]
    format: OutputFormat = "jsonl"
    storage_options: dict[str, Any] | None = None
    fields: Annotated[list[str], msgspec.Meta(min_length=1)] | None = None

    def __post_init__(self) -> None:
        check_fields(self, "output")

    @property
    def suffix(self) -> str:
        """The file suffix of output shards."""
        return _SUFFIX[self.format]


def open_writer(path: str, fmt: str, schema: Schema | None = None) -> Writer:
    """Open a writer of ``fmt`` at ``path``, conforming documents to ``schema`` where given."""
    if fmt == "parquet":
        return ParquetWriter(path, schema)
    return JsonlWriter(path, schema)
