"""Parquet in and out, with the same columns as JSON Lines: id, text, meta, signals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from gristmill.document import Document
from gristmill.errors import InputError
from gristmill.io.base import Reader, ReadSink
from gristmill.io.records import RecordError, document_from_record

# meta and signals vary per document, so they are stored as JSON text rather than as a struct.
SCHEMA = pa.schema(
    [("id", pa.string()), ("text", pa.string()), ("meta", pa.string()), ("signals", pa.string())]
)


class ParquetReader(Reader):
    """Reads Parquet files whose rows hold ``text`` and optionally ``id``, ``meta``/``metadata``."""

    format = "parquet"
    extensions = (".parquet", ".pq")

    def read(self, path: str, sink: ReadSink) -> Iterator[Document]:
        """Yield a document per row, batch by batch; quarantine rows that are not documents."""
        try:
            source = pq.ParquetFile(path)
        except (OSError, pa.ArrowException) as exc:
            raise InputError(f"{path}: not a readable Parquet file: {exc}") from exc
        row = 0
        stem = path.rsplit("/", 1)[-1].split(".", 1)[0]
        try:
            for batch in source.iter_batches(batch_size=1024):
                sink.progress(batch.nbytes)
                for record in batch.to_pylist():
                    row += 1
                    try:
                        yield document_from_record(record, f"{stem}/{row}", self.options)
                    except RecordError as exc:
                        sink.quarantine(path, f"row {row}", str(exc), repr(record)[:200])
        except (OSError, pa.ArrowException) as exc:
            raise InputError(f"{path}: unreadable after row {row}: {exc}") from exc


class ParquetWriter:
    """Writes documents to Parquet in row groups of ``batch_size``."""

    def __init__(self, path: str, batch_size: int = 2048) -> None:
        self._writer = pq.ParquetWriter(path, SCHEMA, compression="zstd")
        self._rows: list[dict[str, Any]] = []
        self._batch_size = batch_size

    def write(self, doc: Document) -> None:
        """Append one document."""
        self._rows.append(
            {
                "id": doc.id,
                "text": doc.text,
                "meta": orjson.dumps(doc.meta).decode(),
                "signals": orjson.dumps(doc.signals).decode(),
            }
        )
        if len(self._rows) >= self._batch_size:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._writer.write_table(pa.Table.from_pylist(self._rows, schema=SCHEMA))
            self._rows = []

    def close(self) -> None:
        """Write what is buffered and finish the file."""
        self._flush()
        self._writer.close()
