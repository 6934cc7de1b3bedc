"""Writing style of a sentence, apart from its topic: grammatical person, tense, typography.

Pages stitched from several sources mix styles (a first-person blog post, an encyclopedia's past
tense, another site's curly quotes); one author keeps one style even across topics.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from gristmill.text.words import words

_CLASSES: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in (
        "i me my mine myself",
        "we us our ours ourselves",
        "you your yours yourself yourselves",
        "he him his himself",
        "she her hers herself",
        "they them their theirs themselves",
        "was were had did",
        "is are has have does do am",
        "will would can could should shall may might must",
    )
)
# Contractions stand for the words they shorten: "you’ll" is "you" and "will", "won’t" is "will".
_SUFFIXES = {"ll": "will", "re": "are", "ve": "have", "d": "would", "m": "am"}  # not "s": a possessive
_NEGATED = {"ca": "can", "wo": "will", "sha": "shall"}
_MARKS = (
    re.compile(r"\w’\w"),  # curly apostrophe
    re.compile(r"\w'\w"),  # straight apostrophe
    re.compile(r"[“”]"),
    re.compile(r"\""),
    re.compile(r"—"),
    re.compile(r"\s[–-]\s"),
    re.compile(r"\d"),
    re.compile(r"\("),
)
# What each place of a style vector says, in order.
STYLE_NAMES = (
    "i",
    "we",
    "you",
    "he",
    "she",
    "they",
    "past",
    "present",
    "modal",
    "curly_apostrophe",
    "straight_apostrophe",
    "curly_quotes",
    "straight_quotes",
    "em_dash",
    "spaced_dash",
    "digits",
    "brackets",
)
FEATURES = len(STYLE_NAMES)


def style_vector(sentence: str) -> np.ndarray:
    """Return 0/1 indicators: which grammatical persons, tenses and typographic marks a sentence uses."""
    found: set[str] = set()
    for word in words(sentence.replace("’", "'")):
        lower = word.lower()
        if lower.endswith("n't"):
            stem = lower[:-3]
            found.add(_NEGATED.get(stem, stem))
        elif "'" in lower:
            stem, _, suffix = lower.partition("'")
            found.update((stem, _SUFFIXES.get(suffix, "")))
        else:
            found.add(lower)
    person = [float(not found.isdisjoint(group)) for group in _CLASSES]
    marks = [float(bool(pattern.search(sentence))) for pattern in _MARKS]
    return np.array(person + marks)


def style_matrix(sentences: Sequence[str]) -> np.ndarray:
    """Return a sentences × style-features matrix of :func:`style_vector` rows."""
    if not sentences:
        return np.zeros((0, FEATURES))
    return np.vstack([style_vector(s) for s in sentences])


def between_group_share(styles: np.ndarray, labels: np.ndarray) -> float:
    """Share of the style variance that lies between groups (summed over features; eta squared).

    Only sentences with a group (label ≥ 0) count. 0 when the groups use styles alike.
    """
    return float(between_group_shares(styles, labels[None, :])[0])


def between_group_shares(styles: np.ndarray, labellings: np.ndarray) -> np.ndarray:
    """:func:`between_group_share` for each row of ``labellings`` (one labelling of the sentences each)."""
    live = labellings >= 0
    size = live.sum(axis=1)
    groups = int(labellings.max(initial=-1)) + 1
    if groups < 2:
        return np.zeros(len(labellings))
    member = (labellings[:, :, None] == np.arange(groups)) & live[:, :, None]  # labelling x sentence x group
    counts = member.sum(axis=1)
    mean = (live[:, :, None] * styles).sum(axis=1) / np.maximum(size, 1)[:, None]
    total = (live[:, :, None] * (styles - mean[:, None, :]) ** 2).sum(axis=(1, 2))
    group_mean = np.einsum("lsg,sf->lgf", member, styles) / np.maximum(counts, 1)[:, :, None]
    between = (counts[:, :, None] * (group_mean - mean[:, None, :]) ** 2).sum(axis=(1, 2))
    ok = (size >= 2) & (total > 0) & ((counts > 0).sum(axis=1) >= 2)
    return np.where(ok, between / np.where(total > 0, total, 1.0), 0.0)
