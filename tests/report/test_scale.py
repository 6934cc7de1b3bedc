"""A report over a run of 10⁶ documents reads a bounded sample of it, whatever the run's size."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import zstandard

from gristmill.io import jsonl
from gristmill.report import render_report
from gristmill.report.html import SAMPLE

SHARDS = 100
PER_SHARD = 5_000  # kept and rejected each: 10⁶ documents in all


def _write_shard(path: Path, shard: int, rejected: bool) -> None:
    lines = []
    for n in range(PER_SHARD):
        meta: dict[str, object] = {"url": f"https://host{n % 37}.example/{shard}/{n}", "language": "en"}
        if rejected:
            meta.update(rejected_by="length_filter", reason="length_filter:min_chars")
        record = {
            "id": f"{shard}-{n}",
            "text": f"Document {n} of shard {shard}.",
            "meta": meta,
            "signals": {"gopher_words": n % 300, "language_score": (n % 100) / 100},
        }
        lines.append(orjson.dumps(record))
    path.write_bytes(zstandard.ZstdCompressor(level=1).compress(b"\n".join(lines) + b"\n"))


def counting_lines_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make the JSONL reader count the lines it reads from its files (into the one-item list returned)."""
    count = [0]
    read_lines = jsonl.read_lines

    def counting(chunks: Iterator[bytes]) -> Iterator[bytes]:
        for line in read_lines(chunks):
            count[0] += 1
            yield line

    monkeypatch.setattr(jsonl, "read_lines", counting)
    return count


def test_a_report_over_a_million_documents_reads_a_sample_of_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for folder in ("kept", "rejected"):
        (tmp_path / folder).mkdir()
    for shard in range(SHARDS):
        _write_shard(tmp_path / "kept" / f"{shard:05d}.jsonl.zst", shard, rejected=False)
        _write_shard(tmp_path / "rejected" / f"{shard:05d}.jsonl.zst", shard, rejected=True)
    total = 2 * SHARDS * PER_SHARD
    step = {
        "index": 0, "name": "length_filter", "in": total, "out": total // 2, "created": 0, "errors": 0,
        "dropped": {"length_filter:min_chars": total // 2}, "seconds": 1.0, "chars_in": 0, "chars_out": 0,
        "chars_dropped": 0, "changed": 0, "chars_removed": 0, "lines_removed": 0,
    }  # fmt: skip
    stats = {
        "totals": {"read": total, "created": 0, "kept": total // 2, "rejected": total // 2, "quarantined": 0},
        "dropped_by_reason": {"length_filter:min_chars": total // 2},
        "steps": [step],
        "shards": SHARDS,
        "errors": [],
        "seconds": 1.0,
    }
    (tmp_path / "stats.json").write_text(json.dumps(stats))
    lines = counting_lines_read(monkeypatch)
    html = render_report(tmp_path)
    # Counted, not timed: kept and rejected, the sample's lines of the run's 10⁶ (one more a file at most).
    assert 0 < lines[0] <= 2 * (SAMPLE + SHARDS)
    per_file = SAMPLE // SHARDS
    assert (
        f"kept: {SAMPLE:,} documents, up to {per_file:,} from the start of each of its {SHARDS:,} shard files"
        in html
    )
    assert "500,000" in html  # the funnel's figures are the whole run's, from stats.json
