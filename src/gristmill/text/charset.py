"""Bytes of a web page to text: which charset, and from where it was learnt.

The order is the one browsers use (WHATWG): a byte-order mark, then the charset the HTTP header
declared, then a ``<meta charset>`` in the first bytes of the page, then detection (UTF-8 where the
bytes are valid UTF-8, else uchardet, via resiliparse). A declared name that Python does not know
falls through to the next source, and so does a declared charset the bytes do not decode under
(unless detection names that charset too: a few stray bytes in a page), or a single-byte one over
bytes that are valid UTF-8 and not ASCII. Shift_JIS, EUC-KR, Big5 and GBK pages that hold characters
of the wider tables browsers read them with are read with those (``_WIDER``). The charset reported is
always the one the text was decoded with.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from resiliparse.parse.encoding import detect_encoding, map_encoding_to_html5

CharsetSource = Literal["bom", "header", "meta", "detected"]

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# <meta charset="x"> and <meta http-equiv="Content-Type" content="text/html; charset=x">
_META_CHARSET = re.compile(rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)
_META_WINDOW = 4096
# Browsers read these charsets with a wider table than the one Python's codec of the same name holds
# (WHATWG: Shift_JIS is Microsoft's cp932 with NEC and IBM characters, EUC-KR is windows-949, Big5 is
# Big5-HKSCS, GBK and GB2312 are read as gb18030). A page holding a character of the wider table
# is read with it; a page its own table holds keeps that reading (the tables map a few codes apart).
_WIDER = {"shift_jis": "cp932", "euc_kr": "cp949", "big5": "big5hkscs", "gbk": "gb18030", "gb2312": "gb18030"}


@dataclass(frozen=True)
class Decoded:
    """A page decoded to text, with the charset used, where it came from, and the declarations passed over.

    ``rejected`` is ``"header:utf-8"``, ``"header:utf-8,meta:utf-8"`` or empty: each charset declared
    that was not used, where it was declared.
    """

    text: str
    charset: str
    source: CharsetSource
    rejected: str = ""


def _known(name: str | None) -> str | None:
    """Return the WHATWG name of a charset label Python can decode, or None."""
    if not name:
        return None
    label = map_encoding_to_html5(name.strip().strip("\"'"), fallback_utf8=False)
    if not label:
        return None
    try:
        codecs.lookup(label)
    except LookupError:
        return None
    return label


def _meta_label(data: bytes) -> str | None:
    """The charset label a ``<meta>`` tag gives near the start of an HTML page, if any."""
    match = _META_CHARSET.search(data, 0, _META_WINDOW)
    return match.group(1).decode("ascii") if match else None


def decode_page(
    data: bytes,
    declared: str | None = None,
    *,
    html: bool = True,
    decoded: tuple[str, str] | None = None,
) -> Decoded:
    """Decode ``data``: BOM, then the ``declared`` (HTTP header) charset, then ``<meta>``, then detection.

    Bytes that do not fit the chosen charset are replaced, never raised on: a bad page must not
    stop a run. ``decoded`` is ``(codec, text)``, ``data`` already decoded strictly by a reader
    (:func:`reader_decoding`); its text is returned as it is where these rules pick the same codec.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return Decoded(data[len(bom) :].decode(name, "replace"), name, "bom")
    guess = _Guess(data)
    rejected: list[str] = []
    passed_over: list[str] = []
    for source, label in _declarations(data, declared, html):
        charset = _known(label)
        # UTF-16 declared in a meta tag is a known lie (the tag itself was read as ASCII).
        if source == "meta" and charset and charset.startswith("utf-16"):
            charset = "utf-8"
        if charset is None:  # a name Python does not know
            rejected.append(f"{source}:{label.strip()[:40]}")
            continue
        text = None
        if not any(_same(charset, other) for other in passed_over):
            text = _reused(decoded, charset) or _strict(data, charset)
            # Not over valid UTF-8: gb18030 maps every two-byte code (GBK's user-defined rows to the
            # Private Use Area), so a UTF-8 page a server calls GB2312 would decode under it as mojibake.
            if text is None and (wider := _wider(charset)) and _strict(data, "utf-8") is None:
                text = _strict(data, wider)
                charset = wider if text is not None else charset
            # A few stray bytes in a page of that charset, rather than a page in another one: detection
            # names the same charset, or none.
            if text is None and (guess() is None or _same(guess(), charset)):
                charset = _wider(charset) or charset
                text = data.decode(charset, "replace")
        if text is None:
            rejected.append(f"{source}:{charset}")
            passed_over.append(charset)
            continue
        if _single_byte(charset) and not data.isascii():
            # Non-ASCII bytes that are valid UTF-8 are almost never meant as windows-1252 & co.
            utf8 = _reused(decoded, "utf-8") or _strict(data, "utf-8")
            if utf8 is not None:
                rejected.append(f"{source}:{charset}")
                return Decoded(utf8, "utf-8", "detected", ",".join(rejected))
        return Decoded(text, charset, source, ",".join(rejected))
    why = ",".join(rejected)
    text = _reused(decoded, "utf-8") or _strict(data, "utf-8")
    if text is not None:  # bytes that are valid UTF-8 are UTF-8 (and this is faster than detection)
        return Decoded(text, "utf-8", "detected", why)
    charset = guess() or "utf-8"
    text = _reused(decoded, charset) or _strict(data, charset)
    if text is None:
        charset = _wider(charset) or charset
        text = data.decode(charset, "replace")
    return Decoded(text, charset, "detected", why)


def _declarations(data: bytes, declared: str | None, html: bool) -> Iterator[tuple[CharsetSource, str]]:
    """The header's charset label, then the ``<meta>`` tag's (sought only once the header's fails)."""
    if declared and declared.strip():
        yield "header", declared
    meta = _meta_label(data) if html else None
    if meta:
        yield "meta", meta


class _Guess:
    """uchardet's charset for a page, through resiliparse, computed once and only when asked."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._charset: str | None = None
        self._done = False

    def __call__(self) -> str | None:
        if not self._done:
            self._charset, self._done = _known(detect_encoding(self._data)), True
        return self._charset


def _wider(charset: str) -> str | None:
    """The wider table browsers read ``charset`` with (:data:`_WIDER`), or None."""
    return _WIDER.get(codecs.lookup(charset).name)


def _strict(data: bytes, charset: str) -> str | None:
    """``data`` decoded with ``charset``, or None where a byte does not fit."""
    try:
        return data.decode(charset)
    except UnicodeDecodeError:
        return None


def _reused(decoded: tuple[str, str] | None, charset: str) -> str | None:
    """The reader's strict decoding (:func:`reader_decoding`) where ``charset`` is its codec."""
    return decoded[1] if decoded and _same(decoded[0], charset) else None


def _same(codec: str | None, charset: str) -> bool:
    """Whether ``codec`` and ``charset`` name the same Python codec."""
    if codec is None:
        return False
    try:
        return codec == charset or codecs.lookup(codec).name == codecs.lookup(charset).name
    except LookupError:
        return False


@lru_cache(maxsize=64)
def _single_byte(charset: str) -> bool:
    """Whether ``charset`` gives a character per byte (windows-125x, iso-8859-x, koi8-r): not UTF-8, CJK."""
    text = bytes(range(128, 256)).decode(charset, "replace")
    return len(text) == 128 and text.count("\ufffd") < 64


def reader_decoding(data: bytes, codec: str) -> tuple[str, tuple[str, str] | None]:
    """``data`` decoded with ``codec``, errors replaced, and ``(codec, text)`` where nothing was replaced.

    The pair is what :func:`decode_page` may take as ``decoded`` (a reader's ``Document.raw_decoded``):
    a decoding that replaced something is done again there, where the rules fall back to other
    charsets. Raises LookupError for an unknown codec, as ``bytes.decode`` does.
    """
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return data.decode(codec, "replace"), None
    return text, (codec, text)
