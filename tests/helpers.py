"""Plain test helpers (paths, writing inputs, reading outputs), imported by tests and by conftest."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
import zstandard

from gristmill.io.jsonl import JsonlReader

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
# The seed page as the package ships it (the same bytes as ../shared/seed/), so the tests that read it
# run on a checkout without ../shared beside it.
SEED = REPO / "src" / "gristmill" / "samples" / "seed" / "000_13132f2b62ae2e4d.txt"
# The line a run of a pipeline without steps (a copy of its input) says on stderr.
NO_STEPS = (
    "gristmill: pipeline: no steps: the run copies its input to kept/ "
    "(`gristmill steps` lists the steps to add under `steps:`)\n"
)


def write_jsonl(path: Path, records: Iterable[Any]) -> Path:
    """Write records as JSON Lines, compressed by the file's extension."""
    data = b"".join(orjson.dumps(r) + b"\n" for r in records)
    if path.suffix == ".gz":
        data = gzip.compress(data)
    elif path.suffix == ".zst":
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)
    return path


def read_docs(path: Path) -> list[dict[str, Any]]:
    """Read an output shard back as records."""

    class _Strict:
        def quarantine(self, *args: object, **kwargs: object) -> None:
            raise AssertionError(f"unreadable output record: {args}")

        def progress(self, nbytes: int) -> None:
            pass

    return [d.to_record() for d in JsonlReader().read(str(path), _Strict())]


def read_all(folder: Path) -> list[dict[str, Any]]:
    """Read every output shard in a folder, in file order."""
    return [doc for path in sorted(folder.glob("*.jsonl.zst")) for doc in read_docs(path)]


def write_pipeline(path: Path, text: str) -> Path:
    """Write a pipeline YAML file."""
    path.write_text(text, encoding="utf-8")
    return path


def without_progress(output: str) -> list[str]:
    """A run's output lines other than its progress lines (``gristmill: [2/5] phase: …``)."""
    return [line for line in output.splitlines() if not line.startswith("gristmill: [")]


def output_mode() -> int:
    """The mode every output file gets: read and write for all, less the umask (as ``write_atomically``)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask
