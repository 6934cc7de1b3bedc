"""Where documents go: the output folder, its format, and the writers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from gristmill.document import Document
from gristmill.errors import ConfigError
from gristmill.io.jsonl import JsonlWriter
from gristmill.io.parquet import ParquetWriter
from gristmill.io.schema import Schema

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

    path: str
    format: OutputFormat = "jsonl"
    storage_options: dict[str, Any] | None = None
    fields: list[str] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.path, str) or not self.path:
            raise ConfigError("output: `path` must name a folder")
        if self.format not in _SUFFIX:
            raise ConfigError(f"output: unknown format {self.format!r}; formats are {sorted(_SUFFIX)}")
        if self.storage_options is not None and not isinstance(self.storage_options, dict):
            raise ConfigError("output: storage_options must be a mapping of fsspec options")
        if self.fields is not None and not self.fields:
            raise ConfigError("output: `fields` lists at least one field (`fields: [id, text]`)")

    @property
    def suffix(self) -> str:
        """The file suffix of output shards."""
        return _SUFFIX[self.format]


def open_writer(path: str, fmt: str, schema: Schema | None = None) -> Writer:
    """Open a writer of ``fmt`` at ``path``, conforming documents to ``schema`` where given."""
    if fmt == "parquet":
        return ParquetWriter(path, schema)
    return JsonlWriter(path, schema)
