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
        "i me my mine myself i'm i’m i've i’ve i'd i’d i'll i’ll",
        "we us our ours ourselves we're we’re we've we’ve",
        "you your yours yourself you're you’re you've you’ve",
        "he him his himself",
        "she her hers herself",
        "they them their theirs themselves",
        "was were had did",
        "is are has does am",
        "will would can could should may might must",
    )
)
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
FEATURES = len(_CLASSES) + len(_MARKS)


def style_vector(sentence: str) -> np.ndarray:
    """Return 0/1 indicators: which grammatical persons, tenses and typographic marks a sentence uses."""
    found = {w.lower() for w in words(sentence)}
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
    live = labels >= 0
    x, y = styles[live], labels[live]
    if len(x) < 2:
        return 0.0
    total = float(((x - x.mean(axis=0)) ** 2).sum())
    if total == 0 or len(set(y.tolist())) < 2:
        return 0.0
    between = 0.0
    for g in set(y.tolist()):
        rows = x[y == g]
        between += len(rows) * float(((rows.mean(axis=0) - x.mean(axis=0)) ** 2).sum())
    return between / total
