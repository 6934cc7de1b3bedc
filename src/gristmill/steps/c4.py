"""C4's cleaning rules (Raffel et al. 2020, section 2.2): line removal and document drops.

Lines go when they do not end in terminal punctuation, hold fewer than three words, mention
javascript, a cookie or terms-of-use policy, or a word longer than 1000 characters; documents go when
fewer than five sentences are left (``empty`` when no line is), or they hold "lorem ipsum" or a curly
bracket. Wikipedia-style
citation marks (``[1]``, ``[edit]``) are taken out of kept lines, as in C4's reference code.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Annotated, ClassVar, Literal

from gristmill.document import Document
from gristmill.io.schema import FieldType
from gristmill.steps.by_language import PerLanguageOptions
from gristmill.steps.options import Help
from gristmill.steps.registry import register
from gristmill.text.tokens import count_sentences, remember_tokens, word_tokens

_CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
# The paper's end marks, with the typographic closing quotes; not », which on web pages ends "Read
# more »" links far more often than a French quotation (and opens a German one).
_END_PUNCTUATION = (".", "?", "!", '"', "'", "”", "’")
POLICY_PHRASES = (
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
)


@register("c4_quality")
class C4QualityFilter(PerLanguageOptions):
    """Remove the lines C4 removes and drop the documents C4 drops; the kept text is the kept lines."""

    datatrove_names: ClassVar[dict[str, str]] = {
        "filter_no_terminal_punct": "remove_no_terminal_punct",
        "min_num_sentences": "min_sentences",
        "filter_lorem_ipsum": "drop_lorem_ipsum",
        "filter_javascript": "remove_javascript_lines",
        "filter_curly_bracket": "drop_curly_bracket",
        "filter_policy": "remove_policy_lines",
    }

    min_sentences: Annotated[
        int, Help("fewest sentences left after line removal; paper: 5. 0 turns the rule off.", ge=0)
    ] = 5
    min_words_per_line: Annotated[
        int, Help("fewest whitespace-separated words a kept line has; paper: 3.", ge=0)
    ] = 3
    max_word_length: Annotated[
        int, Help("a line with a longer word goes; reference code: 1000. 0 turns it off.", ge=0)
    ] = 1000
    remove_no_terminal_punct: Annotated[
        bool, Help('remove lines that do not end in . ? ! " \' ” ’ (or end in "...").')
    ] = True
    remove_javascript_lines: Annotated[bool, Help("remove lines that mention javascript.")] = True
    remove_policy_lines: Annotated[
        bool, Help("remove lines about cookies, privacy policy or terms of use.")
    ] = True
    remove_citations: Annotated[bool, Help("take [1], [edit] and [citation needed] out of lines.")] = True
    drop_lorem_ipsum: Annotated[bool, Help('drop documents with "lorem ipsum".')] = True
    drop_curly_bracket: Annotated[bool, Help('drop documents with a curly bracket "{".')] = True

    signal_fields: ClassVar[dict[str, FieldType]] = {"c4_lines_removed": "int", "c4_sentences": "int"}

    def line_verdict(self, line: str) -> tuple[str, str]:
        """Judge one stripped line: ``("keep", text)``, ``("remove", rule)`` or ``("drop", rule)``."""
        words = line.split()
        # A word is no longer than its line: most lines need no look at each word's length.
        if (
            self.max_word_length
            and len(line) > self.max_word_length
            and max(map(len, words), default=0) > self.max_word_length
        ):
            return "remove", "too_long_word"
        if self.remove_citations and "[" in line:  # every citation mark starts with one
            line = _CITATION.sub("", line)
        if self.remove_no_terminal_punct and (not line.endswith(_END_PUNCTUATION) or line.endswith("...")):
            return "remove", "no_terminal_punct"
        if len(words) < self.min_words_per_line:
            return "remove", "too_few_words"
        lower = line.lower()
        if self.drop_lorem_ipsum and "lorem ipsum" in lower:
            return "drop", "lorem_ipsum"
        if self.remove_javascript_lines and "javascript" in lower:
            return "remove", "javascript"
        if self.drop_curly_bracket and "{" in line:
            return "drop", "curly_bracket"
        # Every policy phrase holds "cookie", "policy" or "terms of use": most lines need no more.
        if (
            self.remove_policy_lines
            and ("cookie" in lower or "policy" in lower or "terms of use" in lower)
            and any(p in lower for p in POLICY_PHRASES)
        ):
            return "remove", "policy"
        return "keep", line

    def keep(self, doc: Document) -> Literal[True] | str:
        """Drop the document for a document rule, else keep it with only its kept lines."""
        return self.judge(doc)[0]

    def judge(self, doc: Document) -> tuple[Literal[True] | str, Counter[str]]:
        """``keep``'s verdict, and how many non-blank lines each line rule removed (in ``stats.json``)."""
        kept: list[str] = []
        kept_tokens: list[list[str]] = []
        by_rule: Counter[str] = Counter()
        sentences = 0
        for raw in doc.text.splitlines():
            line = raw.strip()
            verdict, value = self.line_verdict(line)
            if verdict == "drop":
                doc.signals["c4_lines_removed"] = by_rule.total()
                return value, by_rule
            if verdict == "remove":
                if line:
                    by_rule[value] += 1
                continue
            kept.append(value)
            if self.min_sentences:
                found = word_tokens(value)
                sentences += count_sentences(found)
                kept_tokens.append(found)
        doc.signals["c4_lines_removed"] = by_rule.total()
        doc.signals["c4_sentences"] = sentences
        if sentences < self.min_sentences:
            return "too_few_sentences", by_rule
        text = "\n".join(kept).strip()
        if not text:  # every line went (min_sentences: 0 lets it through): no document is left to keep
            return "empty", by_rule
        doc.text = text
        if self.min_sentences:  # the kept text's tokens are its lines': the next steps reuse them
            remember_tokens(doc.text, kept_tokens)
        return True, by_rule

    def sentence_flags(self, doc: Document, sentences: list[str]) -> dict[int, list[str]]:
        """Flag sentences that sit on a line of ``doc.text`` that C4 removes, naming the line rule."""
        removed = []
        for raw in doc.text.splitlines():
            verdict, rule = self.line_verdict(raw.strip())
            if verdict != "keep":
                removed.append((raw, rule))
        flags: dict[int, list[str]] = {}
        for i, sentence in enumerate(sentences):
            for line, rule in removed:
                if sentence in line:
                    flags[i] = [f"c4_quality:{rule}"]
                    break
        return flags
