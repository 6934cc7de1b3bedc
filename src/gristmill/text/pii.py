"""Finding personal data in text: e-mail addresses, phone numbers, IP addresses, cards, street addresses.

Each finder is a pattern plus checks that turn away look-alikes: card numbers must pass the Luhn
check and start like a real card; an IPv4 address must not sit inside a longer dotted number (a
version); a phone number must hold 7 to 15 digits and not follow "ISBN", "order" or "invoice"; an
IPv6 address must parse. No find crosses a line break. :func:`find_pii` returns non-overlapping
matches, earliest first.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from dataclasses import dataclass
from typing import Literal

PiiKind = Literal["email", "phone", "ip", "card", "address"]
PII_KINDS: tuple[PiiKind, ...] = ("email", "phone", "ip", "card", "address")
PLACEHOLDERS: dict[str, str] = {
    "email": "<EMAIL>",
    "phone": "<PHONE>",
    "ip": "<IP>",
    "card": "<CARD>",
    "address": "<ADDRESS>",
}


@dataclass(frozen=True, slots=True)
class PiiMatch:
    """One piece of personal data: where it is, what kind, and the text."""

    start: int
    end: int
    kind: PiiKind
    text: str


_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,24}(?![\w-])"
)
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?![\w]|\.\d)")
_IPV6 = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{0,4}|\d{1,3}(?:\.\d{1,3}){3})(?![\w:])"
)
_CARD = re.compile(r"(?<![\w.,-])(?:(?:\d{4}[ -]?){3}\d{1,7}|\d{4}[ -]?\d{6}[ -]?\d{5})(?![\w]|[.,-]\d)")
_PHONE = re.compile(
    r"(?<![\w+/.-])(?<!\d[ -])(?:"
    r"\+\d{1,3}[ .-]?(?:\(0?\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}"  # +44 20 7946 0958
    r"|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}"  # (212) 555-0134
    r"|\d{3}[.-]\d{3}[.-]\d{4}"  # 212-555-0134
    r"|\d{3} \d{3} \d{4}"  # 212 555 0134
    r"|0\d{2,4}[ -]\d{3,4}[ -]?\d{3,4}"  # 020 7946 0958, 030 1234567
    r"|0\d{9,10}"  # 02079460958
    r")(?![\w]|[.,/-]\d)"
)
_NOT_PHONE_BEFORE = re.compile(
    r"(?:isbn(?:-1[03])?|issn|order|invoice|ref(?:erence)?|tracking|account|item|sku|part|model|serial|"
    r"no\.?|number|#|id)\s*[:#]?\s*(?:no\.?\s*|number\s*)?[:#]?\s*$",
    re.IGNORECASE,
)
_STREET_TYPES = (
    "Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Way|Terrace|Ter|"
    "Parkway|Pkwy|Highway|Hwy|Circle|Cir|Square|Sq|Close|Crescent|Cres|Gardens|Grove|Mews|Row|Walk|Hill|"
    "Park|Plaza|Trail|Pike|Alley"
)
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|"
    "NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR"
)
# Space within a line: a street address is written on one line, so no part of it crosses a line break
# (the characters str.splitlines breaks at); "Out 0\n\nMinnesota Supreme Court" is two paragraphs.
_SPACE = r"[^\S\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]"
_UK_POSTCODE = rf"[A-Z]{{1,2}}\d[A-Z\d]?{_SPACE}*\d[A-Z]{{2}}"
_PLACE = rf"[A-Z][a-zA-Z'.-]{{2,}}(?:{_SPACE}[A-Z][a-zA-Z'.-]+){{0,3}}"
_ADDRESS = re.compile(
    rf"(?<![\w,.])(?P<number>\d{{1,5}}[A-Za-z]?(?:-\d{{1,5}})?){_SPACE}+"
    rf"(?:[NSEW]\.?{_SPACE}+|(?:North|South|East|West){_SPACE}+)?"
    rf"(?:[A-Z][a-zA-Z'.-]*{_SPACE}+|\d{{1,3}}(?:st|nd|rd|th){_SPACE}+){{1,4}}"
    rf"(?:{_STREET_TYPES})\b\.?(?:{_SPACE}+(?:NW|NE|SW|SE)\b)?"
    rf"(?:,?{_SPACE}+(?:Suite|Ste\.?|Apt\.?|Unit|Floor|Fl\.?|#){_SPACE}*[\w-]+)?"
    rf"(?P<tail>"
    # , New Orleans, LA 70130
    rf"(?:,{_SPACE}*{_PLACE})?,{_SPACE}*(?:{_US_STATES})\.?{_SPACE}+\d{{5}}(?:-\d{{4}})?"
    rf"|(?:,{_SPACE}*{_PLACE}){{0,2}},?{_SPACE}+{_UK_POSTCODE}"  # , London NW1 6XE
    rf"|,{_SPACE}*{_PLACE}(?=[.;\n]|$)"  # , Springfield.
    rf")?(?![\w])"
)
_YEAR_BEFORE = re.compile(r"\b(?:in|since|by|of|from|until|till|before|after|during|around|circa)\s+$", re.I)
_NAME_AFTER = re.compile(rf"{_SPACE}+[A-Z][a-z]")
_NOT_IP_BEFORE = re.compile(r"\b(?:version|ver\.?|v|release|build|section|chapter|rule|step|§)\s*$", re.I)

_CARD_PREFIX = re.compile(
    r"4|5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720)|3[47]|6(?:011|5|4[4-9]|2)|3(?:5|6|8|0[0-5])"
)


def luhn_ok(digits: str) -> bool:
    """Whether a digit string passes the Luhn checksum that card numbers carry."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _cards(text: str) -> list[PiiMatch]:
    out = []
    for m in _CARD.finditer(text):
        raw = m.group()
        digits = re.sub(r"[ -]", "", raw)
        if not 13 <= len(digits) <= 19 or not _CARD_PREFIX.match(digits) or not luhn_ok(digits):
            continue
        groups = re.split(r"[ -]", raw)
        if len(groups) > 1 and len({sep for sep in raw if sep in " -"}) > 1:
            continue
        out.append(PiiMatch(m.start(), m.end(), "card", raw))
    return out


def _phones(text: str) -> list[PiiMatch]:
    out = []
    for m in _PHONE.finditer(text):
        raw = m.group()
        digits = sum(ch.isdigit() for ch in raw)
        if not 7 <= digits <= 15:
            continue
        if _NOT_PHONE_BEFORE.search(text, max(0, m.start() - 30), m.start()):
            continue
        out.append(PiiMatch(m.start(), m.end(), "phone", raw))
    return out


def _ipv6(text: str) -> list[PiiMatch]:
    out = []
    for m in _IPV6.finditer(text):
        raw = m.group()
        if raw.count(":") < 3 and "::" not in raw:
            continue
        if len([group for group in raw.split(":") if group]) < 2:
            continue
        try:
            ipaddress.IPv6Address(raw)
        except ValueError:
            continue
        out.append(PiiMatch(m.start(), m.end(), "ip", raw))
    return out


def _addresses(text: str) -> list[PiiMatch]:
    out = []
    for m in _ADDRESS.finditer(text):
        if not m.group("tail"):
            if _YEAR_BEFORE.search(text, max(0, m.start() - 12), m.start()):
                continue  # "in 1929 Wall Street crashed": a year, not a house number
            if _NAME_AFTER.match(text, m.end()):
                # "the 3 Musketeers Street Band": a name going on, not an address. A capital on the next
                # line goes on nothing: "77 Wells Street\nLondon, W1T 3QJ" is an address over two lines.
                continue
        out.append(PiiMatch(m.start(), m.end(), "address", m.group()))
    return out


def find_pii(text: str, kinds: tuple[PiiKind, ...] | list[PiiKind] = PII_KINDS) -> list[PiiMatch]:
    """Return the personal data of the given ``kinds`` in ``text``, earliest first, none overlapping.

    Where two finds overlap, the longer wins (an address holding a number that looks like a phone).
    """
    found: list[PiiMatch] = []
    if "email" in kinds:
        found += [PiiMatch(m.start(), m.end(), "email", m.group()) for m in _EMAIL.finditer(text)]
    if "ip" in kinds:
        found += [
            PiiMatch(m.start(), m.end(), "ip", m.group())
            for m in _IPV4.finditer(text)
            if not _NOT_IP_BEFORE.search(text, max(0, m.start() - 12), m.start())
        ]
        found += _ipv6(text)
    if "card" in kinds:
        found += _cards(text)
    if "address" in kinds:
        found += _addresses(text)
    if "phone" in kinds:
        found += _phones(text)
    found.sort(key=lambda m: (m.start, -(m.end - m.start)))
    return _without_overlaps(sorted(found, key=lambda m: -(m.end - m.start)))


def _without_overlaps(matches: list[PiiMatch]) -> list[PiiMatch]:
    """Keep each match, in the order given, that overlaps none kept before it; return them by start.

    The kept matches never overlap, so sorted by start their ends are sorted too, and one bisection
    finds the only neighbours a new match could touch (a scan over all kept ones was quadratic).
    """
    starts: list[int] = []
    kept: list[PiiMatch] = []
    for match in matches:
        at = bisect.bisect_right(starts, match.start)
        if at and kept[at - 1].end > match.start:
            continue
        if at < len(kept) and kept[at].start < match.end:
            continue
        starts.insert(at, match.start)
        kept.insert(at, match)
    return kept


def redact(text: str, matches: list[PiiMatch]) -> str:
    """Return ``text`` with each match replaced by its kind's placeholder (``<EMAIL>``, ...)."""
    pieces = []
    cut = 0
    for match in matches:
        pieces.append(text[cut : match.start])
        pieces.append(PLACEHOLDERS[match.kind])
        cut = match.end
    pieces.append(text[cut:])
    return "".join(pieces)
