"""Shared fixtures: real files written to tmp_path, the shared evaluation data, the CLI runner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gristmill.cli import cli
from tests.helpers import SEED, SHARED, write_jsonl


@pytest.fixture(autouse=True, scope="session")
def _user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep gristmill's per-user cache (report template, staging) out of the real ``~/.cache``."""
    cache = tmp_path_factory.mktemp("xdg-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(cache))  # what gristmill.cache.user_cache reads
        yield cache


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
