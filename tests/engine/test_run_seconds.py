"""``seconds`` in stats.json is the run's: every command that worked on it, not the last one alone."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import write_jsonl, write_pipeline


def _stats(out: Path) -> dict:
    return json.loads((out / "stats.json").read_text(encoding="utf-8"))


def test_a_rerun_adds_its_seconds_to_the_runs_and_overwrite_starts_again(run_cli, tmp_path: Path) -> None:
    records = [{"id": f"d{n}", "text": f"Text number {n}. " * 20} for n in range(50)]
    write_jsonl(tmp_path / "in.jsonl", records)
    config = write_pipeline(
        tmp_path / "p.yaml", f"input: {tmp_path}/in.jsonl\noutput: {tmp_path}/out\nsteps: [normalize]\n"
    )
    assert run_cli("run", str(config)).exit_code == 0
    first = _stats(tmp_path / "out")
    assert first["seconds"] == first["command_seconds"] > 0
    assert run_cli("run", str(config)).exit_code == 0  # every task done: a rerun only collects
    again = _stats(tmp_path / "out")
    assert again["seconds"] == round(first["seconds"] + again["command_seconds"], 3)
    assert again["command_seconds"] < first["seconds"] + again["command_seconds"]
    assert run_cli("run", str(config), "--overwrite").exit_code == 0
    fresh = _stats(tmp_path / "out")
    assert fresh["seconds"] == fresh["command_seconds"]


def test_a_rerun_of_a_finished_run_says_it_redid_nothing(run_cli, tmp_path: Path) -> None:
    # A new user's trial: the rerun printed a full run's summary, as if the documents were read again.
    write_jsonl(tmp_path / "in.jsonl", [{"id": f"d{n}", "text": f"Text number {n}. " * 20} for n in range(5)])
    config = write_pipeline(
        tmp_path / "p.yaml", f"input: {tmp_path}/in.jsonl\noutput: {tmp_path}/out\nsteps: [normalize]\n"
    )
    first = run_cli("run", str(config), "--no-progress")
    assert first.exit_code == 0 and "nothing redone" not in first.output
    again = run_cli("run", str(config), "--no-progress")
    assert again.exit_code == 0
    assert (
        f"read 5  kept 5  rejected 0  quarantined 0  ->  {tmp_path}/out (finished before: nothing redone)"
        in (again.output)
    )
