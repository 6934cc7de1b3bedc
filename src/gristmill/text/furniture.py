"""Page furniture: the lines a site puts on every page (copyright, sign-up, sharing, addresses).

Two questions, one set of rules. :func:`furniture_rule` is strict: a whole sentence that is furniture,
safe to remove (``boilerplate_lines`` uses it). :func:`furniture_kind` is broad: a sentence that is not
prose a topic model should weigh (``salad`` uses it); it adds looser cues, such as a contact line, a
copyright mention inside a sentence or a scrape seam where two items ran together, to the strict
rules. Neither calls a sentence of real prose furniture; a seam holds pieces of prose, but run
together they make no sentence of any source.
"""

from __future__ import annotations

import re

_SOCIAL = (
    r"(?:facebook|twitter|x|linkedin|pinterest|instagram|youtube|tiktok|reddit|whatsapp|telegram"
    r"|e-?mail|print|share|tweet|flipboard|tumblr|copy link)"
)
# Each rule: (name, pattern matched against one sentence, case-insensitive).
FURNITURE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        (
            "copyright",
            r"^(?:copyright\s*)?(?:©|\(c\)|&copy;|copyright\b)\s*(?:\d{4}(?:\s*[-–]\s*\d{2,4})?)?[^.!?]{0,120}"
            r"(?:[.!]|all rights reserved\.?)?$"
            r"|all rights reserved\.?$",
        ),
        (
            "newsletter",
            r"^(?:sign up|signup|subscribe|join|register|get)\b[^.!?]{0,120}"
            r"\b(?:newsletter|inbox|e-?mail updates|mailing list|our emails?)\b[^.!?]{0,60}[.!]?$"
            r"|^(?:sign up|subscribe)(?: now| today| here)?[.!:]?$",
        ),
        (
            "cookie",
            r"\b(?:(?:this|our) (?:web)?site uses cookies|we use cookies|uses? of cookies"
            r"|accept (?:all )?cookies|cookie (?:policy|settings|preferences|consent))\b",
        ),
        (
            "share",
            rf"^(?:share (?:this|on|via)\b[^.!?]{{0,60}}|follow us\b[^.!?]{{0,60}}"
            rf"|like us on \w+[^.!?]{{0,40}}"
            rf"|(?:{_SOCIAL}[\s|,·•/:]*){{2,}})[.!:]?$",
        ),
        (
            "read_more",
            r"^(?:read more|continue reading|read the full (?:story|article)|click here to read|see more"
            r"|view more|load more|show more|read on)\b[^.!?]{0,60}[.!:»›→…]*$",
        ),
        ("breadcrumb", r"^(?:[^›»>\n]{1,40}\s[›»>]\s){2,}[^›»>\n]{1,80}$|^home\s*[›»>/]\s*[^.!?]{1,80}$"),
        (
            "label",
            r"^(?:related (?:articles|posts|stories|content)|you (?:may|might) also like"
            r"|recommended(?: for you)?|advertisement|sponsored(?: content)?|skip to (?:main )?content"
            r"|back to top|leave a (?:comment|reply)|\d+ comments?|comments?|tags?:.*|categories?:.*"
            r"|filed under:?.*|more stories|trending(?: now)?|(?:user|site|page) tools)$",
        ),
    )
)


def furniture_rule(sentence: str) -> str | None:
    """Return the name of the furniture rule ``sentence`` matches, or ``None`` for content."""
    return _strict_rule(sentence, _lowered(sentence))


def _strict_rule(sentence: str, lower: str | None) -> str | None:
    stripped = sentence.strip()
    if not stripped or len(stripped) > 300:
        return None
    for name, pattern in FURNITURE_RULES:
        if _may_hold(_STRICT_NEEDS.get(name), lower) and pattern.search(stripped):
            return name
    return None


# Words (lower case) one of which a rule's pattern needs: a sentence holding none of them is not searched.
# The unanchored patterns scan every position of every sentence, and most sentences hold none.
_STRICT_NEEDS = {
    "copyright": ("©", "(c)", "&copy;", "copyright", "all rights reserved"),
    "cookie": ("cookie",),
}
_LOOSE_NEEDS = {
    "copyright": ("©", "(c)", "copyright", "all rights reserved"),
    "notice": ("cookie", "privacy policy", "terms of ", "your inbox"),
}
# re.IGNORECASE folds these to the i and s of those words; str.lower() does not.
_FOLDED_OTHERWISE = ("ı", "İ", "ſ")


def _lowered(sentence: str) -> str | None:
    """``sentence`` in lower case for the tests of needed words; None where they cannot be told so."""
    if not sentence.isascii() and any(c in sentence for c in _FOLDED_OTHERWISE):
        return None
    return sentence.lower()


def _may_hold(needs: tuple[str, ...] | None, lower: str | None) -> bool:
    return needs is None or lower is None or any(word in lower for word in needs)


_LOOSE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
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


# A scrape seam: a teaser cut short, its "more" link, and the next item run on in one sentence
# ("…three weeks after the disastrous Battle of more, Francis Salvador, the first…"). A preposition
# or article left hanging before "more", then a new capitalised start that is not a speaker ("…room
# for more, Mayor Jones said" is prose). No sentence of 36,602 in 697 dolma web pages, of 6,871 in
# the news gold texts or of 12,902 in WikiText matches.
_SPEAKER = r"(?:[A-Z][\w.'’-]*\s+){1,4}(?:said|says|told|added|wrote|asked|explained)\b"
_SEAM = re.compile(
    r"\b(?:of|the|a|an|at|from|into|with|about)\s+(?:read\s+)?more\s*[,;:]\s+(?!" + _SPEAKER + r")[A-Z][a-z]"
    r"|(?:…|\.\.\.|\[…\]|\[\.\.\.\])\s*(?:[Rr]ead [Mm]ore|[Cc]ontinue [Rr]eading|[Rr]ead [Oo]n)\b"
    r"\s*[»›>]*\s+[A-Z]"
)


# A "sentence" this long is a run of list items or text without stops, not a line of furniture; the
# loose patterns backtrack for up to a second on such runs (a 5,000-character one in the dolma sample).
LOOSE_MAX_CHARS = 600


def furniture_kind(sentence: str) -> str | None:
    """Return the kind of furniture ``sentence`` is (``"copyright"``, ``"address"``, …), or ``None``."""
    lower = _lowered(sentence)
    strict = _strict_rule(sentence, lower)
    if strict is not None:
        return strict
    if len(sentence) > LOOSE_MAX_CHARS:
        return None
    for kind, pattern in _LOOSE_RULES:
        if kind == "address":
            if _DIGIT_OR_AT.search(sentence) is None:  # each of its patterns needs a digit or an @
                continue
        elif not _may_hold(_LOOSE_NEEDS.get(kind), lower):
            continue
        if pattern.search(sentence):
            return kind
    could_be_seam = "more" in sentence or "…" in sentence or "..." in sentence
    return "seam" if could_be_seam and _SEAM.search(sentence) else None


_DIGIT_OR_AT = re.compile(r"[\d@]")
