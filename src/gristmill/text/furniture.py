"""Page furniture: the lines a site puts on every page (copyright, sign-up, sharing, addresses).

:func:`furniture_kind` names the kind of furniture a sentence is, or returns ``None`` for prose.
The rules are deliberately narrow: a sentence of real prose must never be called furniture.
"""

from __future__ import annotations

import re

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("copyright", re.compile(r"(©|\(c\)\s*\d{4}|copyright\s+(©\s*)?\d{4}|all rights reserved)", re.I)),
    (
        "call_to_action",
        re.compile(
            r"^\W*(sign up|subscribe|click here|read more|continue reading(?=\s*($|[^\w\s]))|"
            r"share (this|on)|follow us|"
            r"log ?in|register|download (the|our)|join (our|us)|get (the|our) (latest|newsletter)|"
            r"leave a (comment|reply)|related (posts|articles|stories)|advertisement|skip to)\b",
            re.I,
        ),
    ),
    (
        "notice",
        re.compile(
            r"\b(we use cookies|this (web)?site uses cookies|privacy policy|terms of (use|service)|"
            r"cookie policy|accept (all )?cookies|straight (from|to) your inbox)\b",
            re.I,
        ),
    ),
    (
        "address",
        re.compile(
            r"\d{1,5}\s+(\w+\s){0,3}(?i:street|st\.?|avenue|ave\.?|road|rd\.?|boulevard|blvd\.?|lane|suite)\b"
            r".{0,60}\b[A-Z]{2}\s+\d{5}\b|"
            r"(\+?\d[\d\s().-]{8,}\d)\s*$|\b[\w.+-]+@[\w-]+\.[\w.]+\b",
        ),
    ),
)


def furniture_kind(sentence: str) -> str | None:
    """Return the kind of furniture ``sentence`` is (``"copyright"``, ``"address"``, …), or ``None``."""
    for kind, pattern in _RULES:
        if pattern.search(sentence):
            return kind
    return None
