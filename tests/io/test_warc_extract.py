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
    "warcio/example-digest.warc": (0, 0, 0, 0, 0),  # four request records: no document, no damage
    "warcio/example-trunc.warc": (1, 1, 0, 0, 0),
    "warcio/example.arc": (1, 0, 0, 1, 1),
    "warcio/example.arc.gz": (1, 0, 0, 1, 1),
    "warcio/example-space-in-url.arc": (1, 0, 0, 1, 1),
    "warcio/bad.arc": (1, 0, 0, 1, 1),
    # A gzip WARC (one stream, not a member per record) named .bad: read by its bytes, as gzip, since stop
    # 35 (before, by its name: as a plain file that is no WARC).
    "warcio/example-bad.warc.gz.bad": (2, 2, 0, 0, 0),
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
    code, output, out = run_pipeline(tmp_path, shared_data / "warc" / name, ["extract", "language"])
    read, kept, rejected, quarantined, exit_code = EXPECTED[name]
    assert "Traceback" not in output
    assert f"read {read}  kept {kept}  rejected {rejected}  quarantined {quarantined}" in output
    assert code == exit_code
    if exit_code:
        assert "gristmill: error:" in output
    if name.startswith(("dolma/", "resiliparse/warcfile")):  # well formed: read by fastwarc alone
        assert not any(d["meta"]["warc_repaired"] for d in records(out / "kept"))


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


def _record(warc_type: str, body: bytes, length: int | None = None, uri: str = "http://a.example/") -> bytes:
    head = (
        f"WARC/1.0\r\nWARC-Type: {warc_type}\r\nWARC-Target-URI: {uri}\r\n"
        f"WARC-Record-ID: <urn:uuid:{abs(hash((uri, body))):032x}>\r\nWARC-Date: 2024-01-01T00:00:00Z\r\n"
        f"Content-Type: text/plain\r\nContent-Length: {len(body) if length is None else length}\r\n\r\n"
    )
    return head.encode() + body + b"\r\n\r\n"


def test_lenient_parser_recovers_records_after_a_wrong_length(tmp_path: Path):
    wet = tmp_path / "made.warc.wet"
    first = "Première ligne d'un texte en français, écrit pour ce test.".encode()
    wet.write_bytes(
        _record("warcinfo", b"software: test\r\n")
        + _record("conversion", first, length=len(first.decode()), uri="http://fr.example/")
        + _record(
            "conversion", b"An English line written for this test of the reader.", uri="http://en.example/"
        )
    )
    code, output, out = run_pipeline(tmp_path, wet, ["extract", "language"])
    assert code == 0 and "read 2  kept 2  rejected 0  quarantined 0" in output
    docs = records(out / "kept")
    assert [d["meta"]["url"] for d in docs] == ["http://fr.example/", "http://en.example/"]
    assert [d["meta"]["language"] for d in docs] == ["fr", "en"]
    assert docs[0]["text"] == first.decode()


def test_a_record_cut_short_is_quarantined(tmp_path: Path):
    warc = tmp_path / "cut.warc"
    body = b"A record whose end never came because the file was cut."
    data = _record("conversion", b"A whole record that is complete and well formed.") + _record(
        "conversion", body, length=len(body) + 500, uri="http://cut.example/"
    )
    warc.write_bytes(data[:-4])
    _, output, out = run_pipeline(tmp_path, warc, ["extract"])
    assert "read 2  kept 1  rejected 0  quarantined 1" in output
    (line,) = (out / "quarantine").glob("*")
    assert "record cut short" in line.read_text()
    assert "Traceback" not in output


def test_records_a_too_long_content_length_took_in_are_counted_and_kept(tmp_path: Path):
    # A record whose Content-Length takes in the records after it: they are read, not glued to it.
    texts = [f"Page {i} of four, a paragraph long enough to be kept by extract." for i in range(4)]
    parts = [
        _record("resource", f"<html><body><p>{t}</p></body></html>".encode(), uri=f"http://a.example/{i}")
        for i, t in enumerate(texts)
    ]
    parts = [p.replace(b"text/plain", b"text/html") for p in parts]
    head, sep, rest = parts[0].partition(b"\r\n\r\n")
    declared = len(rest) - 4
    grown = declared + sum(len(p) for p in parts[1:])
    parts[0] = head.replace(b"Content-Length: %d" % declared, b"Content-Length: %d" % grown) + sep + rest
    warc = tmp_path / "took-in.warc"
    warc.write_bytes(b"".join(parts))
    code, output, out = run_pipeline(tmp_path, warc, ["extract"])
    assert code == 0 and "read 4  kept 4  rejected 0  quarantined 0" in output
    docs = records(out / "kept")
    assert [d["meta"]["url"] for d in docs] == [f"http://a.example/{i}" for i in range(4)]
    assert [d["text"] for d in docs] == texts
    assert all("Content-Length" in d["meta"]["warc_repaired"] for d in docs)
