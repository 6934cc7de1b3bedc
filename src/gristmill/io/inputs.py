"""Where documents come from: input paths, their formats, and how they split into shards."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from typing import Any

from gristmill.errors import ConfigError, MissingInputError
from gristmill.io import storage
from gristmill.io.base import Reader, ReaderOptions
from gristmill.io.files import HtmlFileReader, TextFileReader
from gristmill.io.jsonl import JsonlReader
from gristmill.io.parquet import ParquetReader
from gristmill.io.warc import WarcReader

READERS: dict[str, type[Reader]] = {
    r.format: r for r in (JsonlReader, ParquetReader, WarcReader, TextFileReader, HtmlFileReader)
}
_RUN_MARK = "_state/pipeline.json"
_COMPRESSED = (".gz", ".gzip", ".zst", ".zstd")


def format_of(path: str) -> str | None:
    """Return the input format a file name implies, or None when it implies none."""
    name = path.lower()
    for suffix in _COMPRESSED:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    for fmt, reader in READERS.items():
        if name.endswith(reader.extensions):
            return fmt
    return None


@dataclass(frozen=True)
class Shard:
    """A unit of work: one input file, or a group of one-page files; ``index`` names its outputs."""

    index: int
    format: str
    files: tuple[str, ...]


@dataclass(frozen=True)
class InputSpec:
    """The ``input:`` section: paths or globs (a folder means every file in it), and the format.

    Options:
        path: a file, folder or glob, or a list of them.
        format: jsonl, parquet, warc, text or html; by default each file's extension decides.
        files_per_shard: how many one-page files (text, html) make one shard.
        text_key: the field of a JSONL or Parquet record that holds the text (default ``text``).
        id_key: the field that holds the document id (default ``id``; a record without one gets
            ``file-stem/line``).
        storage_options: options for the fsspec backend of URL paths (``s3://``, ``gs://``, ``hf://``),
            passed through unchanged (s3fs: ``endpoint_url``, ``key``, ``secret``, ``anon``, ...);
            never written into the output folder, as they may hold credentials.
    """

    path: str | list[str]
    format: str | None = None
    files_per_shard: int = 500
    text_key: str = "text"
    id_key: str = "id"
    storage_options: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.format is not None and self.format not in READERS:
            raise ConfigError(f"input: unknown format {self.format!r}; formats are {sorted(READERS)}")
        if not isinstance(self.files_per_shard, int) or self.files_per_shard < 1:
            raise ConfigError("input: files_per_shard must be a positive whole number")
        for name in ("text_key", "id_key"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ConfigError(f"input: {name} must be a field name (a non-empty string)")
        if self.storage_options is not None and not isinstance(self.storage_options, dict):
            raise ConfigError("input: storage_options must be a mapping of fsspec options")
        self.use_storage()

    def use_storage(self) -> None:
        """Register ``storage_options`` for this input's URLs (again in each worker process)."""
        for pattern in self.paths:
            storage.register(pattern, self.storage_options)

    @property
    def reader_options(self) -> ReaderOptions:
        """The options every reader of this input gets."""
        return ReaderOptions(text_key=self.text_key, id_key=self.id_key)

    def reader(self, fmt: str) -> Reader:
        """Return a reader for ``fmt`` with this input's options."""
        return reader_for(fmt, self.reader_options)

    @property
    def paths(self) -> list[str]:
        """The paths as a list."""
        return [self.path] if isinstance(self.path, str) else list(self.path)

    def files(self, exclude: str | os.PathLike[str] | None = None) -> list[tuple[str, str]]:
        """Return ``(file, format)`` for every input file, in order; fail if a path matches nothing.

        A file named twice (by overlapping paths or globs, or through a link) is listed once. Files
        under ``exclude`` (the run's output folder) or in any other gristmill output folder are never
        input: a rerun must not read output back as input.
        """
        skip = (
            os.path.realpath(exclude) + os.sep
            if exclude is not None and not storage.is_url(exclude)
            else None
        )
        in_run_folder = _RunFolders()
        seen: set[str] = set()
        found: list[tuple[str, str]] = []
        for pattern in self.paths:
            if storage.is_url(pattern):
                found.extend(self._objects(pattern, exclude, seen))
                continue
            pattern = storage.local_path(pattern)
            matches = sorted(glob.glob(os.path.expanduser(pattern), recursive=True))
            if not matches:
                raise MissingInputError(f"input: {pattern!r} matches no file")
            listed: list[str] = []
            for match in matches:
                if os.path.isdir(match):
                    listed.extend(_walk(match))
                else:
                    listed.append(match)
            for path in listed:
                real = os.path.realpath(path)
                if real in seen or (skip is not None and real.startswith(skip)) or in_run_folder(path):
                    continue
                seen.add(real)
                fmt = self.format or format_of(path)
                if fmt is None:
                    if len(matches) == 1 and not os.path.isdir(matches[0]):
                        raise ConfigError(
                            f"input: cannot tell the format of {path!r} from its name; set `format:`"
                        )
                    continue  # a folder may hold a README or a LICENSE beside the data
                found.append((path, fmt))
        if not found:
            raise MissingInputError(f"input: {self.paths} holds no file of a known format")
        return found

    def _objects(
        self, pattern: str, exclude: str | os.PathLike[str] | None, seen: set[str]
    ) -> list[tuple[str, str]]:
        """``(url, format)`` for every object a URL, prefix or glob names (listed through fsspec)."""
        try:
            urls = storage.expand(pattern)
        except storage.StorageError as exc:
            raise MissingInputError(f"input: cannot list {exc}") from exc
        if not urls:
            raise MissingInputError(f"input: {pattern!r} matches no object")
        # An output folder's objects (this run's, or any holding _state/pipeline.json) are never input.
        runs = tuple(u[: -len(_RUN_MARK)] for u in urls if u.endswith(_RUN_MARK))
        if exclude is not None and storage.is_url(exclude):
            runs += (str(exclude).rstrip("/") + "/",)
        found: list[tuple[str, str]] = []
        for url in urls:
            if url in seen or url.startswith(runs):
                continue
            seen.add(url)
            fmt = self.format or format_of(url)
            if fmt is None:
                if len(urls) == 1:
                    raise ConfigError(
                        f"input: cannot tell the format of {url!r} from its name; set `format:`"
                    )
                continue
            found.append((url, fmt))
        return found

    def shards(self, exclude: str | os.PathLike[str] | None = None) -> list[Shard]:
        """Split the input files (none under ``exclude``) into shards: a file each, one-page files grouped."""
        shards: list[Shard] = []
        pending: dict[str, list[str]] = {}
        for path, fmt in self.files(exclude):
            if READERS[fmt].one_file_per_document:
                group = pending.setdefault(fmt, [])
                group.append(path)
                if len(group) == self.files_per_shard:
                    shards.append(Shard(len(shards), fmt, tuple(group)))
                    pending[fmt] = []
            else:
                shards.append(Shard(len(shards), fmt, (path,)))
        for fmt, group in pending.items():
            if group:
                shards.append(Shard(len(shards), fmt, tuple(group)))
        return shards


def _walk(folder: str) -> list[str]:
    """Every file under ``folder``, sorted by folder then name, skipping gristmill output folders."""
    found: list[tuple[str, list[str]]] = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not _is_run_folder(os.path.join(root, d))]
        found.append((root, sorted(names)))
    return [os.path.join(root, name) for root, names in sorted(found) for name in names]


def _is_run_folder(folder: str) -> bool:
    """Whether ``folder`` holds a gristmill run (its outputs are never input)."""
    return os.path.isfile(os.path.join(folder, "_state", "pipeline.json"))


class _RunFolders:
    """Answers whether a file lies inside a gristmill output folder, asking each folder once."""

    def __init__(self) -> None:
        self._known: dict[str, bool] = {}

    def __call__(self, path: str) -> bool:
        folder = os.path.dirname(os.path.abspath(path))
        checked: list[str] = []
        answer = False
        while True:
            if folder in self._known:
                answer = self._known[folder]
                break
            checked.append(folder)
            if _is_run_folder(folder):
                answer = True
                break
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        for seen in checked:
            self._known[seen] = answer
        return answer


def reader_for(fmt: str, options: ReaderOptions | None = None) -> Reader:
    """Return a reader for ``fmt``, with ``options`` (field names) where given."""
    return READERS[fmt](options)
