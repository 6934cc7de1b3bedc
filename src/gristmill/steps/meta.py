"""Keep documents whose metadata field matches a value, a list of values or a pattern."""

from __future__ import annotations

from typing import Annotated, Literal

from gristmill.document import Document
from gristmill.steps.base import Filter
from gristmill.steps.options import Help
from gristmill.steps.registry import register
from gristmill.text.patterns import PatternError, UserPattern

Scalar = str | int | float | bool


@register("meta_filter")
class MetaFilter(Filter):
    """Keep documents where ``meta[field]`` equals one of ``values`` or matches ``pattern``."""

    field: Annotated[
        str,
        Help(
            "the meta field to test; dots reach into nested objects (``warc.status``). A run says in one"
            " line when no document has it (its first part, for a dotted one).",
            min_length=1,
        ),
    ]
    values: Annotated[list[Scalar], Help("the values kept (any one of them).", min_length=1)] | None = None
    pattern: Annotated[
        str | None,
        Help(
            "a regular expression the field's text must match from its start; it runs on RE2"
            " (time linear in the text; no lookaround or backreference), like regex_filter's."
        ),
    ] = None
    missing: Annotated[Literal["keep", "drop"], Help("keep or drop documents that lack the field.")] = "drop"

    def meta_keys_named(self) -> dict[str, str]:
        """``field``'s first part: the top-level meta key a dotted path reaches into."""
        return {"field": self.field.split(".", 1)[0]}

    def setup(self) -> None:
        if (self.values is None) == (self.pattern is None):
            raise self.fail("values", "give exactly one of `values` or `pattern`")
        self._regex = None
        if self.pattern is not None:
            try:
                self._regex = UserPattern(self.pattern)
            except PatternError as exc:
                raise self.fail("pattern", str(exc)) from exc
        self._path = self.field.split(".")
        self._allowed = set(self.values) if self.values is not None else set()

    def _lookup(self, doc: Document) -> tuple[bool, object]:
        value: object = doc.meta
        for part in self._path:
            if not isinstance(value, dict) or part not in value:
                return False, None
            value = value[part]
        return True, value

    def keep(self, doc: Document) -> Literal[True] | str:
        """Keep documents whose field matches."""
        present, value = self._lookup(doc)
        if not present:
            return True if self.missing == "keep" else "missing"
        if self._regex is not None:
            return True if self._regex.match(str(value)) else "no_match"
        return True if _hashable(value) and value in self._allowed else "no_match"


def _hashable(value: object) -> bool:
    return isinstance(value, str | int | float | bool)
