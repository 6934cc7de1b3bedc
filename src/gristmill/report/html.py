"""``gristmill report``: a self-contained HTML page about a finished run.

The page is a jinja2 template with autoescape on (``templates/report.html.j2``): ids, texts, urls,
meta and signal values, reasons and step names come from the data and are always shown as text.
Figures of the funnel come from ``stats.json`` (counted over the whole run); charts and examples from a
sample of the output (:mod:`gristmill.report.sample`), so a report of 10⁶ documents takes seconds.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
import yaml
from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, StrictUndefined, Template
from jinja2.bccache import Bucket
from markupsafe import Markup

from gristmill.cache import user_cache
from gristmill.engine.layout import Layout
from gristmill.errors import MissingInputError
from gristmill.report.corpus import changes, counts_chart, duplicate_clusters, examples_by_reason
from gristmill.report.funnel import funnel, has_tokens
from gristmill.report.sample import sample_folder
from gristmill.report.signals import StepSignals, number, signal_sections
from gristmill.report.stitched import SOURCE_COLORS, flagged_pages, stitched_pages
from gristmill.report.svg import KEPT, REJECTED

SAMPLE = 5000  # kept and rejected documents each, read for the charts and examples
STITCHED_SHOWN = 5

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ddd}h3{font-size:1.05em}
table{border-collapse:collapse}
td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #eee;vertical-align:top}
th{font-weight:600}td.l,th.l{text-align:left}.muted{color:#777}.small{font-size:12px}
.totals span{display:inline-block;margin-right:2em;font-size:1.3em}
pre{white-space:pre-wrap;background:#f7f7f7;padding:8px;max-height:14em;overflow:auto;margin:4px 0}
svg text{font-size:11px;fill:#333}.key{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
.bar{display:inline-block;height:10px;background:#3b7dd8;vertical-align:middle}
details{margin:4px 0}summary{cursor:pointer}
.side{display:grid;grid-template-columns:1fr 1fr;gap:12px}.side>div{min-width:0}
.page{white-space:pre-wrap;background:#fafafa;border:1px solid #ddd;padding:8px;max-height:24em;overflow:auto}
.furniture{color:#999;text-decoration:line-through}.unplaced{color:#555;font-style:italic}
.seam{color:#c00;font-weight:bold}
del{background:#fde0dc;text-decoration:none;display:block}ins{background:#dcf5dc;text-decoration:none;display:block}
.same{display:block;color:#666}
"""


def render_report(
    root: str | Path, title: str | None = None, shard_files: dict[str, int] | None = None
) -> str:
    """Return the report of the run in ``root`` as one HTML page (``write_report`` says the rest)."""
    root = Path(root)
    layout = Layout(root)
    if not layout.stats.exists():
        if (layout.state / "pipeline.json").is_file():  # written as a run starts; stats.json as it ends
            raise MissingInputError(
                f"{root}: the run here has not finished (no stats.json yet); if it was stopped, the command "
                "that ran it (gristmill run PIPELINE.yaml) resumes it and writes report.html at its end"
            )
        raise MissingInputError(f"{root}: no stats.json here; is this the output folder of a finished run?")
    stats: dict[str, Any] = orjson.loads(layout.stats.read_bytes())
    counts = shard_files or {}
    totals = stats.get("totals") or {}
    kept_sample = sample_folder(layout.kept, SAMPLE, counts.get(layout.kept.name), _count(totals, "kept"))
    rejected_sample = sample_folder(
        layout.rejected, SAMPLE, counts.get(layout.rejected.name), _count(totals, "rejected")
    )
    kept, rejected = kept_sample.docs, rejected_sample.docs
    shown = ("read", "created", "kept", "rejected", "quarantined")
    steps = _pipeline_steps(layout.pipeline_file, stats)
    rows = funnel(stats)
    salad_options = _options_of(steps, "salad")
    cluster_chart, clusters = duplicate_clusters(kept, rejected)
    sampled = kept + rejected
    pages, parts = flagged_pages(sampled)
    names = [name for entry in steps for name in entry]
    provenance = "provenance" in names
    # salad read provenance's sources only where provenance came before it (Step.after_steps_writing)
    read_sources = None
    if "salad" in names and "provenance" in names[: names.index("salad")]:
        read_sources = _options_of(steps, "provenance")
    context = {
        "style": Markup(_STYLE),
        "root": title or str(root),
        "totals": [(k, totals.get(k, 0)) for k in shown if k != "created" or totals.get("created")],
        "shards": stats.get("shards"),
        "seconds": stats.get("seconds"),
        "errors": stats.get("errors") or [],
        "funnel": rows,
        "tokens": has_tokens(rows),
        "step_seconds": {s.get("index"): _seconds(s) for s in stats.get("steps") or []},
        "sample_kept": kept_sample,
        "sample_rejected": rejected_sample,
        "kept_color": KEPT,
        "rejected_color": REJECTED,
        "signals": [_markup_charts(section) for section in signal_sections(sampled, steps)],
        "languages": Markup(counts_chart(kept, rejected, "language")),
        "hosts": Markup(counts_chart(kept, rejected, "host")),
        "cluster_chart": Markup(cluster_chart),
        "clusters": clusters,
        "stitched_count": len(pages),
        "stitched_parts": parts,
        "sources_named": provenance,
        "stitched": stitched_pages(pages, salad_options, STITCHED_SHOWN, provenance=read_sources),
        "reasons": examples_by_reason(rejected, _reasons(stats)),
        "changes": changes(stats.get("steps") or []),
        "pipeline": layout.pipeline_file.read_text() if layout.pipeline_file.exists() else "",
    }
    return _template().render(context)


def _options_of(steps: list[dict[str, Any]], step: str) -> dict[str, Any] | None:
    """The options of the pipeline's first ``step`` ({} when it has none), or None without one."""
    return next(((opts or {}) for entry in steps for name, opts in entry.items() if name == step), None)


def _pipeline_steps(path: Path, stats: dict[str, Any]) -> list[dict[str, Any]]:
    """The run's steps with their options (``[{name: options}]``), from the pipeline it wrote."""
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    except (OSError, yaml.YAMLError):
        config = None
    steps = config.get("steps") if isinstance(config, dict) else None
    if isinstance(steps, list) and all(isinstance(s, dict) for s in steps):
        return [{str(k): v if isinstance(v, dict) else {} for k, v in s.items()} for s in steps]
    return [{str(s.get("name")): {}} for s in stats.get("steps") or []]


def _count(totals: dict[str, Any], key: str) -> int | None:
    """A count of stats.json's totals, or None where it holds no whole number (a file from elsewhere)."""
    value = totals.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _reasons(stats: dict[str, Any]) -> dict[str, int]:
    reasons = stats.get("dropped_by_reason") or {}
    return {str(k): v for k, v in reasons.items() if isinstance(v, int)}


def _seconds(step: dict[str, Any]) -> str:
    seconds = number(step.get("seconds")) or 0.0
    docs_in = number(step.get("in")) or 0.0
    rate = f" · {docs_in / seconds:,.0f}/s" if seconds else ""
    return f"{seconds:.2f} s{rate}"


def _markup_charts(section: StepSignals) -> StepSignals:
    # The charts are SVG this package wrote, with every value escaped: trusted as markup.
    for chart in section.charts:
        chart.chart = Markup(chart.chart)
    return section


class _TemplateCache(FileSystemBytecodeCache):
    """The template's compiled code, kept between runs: compiling it cost every run 0.026 CPU-s.

    jinja2 compiles again when the template's source or the Python version changed. The cache only
    saves time: a folder that cannot be written, or a file it cannot read, costs the compile.
    """

    def load_bytecode(self, bucket: Bucket) -> None:
        """Load the cached code into ``bucket``, or leave it empty (compile) if the file is damaged."""
        try:
            super().load_bytecode(bucket)
        except Exception:  # a damaged file (cut short, overwritten): compile instead
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep ``bucket``'s code for the next run, where the cache folder can be written."""
        try:
            os.makedirs(self.directory, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            pass


@lru_cache(maxsize=1)
def _template() -> Template:
    # Autoescape: every value a template shows is escaped, whatever it holds; only the charts and
    # the style sheet, which this package writes, are passed as Markup.
    env = Environment(
        loader=PackageLoader("gristmill.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        bytecode_cache=_TemplateCache(str(user_cache("report"))),
    )
    env.filters["number"] = _thousands
    env.globals["source_colors"] = SOURCE_COLORS
    return env.get_template("report.html.j2")


def _thousands(value: object) -> str:
    return f"{value:,}" if isinstance(value, int | float) and not isinstance(value, bool) else str(value)


def write_report(
    root: str | Path, title: str | None = None, shard_files: dict[str, int] | None = None
) -> Path:
    """Write ``report.html`` into the run folder ``root`` and return its path.

    ``title`` names the run (its URL, when ``root`` stages an object store's output); ``shard_files``
    counts each output folder's files where ``root`` holds only those the sample reads.
    """
    path = Layout(root).report
    path.write_text(render_report(root, title, shard_files), encoding="utf-8")
    return path
