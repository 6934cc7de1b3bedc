"""WARC and WET files: response, resource and conversion records become documents."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastwarc import ArchiveIterator, WarcRecordType

from gristmill.document import Document
from gristmill.errors import BrokenInputError, InputError
from gristmill.io.base import Reader, ReadSink
from gristmill.io.compression import ChunkStream, read_chunks

_DOCUMENT_RECORDS = WarcRecordType.response | WarcRecordType.resource | WarcRecordType.conversion
_TEXT_TYPES = ("text/", "application/xhtml", "application/xml", "application/json", "message/")


class WarcReader(Reader):
    """Reads WARC/WET files (plain, ``.gz`` or ``.zst``) with fastwarc, one document per record.

    The HTTP body stays in ``Document.raw`` for the extract step; ``text`` holds it decoded with the
    charset the server declared (UTF-8 otherwise), or is empty for a payload that is not text.
    """

    format = "warc"
    extensions = (".warc", ".wet", ".arc")

    def read(self, path: str, sink: ReadSink) -> Iterator[Document]:
        """Yield a document per response, resource or conversion record."""
        stream = ChunkStream(read_chunks(path, sink.progress))
        records = ArchiveIterator(
            stream,
            record_types=_DOCUMENT_RECORDS | WarcRecordType.unknown,
            parse_http=True,
            auto_decode="all",
            stream_detect=False,
            fsspec_args=False,
        )
        offset = 0
        while True:
            try:
                record = next(records, None)
                if record is None:
                    return
                offset = record.stream_pos
                if record.record_type == WarcRecordType.unknown:
                    sink.quarantine(path, f"byte {offset}", "WARC record with an unreadable header")
                    record.consume()
                    continue
                body = record.reader.read()
            except InputError:
                raise
            except OSError as exc:
                raise BrokenInputError(path, offset, f"bad WARC record: {exc}") from exc
            yield _document(path, record, body)


def _document(path: str, record: Any, body: bytes) -> Document:
    headers = record.headers
    record_id = (record.record_id or "").strip("<>")
    url = (headers.get("WARC-Target-URI") or "").strip("<>")
    if record.is_http:
        content_type = record.http_content_type or ""
        charset = record.http_charset
        status = record.http_headers.status_code if record.http_headers is not None else None
    else:
        content_type = (headers.get("Content-Type") or "").split(";", 1)[0].strip()
        charset = None
        status = None
    meta: dict[str, Any] = {
        "url": url,
        "warc_record_id": record_id,
        "warc_type": headers.get("WARC-Type") or "",
        "warc_date": headers.get("WARC-Date") or "",
        "warc_file": path,
        "content_type": content_type,
    }
    if charset:
        meta["charset"] = charset
    if status is not None:
        meta["http_status"] = status
    is_text = not content_type or content_type.lower().startswith(_TEXT_TYPES)
    text = body.decode(charset or "utf-8", "replace") if is_text else ""
    return Document(id=record_id or f"{path}@{record.stream_pos}", text=text, meta=meta, raw=body)
