"""Every documented option of every registered step works in a real run.

Each step is built from YAML with every option set to a valid value other than its default, then run
by ``gristmill run`` over a few real documents (the bundled samples). An option a step documents but
cannot run with fails here, and so does a step or option added without a value in ``SETTINGS``.
"""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from gristmill.steps.registry import registered_steps, step_options
from tests.helpers import REPO, read_all
from tests.steps.test_classifier import shipped_model
from tests.steps.test_tokenize import build_tokenizer

SAMPLES = REPO / "src" / "gristmill" / "samples"
WARC = SAMPLES / "warc" / "cc-main-2020-34-excerpt.warc.gz"
WEB = SAMPLES / "web" / "cc-main-2019-30-sample.jsonl.gz"
HAS_TORCH = importlib.util.find_spec("torch") is not None

# Per step, one or more option sets (some options exclude each other); together they set every option.
SETTINGS: dict[str, list[dict[str, Any]]] = {
    "boilerplate_lines": [
        {"patterns": False, "learn": False, "min_pages": 2, "min_line_chars": 20, "url_field": "source_url"}
    ],
    "c4_quality": [
        {"by_language": {"de": {"min_sentences": 1}}},
        {
            "min_sentences": 2,
            "min_words_per_line": 2,
            "max_word_length": 200,
            "remove_no_terminal_punct": False,
            "remove_javascript_lines": False,
            "remove_policy_lines": False,
            "remove_citations": False,
            "drop_lorem_ipsum": False,
            "drop_curly_bracket": False,
        },
    ],
    "exact_dedup": [
        {
            "ignore_case": False,
            "ignore_whitespace": False,
            "ignore_punctuation": True,
            "reference": {"path": "<reference>", "cache": "<cache>"},
        }
    ],
    "extract": [
        {
            "engine": "trafilatura",
            "comments": True,
            "tables": False,
            "max_bytes": 2_000_000,
            "time_limit": 30.0,
        },
    ],
    "fineweb_quality": [
        {"by_language": {"de": {"short_line_length": 10}}},
        {
            "min_line_punct_ratio": 0.1,
            "line_punct_exclude_zero": True,
            "max_short_line_ratio": 0.8,
            "short_line_length": 20,
            "max_char_dup_ratio": 0.05,
            "max_newline_ratio": 0.5,
        },
    ],
    "url_filter": [
        {
            "block_domains": ["<domains>"],
            "block_urls": ["<urls>"],
            "block_regex": ["<regex>"],
            "allow_domains": ["<domains>"],
            "allow_urls": ["<urls>"],
            "allow_regex": ["<regex>"],
            "url_field": "link",
            "missing_url": "keep",
        }
    ],
    "decontaminate": [
        {
            "sets": ["<eval>"],
            "field": "question",
            "ngram": 8,
            "action": "cut",
            "min_matches": 2,
            "max_ngrams": 1_000_000,
        }
    ],
    "tokenize": [
        {
            "tokenizer": "<tokenizer>",
            "write_tokens": True,
            "eos": "<|endoftext|>",
            "max_tokens_per_file": 2_000,
            "batch_size": 4,
        }
    ],
    "classifier": [{"model": "<model>", "label": "en", "signal": "english", "threshold": 0.5}],
    "classifier_top": [{"model": "<model>", "label": "__label__en", "signal": "english", "keep_top": 0.5}],
    "provenance": [
        {
            "min_words": 4,
            "max_docs": 10,
            "min_sentences": 3,
            "stitch_share": 0.4,
            "mirror_share": 0.9,
            "buckets": 4,
        }
    ],
    "gopher_quality": [
        {"by_language": {"de": {"min_words": 5}, "fr": {"stop_words": ["le", "la"]}}},
        {
            "min_words": 20,
            "max_words": 50_000,
            "min_mean_word_length": 2.5,
            "max_mean_word_length": 12,
            "max_symbol_word_ratio": 0.2,
            "max_bullet_lines_ratio": 0.8,
            "max_ellipsis_lines_ratio": 0.4,
            "min_alpha_words_ratio": 0.7,
            "min_stop_words": 1,
            "stop_words": ["the", "and", "of"],
        },
    ],
    "gopher_repetition": [
        {"by_language": {"de": {"max_dup_line_frac": 0.5}}},
        {
            "max_dup_para_frac": 0.4,
            "max_dup_para_char_frac": 0.3,
            "max_dup_line_frac": 0.4,
            "max_dup_line_char_frac": 0.3,
            "top_ngrams": {2: 0.25, 3: 0.2},
            "dup_ngrams": {5: 0.2, 8: 0.15},
        },
    ],
    "language": [{"keep": ["en", "de"], "min_score": 0.3, "mixed": False}],
    "length_filter": [{"min_chars": 200, "max_chars": 100_000}],
    "meta_filter": [
        {"field": "source", "values": ["cc-main-2019-30", 1, 2.5, True], "missing": "keep"},
        {"field": "url", "pattern": "https?://", "missing": "keep"},
    ],
    "minhash_dedup": [
        {
            "ngram": 3,
            "num_hashes": 128,
            "bands": 16,
            "rows": 6,
            "threshold": 0.7,
            "exact_jaccard": True,
            "seed": 7,
            "buckets": 4,
            "reference": {"path": "<reference>", "format": "jsonl", "cache": "<cache>"},
        }
    ],
    "normalize": [{"form": "NFKC", "whitespace": False, "control": False}],
    "pii": [{"redact": ["email", "ip"]}],
    "regex_filter": [{"pattern": "lorem|ipsum", "action": "keep", "ignore_case": True, "reason": "lorem"}],
    "salad": [
        {"action": "split", "threshold": 0.6, "min_split_sentences": 3, "embeddings": False},
        {"action": "drop", "embeddings": True},
    ],
    "span_dedup": [{"max_docs": 2, "min_words": 6, "paragraphs": False, "buckets": 4}],
}
# Option values that need something not installed, with the reason the run leaves them out.
NEEDS = {("salad", "embeddings", True): (HAS_TORCH, "salad embeddings need torch (gristmill[embeddings])")}


def test_every_step_and_option_has_a_non_default_setting() -> None:
    for name, cls in registered_steps().items():
        if not cls.__module__.startswith("gristmill."):
            continue  # a step other tests register for themselves
        assert name in SETTINGS, f"add valid non-default options for step {name!r} to SETTINGS"
        set_here = {key for options in SETTINGS[name] for key in options}
        for option in step_options(cls):
            assert option.name in set_here, f"add a non-default value for {name}.{option.name} to SETTINGS"
            values = [o[option.name] for o in SETTINGS[name] if option.name in o]
            assert any(v != option.default for v in values), (
                f"{name}.{option.name} is only set to its default"
            )


def _with_files(options: Any, tmp_path: Path) -> Any:
    """Put real files in place of the ``<name>`` placeholders of SETTINGS (lists, models, sets)."""
    records = [orjson.loads(line) for line in gzip.decompress(WEB.read_bytes()).splitlines()[:2]]
    files = {
        "<domains>": ("domains.txt", "# blocked\nspam.example\n"),
        "<urls>": ("urls.txt", "casino\n"),
        "<regex>": ("regex.txt", "[?&]ref=\\d+\n"),
        "<eval>": (
            "eval.jsonl",
            "".join(orjson.dumps({"question": r["text"]}).decode() + "\n" for r in records),
        ),
        "<reference>": (
            "reference.jsonl",
            "".join(
                orjson.dumps({"id": f"ref-{i}", "text": r["text"]}).decode() + "\n"
                for i, r in enumerate(records)
            ),
        ),
    }
    if isinstance(options, dict):
        return {key: _with_files(value, tmp_path) for key, value in options.items()}
    if isinstance(options, list):
        return [_with_files(value, tmp_path) for value in options]
    if options == "<tokenizer>":
        return str(build_tokenizer(tmp_path / "tokenizer.json"))
    if options == "<cache>":
        return str(tmp_path / "cache")
    if options == "<model>":
        return str(shipped_model())
    if options in files:
        name, text = files[options]
        (tmp_path / name).write_text(text, encoding="utf-8")
        return str(tmp_path / name)
    return options


def _inputs(tmp_path: Path, name: str) -> Path:
    """A few real documents: WARC pages for extract, extracted web text for the rest."""
    if name == "extract":
        return WARC
    records = [orjson.loads(line) for line in gzip.decompress(WEB.read_bytes()).splitlines()[:12]]
    # Three near copies, so the dedup steps have something to find.
    records += [{**r, "id": f"{r['id']}-copy"} for r in records[:3]]
    # The fields SETTINGS' url_field values name: a name no document has stops the run.
    records = [{**r, "link": r["metadata"]["url"], "source_url": r["metadata"]["url"]} for r in records]
    path = tmp_path / "web.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


CASES = [(name, i) for name in sorted(SETTINGS) for i in range(len(SETTINGS[name]))]


@pytest.mark.parametrize(("name", "which"), CASES, ids=[f"{n}-{i}" for n, i in CASES])
def test_step_runs_with_every_option_set(tmp_path: Path, run_cli: Any, name: str, which: int) -> None:
    options = _with_files(dict(SETTINGS[name][which]), tmp_path)
    for (step, option, value), (available, why) in NEEDS.items():
        if step == name and options.get(option) == value and not available:
            pytest.skip(why)
    source = _inputs(tmp_path, name)
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(
        yaml.safe_dump(
            {
                "input": {"path": str(source)},
                "output": {"path": str(tmp_path / "out")},
                "steps": [{name: options}],
            }
        ),
        encoding="utf-8",
    )
    result = run_cli("run", str(pipeline), "--workers", "1")
    assert result.exit_code == 0, result.output
    stats = orjson.loads((tmp_path / "out" / "stats.json").read_bytes())
    totals = stats["totals"]
    assert totals["read"] > 0
    assert totals["read"] + totals["created"] == totals["kept"] + totals["rejected"] + totals["quarantined"]
    assert len(read_all(tmp_path / "out" / "kept")) == totals["kept"]
    # The same command again resumes the same run: the recorded pipeline compares equal.
    again = run_cli("run", str(pipeline), "--workers", "1")
    assert again.exit_code == 0, again.output
