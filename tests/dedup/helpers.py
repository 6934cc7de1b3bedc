"""Helpers for dedup tests: real pipelines over JSONL files written to a temporary folder."""

from __future__ import annotations

import gzip
import json
import random
import string
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from gristmill import Document, Pipeline, Step
from gristmill.io.jsonl import JsonlReader
from tests.helpers import SEED

__all__ = ["SEED", "Outcome", "dolma_docs", "random_words", "run_pipeline"]


def dolma_docs(shared_data: Path) -> list[dict[str, str]]:
    name = "web_text/dolma/CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
    with gzip.open(shared_data / name, "rt", encoding="utf-8") as handle:
        return [{"id": r["id"], "text": r["text"]} for r in map(json.loads, handle)]


class _Ignore:
    def quarantine(self, *args: object, **kwargs: object) -> None:
        raise AssertionError(f"quarantined: {args}")

    def progress(self, nbytes: int) -> None:
        pass


@dataclass
class Outcome:
    kept: list[Document]
    rejected: list[Document]
    stats: dict

    @property
    def kept_ids(self) -> list[str]:
        return sorted(d.id for d in self.kept)

    def by_id(self) -> dict[str, Document]:
        return {d.id: d for d in self.kept + self.rejected}


def read_folder(folder: Path) -> list[Document]:
    """The documents of an output folder; without ``meta.source_file``, which follows how a test split
    its records over files (tests compare runs over one file and several)."""
    docs = [d for p in sorted(folder.glob("*.jsonl*")) for d in JsonlReader().read(str(p), _Ignore())]
    for doc in docs:
        doc.meta.pop("source_file", None)
    return docs


def run_pipeline(
    tmp: Path, records: Sequence[dict[str, str]], steps: Sequence[Step], *, files: int = 1, workers: int = 1
) -> Outcome:
    """Write ``records`` in order over ``files`` JSONL files, run ``steps`` on them, read the result."""
    source = tmp / "in"
    source.mkdir(parents=True)
    for k in range(files):
        part = records[k * len(records) // files : (k + 1) * len(records) // files]
        (source / f"part{k:03d}.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in part))
    out = tmp / "out"
    result = Pipeline(input={"path": str(source)}, output={"path": str(out)}, steps=steps).run(
        workers=workers, progress=False
    )
    return Outcome(read_folder(out / "kept"), read_folder(out / "rejected"), result.stats)


def random_words(rng: random.Random, count: int) -> list[str]:
    return ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9))) for _ in range(count)]


def small_windows(monkeypatch: Any, module: Any, rows: int = 1024) -> list[int]:
    """Make the group merge in ``module`` use windows of ``rows``; return the sizes of those it yields."""
    from gristmill.dedup import work

    windows: list[int] = []

    def spied(*args: Any, **kwargs: Any) -> Iterator[Any]:  # the real merge, its window sizes noted
        for found in work.bucket_windows(*args, **kwargs):
            windows.append(len(found))
            yield found

    monkeypatch.setattr(work, "WINDOW_ROWS", rows)
    monkeypatch.setattr(module, "bucket_windows", spied)
    return windows
