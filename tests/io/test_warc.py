import gzip
from pathlib import Path

import pytest

from gristmill.errors import BrokenInputError, TruncatedInputError
from gristmill.io.warc import WarcReader
from tests.io.test_jsonl import Sink


def warc_response(
    uri: str, body: bytes, record_id: str, content_type: str = "text/html", charset: str | None = "iso-8859-1"
) -> bytes:
    """A WARC response record; the HTTP ``Content-Type`` is ``content_type`` with ``charset`` (if any)."""
    declared = f"{content_type}; charset={charset}" if charset else content_type
    http = (
        b"HTTP/1.1 200 OK\r\nContent-Type: " + declared.encode() + b"\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    head = (
        "WARC/1.0\r\nWARC-Type: response\r\n"
        f"WARC-Target-URI: {uri}\r\nWARC-Date: 2024-05-01T10:00:00Z\r\n"
        f"WARC-Record-ID: <urn:uuid:{record_id}>\r\n"
        "Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(http)}\r\n\r\n"
    ).encode()
    return head + http + b"\r\n\r\n"


def warc_request(uri: str) -> bytes:
    block = f"GET / HTTP/1.1\r\nHost: {uri}\r\n\r\n".encode()
    head = (
        "WARC/1.0\r\nWARC-Type: request\r\n"
        f"WARC-Target-URI: {uri}\r\nWARC-Date: 2024-05-01T10:00:00Z\r\n"
        "WARC-Record-ID: <urn:uuid:req>\r\nContent-Type: application/http; msgtype=request\r\n"
        f"Content-Length: {len(block)}\r\n\r\n"
    ).encode()
    return head + block + b"\r\n\r\n"


def write_warc_gz(path: Path, records: list[bytes]) -> Path:
    # One gzip member per record, as crawlers write them.
    path.write_bytes(b"".join(gzip.compress(r, mtime=0) for r in records))
    return path


def read(path: Path) -> tuple[list, Sink]:
    sink = Sink()
    return list(WarcReader().read(str(path), sink)), sink


def test_responses_become_documents_with_url_id_date_and_body(tmp_path: Path) -> None:
    page = "<html><body><p>Grüße aus Köln</p></body></html>".encode("latin-1")
    path = write_warc_gz(
        tmp_path / "crawl.warc.gz",
        [
            warc_request("https://a.example/"),
            warc_response("https://a.example/", page, "0001"),
            warc_response("https://a.example/logo.png", b"\x89PNG\r\n\x1a\nxx", "0002", "image/png"),
        ],
    )
    docs, sink = read(path)
    assert sink.bad == []
    assert [d.id for d in docs] == ["urn:uuid:0001", "urn:uuid:0002"]
    html = docs[0]
    assert html.raw == page
    assert "Grüße aus Köln" in html.text  # decoded with the charset the server declared
    assert html.raw_decoded == ("iso-8859-1", html.text)  # what extract may reuse
    assert html.meta["url"] == "https://a.example/"
    assert html.meta["warc_date"] == "2024-05-01T10:00:00Z"
    assert html.meta["content_type"] == "text/html"
    assert html.meta["http_status"] == 200
    assert docs[1].text == "" and docs[1].meta["content_type"] == "image/png"
    assert docs[1].raw_decoded is None


def test_common_crawl_excerpt(shared_data: Path) -> None:
    docs, sink = read(shared_data / "warc/resiliparse/warcfile.warc.gz")
    assert len(docs) == 16 and sink.bad == []
    assert docs[0].meta["url"].startswith("http://003338.cn/")
    assert all(d.meta["warc_type"] == "response" and d.raw for d in docs)


def test_wget_warcs_strip_bracketed_uris(shared_data: Path) -> None:
    docs, _ = read(shared_data / "warc/dolma/sample-0000.warc.gz")
    responses = [d for d in docs if d.meta["warc_type"] == "response"]
    assert len(responses) == 22
    assert responses[0].meta["url"] == "https://www.semanticscholar.org/research/research-team"


def test_clipped_warc_raises_truncation_after_the_records_before_it(shared_data: Path) -> None:
    with pytest.raises(TruncatedInputError) as info:
        read(shared_data / "warc/resiliparse/clipped.warc.gz")
    assert "clipped.warc.gz" in str(info.value)


def test_arc_file_is_a_clear_input_error(shared_data: Path) -> None:
    with pytest.raises(BrokenInputError) as info:
        read(shared_data / "warc/warcio/example.arc")
    assert "example.arc" in str(info.value) and "WARC" in str(info.value)
