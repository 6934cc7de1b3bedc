"""Stable ids (issue 13): documents read from files are named relative to the input root."""

from __future__ import annotations

import shutil
from pathlib import Path

from gristmill.config import pipeline_from_dict
from tests.helpers import REPO, read_all, write_jsonl

SAMPLES = REPO / "src" / "gristmill" / "samples"


def _copy_inputs(folder: Path) -> Path:
    """The bundled samples (text, WARC) and a JSONL file without ids, under ``folder``."""
    shutil.copytree(SAMPLES / "seed", folder / "seed")
    shutil.copytree(SAMPLES / "warc", folder / "warc")
    (folder / "web" / "more").mkdir(parents=True)
    write_jsonl(folder / "web" / "more" / "a.jsonl", [{"text": f"Page {i} of the crawl."} for i in range(3)])
    return folder


def _run(inputs: Path, out: Path) -> Path:
    pipeline = pipeline_from_dict(
        {
            "input": {"path": [str(inputs / "seed"), str(inputs / "warc"), str(inputs / "web/**/*.jsonl")]},
            "output": {"path": str(out)},
            "steps": [{"extract": {}}, {"length_filter": {"min_chars": 200}}, {"exact_dedup": {}}],
        }
    )
    pipeline.run(workers=1, progress=False)
    return out


def test_ids_and_source_paths_are_relative_to_the_input_root(tmp_path: Path) -> None:
    out = _run(_copy_inputs(tmp_path / "in"), tmp_path / "out")
    docs = read_all(out / "kept") + read_all(out / "rejected")
    ids = {d["id"] for d in docs}
    assert "seed/000_13132f2b62ae2e4d.txt" in ids
    assert {"web/more/a/1", "web/more/a/2", "web/more/a/3"} <= ids
    seed = next(d for d in docs if d["id"].startswith("seed/"))
    assert seed["meta"]["source_file"] == "seed/000_13132f2b62ae2e4d.txt"
    warc = [d for d in docs if "warc_file" in d["meta"]]
    assert warc and {d["meta"]["warc_file"] for d in warc} == {"warc/cc-main-2020-34-excerpt.warc.gz"}
    assert not any(str(tmp_path) in str(d) for d in docs)


def test_the_same_run_on_a_copy_of_the_inputs_elsewhere_writes_the_same_bytes(tmp_path: Path) -> None:
    first = _run(_copy_inputs(tmp_path / "one"), tmp_path / "out-one")
    second = _run(_copy_inputs(tmp_path / "elsewhere" / "two"), tmp_path / "out-two")
    for part in ("kept", "rejected"):
        names = sorted(p.name for p in (first / part).iterdir())
        assert names and names == sorted(p.name for p in (second / part).iterdir())
        for name in names:
            assert (first / part / name).read_bytes() == (second / part / name).read_bytes(), name
