"""A labelled set for the PII finders: true personal data of every kind, and look-alikes that are not.

Built from templates and seeded random values, so the set is the same on every run. Each case is a
text and the ``(start, end, kind)`` spans of personal data in it (none for look-alikes). Used by
``tests/steps/test_pii.py`` (which holds the goal) and ``benchmarks/pii_quality.py`` (which prints it).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from gristmill.text.pii import PII_KINDS, find_pii


@dataclass(frozen=True)
class Case:
    """One labelled text."""

    text: str
    spans: tuple[tuple[int, int, str], ...]


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
    for check in "0123456789":
        digits = body + check
        total = 0
        for i, ch in enumerate(reversed(digits)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable")


def _group(digits: str, sizes: list[int], sep: str) -> str:
    out, i = [], 0
    for size in sizes:
        out.append(digits[i : i + size])
        i += size
    return sep.join(out)


FIRST = ["jane", "john", "maria", "li", "ahmed", "olga", "pierre", "sam", "noor", "kenji"]
LAST = ["doe", "smith", "garcia", "wang", "khan", "ivanova", "martin", "lee", "ali", "tanaka"]
DOMAINS = ["example.com", "mail.example.org", "uni-example.ac.uk", "example.de", "corp.example.co.jp"]
STREETS = ["Magazine", "Baker", "Oak", "Maple", "Elm", "High", "Church", "Market", "Pine", "Cedar"]
US_TYPES = ["Street", "Avenue", "Road", "Boulevard", "Lane", "Drive", "St.", "Ave", "Blvd"]
UK_TYPES = ["Street", "Road", "Lane", "Close", "Crescent", "Gardens", "Way", "Terrace"]
CITIES_US = [
    ("New Orleans", "LA", "70130"),
    ("Austin", "TX", "78701"),
    ("Portland", "OR", "97205"),
    ("Boston", "MA", "02108"),
    ("Denver", "CO", "80202"),
]
CITIES_UK = [
    ("London", "NW1 6XE"),
    ("Manchester", "M1 1AE"),
    ("Leeds", "LS1 4DY"),
    ("Bristol", "BS1 5TR"),
    ("London", "SW1A 2AA"),
]

TEMPLATES = [
    "For questions, contact {} before Friday.",
    "The form lists {} as the only contact.",
    "She wrote that {} was the right one, then left.",
    "Details: {}",
    "{} is what the old brochure printed.",
]


def _emails(rng: random.Random) -> list[str]:
    out = []
    for _ in range(40):
        first, last, domain = rng.choice(FIRST), rng.choice(LAST), rng.choice(DOMAINS)
        form = rng.randrange(4)
        local = [
            f"{first}.{last}",
            f"{first}{rng.randrange(100)}",
            f"{first[0]}{last}+news",
            f"{first}_{last}",
        ][form]
        out.append(f"{local}@{domain}")
    return out


def _phones(rng: random.Random) -> list[str]:
    def d(n: int) -> str:
        return "".join(str(rng.randrange(10)) for _ in range(n))

    out = []
    for _ in range(8):
        area, mid, end = f"{rng.randrange(2, 10)}{d(2)}", f"{rng.randrange(2, 10)}{d(2)}", d(4)
        out += [
            f"({area}) {mid}-{end}",
            f"{area}-{mid}-{end}",
            f"+1 {area} {mid} {end}",
            f"{area}.{mid}.{end}",
        ]
        out += [
            f"+44 20 {d(4)} {d(4)}",
            f"020 {d(4)} {d(4)}",
            f"+49 30 {d(7)}",
            f"+33 1 {d(2)} {d(2)} {d(2)} {d(2)}",
            f"+91 9{d(4)} {d(5)}",
            f"+81 3-{d(4)}-{d(4)}",
        ]
    return out


def _ips(rng: random.Random) -> list[str]:
    out = []
    for _ in range(25):
        out.append(".".join(str(rng.randrange(1, 255)) for _ in range(4)))
    for _ in range(15):
        groups = [f"{rng.randrange(0x10000):x}" for _ in range(8)]
        out.append(":".join(groups))
        out.append(f"2001:db8::{groups[0]}:{groups[1]}")
    return out


def _cards(rng: random.Random) -> list[str]:
    out = []
    for _ in range(10):
        visa = _luhn_complete("4", 16, rng)
        mc = _luhn_complete(rng.choice(["51", "53", "55", "2221"]), 16, rng)
        amex = _luhn_complete(rng.choice(["34", "37"]), 15, rng)
        disc = _luhn_complete("6011", 16, rng)
        out += [
            _group(visa, [4, 4, 4, 4], " "),
            _group(mc, [4, 4, 4, 4], "-"),
            visa,
            _group(amex, [4, 6, 5], " "),
            disc,
        ]
    return out


def _addresses(rng: random.Random) -> list[str]:
    out = []
    for _ in range(12):
        num = rng.randrange(1, 9999)
        street = rng.choice(STREETS)
        city, state, zipcode = rng.choice(CITIES_US)
        out.append(f"{num} {street} {rng.choice(US_TYPES)}, {city}, {state} {zipcode}")
        out.append(f"{num} {street} {rng.choice(US_TYPES)}")
        ukcity, postcode = rng.choice(CITIES_UK)
        out.append(f"{rng.randrange(1, 300)} {street} {rng.choice(UK_TYPES)}, {ukcity} {postcode}")
        out.append(f"{rng.randrange(1, 300)}B {street} {rng.choice(UK_TYPES)}, {ukcity}, {postcode}")
    out.append("945 Magazine Street, New Orleans, LA 70130")
    return out


LOOKALIKES = [
    "Update to version 1.2.3.4 before installing version 10.0.19041.1 of the driver.",
    "The release v2.10.4 fixed it, as section 3.14.15.9 of the manual says.",
    "It happened on 2023-04-05, or 05/04/2023 in British notation, at 12:30:45.",
    "The meeting is at 14:00:00 on 12.03.2021.",
    "See ISBN 978-3-16-148410-0 and ISBN 0-306-40615-2 for the two editions.",
    "ISBN-13: 9780306406157 is the reprint.",
    "The price was $1,299.99, down from €2.499,00 and £1 299.",
    "Order #212-555-0134 shipped; invoice no. 4532 8876 1234 5678 follows.",
    "Your order number: 100-2345-678 and tracking 1Z999AA10123456784.",
    "Ref: 0207946095 is the case file.",
    "In 1929 Wall Street crashed and in 2008 Main Street suffered.",
    "The population grew from 1,234,567 to 2,345,678 in ten years.",
    "Coordinates 40.7128, -74.0060 mark the city hall.",
    "Read pages 123-456 and chapter 12.4.1 before the exam.",
    "The serial 4111 1111 1111 1112 fails the checksum.",
    "SKU 5500 0000 0000 0001 is a shelf code.",
    "Scores were 98.6, 101.3 and 99.9 on three runs.",
    "Use the ratio 16:9 or 4:3 for the screen; the clock read 10:45.",
    "Tickets cost 25 dollars and the hall seats 1200 people.",
    "The 3 Musketeers Street Band played 4 songs.",
    "Call me at noon; the number is on the card.",
    "The UUID 123e4567-e89b-12d3-a456-426614174000 names the record.",
    "Hash a3f5:9c21 and MAC-like 00:1A:2B are not IPv6 addresses.",
    "Item 1000000000000 and part 1234567890123 are stocked.",
    "He scored 2-1 in the final on 21/06/2019.",
    "The budget reached 1.234.567,89 euros in 2020.",
    "The model XJ-2200-4500 ships in March.",
    "Flight 1600 leaves at 16:00 from gate 12.",
    "Temperatures of -40.0 and +38.5 degrees were recorded.",
    "Room 221 on the 4th floor, building 7.",
]


def build_cases(seed: int = 4) -> list[Case]:
    """Return the labelled cases: every true value in a few sentence templates, then the look-alikes."""
    rng = random.Random(seed)
    cases = []
    for kind, values in (
        ("email", _emails(rng)),
        ("phone", _phones(rng)),
        ("ip", _ips(rng)),
        ("card", _cards(rng)),
        ("address", _addresses(rng)),
    ):
        for value in values:
            template = rng.choice(TEMPLATES)
            start = template.index("{}")
            text = template.format(value)
            cases.append(Case(text, ((start, start + len(value), kind),)))
    cases += [Case(text, ()) for text in LOOKALIKES]
    return cases


Finder = Callable[[str], list[tuple[int, int, str]]]


def gristmill_finder(text: str) -> list[tuple[int, int, str]]:
    """gristmill's finders, as ``(start, end, kind)``."""
    return [(m.start, m.end, m.kind) for m in find_pii(text)]


def score(
    cases: list[Case], finder: Finder = gristmill_finder, kinds: tuple[str, ...] = PII_KINDS
) -> dict[str, dict[str, float]]:
    """Return precision, recall and counts per kind; a find counts when it overlaps a span of its kind."""
    tp = dict.fromkeys(kinds, 0)
    fp = dict.fromkeys(kinds, 0)
    found_gold = dict.fromkeys(kinds, 0)
    gold = dict.fromkeys(kinds, 0)
    for case in cases:
        matches = [m for m in finder(case.text) if m[2] in kinds]
        for start, end, kind in case.spans:
            if kind not in kinds:
                continue
            gold[kind] += 1
            if any(m_kind == kind and m_start < end and start < m_end for m_start, m_end, m_kind in matches):
                found_gold[kind] += 1
        for m_start, m_end, m_kind in matches:
            if any(kind == m_kind and m_start < end and start < m_end for start, end, kind in case.spans):
                tp[m_kind] += 1
            else:
                fp[m_kind] += 1
    return {
        kind: {
            "precision": tp[kind] / (tp[kind] + fp[kind]) if tp[kind] + fp[kind] else 1.0,
            "recall": found_gold[kind] / gold[kind] if gold[kind] else 1.0,
            "true": gold[kind],
            "false_positives": fp[kind],
        }
        for kind in kinds
    }
