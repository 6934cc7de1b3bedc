"""Small inline SVG charts with axes, so a report opens offline with no script or library."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

KEPT = "#3b7dd8"
REJECTED = "#d8563b"
LATER = "#b9b9b9"


def bar_chart(items: list[tuple[str, int]], width: int = 640, color: str = REJECTED) -> str:
    """Return horizontal bars, one per ``(label, count)``, in the order given."""
    return stacked_bars([(label, [count]) for label, count in items], [color], width)


def stacked_bars(items: list[tuple[str, list[int]]], colors: list[str], width: int = 640) -> str:
    """Return horizontal bars of stacked parts, one bar per ``(label, counts)``, the total at its end."""
    if not items:
        return "<p class=muted>nothing to show</p>"
    row, label_w = 22, 230
    top = max(sum(counts) for _, counts in items) or 1
    height = row * len(items) + 6
    room = width - label_w - 80
    parts = [f'<svg width="{width}" height="{height}" role="img">']
    for i, (label, counts) in enumerate(items):
        y = i * row + 3
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(_clip(label))}</text>')
        x = float(label_w)
        for count, color in zip(counts, colors, strict=False):
            if count:
                w = max(1.0, room * count / top)
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row - 6}" fill="{color}">'
                    f"<title>{count:,}</title></rect>"
                )
                x += w
        parts.append(f'<text x="{x + 5:.1f}" y="{y + 14}">{sum(counts):,}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _clip(label: str, limit: int = 34) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


@dataclass
class Threshold:
    """A line drawn on a histogram: the value at which a step drops, and its option's name."""

    value: float
    label: str


def histogram(
    passed: list[float],
    dropped: list[float],
    *,
    unit: str = "",
    thresholds: list[Threshold] | None = None,
    log: bool = False,
    width: int = 640,
    bins: int = 30,
) -> str:
    """Return a histogram of one value: documents that passed a step and those it dropped, stacked.

    The x range runs over the values (to the 99th percentile when a long tail would squash the
    rest, saying how many lie beyond), widened to show each threshold. ``log`` spaces the bins by
    log10(1 + value), for counts that run over several orders of magnitude (words, characters).
    """
    import numpy as np  # here: a report without a chart does not import numpy

    if log:
        passed, dropped = _log(passed), _log(dropped)
        thresholds = [Threshold(float(np.log10(1 + max(t.value, 0))), t.label) for t in thresholds or []]
        unit += ", log scale"
    values = np.asarray(passed + dropped, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return "<p class=muted>no values</p>"
    lo, hi = float(values.min()), float(values.max())
    p99 = float(np.percentile(values, 99))
    if hi - lo > 5 * max(p99 - lo, 1e-12) and p99 > lo:
        hi = p99
    lines = [t for t in thresholds or [] if np.isfinite(t.value)]
    for t in lines:
        if lo - (hi - lo) <= t.value <= hi + (hi - lo):  # a far-off threshold would flatten the bars
            lo, hi = min(lo, t.value), max(hi, t.value)
    if hi == lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, bins + 1)
    clipped = np.clip(np.asarray(passed, float), lo, hi), np.clip(np.asarray(dropped, float), lo, hi)
    k = np.histogram(clipped[0], edges)[0]
    r = np.histogram(clipped[1], edges)[0]
    beyond = int((values > hi).sum())
    left, right, top_pad, base = 52, 30, 16, 150
    height = base + 40
    plot_w = width - left - right
    top = max(int((k + r).max(initial=0)), 1)
    parts = [f'<svg width="{width}" height="{height}" role="img">']
    # y axis: counts of documents, three ticks.
    for frac in (0.0, 0.5, 1.0):
        y = base - (base - top_pad) * frac
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{round(top * frac):,}</text>'
        )
    bar_w = plot_w / bins
    shown = 10**edges - 1 if log else edges  # a bar's hover text names values, not their logarithms
    for i in range(bins):
        x = left + i * bar_w
        y = float(base)
        for count, color in ((k[i], KEPT), (r[i], REJECTED)):
            if count:
                h = (base - top_pad) * count / top
                y -= h
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 1):.1f}" height="{h:.1f}" '
                    f'fill="{color}"><title>{shown[i]:.4g} to {shown[i + 1]:.4g}: {count:,}</title></rect>'
                )
    # x axis: five ticks and the unit.
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{base}" y2="{base}" stroke="#888"/>')
    for frac in np.linspace(0, 1, 5):
        x = left + plot_w * frac
        value = lo + (hi - lo) * frac
        value = 10**value - 1 if log else value
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{base}" y2="{base + 4}" stroke="#888"/>'
            f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle">{value:.3g}</text>'
        )
    axis = escape(unit or "value")
    if beyond:
        axis += f" ({beyond:,} above {10**hi - 1 if log else hi:.3g} counted in the last bar)"
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{base + 34}" text-anchor="middle">{axis}</text>')
    parts.append(
        f'<text x="12" y="{(base + top_pad) / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {(base + top_pad) / 2:.1f})">documents</text>'
    )
    for n, t in enumerate(lines):
        if lo <= t.value <= hi:
            x = left + plot_w * (t.value - lo) / (hi - lo)
            anchor = "end" if x > left + plot_w * 0.7 else "start"
            dx = -4 if anchor == "end" else 4
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top_pad - 6}" y2="{base}" stroke="#222" '
                f'stroke-dasharray="4 3"/><text x="{x + dx:.1f}" y="{top_pad + 4 + 13 * n}" '
                f'text-anchor="{anchor}">{escape(t.label)} = {10**t.value - 1 if log else t.value:.4g}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _log(values: list[float]) -> list[float]:
    import numpy as np

    return [float(np.log10(1 + v)) for v in values if v > -1]
