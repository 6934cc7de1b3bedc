"""FineWeb's own quality rules (Penedo et al. 2024, section 3.3): punctuation, short lines, duplicates.

Lines are the text's non-blank lines, unstripped, as in FineWeb's reference code.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from gristmill.document import Document
from gristmill.io.schema import FieldType
from gristmill.steps.by_language import PerLanguageOptions
from gristmill.steps.options import Help
from gristmill.steps.registry import register
from gristmill.text.lines import duplicates, nonblank_lines
from gristmill.text.punctuation import TERMINAL_PUNCTUATION
from gristmill.text.repeats import repeated_indices
from gristmill.text.tokens import document_tokens


@register("fineweb_quality")
class FineWebQualityFilter(PerLanguageOptions):
    """Drop documents that fail FineWeb's line heuristics."""

    datatrove_names: ClassVar[dict[str, str]] = {
        "line_punct_thr": "min_line_punct_ratio",
        "short_line_thr": "max_short_line_ratio",
        "char_duplicates_ratio": "max_char_dup_ratio",
        "new_line_ratio": "max_newline_ratio",
    }

    min_line_punct_ratio: Annotated[
        float, Help("smallest share of lines ending in terminal punctuation; paper: 0.12.", ge=0, le=1)
    ] = 0.12
    line_punct_exclude_zero: Annotated[
        bool, Help("let documents with no such line through (they may lack punctuation).")
    ] = False
    max_short_line_ratio: Annotated[
        float, Help("largest share of lines no longer than short_line_length; paper: 0.67.", ge=0, le=1)
    ] = 0.67
    short_line_length: Annotated[int, Help('characters at most in a "short" line; paper: 30.', ge=0)] = 30
    max_char_dup_ratio: Annotated[
        float,
        Help("largest share of characters in lines that repeat an earlier line; paper: 0.01.", ge=0, le=1),
    ] = 0.01
    max_newline_ratio: Annotated[float, Help("most newlines per word (lists); paper: 0.3.", ge=0)] = 0.3

    signal_fields: ClassVar[dict[str, FieldType]] = {
        "fineweb_line_punct_ratio": "float",
        "fineweb_short_line_ratio": "float",
        "fineweb_char_dup_ratio": "float",
        "fineweb_newline_ratio": "float",
    }

    def setup(self) -> None:

        self._stops = tuple(TERMINAL_PUNCTUATION)
        super().setup()

    def measure(self, text: str) -> dict[str, float]:
        """Return the FineWeb signals of ``text`` (empty when it has no non-blank line)."""
        split = nonblank_lines(text)
        if not split:
            return {}
        n = len(split)
        chars = len(text) - text.count("\n")
        found = document_tokens(text)
        tokens = len(found) if isinstance(found, tuple) else sum(1 for _ in found)
        return {
            "fineweb_line_punct_ratio": sum(line.endswith(self._stops) for line in split) / n,
            "fineweb_short_line_ratio": sum(len(line) <= self.short_line_length for line in split) / n,
            "fineweb_char_dup_ratio": duplicates(split)[1] / chars if chars else 0.0,
            "fineweb_newline_ratio": text.count("\n") / tokens if tokens else float(text.count("\n")),
        }

    def keep(self, doc: Document) -> Literal[True] | str:
        """Keep the document unless a rule fails; the reason names that rule."""
        s = self.measure(doc.text)
        if not s:
            return "empty"
        doc.signals.update(s)
        ratio = s["fineweb_line_punct_ratio"]
        if ratio < self.min_line_punct_ratio and not (ratio == 0 and self.line_punct_exclude_zero):
            return "line_punct_ratio"
        if s["fineweb_short_line_ratio"] > self.max_short_line_ratio:
            return "short_line_ratio"
        if s["fineweb_char_dup_ratio"] > self.max_char_dup_ratio:
            return "char_dup_ratio"
        if s["fineweb_newline_ratio"] > self.max_newline_ratio:
            return "newline_ratio"
        return True

    def sentence_flags(self, doc: Document, sentences: list[str]) -> dict[int, list[str]]:
        """Flag sentences that repeat an earlier one (what the duplicate-line share counts)."""
        return {i: ["fineweb_quality:repeated"] for i in repeated_indices(sentences)}
