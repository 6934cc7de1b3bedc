"""Unicode, whitespace and control-character normalisation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Literal

UnicodeForm = Literal["NFC", "NFKC", "NFD", "NFKD"]

# C0/C1 controls except tab and newline, plus zero-width and BOM characters that break matching.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u2060\ufeff]")
# Only what changes is matched: a sub builds a piece per match, and matching every single space or
# newline of a 100 MB text held gigabytes of pieces.
_HSPACE = re.compile(r"[^\S\n]{2,}|[^\S\n ]")
_SPACE_AROUND_NEWLINE = re.compile(r" +\n *|\n +")
# Texts longer than this are normalised a block of lines at a time (see _unicode_form).
_BLOCK = 1 << 20
_BLANK_LINES = re.compile(r"\n{3,}")


def normalize_text(
    text: str,
    *,
    form: UnicodeForm | None = "NFC",
    whitespace: bool = True,
    control: bool = True,
) -> str:
    r"""Return ``text`` in Unicode ``form``, without control characters, with tidy whitespace.

    Whitespace tidying turns ``\\r\\n`` and ``\\r`` into ``\\n``, every other run of spaces into one space,
    strips each line, and keeps at most one blank line between paragraphs.
    """
    if form is not None:
        text = _unicode_form(text, form)
    if whitespace:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if control:
        text = _CONTROL.sub("", text)
    if whitespace:
        text = _HSPACE.sub(" ", text)
        text = _SPACE_AROUND_NEWLINE.sub("\n", text)
        text = _BLANK_LINES.sub("\n\n", text).strip()
    return text


def _unicode_form(text: str, form: UnicodeForm) -> str:
    """Return ``unicodedata.normalize(form, text)``, a block of lines at a time for a long text.

    ``unicodedata`` works in 4-byte buffers, several times the text. A newline composes and reorders
    with nothing, so blocks cut after one normalise alone; a text already in ``form`` (most are) is
    returned as it is, without a copy.
    """
    if len(text) <= _BLOCK:
        return unicodedata.normalize(form, text)
    if all(unicodedata.is_normalized(form, block) for block in _line_blocks(text)):
        return text
    return "".join(unicodedata.normalize(form, block) for block in _line_blocks(text))


def _line_blocks(text: str) -> Iterator[str]:
    """Yield ``text`` in pieces of about ``_BLOCK`` characters, each cut just after a newline."""
    start, size = 0, len(text)
    while start < size:
        cut = text.find("\n", start + _BLOCK) if start + _BLOCK < size else -1
        end = size if cut < 0 else cut + 1
        yield text[start:end]
        start = end
