"""Every WARC/WET file in shared/data through `gristmill run` with extract and language."""

import json
from pathlib import Path

import pytest
import yaml
import zstandard
from click.testing import CliRunner

from gristmill.cli import cli

# file -> (read, kept, rejected, quarantined, exit code): broken files end in quarantine with one
# clear error line, never a traceback.
EXPECTED = {
    "cc_net/sample.warc.wet": (3, 3, 0, 0, 0),
    "dolma/sample-0000.warc.gz": (24, 24, 0, 0, 0),
    "dolma/sample-0001.warc.gz": (17, 17, 0, 0, 0),
    "resiliparse/warcfile.warc.gz": (16, 12, 4, 0, 0),
    "resiliparse/clipped.warc.gz": (1, 0, 0, 1, 1),
    "warcio/example.warc": (1, 1, 0, 0, 0),
    "warcio/example.warc.gz": (1, 1, 0, 0, 0),
    "warcio/example-iana.org-chunked.warc": (1, 1, 0, 0, 0),
    "warcio/example-resource.warc.gz": (1, 1, 0, 0, 0),
    "warcio/example-wget-bad-target-uri.warc.gz": (3, 3, 0, 0, 0),
    "warcio/example-wrong-chunks.warc.gz": (1, 1, 0, 0, 0),
    "warcio/example-bad-non-chunked.warc.gz": (1, 1, 0, 0, 0),
    "warcio/example-space-in-target-uri.warc.gz": (1, 0, 1, 0, 0),
    "warcio/post-test.warc.gz": (3, 0, 3, 0, 0),
    "warcio/example-digest.warc": (1, 0, 0, 1, 0),
    "warcio/example-trunc.warc": (1, 1, 0, 0, 0),
    "warcio/example.arc": (1, 0, 0, 1, 1),
    "warcio/example.arc.gz": (1, 0, 0, 1, 1),
    "warcio/example-space-in-url.arc": (1, 0, 0, 1, 1),
    "warcio/bad.arc": (1, 0, 0, 1, 1),
    "warcio/example-bad.warc.gz.bad": (1, 0, 0, 1, 1),
}


def run_pipeline(tmp_path: Path, path: Path, steps: list) -> tuple[int, str, Path]:
    out = tmp_path / "out"
    config = {"input": {"path": str(path), "format": "warc"}, "output": {"path": str(out)}, "steps": steps}
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(pipeline), "--no-progress"])
    return result.exit_code, result.output, out


def records(folder: Path) -> list[dict]:
    lines: list[dict] = []
    for path in sorted(folder.glob("*.jsonl.zst")):
        text = zstandard.ZstdDecompressor().decompress(path.read_bytes(), max_output_size=1 << 26).decode()
        lines += [json.loads(line) for line in text.splitlines()]
    return lines


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_shared_warc_file_runs(tmp_path: Path, shared_data: Path, name: str):
    code, output, _ = run_pipeline(tmp_path, shared_data / "warc" / name, ["extract", "language"])
    read, kept, rejected, quarantined, exit_code = EXPECTED[name]
    assert "Traceback" not in output
    assert f"read {read}  kept {kept}  rejected {rejected}  quarantined {quarantined}" in output
    assert code == exit_code
    if exit_code:
        assert "gristmill: error:" in output


def test_wet_with_wrong_content_lengths_keeps_every_record(tmp_path: Path, shared_data: Path):
    _, _, out = run_pipeline(tmp_path, shared_data / "warc/cc_net/sample.warc.wet", ["extract", "language"])
    docs = records(out / "kept")
    assert [d["meta"]["language"] for d in docs] == ["en", "zh", "ru"]
    assert docs[0]["text"].startswith("Famous Mark Twain Quotes\nDon't part with your illusions.")
    assert docs[2]["text"].endswith("Правда - нет.") or "Марка Твена" in docs[2]["text"]
    assert all("Content-Length" in d["meta"]["warc_repaired"] for d in docs)


def test_warc_metadata_and_drop_reasons(tmp_path: Path, shared_data: Path):
    _, _, out = run_pipeline(tmp_path, shared_data / "warc/resiliparse/warcfile.warc.gz", ["extract"])
    kept = records(out / "kept")
    assert all(d["meta"]["url"].startswith("http") and d["meta"]["warc_record_id"] for d in kept)
    assert all(d["meta"]["warc_date"].startswith("2020-08") for d in kept)
    assert all(d["text"] and "<" not in d["text"][:1] for d in kept)
    reasons = {d["meta"]["reason"] for d in records(out / "rejected")}
    assert reasons <= {"extract:empty", "extract:not_html"}
