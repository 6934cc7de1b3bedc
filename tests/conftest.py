"""Shared fixtures: real files written to tmp_path, the shared evaluation data, the CLI runner."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson
import pytest
import zstandard
from click.testing import CliRunner

from gristmill.cli import cli
from gristmill.io.jsonl import JsonlReader

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
# The seed page as the package ships it (the same bytes as ../shared/seed/), so the tests that read it
# run on a checkout without ../shared beside it.
SEED = REPO / "src" / "gristmill" / "samples" / "seed" / "000_13132f2b62ae2e4d.txt"


@pytest.fixture
def shared_data() -> Path:
    """The public evaluation data beside the repository (see shared/data/SOURCES.md)."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip("shared/data is not beside the repository")
    return path


@pytest.fixture
def shared_dir() -> Path:
    """The shared folder beside the repository (seed page and evaluation data)."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


@pytest.fixture
def seed_text() -> str:
    """The stitched page that started the project."""
    return SEED.read_text(encoding="utf-8")


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


@pytest.fixture
def make_corpus(tmp_path: Path) -> Callable[..., Path]:
    """Write ``shards`` JSONL.zst files of ``docs`` documents each; return the folder."""

    def make(shards: int = 3, docs: int = 20, text: Callable[[int, int], str] | None = None) -> Path:
        folder = tmp_path / "corpus"
        folder.mkdir(exist_ok=True)
        for s in range(shards):
            records = [
                {
                    "id": f"s{s}-d{d}",
                    "text": text(s, d) if text else f"Document {d} of shard {s}. " * (d % 7 + 1),
                    "meta": {"url": f"https://example.org/{s}/{d}", "lang": "en" if d % 3 else "de"},
                }
                for d in range(docs)
            ]
            write_jsonl(folder / f"part-{s:02d}.jsonl.zst", records)
        return folder

    return make


@pytest.fixture
def run_cli() -> Callable[..., Any]:
    """Invoke the ``gristmill`` command in process; returns click's result."""
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return invoke


def write_pipeline(path: Path, text: str) -> Path:
    """Write a pipeline YAML file."""
    path.write_text(text, encoding="utf-8")
    return path
