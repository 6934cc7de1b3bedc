"""Which charset a page is decoded with, and that the result says what was used."""

import pytest

from gristmill.text.charset import decode_page, reader_decoding

RUSSIAN = "Съешь же ещё этих мягких французских булок, да выпей чаю. " * 8
GERMAN = "Größere Äpfel schmecken süßer als kleine Birnen, sagt der Bäcker. " * 8


def html(body: str, head: str = "") -> str:
    return f"<html><head>{head}<title>t</title></head><body><p>{body}</p></body></html>"


def test_a_declared_charset_the_body_does_not_decode_under_is_not_used():
    data = html(RUSSIAN).encode("cp1251")
    page = decode_page(data, "utf-8")
    assert (page.charset, page.source, page.rejected) == ("cp1251", "detected", "header:utf-8")
    assert RUSSIAN in page.text


def test_the_meta_tag_is_tried_after_a_header_charset_that_does_not_fit():
    data = html(RUSSIAN, '<meta charset="windows-1251">').encode("cp1251")
    page = decode_page(data, "utf-8")
    assert (page.charset, page.source, page.rejected) == ("cp1251", "meta", "header:utf-8")
    # The same lie in both places is rejected in both.
    data = html(RUSSIAN, '<meta charset="utf-8">').encode("cp1251")
    page = decode_page(data, "utf-8")
    assert (page.charset, page.source, page.rejected) == ("cp1251", "detected", "header:utf-8,meta:utf-8")


def test_a_charset_name_python_does_not_know_is_named_as_rejected():
    data = html(RUSSIAN, '<meta charset="windows-1251">').encode("cp1251")
    page = decode_page(data, "x-nonsense-42")
    assert (page.charset, page.source, page.rejected) == ("cp1251", "meta", "header:x-nonsense-42")
    page = decode_page(html(GERMAN, '<meta charset="bogus">').encode(), None)
    assert (page.charset, page.source, page.rejected) == ("utf-8", "detected", "meta:bogus")


def test_a_few_stray_bytes_keep_a_declared_charset_that_detection_confirms():
    # One windows-1252 byte pasted into a UTF-8 page: the rest must not turn into mojibake.
    data = html(GERMAN).encode().replace(b"Birnen", b"caf\xe9 Birnen", 1)
    page = decode_page(data, "utf-8")
    assert (page.charset, page.source, page.rejected) == ("utf-8", "header", "")
    assert "caf\ufffd Birnen" in page.text and "Größere Äpfel" in page.text


@pytest.mark.parametrize("declared", ["iso-8859-1", "windows-1252", "iso-8859-2", "koi8-r"])
def test_valid_utf8_under_a_single_byte_declaration_is_utf8(declared):
    page = decode_page(html(GERMAN).encode(), declared)
    assert page.charset == "utf-8" and page.source == "detected" and page.rejected.startswith("header:")
    assert GERMAN in page.text


def test_a_single_byte_declaration_holds_for_its_own_bytes_and_for_ascii():
    page = decode_page(html(GERMAN).encode("cp1252"), "iso-8859-1")
    assert (page.charset, page.source, page.rejected) == ("cp1252", "header", "")
    assert GERMAN in page.text
    page = decode_page(html("Plain ASCII only.").encode(), "iso-8859-1")
    assert (page.charset, page.source, page.rejected) == ("cp1252", "header", "")
    # A multi-byte declaration over bytes that fit it is kept, even where they are valid UTF-8 too.
    data = html("日本語のページです。").encode("shift_jis")
    assert decode_page(data, "shift_jis").charset == "shift_jis"


# Text each of whose charsets' common tables lack a character that the table browsers read it with
# has (WHATWG: Shift_JIS is read as Microsoft's cp932, EUC-KR as windows-949, Big5 as Big5-HKSCS,
# GBK and GB2312 as gb18030): NEC's circled digits and 髙 in Shift_JIS, 똠 in EUC-KR, HKSCS's 𨋢 in
# Big5, a character past GBK in it.
WIDER = [
    ("①② 髙橋さんの会社は東京にあります。日本語の文章です。" * 6, "cp932", "shift_jis"),
    ("①② 髙橋さんの会社は東京にあります。日本語の文章です。" * 6, "cp932", "windows-31j"),
    ("똠방각하 한국어 문장입니다. 서울은 큰 도시입니다. " * 6, "cp949", "euc-kr"),
    ("香港增補字符集 𨋢 粵語的文章很長。" * 6, "big5hkscs", "big5"),
    ("中文的文章 𠀀 测试一下这个页面。" * 6, "gb18030", "gb2312"),
]


@pytest.mark.parametrize(("body", "codec", "declared"), WIDER)
def test_a_page_is_read_with_the_wider_table_browsers_read_its_declared_charset_with(body, codec, declared):
    data = html(body).encode(codec)
    with pytest.raises(UnicodeDecodeError):
        data.decode({"windows-31j": "shift_jis"}.get(declared, declared))  # the case: its own table lacks it
    page = decode_page(data, declared)
    assert body in page.text and "\ufffd" not in page.text
    assert (page.charset, page.source, page.rejected) == (codec, "header", "")
    # Declared in a meta tag alone, the same.
    page = decode_page(html(body, f'<meta charset="{declared}">').encode(codec), None)
    assert body in page.text and (page.charset, page.source) == (codec, "meta")


def test_a_page_its_declared_table_holds_is_read_with_that_table_as_before():
    # Shift_JIS and cp932 map a few codes differently (0x8160: WAVE DASH, FULLWIDTH TILDE): a page that
    # decodes under its declared table keeps that table's reading.
    data = html("波〜ダッシュ、日本語のページです。").encode("shift_jis")
    page = decode_page(data, "shift_jis")
    assert page.charset == "shift_jis" and "波〜ダッシュ" in page.text


CASES = [
    (html(RUSSIAN).encode("cp1251"), "utf-8"),
    (html(GERMAN).encode(), "iso-8859-1"),
    (html(GERMAN).encode("cp1252"), "utf-8"),
    (html(GERMAN, '<meta charset="utf-8">').encode("cp1252"), None),
    (html(GERMAN).encode().replace(b"Birnen", b"\xff", 1), "utf-8"),
    (html(GERMAN).encode("cp1252") + b"\x81\x8d", "windows-1252"),
    (html(RUSSIAN).encode("koi8-r"), None),
    (html(RUSSIAN).encode("cp1251"), "x-unknown"),
    (html(GERMAN).encode("utf-8")[:-60] + "ä".encode()[:1], "utf-8"),
    *((html(body).encode(codec), declared) for body, codec, declared in WIDER),
]


@pytest.mark.parametrize(("data", "declared"), CASES)
def test_the_charset_reported_is_the_one_the_text_was_decoded_with(data, declared):
    page = decode_page(data, declared)
    assert page.text == data.decode(page.charset, "replace")
    # The same with the reader's decoding handed on.
    try:  # as the readers do: a name Python does not know is read as UTF-8
        _, handed = reader_decoding(data, declared or "utf-8")
    except LookupError:
        _, handed = reader_decoding(data, "utf-8")
    again = decode_page(data, declared, decoded=handed)
    assert (again.text, again.charset, again.source, again.rejected) == (
        page.text,
        page.charset,
        page.source,
        page.rejected,
    )


@pytest.mark.parametrize("declared", ["gb2312", "gbk"])
def test_a_utf8_page_mislabelled_gbk_is_not_read_with_gb18030(declared):
    # A UTF-8 page a server labels GB2312 was read as UTF-8 (GBK's table refuses its bytes). gb18030
    # maps every two-byte code (GBK's user-defined rows to the Private Use Area), so the wider table
    # must not take bytes GBK refused where they are valid UTF-8: "新闻中心" came out "鏂伴椈涓\ue15e績".
    data = "<ul><li>新闻中心</li><li>产品中心</li></ul>".encode()
    page = decode_page(data, declared)
    assert (page.charset, "新闻中心" in page.text) == ("utf-8", True)
