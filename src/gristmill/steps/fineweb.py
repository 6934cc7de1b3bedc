"""FineWeb's own quality rules (Penedo et al. 2024, section 3.3): punctuation, short lines, duplicates.

Lines are the text's non-blank lines, unstripped, as in FineWeb's reference code.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from gristmill.document import Document
from gristmill.io.schema import FieldType
from gristmill.steps.by_language import PerLanguageOptions
from gristmill.steps.registry import register
from gristmill.text.lines import duplicates, nonblank_lines
from gristmill.text.punctuation import TERMINAL_PUNCTUATION
from gristmill.text.repeats import repeated_indices
from gristmill.text.tokens import iter_word_tokens


@register("fineweb_quality")
class FineWebQualityFilter(PerLanguageOptions):
    """Drop documents that fail FineWeb's line heuristics.

    Options:
        min_line_punct_ratio: smallest share of lines ending in terminal punctuation; paper: 0.12.
        line_punct_exclude_zero: let documents with no such line through (they may lack punctuation).
        max_short_line_ratio: largest share of lines no longer than short_line_length; paper: 0.67.
        short_line_length: characters at most in a "short" line; paper: 30.
        max_char_dup_ratio: largest share of characters in lines that repeat an earlier line; paper: 0.01.
        max_newline_ratio: most newlines per word (lists); paper: 0.3.
        by_language: other values of these options for documents of some languages (``{fr: {…}}``).
    """

    signal_fields: ClassVar[dict[str, FieldType]] = {
        "fineweb_line_punct_ratio": "float",
        "fineweb_short_line_ratio": "float",
        "fineweb_char_dup_ratio": "float",
        "fineweb_newline_ratio": "float",
    }

    def __init__(
        self,
        *,
        min_line_punct_ratio: float = 0.12,
        line_punct_exclude_zero: bool = False,
        max_short_line_ratio: float = 0.67,
        short_line_length: int = 30,
        max_char_dup_ratio: float = 0.01,
        max_newline_ratio: float = 0.3,
        by_language: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.require_share("min_line_punct_ratio", min_line_punct_ratio)
        self.require_share("max_short_line_ratio", max_short_line_ratio)
        self.require_share("max_char_dup_ratio", max_char_dup_ratio)
        self.require_at_least("short_line_length", short_line_length, 0)
        self.require_at_least("max_newline_ratio", max_newline_ratio, 0)
        self.min_line_punct_ratio = min_line_punct_ratio
        self.line_punct_exclude_zero = line_punct_exclude_zero
        self.max_short_line_ratio = max_short_line_ratio
        self.short_line_length = short_line_length
        self.max_char_dup_ratio = max_char_dup_ratio
        self.max_newline_ratio = max_newline_ratio
        self._stops = tuple(TERMINAL_PUNCTUATION)
        self.init_by_language(by_language)

    def measure(self, text: str) -> dict[str, float]:
        """Return the FineWeb signals of ``text`` (empty when it has no non-blank line)."""
        split = nonblank_lines(text)
        if not split:
            return {}
        n = len(split)
        chars = len(text) - text.count("\n")
        tokens = sum(1 for _ in iter_word_tokens(text))
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
