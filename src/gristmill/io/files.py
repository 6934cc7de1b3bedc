"""Plain text and HTML files, plain or compressed (``.html.gz``, ``.txt.zst``): one document per file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from gristmill.document import Document
from gristmill.errors import InputError
from gristmill.io.base import Reader, ReadSink
from gristmill.io.compression import read_chunks
from gristmill.io.schema import FieldType
from gristmill.text.charset import reader_decoding


def _read_file(path: str, sink: ReadSink) -> bytes | None:
    """Return a file's bytes, decompressed, or None (quarantined) when it holds only whitespace."""
    try:
        data = b"".join(read_chunks(path, sink.progress))
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from exc
    if not data.strip():
        sink.quarantine(path, "file", "empty file")
        return None
    return data


class TextFileReader(Reader):
    """Reads ``.txt`` and ``.md`` files (also ``.gz`` or ``.zst``), each one document, UTF-8."""

    format = "text"
    extensions = (".txt", ".text", ".md")
    one_file_per_document = True
    meta_fields: ClassVar[dict[str, FieldType]] = {"source_file": "str"}

    def read(self, path: str, sink: ReadSink) -> Iterator[Document]:
        """Yield the file as a document; quarantine it when it is empty or not UTF-8."""
        data = _read_file(path, sink)
        if data is None:
            return
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            sink.quarantine(path, f"byte {exc.start}", "invalid UTF-8", data[exc.start : exc.start + 40])
            return
        name = self.options.name_of(path)
        yield Document(id=name, text=text, meta={"source_file": name})


class HtmlFileReader(Reader):
    """Reads ``.html`` files (also ``.gz`` or ``.zst``), each one document; the bytes stay in ``raw``."""

    format = "html"
    extensions = (".html", ".htm", ".xhtml")
    one_file_per_document = True
    meta_fields: ClassVar[dict[str, FieldType]] = {"source_file": "str", "content_type": "str"}

    def read(self, path: str, sink: ReadSink) -> Iterator[Document]:
        """Yield the page as a document with ``content_type`` text/html."""
        data = _read_file(path, sink)
        if data is None:
            return
        name = self.options.name_of(path)
        meta = {"source_file": name, "content_type": "text/html"}
        text, decoded = reader_decoding(data, "utf-8")
        yield Document(id=name, text=text, meta=meta, raw=data, raw_decoded=decoded)
