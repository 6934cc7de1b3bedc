"""The output folder: where kept, rejected and quarantined documents, state and stats live."""

from __future__ import annotations

import errno
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from gristmill.errors import OutputError, UnusableOutputError
from gristmill.io.atomic import write_atomically

# The folders steps write side outputs in (``StepContext.open_output``), beside ``kept/``.
SIDE_FOLDERS = ("tokens",)
_RUN_PARTS = (
    "kept",
    "rejected",
    "quarantine",
    "_state",
    "_work",
    "stats.json",
    "pipeline.yaml",
    *SIDE_FOLDERS,
)


@contextmanager
def disk_full_as_error(layout: Layout) -> Iterator[None]:
    """Turn a full disk (or quota) met while writing the output into one line naming the folder."""
    try:
        yield
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise OutputError(
                f"output: no space left on the device holding {str(layout.root)!r}; "
                "free some and run the same command to resume"
            ) from None
        raise


class Layout:
    """Names every file of a run under its output folder."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.kept = self.root / "kept"
        self.rejected = self.root / "rejected"
        self.quarantine = self.root / "quarantine"
        self.state = self.root / "_state"
        self.work = self.root / "_work"
        self.stats = self.root / "stats.json"
        self.pipeline_file = self.root / "pipeline.yaml"
        self.report = self.root / "report.html"
        # Outside _RUN_PARTS: --overwrite clears the run, never the lock another run may hold.
        self.lock = self.root / ".gristmill.lock"
        self.manifest = self.state / "inputs.json"

    def create(self) -> None:
        """Create the folder and check it can be written."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / ".gristmill-write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise UnusableOutputError(f"output: cannot write to {str(self.root)!r}: {exc.strerror}") from exc

    def prepare(self, config: dict[str, Any], overwrite: bool) -> None:
        """Check the folder holds a run of the same pipeline (or clear it with ``overwrite``)."""
        recorded = self.state / "pipeline.json"
        same = not recorded.exists() or orjson.loads(recorded.read_bytes()) == orjson.loads(
            orjson.dumps(config)
        )
        if not same and not overwrite:
            raise UnusableOutputError(
                f"output: {str(self.root)!r} holds the run of a different pipeline; "
                "choose another folder or pass --overwrite"
            )
        if overwrite:
            for part in (*_RUN_PARTS, "report.html"):
                target = self.root / part
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                else:
                    target.unlink(missing_ok=True)
        for folder in (self.kept, self.rejected, self.quarantine, self.state, self.work):
            try:
                folder.mkdir(exist_ok=True)
            except OSError as exc:
                raise UnusableOutputError(
                    f"output: cannot use {str(folder)!r} as a folder: {exc.strerror}; "
                    "choose another output folder, or pass --overwrite"
                ) from exc
        if not recorded.exists():
            write_atomically(recorded, orjson.dumps(config, option=orjson.OPT_INDENT_2))

    def marker(self, task: str) -> Path:
        """The done-marker of a task (``stage0/00003``)."""
        return self.state / f"{task}.done"

    def is_done(self, task: str) -> bool:
        """Whether a task finished in an earlier run."""
        return self.marker(task).exists()

    def mark_done(self, task: str, record: dict[str, Any]) -> None:
        """Write a task's done-marker (with its stats), after its outputs are in place."""
        path = self.marker(task)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, orjson.dumps(record))

    def read_marker(self, task: str) -> dict[str, Any]:
        """Read a task's done-marker."""
        data: dict[str, Any] = orjson.loads(self.marker(task).read_bytes())
        return data

    def stage_input(self, stage: int, shard: int) -> Path:
        """The intermediate file a stage hands to the barrier after it."""
        return self.work / f"stage{stage}" / f"{shard:05d}.jsonl.zst"

    def barrier_work(self, stage: int) -> Path:
        """The work folder of the barrier that opens ``stage``."""
        return self.work / f"barrier{stage}"

    def kept_file(self, shard: int, suffix: str) -> Path:
        """The kept output of a shard."""
        return self.kept / f"{shard:05d}{suffix}"

    def rejected_file(self, shard: int, stage: int, suffix: str) -> Path:
        """The rejected output of a shard in a stage."""
        tag = "" if stage == 0 else f".stage{stage}"
        return self.rejected / f"{shard:05d}{tag}{suffix}"

    def quarantine_file(self, shard: int, stage: int = 0) -> Path:
        """The quarantine file of a shard in a stage (plain JSON Lines, for reading by eye)."""
        tag = "" if stage == 0 else f".stage{stage}"
        return self.quarantine / f"{shard:05d}{tag}.jsonl"

    def side_file(self, name: str) -> Path:
        """The side output ``name`` (``tokens/00003-000.bin``): a file directly in one of ``SIDE_FOLDERS``."""
        parts = Path(name).parts
        if len(parts) != 2 or parts[0] not in SIDE_FOLDERS or parts[1] in ("", ".", ".."):
            raise ValueError(f"side output {name!r} is not a file directly in one of {SIDE_FOLDERS}")
        return self.root / name

    def has_started(self) -> bool:
        """Whether a run already finished a task here (so a rerun resumes it)."""
        return self.state.is_dir() and any(self.state.rglob("*.done"))
