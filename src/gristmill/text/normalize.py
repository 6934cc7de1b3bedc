"""Unicode, whitespace and control-character normalisation."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

UnicodeForm = Literal["NFC", "NFKC", "NFD", "NFKD"]

# C0/C1 controls except tab and newline, plus zero-width and BOM characters that break matching.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u2060\ufeff]")
_HSPACE = re.compile(r"[^\S\n]+")
_SPACE_AROUND_NEWLINE = re.compile(r" *\n *")
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
        text = unicodedata.normalize(form, text)
    if whitespace:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if control:
        text = _CONTROL.sub("", text)
    if whitespace:
        text = _HSPACE.sub(" ", text)
        text = _SPACE_AROUND_NEWLINE.sub("\n", text)
        text = _BLANK_LINES.sub("\n\n", text).strip()
    return text
