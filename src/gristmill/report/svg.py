"""Small inline SVG charts, so a report opens offline with no script or library."""

from __future__ import annotations

from html import escape

import numpy as np

KEPT = "#3b7dd8"
REJECTED = "#d8563b"


def bar_chart(items: list[tuple[str, int]], width: int = 640) -> str:
    """Return horizontal bars, one per ``(label, count)``, longest first as given."""
    if not items:
        return "<p class=muted>nothing to show</p>"
    row, label_w = 22, 260
    top = max(count for _, count in items) or 1
    height = row * len(items) + 6
    parts = [f'<svg width="{width}" height="{height}" role="img">']
    for i, (label, count) in enumerate(items):
        y = i * row + 3
        w = max(1.0, (width - label_w - 70) * count / top)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{row - 6}" fill="{REJECTED}"/>'
            f'<text x="{label_w + w + 5:.1f}" y="{y + 14}">{count:,}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def histogram(kept: list[float], rejected: list[float], width: int = 640, bins: int = 30) -> str:
    """Return overlaid histograms of one value for kept and rejected documents."""
    values = np.asarray(kept + rejected, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return "<p class=muted>no values</p>"
    lo, hi = float(values.min()), float(values.max())
    if hi == lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, bins + 1)
    height, base = 140, 120
    k = np.histogram(np.asarray(kept, float), edges)[0]
    r = np.histogram(np.asarray(rejected, float), edges)[0]
    top = max(int(k.max(initial=0)), int(r.max(initial=0)), 1)
    bar_w = (width - 20) / bins
    parts = [f'<svg width="{width}" height="{height}" role="img">']
    for series, color, shift in ((k, KEPT, 0.0), (r, REJECTED, bar_w / 2)):
        for i, count in enumerate(series):
            if count:
                h = (base - 10) * count / top
                x = 10 + i * bar_w + shift
                parts.append(
                    f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar_w / 2 - 1:.1f}" '
                    f'height="{h:.1f}" fill="{color}"><title>{edges[i]:.3g}–{edges[i + 1]:.3g}: '
                    f"{count}</title></rect>"
                )
    parts.append(
        f'<text x="10" y="{height - 4}">{lo:.3g}</text>'
        f'<text x="{width - 10}" y="{height - 4}" text-anchor="end">{hi:.3g}</text></svg>'
    )
    return "".join(parts)
