"""Unicode, whitespace and control-character normalisation of the text."""

from __future__ import annotations

from typing import ClassVar, Literal

from gristmill.document import Document
from gristmill.io.schema import FieldType
from gristmill.steps.base import Transform
from gristmill.steps.registry import register
from gristmill.text.normalize import normalize_text


@register("normalize")
class Normalize(Transform):
    """Normalise Unicode (NFC by default), remove control characters, tidy whitespace.

    Options:
        form: the Unicode normal form (NFC, NFKC, NFD, NFKD), or none to leave it.
        whitespace: collapse runs of spaces, strip lines, keep at most one blank line.
        control: remove control and zero-width characters (tabs and newlines stay).
    """

    signal_fields: ClassVar[dict[str, FieldType]] = {"normalize_chars_removed": "int"}

    def __init__(
        self,
        *,
        form: Literal["NFC", "NFKC", "NFD", "NFKD"] | None = "NFC",
        whitespace: bool = True,
        control: bool = True,
    ) -> None:
        self.form = form
        self.whitespace = whitespace
        self.control = control

    def transform(self, doc: Document) -> Document:
        """Normalise ``doc.text``; ``signals.normalize_chars_removed`` counts what went."""
        before = len(doc.text)
        doc.text = normalize_text(doc.text, form=self.form, whitespace=self.whitespace, control=self.control)
        doc.signals["normalize_chars_removed"] = before - len(doc.text)
        return doc
