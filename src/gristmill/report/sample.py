"""The documents a report looks at: a bounded, deterministic sample spread over every output shard.

A run of 10⁶ documents must report in seconds, so the report never reads a whole output: it takes
the first documents of each shard file, the same share of each (at least one), up to ``limit`` in all.
Files are taken in name order, so the same run always gives the same sample.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from gristmill.document import Document
from gristmill.engine.layout import OUTPUT_SUFFIXES, spread
from gristmill.io.jsonl import JsonlReader
from gristmill.io.parquet import ParquetReader


@dataclass
class Sample:
    """Documents read from one output folder, and how they were chosen."""

    docs: list[Document]
    files: int  # shard files in the folder
    files_read: int  # of which the sample read from
    per_file: int  # most documents taken from the start of each file read
    whole: bool = False  # every document of the folder was read

    def how(self) -> str:
        """Say in words how the documents were chosen."""
        if not self.files:
            return "no shard files"
        if self.whole:
            return f"every document of its {self.files:,} shard file" + ("s" if self.files > 1 else "")
        if self.files == 1:
            return f"up to {self.per_file:,} from the start of its one shard file"
        spread = "each" if self.files_read == self.files else f"{self.files_read:,} evenly spaced"
        return f"up to {self.per_file:,} from the start of {spread} of its {self.files:,} shard files"


class _Ignore:
    """Output files were written by gristmill: a record the readers set aside is not the report's matter."""

    def quarantine(self, *args: object, **kwargs: object) -> None:
        pass

    def progress(self, nbytes: int) -> None:
        pass


def output_files(folder: Path) -> list[Path]:
    """The document files in an output folder, in name order."""
    return sorted(p for p in folder.glob("*") if p.name.endswith(OUTPUT_SUFFIXES))


def sample_folder(
    folder: Path, limit: int, files_there: int | None = None, documents: int | None = None
) -> Sample:
    """Read up to ``limit`` documents from ``folder``, the first few of each shard file.

    ``files_there``: how many files the folder holds on the object store it was sampled from;
    ``documents``: how many it holds (stats.json's count): up to ``limit``, every one is read.
    """
    files = output_files(folder)
    if not files:
        return Sample([], 0, 0, 0)
    if documents is not None and documents <= limit and files_there in (None, len(files)):
        docs: list[Document] = []
        for path in files:  # one more than counted, at most: a folder holding more is found at once
            docs.extend(islice(_read(path), documents + 1 - len(docs)))
            if len(docs) > documents:
                break
        if len(docs) == documents:
            return Sample(docs, len(files), len(files), documents, whole=True)
        # Not the folder stats.json counted (an edited or older run): sampled as any other.
    chosen = spread(files, limit)
    per_file = max(1, math.ceil(limit / len(chosen)))
    docs = []
    for path in chosen:
        docs.extend(islice(_read(path), per_file))
    return Sample(docs[:limit], files_there or len(files), len(chosen), per_file)


def _read(path: Path) -> Iterator[Document]:
    reader: JsonlReader | ParquetReader = ParquetReader() if path.suffix == ".parquet" else JsonlReader()
    return reader.read(str(path), _Ignore())
