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
    stripped = sentence.strip()
    if not stripped or len(stripped) > 300:
        return None
    for name, pattern in FURNITURE_RULES:
        if pattern.search(stripped):
            return name
    return None


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
    strict = furniture_rule(sentence)
    if strict is not None:
        return strict
    if len(sentence) > LOOSE_MAX_CHARS:
        return None
    lower = sentence.lower()
    for kind, pattern in _LOOSE_RULES:
        if _could_match(kind, sentence, lower) and pattern.search(sentence):
            return kind
    could_be_seam = "more" in sentence or "…" in sentence or "..." in sentence
    return "seam" if could_be_seam and _SEAM.search(sentence) else None


_DIGIT_OR_AT = re.compile(r"[\d@]")


def _could_match(kind: str, sentence: str, lower: str) -> bool:
    """A cheap test that rules out a loose rule's pattern (each needs one of these strings)."""
    if kind == "copyright":
        return "©" in sentence or "(c)" in lower or "copyright" in lower or "all rights reserved" in lower
    if kind == "address":
        return _DIGIT_OR_AT.search(sentence) is not None
    return True
