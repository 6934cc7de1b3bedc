"""Option values a step cannot run with stop ``gristmill run`` with one line and exit code 2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import write_jsonl, write_pipeline

HUGE = "18446744073709551616"  # 2**64

CASES = [
    (
        f"minhash_dedup: {{seed: {HUGE}}}",
        "step 'minhash_dedup', option 'seed': 18446744073709551616 is out of",
    ),
    ("minhash_dedup: {seed: -1}", "step 'minhash_dedup', option 'seed': must be 0 or more, got -1"),
    ("minhash_dedup: {bands: 100000000}", "step 'minhash_dedup', option 'bands': bands × rows must be 1024"),
    ("minhash_dedup: {rows: 100000000}", "step 'minhash_dedup', option 'bands': bands × rows must be 1024"),
    ("minhash_dedup: {num_hashes: 100000000000}", "step 'minhash_dedup', option 'num_hashes': must be 1024"),
    ("minhash_dedup: {ngram: 100000}", "step 'minhash_dedup', option 'ngram': must be 100 or less"),
    ("minhash_dedup: {buckets: 1000000000}", "step 'minhash_dedup', option 'buckets': must be 4096 or less"),
    (
        f"span_dedup: {{buckets: {HUGE}}}",
        "step 'span_dedup', option 'buckets': 18446744073709551616 is out of",
    ),
    ("span_dedup: {buckets: 100000}", "step 'span_dedup', option 'buckets': must be 4096 or less"),
    (f"length_filter: {{min_chars: {HUGE}}}", "step 'length_filter', option 'min_chars': 184467440737095516"),
    (f"c4_quality: {{max_word_length: {HUGE}}}", "step 'c4_quality', option 'max_word_length': 1844674407"),
    (
        f"fineweb_quality: {{short_line_length: -{HUGE}}}",
        "step 'fineweb_quality', option 'short_line_length'",
    ),
    (
        "gopher_quality: {min_words: -3}",
        "step 'gopher_quality', option 'min_words': must be 0 or more, got -3",
    ),
    (
        "gopher_quality: {max_mean_word_length: .inf}",
        "option 'max_mean_word_length': must be a finite number",
    ),
    (
        "gopher_quality: {min_mean_word_length: .nan}",
        "option 'min_mean_word_length': must be a finite number",
    ),
    (
        "gopher_repetition: {top_ngrams: {0: 0.1}}",
        "option 'top_ngrams': n must be a whole number from 1 to 100",
    ),
    (f"gopher_repetition: {{dup_ngrams: {{{HUGE}: 0.1}}}}", "step 'gopher_repetition', option 'dup_ngrams'"),
    (
        "gopher_repetition: {dup_ngrams: {x: 0.1}}",
        "option 'dup_ngrams': n must be a whole number from 1 to 100",
    ),
    ("gopher_repetition: {top_ngrams: {2: 1.5}}", "the share for n=2 must lie between 0 and 1, got 1.5"),
    (
        f"meta_filter: {{field: n, values: [{HUGE}]}}",
        "step 'meta_filter', option 'values': 18446744073709551616",
    ),
    # Values that ran and dropped (or kept) every document, found by a new user reading the options.
    (
        "gopher_quality: {max_mean_word_length: 0}",
        "option 'max_mean_word_length': must be at least min_mean_word_length (3), got 0",
    ),
    (
        "gopher_quality: {stop_words: []}",
        "option 'stop_words': an empty list leaves no document the 2 stop words min_stop_words asks for",
    ),
    ("regex_filter: {pattern: ''}", "step 'regex_filter', option 'pattern': must not be empty"),
    ("language: {keep: []}", "step 'language', option 'keep': must not be empty"),
    ("decontaminate: {sets: []}", "step 'decontaminate', option 'sets': must not be empty"),
    ("pii: {redact: []}", "step 'pii', option 'redact': must not be empty"),
    ("meta_filter: {field: lang, values: []}", "step 'meta_filter', option 'values': must not be empty"),
    ("meta_filter: {field: '', values: [en]}", "step 'meta_filter', option 'field': must not be empty"),
]


@pytest.mark.parametrize(
    ("step", "message"), CASES, ids=[c[0].split(":")[0] + str(i) for i, c in enumerate(CASES)]
)
def test_bad_option_value_is_one_line_and_exit_code_2(
    tmp_path: Path, run_cli: Any, step: str, message: str
) -> None:
    write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "The cat sat on the mat. " * 20}])
    path = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {tmp_path / 'in.jsonl'}\noutput: {tmp_path / 'out'}\nsteps:\n  - {step}\n",
    )
    result = run_cli("run", str(path))
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert message in lines[0]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("pattern", "action"),
    [
        ("(?s)^.{0,200}$", "drop"),
        ("^[^<]*$", "keep"),
        ("^$", "drop"),
        (r"(?m)^\s*$", "drop"),
        (r"\b", "keep"),
    ],
)
def test_anchored_patterns_that_match_short_texts_are_accepted(pattern: str, action: str) -> None:
    # A first check refused patterns found in a few short texts: "drop pages of up to 200 characters" was one.
    from gristmill.steps.registry import build_step

    build_step("regex_filter", {"pattern": pattern, "action": action})


def test_a_step_built_with_options_by_position_says_their_names() -> None:
    # Python's own message named Step.__init__ and a count of arguments, not what the step takes.
    from gristmill import LengthFilter

    with pytest.raises(TypeError, match=r"LengthFilter takes its options by name \(min_chars, max_chars\)"):
        LengthFilter(3)  # type: ignore[call-arg]
