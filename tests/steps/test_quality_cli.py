from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from gristmill.cli import cli

PIPELINE = """
input: {path: in/}
output: {path: out/}
steps:
  - boilerplate_lines: {}
  - pii: {redact: [email, phone, ip, card, address]}
  - gopher_quality: {}
  - gopher_repetition: {}
  - c4_quality: {}
  - fineweb_quality: {}
"""


def test_inspect_shows_furniture_and_pii_on_the_seed(tmp_path: Path, shared_dir: Path) -> None:
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(PIPELINE, encoding="utf-8")
    seed = shared_dir / "seed" / "000_13132f2b62ae2e4d.txt"
    result = CliRunner().invoke(cli, ["inspect", str(seed), "--pipeline", str(pipeline), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    flags = {s["text"]: s["flags"] for s in report["sentences"] if s["flags"]}
    assert flags["© 2020 A&E Television Networks, LLC."] == ["boilerplate_lines:copyright"]
    assert flags["Sign up now to learn about This Day in History straight from your inbox."] == [
        "boilerplate_lines:newsletter"
    ]
    address = [text for text in flags if "945 Magazine Street" in text]
    assert [flags[text] for text in address] == [["pii:address"]]
    assert report["verdict"] == "kept"
    assert report["signals"]["pii_address"] == 1
    assert report["signals"]["boilerplate_sentences"] == 2


def test_steps_lists_the_quality_options() -> None:
    result = CliRunner().invoke(cli, ["steps"])
    assert result.exit_code == 0
    for name in (
        "gopher_quality",
        "gopher_repetition",
        "c4_quality",
        "fineweb_quality",
        "boilerplate_lines",
        "pii",
    ):
        assert f"\n{name} (gristmill." in "\n" + result.output
    assert "min_mean_word_length (float | none, default 3)" in result.output


def test_a_bad_threshold_fails_with_one_line(tmp_path: Path) -> None:
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(PIPELINE.replace("gopher_quality: {}", "gopher_quality: {min_alpha_words_ratio: 3}"))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("x")
    result = CliRunner().invoke(cli, ["run", str(pipeline)])
    assert result.exit_code == 2
    assert "gopher_quality" in result.output and "min_alpha_words_ratio" in result.output
