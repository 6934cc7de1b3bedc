"""Gopher's quality and repetition rules (Rae et al. 2021, "Scaling Language Models", appendix A1).

Words are the tokens of :func:`gristmill.text.word_tokens`; a "symbol" token is punctuation only.
Every signal is computed and kept in ``signals`` (prefix ``gopher_``), so a corpus can be
re-thresholded without running the step again; the first rule that fails names the drop.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from itertools import repeat
from typing import Annotated, ClassVar, Literal

from gristmill.document import Document
from gristmill.io.schema import FieldType
from gristmill.steps.by_language import PerLanguageOptions
from gristmill.steps.options import Help
from gristmill.steps.registry import register
from gristmill.text.lines import duplicates, lines, paragraphs
from gristmill.text.ngrams import NgramIndex
from gristmill.text.punctuation import GOPHER_STOP_WORDS, is_symbol
from gristmill.text.repeats import repeated_indices
from gristmill.text.tokens import document_tokens

_BULLETS = ("•", "-")
_ELLIPSES = ("...", "…")


@register("gopher_quality")
class GopherQualityFilter(PerLanguageOptions):
    """Drop documents that fail Gopher's quality heuristics (length, word shape, symbols, stop words)."""

    datatrove_names: ClassVar[dict[str, str]] = {
        "min_doc_words": "min_words",
        "max_doc_words": "max_words",
        "min_avg_word_length": "min_mean_word_length",
        "max_avg_word_length": "max_mean_word_length",
        "max_non_alpha_words_ratio": "min_alpha_words_ratio",
    }

    min_words: (
        Annotated[int, Help("fewest words (tokens that are not only punctuation); paper: 50.", ge=0)] | None
    ) = 50
    max_words: Annotated[int, Help("most words; paper: 100,000.", ge=0)] | None = 100_000
    min_mean_word_length: (
        Annotated[float, Help("shortest mean word length in characters; paper: 3.", ge=0)] | None
    ) = 3
    max_mean_word_length: Annotated[float, Help("longest mean word length; paper: 10.", ge=0)] | None = 10
    max_symbol_word_ratio: (
        Annotated[float, Help('most "#" or "..." per token, each counted apart; paper: 0.1.', ge=0, le=1)]
        | None
    ) = 0.1
    max_bullet_lines_ratio: (
        Annotated[float, Help("largest share of lines that start with a bullet; paper: 0.9.", ge=0, le=1)]
        | None
    ) = 0.9
    max_ellipsis_lines_ratio: (
        Annotated[float, Help("largest share of lines that end with an ellipsis; paper: 0.3.", ge=0, le=1)]
        | None
    ) = 0.3
    min_alpha_words_ratio: (
        Annotated[float, Help("smallest share of tokens holding a letter; paper: 0.8.", ge=0, le=1)] | None
    ) = 0.8
    min_stop_words: Annotated[int, Help("fewest distinct stop words present; paper: 2.", ge=0)] | None = 2
    stop_words: Annotated[
        list[str] | None, Help("the stop words; paper: the, be, to, of, and, that, have, with.")
    ] = None

    def setup(self) -> None:
        if self.min_words is not None and self.max_words is not None and self.max_words < self.min_words:
            raise self.fail(
                "max_words", f"must be at least min_words ({self.min_words}), got {self.max_words}"
            )
        low, high = self.min_mean_word_length, self.max_mean_word_length
        if low is not None and high is not None and high < low:
            raise self.fail(
                "max_mean_word_length", f"must be at least min_mean_word_length ({low:g}), got {high:g}"
            )
        words = None if self.stop_words is None else len(set(self.stop_words))
        if words is not None and words < (self.min_stop_words or 0):
            given = f"a list of {words}" if words else "an empty list"
            raise self.fail(
                "stop_words",
                f"{given} leaves no document the {self.min_stop_words} stop words min_stop_words asks for",
            )
        self._stop_words = frozenset(GOPHER_STOP_WORDS if self.stop_words is None else self.stop_words)
        super().setup()

    signal_fields: ClassVar[dict[str, FieldType]] = {
        "gopher_words": "int",
        "gopher_mean_word_length": "float",
        "gopher_hash_ratio": "float",
        "gopher_ellipsis_ratio": "float",
        "gopher_bullet_lines": "float",
        "gopher_ellipsis_lines": "float",
        "gopher_alpha_words": "float",
        "gopher_stop_words": "int",
    }

    def measure(self, text: str) -> dict[str, float]:
        """Return the Gopher quality signals of ``text``."""
        # Each distinct token is judged once, weighted by its count.
        counts = Counter(document_tokens(text))
        n_tokens = sum(counts.values()) or 1
        words = chars = alpha = 0
        for token, count in counts.items():
            letters = token.isalpha()  # most tokens: a word, which holds a letter (no symbol is a letter)
            if letters or not is_symbol(token):
                words += count
                chars += len(token) * count
            if letters or any(c.isalpha() for c in token):
                alpha += count
        split = text.splitlines() or [""]
        return {
            "gopher_words": words,
            "gopher_mean_word_length": chars / words if words else 0.0,
            "gopher_hash_ratio": text.count("#") / n_tokens,
            "gopher_ellipsis_ratio": (text.count("...") + text.count("…")) / n_tokens,
            # map over str methods: no Python call per line
            "gopher_bullet_lines": sum(map(str.startswith, map(str.lstrip, split), repeat(_BULLETS)))
            / len(split),
            "gopher_ellipsis_lines": sum(map(str.endswith, map(str.rstrip, split), repeat(_ELLIPSES)))
            / len(split),
            "gopher_alpha_words": alpha / n_tokens,
            "gopher_stop_words": len(self._stop_words.intersection(counts)),
        }

    def keep(self, doc: Document) -> Literal[True] | str:
        """Keep the document unless a rule fails; the reason names the first failing rule."""
        s = self.measure(doc.text)
        doc.signals.update(s)
        if self.min_words is not None and s["gopher_words"] < self.min_words:
            return "min_words"
        if self.max_words is not None and s["gopher_words"] > self.max_words:
            return "max_words"
        if self.min_mean_word_length is not None and s["gopher_mean_word_length"] < self.min_mean_word_length:
            return "mean_word_length"
        if self.max_mean_word_length is not None and s["gopher_mean_word_length"] > self.max_mean_word_length:
            return "mean_word_length"
        if self.max_symbol_word_ratio is not None:
            if s["gopher_hash_ratio"] > self.max_symbol_word_ratio:
                return "hash_ratio"
            if s["gopher_ellipsis_ratio"] > self.max_symbol_word_ratio:
                return "ellipsis_ratio"
        if self.max_bullet_lines_ratio is not None and s["gopher_bullet_lines"] > self.max_bullet_lines_ratio:
            return "bullet_lines"
        if (
            self.max_ellipsis_lines_ratio is not None
            and s["gopher_ellipsis_lines"] > self.max_ellipsis_lines_ratio
        ):
            return "ellipsis_lines"
        if self.min_alpha_words_ratio is not None and s["gopher_alpha_words"] < self.min_alpha_words_ratio:
            return "alpha_words"
        if self.min_stop_words is not None and s["gopher_stop_words"] < self.min_stop_words:
            return "stop_words"
        return True

    def sentence_flags(self, doc: Document, sentences: list[str]) -> dict[int, list[str]]:
        """Flag sentences that end with an ellipsis or start with a bullet (what the line rules count)."""
        flags: dict[int, list[str]] = {}
        for i, sentence in enumerate(sentences):
            if sentence.rstrip().endswith(("...", "…")):
                flags.setdefault(i, []).append("gopher_quality:ellipsis")
            if sentence.lstrip().startswith(("•", "-")):
                flags.setdefault(i, []).append("gopher_quality:bullet")
        return flags


DEFAULT_TOP_NGRAMS = {2: 0.2, 3: 0.18, 4: 0.16}
# Gopher looks at n-grams up to 10 words; far longer ones only cost memory.
MAX_NGRAM = 100
# What `_ngram_table` takes, said to JSON Schema: keys 1..MAX_NGRAM (JSON keys are text, at most 9 digits
# as `_ngram_size` reads them), shares between 0 and 1.
_NGRAM_TABLE = {
    "propertyNames": {"pattern": f"^(?=[0-9]{{1,9}}$)0*([1-9][0-9]?|{MAX_NGRAM})$"},
    "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1},
}
DEFAULT_DUP_NGRAMS = {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}


@register("gopher_repetition")
class GopherRepetitionFilter(PerLanguageOptions):
    """Drop documents that repeat themselves: duplicate lines, paragraphs and n-grams (Gopher)."""

    datatrove_names: ClassVar[dict[str, str]] = {
        "dup_line_frac": "max_dup_line_frac",
        "dup_para_frac": "max_dup_para_frac",
        "dup_line_char_frac": "max_dup_line_char_frac",
        "dup_para_char_frac": "max_dup_para_char_frac",
        "top_n_grams": "top_ngrams",
        "dup_n_grams": "dup_ngrams",
    }

    max_dup_para_frac: (
        Annotated[
            float, Help("largest share of paragraphs that repeat an earlier one; paper: 0.3.", ge=0, le=1)
        ]
        | None
    ) = 0.3
    max_dup_para_char_frac: (
        Annotated[float, Help("largest share of characters in repeated paragraphs; paper: 0.2.", ge=0, le=1)]
        | None
    ) = 0.2
    max_dup_line_frac: (
        Annotated[float, Help("largest share of lines that repeat an earlier one; paper: 0.3.", ge=0, le=1)]
        | None
    ) = 0.3
    max_dup_line_char_frac: (
        Annotated[float, Help("largest share of characters in repeated lines; paper: 0.2.", ge=0, le=1)]
        | None
    ) = 0.2
    top_ngrams: Annotated[
        dict[int | str, float] | None,
        Help(
            "n -> largest share of characters in the most frequent n-gram (n up to 100);"
            " paper: {2: 0.2, 3: 0.18, 4: 0.16}. Replaces that table: name every n to check.",
            extra_json_schema=_NGRAM_TABLE,
        ),
    ] = None
    dup_ngrams: Annotated[
        dict[int | str, float] | None,
        Help(
            "n -> largest share of characters in repeated n-grams;"
            " paper: {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.1}. Replaces that table.",
            extra_json_schema=_NGRAM_TABLE,
        ),
    ] = None

    def setup(self) -> None:
        self._top = self._ngram_table("top_ngrams", self.top_ngrams, DEFAULT_TOP_NGRAMS)
        self._dup = self._ngram_table("dup_ngrams", self.dup_ngrams, DEFAULT_DUP_NGRAMS)
        # Kept with text keys, as a JSON copy of the pipeline must hold them (JSON keys are text).
        if self.top_ngrams is not None:
            self.top_ngrams = {str(n): frac for n, frac in self._top}
        if self.dup_ngrams is not None:
            self.dup_ngrams = {str(n): frac for n, frac in self._dup}
        super().setup()

    def output_fields(self) -> tuple[Mapping[str, FieldType], Mapping[str, FieldType]]:
        """The repetition signals, with one n-gram signal per ``n`` this step or a language variant checks."""
        signals: dict[str, FieldType] = {
            f"gopher_{name}": "float"
            for name in ("dup_para_frac", "dup_para_char_frac", "dup_line_frac", "dup_line_char_frac")
        }
        for step in (self, *self._variants.values()):
            assert isinstance(step, GopherRepetitionFilter)
            signals |= {f"gopher_top_{n}_gram_frac": "float" for n, _ in step._top}
            signals |= {f"gopher_dup_{n}_gram_frac": "float" for n, _ in step._dup}
        return {}, signals

    def _ngram_table(
        self, option: str, table: dict[int | str, float] | None, default: dict[int, float]
    ) -> list[tuple[int, float]]:
        """Check an ``n -> share`` option (keys as YAML or JSON give them) and return it sorted by n."""
        if table is None:
            return sorted(default.items())
        checked: dict[int, float] = {}
        for key, frac in table.items():
            n = _ngram_size(key)
            if n is None or not 1 <= n <= MAX_NGRAM:
                raise self.fail(option, f"n must be a whole number from 1 to {MAX_NGRAM}, got {key!r}")
            if not 0 <= frac <= 1:
                raise self.fail(option, f"the share for n={n} must lie between 0 and 1, got {frac}")
            checked[n] = frac
        return sorted(checked.items())

    def measure(self, text: str) -> dict[str, float]:
        """Return the Gopher repetition signals of ``text``."""
        length = len(text) or 1
        paras = paragraphs(text)
        para_dups, para_chars = duplicates(paras)
        split = lines(text)
        line_dups, line_chars = duplicates(split)
        signals: dict[str, float] = {
            "gopher_dup_para_frac": para_dups / len(paras),
            "gopher_dup_para_char_frac": para_chars / length,
            "gopher_dup_line_frac": line_dups / len(split),
            "gopher_dup_line_char_frac": line_chars / length,
        }
        index = NgramIndex(document_tokens(text))
        for n, _ in self._top:
            signals[f"gopher_top_{n}_gram_frac"] = index.top_ngram_chars(n) / length
        for n, _ in self._dup:
            signals[f"gopher_dup_{n}_gram_frac"] = index.duplicate_ngram_chars(n) / length
        return signals

    def keep(self, doc: Document) -> Literal[True] | str:
        """Keep the document unless a repetition rule fails; the reason names that rule."""
        if not doc.text:
            return "empty"
        s = self.measure(doc.text)
        doc.signals.update(s)
        for rule, limit in (
            ("dup_para_frac", self.max_dup_para_frac),
            ("dup_para_char_frac", self.max_dup_para_char_frac),
            ("dup_line_frac", self.max_dup_line_frac),
            ("dup_line_char_frac", self.max_dup_line_char_frac),
        ):
            if limit is not None and s[f"gopher_{rule}"] > limit:
                return rule
        for n, limit in self._top:
            if s[f"gopher_top_{n}_gram_frac"] > limit:
                return f"top_{n}_gram"
        for n, limit in self._dup:
            if s[f"gopher_dup_{n}_gram_frac"] > limit:
                return f"dup_{n}_gram"
        return True

    def sentence_flags(self, doc: Document, sentences: list[str]) -> dict[int, list[str]]:
        """Flag every sentence that repeats an earlier one word for word."""
        return {i: ["gopher_repetition:repeated"] for i in repeated_indices(sentences)}


def _ngram_size(key: int | str) -> int | None:
    """Return an n-gram size given as a YAML integer or a JSON text key, or None if it is neither."""
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return key
    return int(key) if key.isascii() and key.isdigit() and len(key) <= 9 else None
