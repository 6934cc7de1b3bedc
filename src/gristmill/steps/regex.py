"""Drop (or keep only) documents that match a regular expression."""

from __future__ import annotations

from typing import Annotated, Literal

from gristmill.document import Document
from gristmill.steps.base import Filter
from gristmill.steps.options import Help
from gristmill.steps.registry import register
from gristmill.text.patterns import PatternError, UserPattern


@register("regex_filter")
class RegexFilter(Filter):
    """Drop documents matching ``pattern``, or with ``action: keep`` drop those that do not.

    The pattern runs on RE2, in time linear in the text whatever the pattern, so no pattern can stall
    a worker; RE2 has no lookaround or backreference, and its word, digit and boundary classes are
    ASCII (see ``gristmill.text.patterns``).
    """

    pattern: Annotated[
        str, Help("a regular expression (RE2 syntax, close to Python's) searched in the text.", min_length=1)
    ]
    action: Annotated[
        Literal["drop", "keep"],
        Help("drop (drop matching documents) or keep (keep only matching documents)."),
    ] = "drop"
    ignore_case: Annotated[bool, Help("match without regard to case.")] = False
    reason: Annotated[
        str,
        Help(
            "the name of the rule in the drop reason (``regex_filter:<reason>``), without ':'.",
            min_length=1,
            pattern="^[^:]*$",
        ),
    ] = "pattern"

    def setup(self) -> None:
        try:
            self._regex = UserPattern(self.pattern, ignore_case=self.ignore_case)
        except PatternError as exc:
            raise self.fail("pattern", str(exc)) from exc

    def keep(self, doc: Document) -> Literal[True] | str:
        """Keep or drop by whether the pattern is found."""
        found = self._regex.search(doc.text)
        if found == (self.action == "keep"):
            return True
        return self.reason if self.action == "drop" else f"no_{self.reason}"

    def sentence_flags(self, doc: Document, sentences: list[str]) -> dict[int, list[str]]:
        """Flag the sentences the pattern matches."""
        flag = f"{self.name}:{self.reason}"
        return {i: [flag] for i, s in enumerate(sentences) if self._regex.search(s)}
