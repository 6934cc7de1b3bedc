"""``gristmill report``: a self-contained HTML page about a finished run.

The page is a jinja2 template with autoescape on (``templates/report.html.j2``): ids, texts, urls,
meta and signal values, reasons and step names come from the data and are always shown as text.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from markupsafe import Markup

from gristmill.document import Document
from gristmill.engine.layout import Layout
from gristmill.errors import InputError
from gristmill.io.jsonl import JsonlReader
from gristmill.io.parquet import ParquetReader
from gristmill.report.svg import KEPT, REJECTED, bar_chart, histogram

SAMPLE = 5000
EXAMPLES_PER_REASON = 3

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:980px;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse}td,th{padding:3px 10px;text-align:right;border-bottom:1px solid #eee}
td:nth-child(-n+2),th:nth-child(-n+2){text-align:left}.muted{color:#888}
.totals span{display:inline-block;margin-right:2em;font-size:1.3em}
pre{white-space:pre-wrap;background:#f7f7f7;padding:8px;max-height:12em;overflow:auto}
svg text{font-size:12px}.key{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
"""


def _documents(folder: Path, limit: int) -> Iterator[Document]:
    class _Ignore:
        def quarantine(self, *args: object, **kwargs: object) -> None:
            pass

        def progress(self, nbytes: int) -> None:
            pass

    count = 0
    for path in sorted(folder.glob("*")):
        if path.name.endswith(".jsonl.zst"):
            reader: JsonlReader | ParquetReader = JsonlReader()
        elif path.suffix == ".parquet":
            reader = ParquetReader()
        else:
            continue
        for doc in reader.read(str(path), _Ignore()):
            yield doc
            count += 1
            if count >= limit:
                return


def render_report(root: str | Path) -> str:
    """Return the report of the run in ``root`` as one HTML page."""
    root = Path(root)
    layout = Layout(root)
    stats_path = layout.stats
    if not stats_path.exists():
        raise InputError(f"{root}: no stats.json here; is this the output folder of a finished run?")
    stats: dict[str, Any] = orjson.loads(stats_path.read_bytes())
    kept = list(_documents(layout.kept, SAMPLE))
    rejected = list(_documents(layout.rejected, SAMPLE))
    totals = stats["totals"]
    shown = ("read", "created", "kept", "rejected", "quarantined")
    signal_charts = []
    for name in sorted({str(k) for d in kept + rejected for k in d.signals}):
        k_values, r_values = _numbers(kept, name), _numbers(rejected, name)
        if k_values or r_values:
            signal_charts.append((name, Markup(histogram(k_values, r_values))))
    sizes = _cluster_sizes(kept)
    stitched = [d for d in kept + rejected if d.meta.get("salad") == "stitched"]
    stitched.sort(key=lambda d: -(_number(d.signals.get("salad_score")) or 0.0))
    by_reason: dict[str, list[Document]] = defaultdict(list)
    for doc in rejected:
        reason = str(doc.meta.get("reason", "?"))
        if len(by_reason[reason]) < EXAMPLES_PER_REASON:
            by_reason[reason].append(doc)
    reasons = stats.get("dropped_by_reason", {})
    context = {
        "style": Markup(_STYLE),
        "root": str(root),
        "totals": [(k, totals.get(k, 0)) for k in shown if k != "created" or totals.get("created")],
        "shards": stats.get("shards"),
        "seconds": stats.get("seconds"),
        "errors": stats.get("errors") or [],
        "reasons_chart": Markup(bar_chart([(str(k), v) for k, v in reasons.items()])),
        "steps": [_step_row(step) for step in stats["steps"]],
        "sample": SAMPLE,
        "kept_color": KEPT,
        "rejected_color": REJECTED,
        "length_chart": Markup(histogram([_log_length(d) for d in kept], [_log_length(d) for d in rejected])),
        "signal_charts": signal_charts,
        "cluster_chart": Markup(bar_chart([(f"{n} documents", count) for n, count in sorted(sizes.items())]))
        if sizes
        else "",
        "stitched_count": len(stitched),
        "stitched": [
            {
                "id": d.id,
                "score": d.signals.get("salad_score", ""),
                "sources": d.signals.get("salad_sources", ""),
                "outcome": d.meta.get("reason", "kept, flagged"),
            }
            for d in stitched[:20]
        ],
        "rejected_examples": [
            (reason, [_example(d) for d in docs]) for reason, docs in sorted(by_reason.items())
        ],
        "kept_examples": [_example(d) for d in kept[:3]],
        "pipeline": layout.pipeline_file.read_text() if layout.pipeline_file.exists() else "",
    }
    return _template().render(context)


@lru_cache(maxsize=1)
def _template() -> Template:
    # Autoescape: every value a template shows is escaped, whatever it holds; only the charts and
    # the style sheet, which this package writes, are passed as Markup.
    env = Environment(
        loader=PackageLoader("gristmill.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["number"] = _thousands
    return env.get_template("report.html.j2")


def _thousands(value: object) -> str:
    return f"{value:,}" if isinstance(value, int | float) and not isinstance(value, bool) else str(value)


def _step_row(step: dict[str, Any]) -> dict[str, Any]:
    seconds = _number(step.get("seconds")) or 0.0
    docs_in = step.get("in", 0)
    rate = docs_in / seconds if seconds and isinstance(docs_in, int | float) else 0
    dropped = step.get("dropped") or {}
    return {
        "index": step.get("index"),
        "name": step.get("name"),
        "in": docs_in,
        "out": step.get("out", 0),
        "dropped": sum(v for v in dropped.values() if isinstance(v, int)),
        "seconds": f"{seconds:.2f}",
        "rate": f"{rate:,.0f}",
    }


def _example(doc: Document) -> dict[str, Any]:
    """A document as the report shows it: id, the document it duplicates (if any), its start."""
    return {"id": doc.id, "duplicate_of": doc.meta.get("duplicate_of"), "text": doc.text[:600]}


def _log_length(doc: Document) -> float:
    return math.log10(len(doc.text) + 1)


def _cluster_sizes(kept: list[Document]) -> dict[int, int]:
    """Count the clusters of each size, from ``meta.dup_cluster_size`` on each cluster's kept document."""
    sizes: dict[int, int] = defaultdict(int)
    for doc in kept:
        size = doc.meta.get("dup_cluster_size")
        if isinstance(size, int) and size > 1:
            sizes[size] += 1
    return dict(sizes)


def _number(value: object) -> float | None:
    """A signal's value as a finite number, or None (a signal read from input may be anything)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _numbers(docs: list[Document], name: str) -> list[float]:
    return [v for d in docs if (v := _number(d.signals.get(name))) is not None]


def write_report(root: str | Path) -> Path:
    """Write ``report.html`` into the run folder ``root`` and return its path."""
    path = Layout(root).report
    path.write_text(render_report(root), encoding="utf-8")
    return path
