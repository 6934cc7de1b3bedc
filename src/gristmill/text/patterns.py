r"""Regular expressions a user writes in a pipeline, run by RE2 so that no pattern can stall a worker.

Python's ``re`` backtracks: ``(a+)+$`` over a long run of ``a`` followed by ``b`` takes time
exponential in the run. RE2 (``google-re2``) takes time linear in the text for every pattern it
accepts; the price is that it has no lookaround (``(?=``, ``(?<!``) and no backreference (``\1``),
and that ``\w``, ``\d``, ``\b`` and ``\s`` mean their ASCII classes (``\pL``, ``\pN`` and
``[[:alpha:]]`` reach further). A pattern RE2 cannot run is refused when the step is built.
"""

from __future__ import annotations

from typing import Any

import re2


class PatternError(ValueError):
    """A user pattern that RE2 cannot compile; the message says why and what RE2 lacks."""


class UserPattern:
    """A user's regular expression, compiled by RE2; it answers whether it occurs in a text."""

    def __init__(self, pattern: str, *, ignore_case: bool = False) -> None:
        options = re2.Options()
        options.log_errors = False  # RE2 would also print the error on stderr
        options.case_sensitive = not ignore_case
        try:
            self._regex = re2.compile(pattern, options)
        except re2.error as exc:
            reason = (
                exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else exc
            )
            raise PatternError(
                f"not a valid regular expression for RE2, the linear-time engine user patterns run on: "
                f"{reason} (RE2 has no lookaround or backreference)"
            ) from exc
        self.pattern = pattern
        self.ignore_case = ignore_case

    def search(self, text: str) -> bool:
        """Whether the pattern occurs anywhere in ``text``."""
        return self._regex.search(text) is not None

    def match(self, text: str) -> bool:
        """Whether the pattern occurs at the start of ``text``."""
        return self._regex.match(text) is not None

    def __reduce__(self) -> tuple[Any, ...]:
        # A compiled RE2 object does not pickle; worker processes compile the pattern again.
        return (_rebuild, (self.pattern, self.ignore_case))


def _rebuild(pattern: str, ignore_case: bool) -> UserPattern:
    return UserPattern(pattern, ignore_case=ignore_case)
