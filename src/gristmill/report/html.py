"""``gristmill report``: a self-contained HTML page about a finished run."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any

import orjson

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
    pipeline = layout.pipeline_file.read_text() if layout.pipeline_file.exists() else ""

    out = [f"<!doctype html><meta charset=utf-8><title>gristmill report</title><style>{_STYLE}</style>"]
    out.append(f"<h1>gristmill run: {escape(str(root))}</h1><div class=totals>")
    shown = (
        ("read", "created", "kept", "rejected", "quarantined")
        if totals.get("created")
        else (
            "read",
            "kept",
            "rejected",
            "quarantined",
        )
    )
    out += [f"<span>{k}: <b>{totals[k]:,}</b></span>" for k in shown]
    out.append(f"</div><p class=muted>{stats['shards']} shards, {stats['seconds']} s</p>")
    if stats.get("errors"):
        items = "".join(f"<li>{escape(e)}</li>" for e in stats["errors"])
        out.append(f"<h2>Errors</h2><ul>{items}</ul>")

    out.append("<h2>Documents dropped, by reason</h2>")
    out.append(bar_chart(list(stats.get("dropped_by_reason", {}).items())))

    out.append("<h2>Steps</h2><table><tr><th>#</th><th>step</th><th>in</th><th>out</th>")
    out.append("<th>dropped</th><th>seconds</th><th>docs/s</th></tr>")
    for step in stats["steps"]:
        rate = step["in"] / step["seconds"] if step["seconds"] else 0
        out.append(
            f"<tr><td>{step['index']}</td><td>{escape(step['name'])}</td><td>{step['in']:,}</td>"
            f"<td>{step['out']:,}</td><td>{sum(step['dropped'].values()):,}</td>"
            f"<td>{step['seconds']:.2f}</td><td>{rate:,.0f}</td></tr>"
        )
    out.append("</table>")

    out.append(
        f"<h2>Distributions</h2><p class=muted>first {SAMPLE:,} kept and rejected documents:"
        f'<i class=key style="background:{KEPT}"></i>kept<i class=key '
        f'style="background:{REJECTED}"></i>rejected</p>'
    )
    out.append("<h3>length (log<sub>10</sub> characters)</h3>")
    out.append(histogram([_log_length(d) for d in kept], [_log_length(d) for d in rejected]))
    for name in sorted({k for d in kept + rejected for k in d.signals}):
        k_values = _numbers(kept, name)
        r_values = _numbers(rejected, name)
        if k_values or r_values:
            out.append(f"<h3>{escape(name)}</h3>{histogram(k_values, r_values)}")

    sizes = _cluster_sizes(kept)
    if sizes:
        out.append(
            "<h2>Duplicate clusters</h2><p class=muted>clusters by size (documents), among the first "
            f"{SAMPLE:,} kept documents; each cluster kept one</p>"
        )
        out.append(bar_chart([(f"{size} documents", count) for size, count in sorted(sizes.items())]))
    stitched = [d for d in kept + rejected if d.meta.get("salad") == "stitched"]
    if stitched:
        out.append(
            f"<h2>Stitched pages</h2><p class=muted>{len(stitched):,} of the sampled documents scored as "
            "sentence salad (<code>salad</code> step)</p><table><tr><th>document</th><th>score</th>"
            "<th>sources</th><th>outcome</th></tr>"
        )
        for doc in sorted(stitched, key=lambda d: -float(d.signals.get("salad_score", 0)))[:20]:
            outcome = escape(str(doc.meta.get("reason", "kept, flagged")))
            out.append(
                f"<tr><td>{escape(doc.id)}</td><td>{doc.signals.get('salad_score', '')}</td>"
                f"<td>{doc.signals.get('salad_sources', '')}</td><td>{outcome}</td></tr>"
            )
        out.append("</table>")
    out.append("<h2>Examples of rejected documents</h2>")
    by_reason: dict[str, list[Document]] = defaultdict(list)
    for doc in rejected:
        reason = str(doc.meta.get("reason", "?"))
        if len(by_reason[reason]) < EXAMPLES_PER_REASON:
            by_reason[reason].append(doc)
    for reason, docs in sorted(by_reason.items()):
        out.append(f"<h3>{escape(reason)}</h3>")
        out += [f"<p class=muted>{_label(d)}</p><pre>{escape(d.text[:600])}</pre>" for d in docs]
    out.append("<h2>Examples of kept documents</h2>")
    out += [f"<p class=muted>{escape(d.id)}</p><pre>{escape(d.text[:600])}</pre>" for d in kept[:3]]
    out.append(f"<h2>Pipeline</h2><pre>{escape(pipeline)}</pre>")
    return "".join(out)


def _log_length(doc: Document) -> float:
    return math.log10(len(doc.text) + 1)


def _label(doc: Document) -> str:
    """Name a rejected example: its id, and the document it duplicates, if any."""
    label = escape(doc.id)
    if "duplicate_of" in doc.meta:
        label += f" (duplicate of {escape(str(doc.meta['duplicate_of']))})"
    return label


def _cluster_sizes(kept: list[Document]) -> dict[int, int]:
    """Count the clusters of each size, from ``meta.dup_cluster_size`` on each cluster's kept document."""
    sizes: dict[int, int] = defaultdict(int)
    for doc in kept:
        size = doc.meta.get("dup_cluster_size")
        if isinstance(size, int) and size > 1:
            sizes[size] += 1
    return dict(sizes)


def _numbers(docs: list[Document], name: str) -> list[float]:
    return [float(v) for d in docs if isinstance(v := d.signals.get(name), int | float)]


def write_report(root: str | Path) -> Path:
    """Write ``report.html`` into the run folder ``root`` and return its path."""
    path = Layout(root).report
    path.write_text(render_report(root), encoding="utf-8")
    return path
