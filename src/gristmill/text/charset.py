"""Bytes of a web page to text: which charset, and from where it was learnt.

The order is the one browsers use (WHATWG): a byte-order mark, then the charset the HTTP header
declared, then a ``<meta charset>`` in the first bytes of the page, then detection (UTF-8 where the
bytes are valid UTF-8, else uchardet, via resiliparse). A declared name that Python does not know
falls through to the next source.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Literal

from resiliparse.parse.encoding import bytes_to_str, detect_encoding, map_encoding_to_html5

CharsetSource = Literal["bom", "header", "meta", "detected"]

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# <meta charset="x"> and <meta http-equiv="Content-Type" content="text/html; charset=x">
_META_CHARSET = re.compile(rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)
_META_WINDOW = 4096


@dataclass(frozen=True)
class Decoded:
    """A page decoded to text, with the charset used and where it came from."""

    text: str
    charset: str
    source: CharsetSource


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


def meta_charset(data: bytes) -> str | None:
    """Return the charset a ``<meta>`` tag declares near the start of an HTML page, if any."""
    match = _META_CHARSET.search(data, 0, _META_WINDOW)
    return _known(match.group(1).decode("ascii")) if match else None


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
    source: CharsetSource
    charset = _known(declared)
    if charset:
        source = "header"
    else:
        charset = meta_charset(data) if html else None
        source = "meta"
        if not charset:
            if decoded and (text := _same_decoding(decoded, "utf-8")) is not None:
                return Decoded(text, "utf-8", "detected")
            try:  # bytes that are valid UTF-8 are UTF-8 (and this is faster than detection)
                return Decoded(data.decode("utf-8"), "utf-8", "detected")
            except UnicodeDecodeError:
                charset = detect_encoding(data) or "utf-8"
                source = "detected"
    # UTF-16 declared in a meta tag is a known lie (the tag itself was read as ASCII).
    if source == "meta" and charset.startswith("utf-16"):
        charset = "utf-8"
    if decoded and (text := _same_decoding(decoded, charset)) is not None:
        return Decoded(text, charset, source)
    try:
        text = data.decode(charset)  # the common case, without bytes_to_str's overhead
    except UnicodeDecodeError:
        text = bytes_to_str(data, charset, errors="replace", fallback_encodings=("utf-8", "cp1252"))
    return Decoded(text, charset, source)


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


def _same_decoding(decoded: tuple[str, str], charset: str) -> str | None:
    """The text of ``decoded`` (strictly decoded: :func:`reader_decoding`) where ``charset`` is its codec."""
    codec, text = decoded
    try:
        same = codec == charset or codecs.lookup(codec).name == codecs.lookup(charset).name
    except LookupError:
        return None
    return text if same else None
