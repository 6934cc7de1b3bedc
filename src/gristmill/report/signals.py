"""Which step writes each signal, its unit, and the option that thresholds it, for the report's charts.

Charts follow the pipeline: a step's signals show under it, with the threshold of the run's own
options (from the ``pipeline.yaml`` the run wrote) drawn on. A signal no step here names (a plugin's)
shows after the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from gristmill.document import Document
from gristmill.report.svg import Threshold, histogram

# step -> (signal, unit, the option that sets its threshold, if any).
Rule = tuple[str, str, str | None]
RULES: dict[str, list[Rule]] = {
    "language": [("language_score", "probability", "min_score"), ("language_main_share", "share", None)],
    "normalize": [("normalize_chars_removed", "characters", None)],
    "gopher_quality": [
        ("gopher_words", "words", "min_words"),
        ("gopher_words", "words", "max_words"),
        ("gopher_mean_word_length", "characters per word", "min_mean_word_length"),
        ("gopher_mean_word_length", "characters per word", "max_mean_word_length"),
        ("gopher_hash_ratio", "'#' per word", "max_symbol_word_ratio"),
        ("gopher_ellipsis_ratio", "ellipses per word", "max_symbol_word_ratio"),
        ("gopher_bullet_lines", "share of lines", "max_bullet_lines_ratio"),
        ("gopher_ellipsis_lines", "share of lines", "max_ellipsis_lines_ratio"),
        ("gopher_alpha_words", "share of words", "min_alpha_words_ratio"),
        ("gopher_stop_words", "distinct stop words", "min_stop_words"),
    ],
    "gopher_repetition": [
        ("gopher_dup_para_frac", "share of paragraphs", "max_dup_para_frac"),
        ("gopher_dup_para_char_frac", "share of characters", "max_dup_para_char_frac"),
        ("gopher_dup_line_frac", "share of lines", "max_dup_line_frac"),
        ("gopher_dup_line_char_frac", "share of characters", "max_dup_line_char_frac"),
    ],
    "fineweb_quality": [
        ("fineweb_line_punct_ratio", "share of lines", "min_line_punct_ratio"),
        ("fineweb_short_line_ratio", "share of lines", "max_short_line_ratio"),
        ("fineweb_char_dup_ratio", "share of characters", "max_char_dup_ratio"),
        ("fineweb_newline_ratio", "line breaks per word", "max_newline_ratio"),
    ],
    "c4_quality": [("c4_lines_removed", "lines", None), ("c4_sentences", "sentences", "min_sentences")],
    "salad": [("salad_score", "score", "threshold"), ("salad_sources", "sources", None)],
    "boilerplate_lines": [
        ("boilerplate_lines", "lines", None),
        ("boilerplate_sentences", "sentences", None),
        ("boilerplate_chars", "characters", None),
    ],
    "pii": [(f"pii_{kind}", "matches", None) for kind in ("email", "phone", "ip", "card", "address")],
    "span_dedup": [("copied_sentence_fraction", "share of sentences", None), ("spans_cut", "spans", None)],
    "provenance": [("copied_sentence_fraction", "share of sentences", None)],
    "decontaminate": [("contaminated_ngrams", "n-grams", None)],
    "tokenize": [("tokens", "tokens", None)],
}
# The meta key that marks a document a step made (``salad``'s split parts): it carries the signals of the
# page it was made from, which the step measured once, on that page.
MADE_BY = {"salad": "split_from"}
QUANTILES = (1, 10, 25, 50, 75, 90, 99)
# Signals a step measures only on the documents it keeps (the per-line share is skipped, for speed, on
# the documents ``language`` drops): an output document the step dropped carries no value there.
KEPT_ONLY = {"language_main_share"}
# Counts drawn on a log scale when they span orders of magnitude (a page of 10 words beside one of 10,000).
COUNTS = {"words", "characters", "tokens", "sentences", "lines", "n-grams"}


@dataclass
class SignalChart:
    """One signal's histogram and quantiles, under the step that writes it."""

    step: str
    name: str
    unit: str
    chart: str
    thresholds: list[str]
    count: int
    quantiles: list[str]
    note: str = ""  # where a later step rewrote the signal: which documents hold this step's value


@dataclass
class StepSignals:
    """The charts of one step's signals; those with a single value are folded away."""

    index: int | None
    step: str
    charts: list[SignalChart] = field(default_factory=list)
    flat: list[str] = field(default_factory=list)  # signals that hold one value throughout the sample
    notes: list[str] = field(default_factory=list)  # signals a later step rewrote on every document


def signal_sections(docs: list[Document], steps: list[dict[str, Any]]) -> list[StepSignals]:
    """Group the signals in ``docs`` under the steps of ``steps`` (``[{name: options}]``), in order."""
    present = {str(k) for d in docs for k in d.signals}
    dropped_at = {name: index for index, entry in enumerate(steps) for name in entry}
    named = [
        (index, step, options or {}) for index, entry in enumerate(steps) for step, options in entry.items()
    ]
    rules = [_rules_of(step, options) for _, step, options in named]
    # An output document holds the value the last step that wrote a signal on it left: where two steps
    # write one signal (provenance, then span_dedup), each step's chart takes the documents whose value it is.
    writers: dict[str, list[int]] = {}
    for (index, _, _), found in zip(named, rules, strict=True):
        for signal, _, _ in found:
            writers.setdefault(signal, []).append(index)
    sections: list[StepSignals] = []
    for (index, step, _), found in zip(named, rules, strict=True):
        section = StepSignals(index, step)
        seen = [doc for doc in docs if _saw(doc, index, dropped_at)]
        for signal, unit, thresholds in found:
            if signal not in present:
                continue
            later = [k for k in writers[signal] if k > index]
            among = [doc for doc in seen if not any(_saw(doc, k, dropped_at) for k in later)]
            note = ""
            if len(among) < len(seen):
                by = " and ".join(f"{k}. {name}" for k in later for name in steps[k])
                if not among:
                    section.notes.append(
                        f"{signal}: {by} rewrote it on all {len(seen):,} documents this step took in;"
                        " charted there"
                    )
                    continue
                others = len(seen) - len(among)
                note = f"those no later step rewrote; {by} rewrote it on the {others:,} others"
                note += ", charted there"
            if signal in KEPT_ONLY:
                among = [doc for doc in among if doc.meta.get("rejected_by") != step]
            _add(section, among, step, signal, unit, thresholds, note)
        if section.charts or section.flat or section.notes:
            sections.append(section)
    rest = StepSignals(None, "other signals")
    for signal in sorted(present - set(writers)):
        _add(rest, docs, "", signal, "value", [])
    if rest.charts or rest.flat:
        sections.append(rest)
    return sections


def _saw(doc: Document, index: int, dropped_at: dict[str, int]) -> bool:
    """Whether the step at ``index`` took ``doc`` in: not dropped before it, nor made by it or a later step.

    An output document carries every declared signal, 0 where its step never saw it: such a 0 is no value.
    A part ``salad`` made carries its page's signals, which the steps up to ``salad`` measured on the page.
    """
    position = dropped_at.get(str(doc.meta.get("rejected_by") or ""))
    if position is not None and position < index:
        return False
    made = [dropped_at[step] for step, key in MADE_BY.items() if step in dropped_at and doc.meta.get(key)]
    return not made or min(made) < index


def _rules_of(step: str, options: dict[str, Any]) -> list[tuple[str, str, list[Threshold]]]:
    """Each signal the step writes, its unit and the thresholds the run's options set."""
    rules: list[Rule] = list(RULES.get(step, []))
    if step == "gopher_repetition":
        for kind, default in _ngram_defaults().items():
            table = options.get(f"{kind}_ngrams") or default
            for n in sorted(table, key=lambda key: int(key)):
                entry = f"{kind}_ngrams[{n}]"
                rules.append((f"gopher_{kind}_{n}_gram_frac", "share of characters", entry))
    if step in ("classifier", "classifier_top"):
        threshold = "threshold" if step == "classifier" else None
        rules.append((str(options.get("signal", "classifier_score")), "probability", threshold))
    by_signal: dict[str, tuple[str, list[Threshold]]] = {}
    for signal, unit, option in rules:
        _, lines = by_signal.setdefault(signal, (unit, []))
        value = _option_value(options, option) if option else None
        if option and value is not None:
            lines.append(Threshold(value, option))
    return [(signal, unit, lines) for signal, (unit, lines) in by_signal.items()]


def _ngram_defaults() -> dict[str, dict[int, float]]:
    # Imported here: the Gopher step's module (and its token tables) only when its signals are drawn.
    from gristmill.steps.gopher import DEFAULT_DUP_NGRAMS, DEFAULT_TOP_NGRAMS

    return {"top": DEFAULT_TOP_NGRAMS, "dup": DEFAULT_DUP_NGRAMS}


def _option_value(options: dict[str, Any], option: str) -> float | None:
    value: object
    if option.endswith("]"):  # one n of an n-gram table: ``top_ngrams[2]``
        name, key = option[:-1].split("[")
        table: Any = options.get(name) or _ngram_defaults()[name.removesuffix("_ngrams")]
        value = table.get(key, table.get(int(key))) if isinstance(table, dict) else None
    else:
        value = options.get(option)
    return number(value)


def _add(
    section: StepSignals,
    docs: list[Document],
    step: str,
    signal: str,
    unit: str,
    lines: list[Threshold],
    note: str = "",
) -> None:
    passed: list[float] = []
    dropped: list[float] = []
    for doc in docs:
        value = number(doc.signals.get(signal))
        if value is None:
            continue
        # What the threshold acts on: the documents this step dropped against all it let through.
        (dropped if step and doc.meta.get("rejected_by") == step else passed).append(value)
    values = passed + dropped
    if not values:
        return
    if min(values) == max(values):
        section.flat.append(
            f"{signal} = {values[0]:.4g} ({len(values):,} documents{', ' + note if note else ''})"
        )
        return
    import numpy as np  # here: a report without a chart does not import numpy

    q = np.percentile(np.asarray(values), QUANTILES)
    section.charts.append(
        SignalChart(
            step=step,
            name=signal,
            unit=unit,
            chart=histogram(
                passed,
                dropped,
                unit=f"{signal} ({unit})",
                thresholds=lines,
                log=unit in COUNTS and min(values) >= 0 and max(values) >= 100 * max(1.0, float(q[3])) / 10,
            ),
            thresholds=[f"{t.label} = {t.value:.4g}" for t in lines],
            count=len(values),
            quantiles=[f"{v:.4g}" for v in q],
            note=note,
        )
    )


def number(value: object) -> float | None:
    """A signal's value as a finite number, or None (a signal read from input may be anything)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None
