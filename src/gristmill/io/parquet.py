"""Parquet in and out, with the same columns as JSON Lines: id, text, meta, signals."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from gristmill.document import Document, without_surrogates
from gristmill.errors import DamagedRowsError, InputError
from gristmill.io.base import Reader, ReadSink
from gristmill.io.records import RECORD_FIELDS, RecordError, document_from_record
from gristmill.io.schema import Schema
from gristmill.io.storage import StorageError, is_url, open_read

if TYPE_CHECKING:
    import pyarrow as pa

_BATCH = 1024  # rows made into Python records at a time, however large a row group is


class ParquetReader(Reader):
    """Reads Parquet files whose rows hold ``text`` and optionally ``id``, ``meta``/``metadata``.

    Columns of types JSON has no word for become JSON values in ``meta``: binary as text (UTF-8,
    other bytes escaped), decimals as exact strings, durations as seconds, dates and times as ISO
    text. A row whose strings are not valid UTF-8 is quarantined; so are the rows of a row group that
    cannot be read (a damaged page), and the file is reported.
    """

    format = "parquet"
    extensions = (".parquet", ".pq")
    meta_fields = RECORD_FIELDS
    has_fields = True

    def field_names(self, path: str, records: int) -> set[str] | None:
        """The file's column names (every row has each, null or not); only its footer is read."""
        types = self.field_types(path)
        return None if types is None else set(types)

    def field_types(self, path: str) -> dict[str, str] | None:
        """Each column's type: ``text`` where the reader takes its values as text, else Arrow's name.

        Only the footer is read.
        """
        import pyarrow.parquet as pq

        try:
            if not is_url(path):
                schema = pq.read_schema(path)
            else:  # through fsspec, as the run reads it: Arrow's own S3 client knows no storage_options
                with open_read(path) as handle:
                    schema = pq.read_schema(handle)
        except Exception:  # a file that is no Parquet, a dropped connection: the run reports it
            return None
        return {field.name: "text" if _holds_text(field.type) else str(field.type) for field in schema}

    def read(self, path: str, sink: ReadSink) -> Iterator[Document]:
        """Yield a document per row, batch by batch; quarantine rows that are not documents.

        Raises ``DamagedRowsError`` at the end where a row group could not be read (its rows quarantined).
        """
        import pyarrow as pa  # imported by the runs that read or write Parquet only
        import pyarrow.parquet as pq

        try:
            # A local path stays a path: Arrow's own reader is faster than a Python file object.
            # Page checksums are checked where the file has them (gristmill's outputs do): without,
            # a flipped bit in a compressed page mostly decodes to other values, read as good ones.
            source = pq.ParquetFile(
                open_read(path) if is_url(path) else path, page_checksum_verification=True
            )
        except StorageError as exc:
            raise InputError(f"cannot open {exc}") from exc
        except (OSError, pa.ArrowException, UnicodeDecodeError) as exc:  # the last: names that are not UTF-8
            if _empty(path):  # no records, as an empty file of any format: not damage
                return
            raise InputError(f"{path}: not a readable Parquet file: {str(exc).strip()}") from exc
        stem = self.options.stem_of(path)
        damage = (OSError, pa.ArrowException, UnicodeDecodeError)
        footer = source.metadata
        # Where each row group starts, by the footer: a damaged group's rows are counted all the same.
        starts = list(
            accumulate((footer.row_group(g).num_rows for g in range(footer.num_row_groups)), initial=0)
        )
        row = 0  # the rows read so far, quarantined ones too: a row's place is its number in the file
        damaged: list[str] = []  # each damaged group's rows and reason

        def documents(groups: list[int], skip: int = 0) -> Iterator[Document]:
            """The documents of row ``groups``, batch by batch, past their first ``skip`` rows."""
            nonlocal row
            for batch in source.iter_batches(batch_size=_BATCH, row_groups=groups):
                if skip >= batch.num_rows:
                    skip -= batch.num_rows
                    continue
                batch, skip = batch.slice(skip), 0
                sink.progress(batch.nbytes)
                for record in _rows(batch, self.options.text_key):
                    row += 1
                    if isinstance(record, RecordError):
                        sink.quarantine(path, f"row {row}", str(record))
                        continue
                    try:
                        yield document_from_record(record, f"{stem}/{row}", self.options)
                    except RecordError as exc:
                        sink.quarantine(path, f"row {row}", str(exc), repr(record)[:200])

        for span in _spans(starts):
            try:
                yield from documents(span)
            except damage:
                # Its groups one by one, past the rows already read: damage costs its own group alone.
                for group in span:
                    end = starts[group + 1]
                    if end <= row:
                        continue
                    try:
                        yield from documents([group], skip=row - starts[group])
                    except damage as exc:
                        reason = f"row group {group} unreadable: {' '.join(str(exc).split())}"
                        sink.quarantine(path, f"rows {row + 1}-{end}", reason, records=end - row)
                        damaged.append(f"rows {row + 1}-{end} of {footer.num_rows:,} ({reason})")
                        row = end
        if damaged:
            more = len(damaged) - 1
            also = (
                f", and {more} more row group{'s' if more > 1 else ''} (see the quarantine)" if more else ""
            )
            raise DamagedRowsError(f"{path}: {damaged[0]}{also}; the other rows were read")


def _empty(path: str) -> bool:
    """Whether the file holds no byte (False where it cannot be read: the caller's error says why)."""
    try:
        with open_read(path) as handle:
            return not handle.read(1)
    except (OSError, StorageError):
        return False


def _spans(starts: list[int]) -> Iterator[list[int]]:
    """Runs of consecutive row groups of up to a batch's rows in all (a larger group on its own).

    Arrow reads a run of small groups as fast as one group; one call a group costs a third more.
    """
    span: list[int] = []
    for group in range(len(starts) - 1):
        if span and starts[group + 1] - starts[span[0]] > _BATCH:
            yield span
            span = []
        span.append(group)
    if span:
        yield span


def _rows(batch: pa.RecordBatch, text_key: str) -> list[dict[str, Any] | RecordError]:
    """The batch's rows as records, or as the error that makes a row unreadable."""
    rows: list[dict[str, Any] | RecordError] = [{} for _ in range(batch.num_rows)]
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        plain = _is_plain(column.type)
        for index, value in enumerate(_values(column)):
            record = rows[index]
            if isinstance(record, RecordError):
                continue
            if isinstance(value, RecordError):
                rows[index] = RecordError(f"column '{name}': {value}")
            elif isinstance(value, bytes) and name == text_key:
                try:
                    record[name] = value.decode("utf-8")
                except UnicodeDecodeError as exc:
                    rows[index] = RecordError(f"column '{name}': invalid UTF-8 at byte {exc.start}")
            elif name == text_key:  # as it is: a date or decimal made text is no text, and is refused
                record[name] = value
            else:
                record[name] = value if plain else _jsonable(value)
    return rows


def _values(column: pa.Array) -> list[Any]:
    """The column's values; a value whose strings are not valid UTF-8 becomes a ``RecordError``."""
    import pyarrow as pa

    try:
        return column.to_pylist()
    except (UnicodeDecodeError, pa.ArrowException):
        pass
    values: list[Any] = []
    for index in range(len(column)):
        try:
            values.append(column.slice(index, 1).to_pylist()[0])
        except UnicodeDecodeError as exc:
            values.append(RecordError(f"invalid UTF-8 at byte {exc.start}"))
        except pa.ArrowException as exc:
            values.append(RecordError(f"unreadable value: {exc}"))
    return values


def _is_plain(kind: pa.DataType) -> bool:
    """True for types whose Python values are JSON values as they are."""
    import pyarrow as pa

    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_null(kind)
    )


def _jsonable(value: Any) -> Any:
    """``value`` with every part JSON has no word for turned into a JSON value."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)  # Decimal (exact), intervals and whatever else a column may hold


class ParquetWriter:
    """Writes documents to Parquet in row groups of ``batch_size``; ``meta`` and ``signals`` as structs.

    The columns are the ``schema``'s (the run's declared keys, typed; a missing value is null).
    """

    def __init__(self, path: str, schema: Schema | None = None, batch_size: int = 2048) -> None:
        import pyarrow.parquet as pq

        self._schema = schema or Schema()
        self._arrow = self._schema.arrow()
        # With page checksums, which readers that check them (gristmill does) find damage by.
        self._writer = pq.ParquetWriter(path, self._arrow, compression="zstd", write_page_checksum=True)
        self._rows: list[dict[str, Any]] = []
        self._batch_size = batch_size

    def write(self, doc: Document) -> None:
        """Append one document."""
        self._rows.append(self._schema.record(doc, nulls=True))
        if len(self._rows) >= self._batch_size:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self._rows:
            try:
                table = pa.Table.from_pylist(self._rows, schema=self._arrow)
            except UnicodeEncodeError:  # a lone surrogate a step left (docs/inputs.md)
                table = pa.Table.from_pylist(without_surrogates(self._rows), schema=self._arrow)
            self._writer.write_table(table)
            self._rows = []

    def close(self) -> None:
        """Write what is buffered and finish the file."""
        self._flush()
        self._writer.close()


def _holds_text(kind: Any) -> bool:
    """Whether the reader takes a column of Arrow type ``kind`` as text (or null).

    Its values come out as str or bytes: strings, binary, views, a dictionary or an extension type
    of them (JSON).
    """
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        return _holds_text(kind.value_type)
    if isinstance(kind, pa.BaseExtensionType):
        return _holds_text(kind.storage_type)
    return bool(
        pa.types.is_null(kind)
        or pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_string_view(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_binary_view(kind)
        or pa.types.is_fixed_size_binary(kind)
    )
