"""What every reader shares: the contract, and where bad records go."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from gristmill.document import Document
from gristmill.errors import BrokenInputError, DamagedRowsError
from gristmill.io.schema import FieldType

# The ``meta`` key naming the input file a run read a document from (relative to the input root).
SOURCE_FILE = "source_file"


class ReadSink(Protocol):
    """Where a reader reports what is not a document, and how far it has read."""

    def quarantine(
        self, path: str, where: str, reason: str, excerpt: bytes | str = b"", records: int = 1
    ) -> None:
        """Set aside a record that cannot be read, with its place (``line 12``) and the reason.

        ``records``: how many records the entry stands for (a damaged Parquet row group's rows).
        """

    def progress(self, nbytes: int) -> None:
        """Note that ``nbytes`` more input bytes were consumed."""


@dataclass(frozen=True)
class ReaderOptions:
    """How to read records whose fields are named otherwise: which field holds the text, which the id.

    JSONL and Parquet readers use them; the other formats have no fields to name.
    """

    text_key: str = "text"
    id_key: str = "id"
    # The record fields that go into ``meta`` (at the top level or in ``meta``/``metadata``); None: all.
    meta_keys: tuple[str, ...] | None = None
    # The folder input files are named from (ids, ``source_file``), so names are the same on every
    # machine; None names them by the path as given.
    root: str | None = None

    def name_of(self, path: str) -> str:
        """``path`` relative to the input root, with ``/`` between folders; as given when outside it."""
        if not self.root:
            return path if "://" in path else os.path.normpath(path)
        if "://" in path or "://" in self.root:  # an object store's URL: named from a URL root
            prefix = self.root.rstrip("/") + "/"
            return path[len(prefix) :] if path.startswith(prefix) else path
        absolute = os.path.abspath(path)
        if absolute != self.root and not absolute.startswith(self.root.rstrip(os.sep) + os.sep):
            return os.path.normpath(path)
        return os.path.relpath(absolute, self.root).replace(os.sep, "/")

    def stem_of(self, path: str) -> str:
        """What a file's records without an id are named from: its name without extensions (``web/a``)."""
        name = self.name_of(path) if self.root is not None else os.path.basename(path)
        folder, _, file = name.rpartition("/")
        stem = file.split(".", 1)[0] or file
        return f"{folder}/{stem}" if folder else stem


class Reader(ABC):
    """Turns input files into documents; one subclass per format."""

    format: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]
    # Formats whose files are small and many (one page a file) are grouped into shards.
    one_file_per_document: ClassVar[bool] = False
    # The ``meta`` keys this format's documents carry (the run's output schema; see io.schema).
    meta_fields: ClassVar[Mapping[str, FieldType]] = {}
    # Whether records have named fields (JSONL, Parquet): ``input: {meta_keys}`` then chooses the meta.
    has_fields: ClassVar[bool] = False

    def __init__(self, options: ReaderOptions | None = None) -> None:
        self.options = options or ReaderOptions()

    @abstractmethod
    def read(self, path: str, sink: ReadSink) -> Iterator[Document]:
        """Yield the documents of one file; quarantine what cannot be read."""

    def field_names(self, path: str, records: int) -> set[str] | None:
        """The top-level field names of the first ``records`` records of ``path`` (null ones too).

        None for a format without fields, or a file that cannot be read (the run reports it).
        """
        return None

    def field_types(self, path: str) -> dict[str, str] | None:
        """Each top-level field's type where the format declares them (Parquet's schema), else None.

        ``text`` for a field whose values are read as text, else the type's name.
        """
        return None

    def holds_other_records(self, path: str) -> bool:
        """Whether a file that gave no document holds records that are no documents (WARC requests).

        Such a file is not reported as empty. None of the formats but WARC has such records.
        """
        return False

    def documents(self, path: str, sink: ReadSink) -> Iterator[Document]:
        """Yield ``read``'s documents, each naming ``path`` in ``meta.source_file`` (a run's input).

        A record that names a ``source_file`` already (an earlier run's output read back) keeps it.
        """
        name = self.options.name_of(path)
        for doc in self.read(path, sink):
            doc.meta.setdefault(SOURCE_FILE, name)
            yield doc


def quarantine_damage(sink: ReadSink, path: str, exc: BrokenInputError | DamagedRowsError) -> None:
    """Set aside what a damaged file lost, as a run counts it: a broken span as one entry at its byte.

    The entry counts ``exc.records`` records: none where the reader set the span's records aside itself.

    A ``DamagedRowsError``'s rows went into ``sink`` as the reader met them: nothing more is added.
    """
    if isinstance(exc, BrokenInputError):
        sink.quarantine(path, f"byte {exc.offset}", str(exc.detail), records=exc.records)


def excerpt_of(raw: bytes | str, limit: int = 200) -> str:
    """Return the start of a bad record as printable text for the quarantine file."""
    if isinstance(raw, bytes):
        raw = raw[:limit].decode("utf-8", "backslashreplace")
    return raw[:limit]


def describe_value(value: Any) -> str:
    """Name a JSON value's type the way a user reads it, with its article (``an array``, ``null``)."""
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(
        type(value), "a number" if isinstance(value, int | float) else f"a {type(value).__name__}"
    )
