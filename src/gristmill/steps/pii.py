"""Replace personal data with typed placeholders (``<EMAIL>``, ``<PHONE>``, ``<IP>``, ...)."""

from __future__ import annotations

from typing import Annotated, ClassVar

from gristmill.document import Document
from gristmill.io.schema import FieldType
from gristmill.steps.base import Transform
from gristmill.steps.options import Help
from gristmill.steps.registry import register
from gristmill.text.pii import PII_KINDS, PiiKind, find_pii, redact


@register("pii")
class PiiRedact(Transform):
    """Find e-mail addresses, phone numbers, IP addresses, card numbers and street addresses; redact them.

    Each find becomes its kind's placeholder, and ``signals`` counts each kind (``pii_email``, ...).
    Cards are Luhn-checked; versions, dates, ISBNs, prices and order numbers are told apart from
    phones, IPs and cards (see ``gristmill.text.pii``).
    """

    redact: (
        Annotated[
            list[PiiKind],
            Help(
                "the kinds to find and replace: email, phone, ip, card, address. None finds every kind.",
                min_length=1,
            ),
        ]
        | None
    ) = None

    def setup(self) -> None:
        self._kinds = tuple(PII_KINDS if self.redact is None else self.redact)

    signal_fields: ClassVar[dict[str, FieldType]] = {f"pii_{kind}": "int" for kind in PII_KINDS}

    def transform(self, doc: Document) -> Document:
        """Replace the document's personal data and count it per kind."""
        matches = find_pii(doc.text, self._kinds)
        for kind in self._kinds:
            doc.signals[f"pii_{kind}"] = sum(1 for m in matches if m.kind == kind)
        if matches:
            doc.text = redact(doc.text, matches)
        return doc

    def sentence_flags(self, doc: Document, sentences: list[str]) -> dict[int, list[str]]:
        """Flag each sentence holding personal data, naming the kinds found."""
        flags: dict[int, list[str]] = {}
        for i, sentence in enumerate(sentences):
            kinds = sorted({m.kind for m in find_pii(sentence, self._kinds)})
            if kinds:
                flags[i] = [f"{self.name}:{kind}" for kind in kinds]
        return flags
