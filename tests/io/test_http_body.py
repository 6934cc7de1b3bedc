"""HTTP bodies decoded as a browser reads them: every content encoding, cut, mislabelled or too large."""

import gzip
import random
import zlib

import brotli
import pytest
import zstandard

from gristmill.io.http_body import decode_content, decode_http_body, undo_chunked

PAGE = (
    b"<html><body>" + b"<p>A paragraph of a page that a server sent compressed.</p>" * 400 + b"</body></html>"
)


def raw_deflate(data: bytes) -> bytes:
    encoder = zlib.compressobj(wbits=-15)
    return encoder.compress(data) + encoder.flush()


ENCODERS = {
    "gzip": lambda data: gzip.compress(data, mtime=0),
    "deflate": zlib.compress,
    "br": brotli.compress,
    "zstd": zstandard.ZstdCompressor().compress,
}


@pytest.mark.parametrize("coding", list(ENCODERS))
def test_each_encoding_decodes_whole_without_a_note(coding: str) -> None:
    assert decode_content(ENCODERS[coding](PAGE), coding) == (PAGE, "")


def test_encodings_are_undone_in_the_reverse_order_of_their_list_whatever_their_case() -> None:
    body = brotli.compress(gzip.compress(PAGE, mtime=0))
    assert decode_content(body, "GZIP, identity, Br") == (PAGE, "")
    assert decode_content(gzip.compress(PAGE, mtime=0), "x-gzip") == (PAGE, "")
    assert decode_content(raw_deflate(PAGE), "deflate") == (PAGE, "")


def test_a_body_of_several_members_or_frames_is_one_body() -> None:
    half = len(PAGE) // 2
    members = gzip.compress(PAGE[:half], mtime=0) + gzip.compress(PAGE[half:], mtime=0)
    frames = zstandard.ZstdCompressor().compress(PAGE[:half]) + zstandard.ZstdCompressor().compress(
        PAGE[half:]
    )
    assert decode_content(members, "gzip") == (PAGE, "")
    assert decode_content(frames, "zstd") == (PAGE, "")


@pytest.mark.parametrize("coding", list(ENCODERS))
def test_a_body_cut_short_gives_what_it_holds_and_says_so(coding: str) -> None:
    # Long enough that its first half holds whole blocks in every format (zstd's are up to 128 KB).
    whole = PAGE + random.Random(1).randbytes(300_000)
    encoded = ENCODERS[coding](whole)
    body, note = decode_content(encoded[: len(encoded) // 2], coding)
    assert 0 < len(body) < len(whole) and whole.startswith(body)
    assert note == f"the {coding} body is cut short or damaged: the part that decodes is kept"


@pytest.mark.parametrize("coding", ["gzip", "zstd"])
def test_a_body_cut_inside_its_header_is_empty_as_a_browser_shows_it(coding: str) -> None:
    said = f"the {coding} body is cut short or damaged: the part that decodes is kept"
    assert decode_content(ENCODERS[coding](PAGE)[:5], coding) == (b"", said)


@pytest.mark.parametrize("coding", ["gzip", "zstd"])
def test_bytes_after_the_stream_lose_none_of_its_text(coding: str) -> None:
    # NUL padding after a zstd frame made its decoder raise before it gave the frame's text.
    assert decode_content(ENCODERS[coding](PAGE) + bytes(16), coding)[0] == PAGE


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_a_bad_checksum_in_the_trailer_loses_none_of_the_text(coding: str) -> None:
    # Browsers do not check it; the whole text decoded before it.
    damaged = bytearray(ENCODERS[coding](PAGE))
    damaged[-1] ^= 0xFF
    said = f"the {coding} body is cut short or damaged: the part that decodes is kept"
    assert decode_content(bytes(damaged), coding) == (PAGE, said)
    assert decode_content(bytes(damaged) + bytes(8) + b"junk" * 100, coding) == (PAGE, said)


def test_a_body_of_many_small_members_decodes_whole() -> None:
    # Each member's leftover bytes are a copy: fed whole, 160,000 members took 25 s (quadratic).
    body = gzip.compress(b"<p>x</p>", mtime=0) * 20_000
    assert decode_content(body, "gzip") == (b"<p>x</p>" * 20_000, "")


def test_a_zstd_body_may_open_with_a_skippable_frame() -> None:
    skippable = b"\x50\x2a\x4d\x18\x04\x00\x00\x00abcd"
    assert decode_content(skippable + zstandard.ZstdCompressor().compress(PAGE), "zstd") == (PAGE, "")


@pytest.mark.parametrize("coding", [*ENCODERS, "x-gzip"])
def test_a_body_that_is_not_what_its_header_says_is_kept_as_sent(coding: str) -> None:
    body, note = decode_content(PAGE, coding)
    assert body == PAGE
    assert note == f"the body does not decode as Content-Encoding {coding}: kept as sent"


def test_arbitrary_bytes_labelled_deflate_are_kept_as_sent() -> None:
    # Raw deflate reads a little of most byte strings without an error: only a whole stream counts.
    rng = random.Random(7)
    for _ in range(2000):
        body = rng.randbytes(200)
        assert decode_content(body, "deflate")[0] == body


def test_an_unknown_encoding_keeps_the_body_as_sent() -> None:
    assert decode_content(PAGE, "compress") == (
        PAGE,
        "Content-Encoding 'compress' is not known: the body is kept as sent",
    )


@pytest.mark.parametrize("coding", list(ENCODERS))
def test_a_body_that_decodes_past_the_limit_is_cut_there(coding: str) -> None:
    # A few KB that decode to a megabyte (gigabytes, in a real bomb): decoding stops at the limit.
    bomb = ENCODERS[coding](bytes(1 << 20))
    body, note = decode_content(bomb, coding, limit=50_000)
    assert body == bytes(50_000)
    assert note == f"the {coding} body decodes to over 50,000 bytes: cut there"


def test_an_empty_body_needs_no_decoding() -> None:
    assert decode_content(b"", "gzip") == (b"", "")
    assert decode_content(PAGE, None) == decode_content(PAGE, "") == (PAGE, "")


def test_transfer_codings_are_undone_before_content_codings() -> None:
    # Transfer-Encoding: gzip, chunked -- the body was gzipped for the hop, then sent in chunks.
    body = gzip.compress(brotli.compress(PAGE), mtime=0)
    chunked = b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
    assert decode_http_body(chunked, "gzip, chunked", "br") == (PAGE, "")
    assert decode_http_body(PAGE, "chunked", None) == (PAGE, "")  # said chunked, sent whole


def test_chunks_are_joined_and_a_body_that_is_not_chunked_is_left_alone() -> None:
    assert undo_chunked(b"5;ext=1\r\nHello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n") == (b"Hello world", "")
    assert undo_chunked(PAGE) == (PAGE, "")
    assert undo_chunked(b"\n" + PAGE) == (b"\n" + PAGE, "")  # a blank first line is no last chunk
    assert undo_chunked(b"0\r\n\r\n") == (b"", "")


def test_chunk_lines_may_end_in_lf_alone() -> None:
    assert undo_chunked(b"5\nHello\n6\n world\n0\n\n") == (b"Hello world", "")


def test_a_body_of_many_small_chunks_is_joined_whole() -> None:
    # Each chunk copied the rest of the body: 1.9 MB in 1-byte chunks took 32 s (quadratic).
    page = PAGE * 10
    chunked = b"".join(b"1\r\n%c\r\n" % byte for byte in page) + b"0\r\n\r\n"
    assert undo_chunked(chunked) == (page, "")


@pytest.mark.parametrize("size", [b"-3", b"+3", b"0x3", b"1_0", b"3 3"])
def test_a_chunk_size_is_hexadecimal_digits_only(size: bytes) -> None:
    # int() takes "-3", and a negative size read the same size line again, forever.
    assert undo_chunked(size + b"\nabc\n0\n\n") == (size + b"\nabc\n0\n\n", "")


def test_a_damaged_size_line_keeps_the_chunks_before_it() -> None:
    body = gzip.compress(PAGE, mtime=0)
    half = len(body) // 2
    chunked = b"%x\r\n" % half + body[:half] + b"\r\nzz\r\n" + body[half:] + b"\r\n0\r\n\r\n"
    joined, note = decode_http_body(chunked, "chunked", "gzip")
    assert 0 < len(joined) < len(PAGE) and PAGE.startswith(joined)
    assert note == (
        "the chunked body is damaged: the chunks before the damage are kept; "
        "the gzip body is cut short or damaged: the part that decodes is kept"
    )


def test_a_damaged_or_trailed_brotli_or_zstd_stream_keeps_what_decodes() -> None:
    for coding in ("br", "zstd"):
        whole = ENCODERS[coding](PAGE + random.Random(3).randbytes(100_000))
        assert decode_content(whole + b"\r\n", coding)[0].startswith(PAGE), coding  # a stray line end
        damaged = bytearray(whole)
        damaged[len(damaged) * 3 // 4] ^= 0xFF
        body = decode_content(bytes(damaged), coding)[0]
        assert len(body) > len(PAGE) and body.startswith(PAGE), coding


def test_short_text_that_only_looks_like_a_stream_start_is_kept_as_sent() -> None:
    assert decode_content(b"1", "gzip")[0] == b"1"
    assert decode_content(b"80", "gzip")[0] == b"80"  # a valid zlib header, but no gzip body
    assert decode_content("été: le soleil".encode(), "br")[0] == "été: le soleil".encode()


def test_an_outer_coding_over_the_limit_still_undoes_the_inner_ones() -> None:
    inner = gzip.compress(random.Random(1).randbytes(5000), mtime=0)
    body, note = decode_content(brotli.compress(inner), "gzip, br", 1000)
    assert not body.startswith(b"\x1f\x8b") and note == "the br body decodes to over 1,000 bytes: cut there"
