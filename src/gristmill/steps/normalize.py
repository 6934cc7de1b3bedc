"""Unicode, whitespace and control-character normalisation of the text."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from gristmill.document import Document
from gristmill.io.schema import FieldType
from gristmill.steps.base import Transform
from gristmill.steps.options import Help
from gristmill.steps.registry import register
from gristmill.text.normalize import normalize_text


@register("normalize")
class Normalize(Transform):
    """Normalise Unicode (NFC by default), remove control characters, tidy whitespace."""

    form: Annotated[
        Literal["NFC", "NFKC", "NFD", "NFKD"] | None,
        Help("the Unicode normal form (NFC, NFKC, NFD, NFKD), or none to leave it."),
    ] = "NFC"
    whitespace: Annotated[
        bool, Help("collapse runs of spaces, strip lines, keep at most one blank line.")
    ] = True
    control: Annotated[bool, Help("remove control and zero-width characters (tabs and newlines stay).")] = (
        True
    )

    signal_fields: ClassVar[dict[str, FieldType]] = {"normalize_chars_removed": "int"}

    def transform(self, doc: Document) -> Document:
        """Normalise ``doc.text``; ``signals.normalize_chars_removed`` counts what went."""
        before = len(doc.text)
        doc.text = normalize_text(doc.text, form=self.form, whitespace=self.whitespace, control=self.control)
        doc.signals["normalize_chars_removed"] = before - len(doc.text)
        return doc
