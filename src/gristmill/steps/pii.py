"""Replace personal data with typed placeholders (``<EMAIL>``, ``<PHONE>``, ``<IP>``, ...)."""

from __future__ import annotations

import bisect
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
        """Flag each sentence holding personal data the run redacts, naming the kinds found.

        The finds are those of the whole text, as ``transform`` makes them (what comes before a number
        tells a phone from an order number; an address may go on past a sentence's end), each flagging
        every sentence it touches. A sentence an earlier step rewrote, not in the text, is judged alone.
        """
        text = doc.text
        matches = find_pii(text, self._kinds)
        ends = [m.end for m in matches]  # the matches never overlap: ends rise with starts
        flags: dict[int, list[str]] = {}
        cursor = 0
        for i, sentence in enumerate(sentences):
            at = text.find(sentence, cursor) if sentence else -1
            if at < 0:
                found = find_pii(sentence, self._kinds)
            else:
                cursor = at + len(sentence)
                found = []
                for match in matches[bisect.bisect_right(ends, at) :]:
                    if match.start >= cursor:
                        break
                    found.append(match)
            kinds = sorted({m.kind for m in found})
            if kinds:
                flags[i] = [f"{self.name}:{kind}" for kind in kinds]
        return flags
