"""The report's histograms: what a bar's hover text says is the values it counts."""

from __future__ import annotations

import re

from gristmill.report.svg import histogram


def _bars(svg: str) -> list[tuple[float, float, int]]:
    return [
        (float(a), float(b), int(n.replace(",", "")))
        for a, b, n in re.findall(r"<title>(\S+) to (\S+): (\S+)</title>", svg)
    ]


def test_a_log_scale_bar_names_the_counts_it_holds_not_their_logarithms() -> None:
    words = [12.0] * 5 + [150.0] * 3 + [9000.0] * 2
    bars = _bars(histogram(words, [], unit="words", log=True))
    assert sum(n for _, _, n in bars) == len(words)
    for value, count in ((12.0, 5), (150.0, 3), (9000.0, 2)):
        holding = [(lo, hi, n) for lo, hi, n in bars if lo <= value <= hi]
        assert holding and holding[0][2] == count, (value, bars)


def test_a_linear_bar_names_its_values() -> None:
    bars = _bars(histogram([0.1, 0.2, 0.9], [0.5], unit="share"))
    assert min(lo for lo, _, _ in bars) <= 0.1 and max(hi for _, hi, _ in bars) >= 0.9
