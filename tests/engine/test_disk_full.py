"""A disk that fills up mid-run: one line naming the folder, exit 1; after space is freed, the same bytes."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.executors.test_local import outputs
from tests.helpers import without_progress, write_pipeline

PIPELINE = """
input: {src}
output: {out}
steps:
  - normalize: {{}}
  - exact_dedup: {{}}
"""


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs (root only): a real file system that runs out of space."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_is_one_line_and_a_rerun_after_freeing_space_gives_the_same_bytes(
    small_disk, make_corpus, run_cli, tmp_path
) -> None:
    # Random-looking text that zstd cannot shrink, so a few shards fill 1 MiB.
    src = make_corpus(shards=6, docs=300, text=lambda s, d: os.urandom(300).hex())
    out = small_disk / "out"
    config = write_pipeline(tmp_path / "p.yaml", PIPELINE.format(src=src, out=out))
    result = run_cli("run", str(config))
    assert result.exit_code == 1
    # Beside the last lines of the phases that ended before the disk filled: one line.
    assert without_progress(result.output) == [
        f"gristmill: error: output: no space left on the device holding '{out}'; "
        "free some and run the same command to resume"
    ]
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    assert run_cli("run", str(config)).exit_code == 0
    clean = tmp_path / "clean"
    assert (
        run_cli(
            "run", str(write_pipeline(tmp_path / "c.yaml", PIPELINE.format(src=src, out=clean)))
        ).exit_code
        == 0
    )
    assert outputs(out) == outputs(clean)
