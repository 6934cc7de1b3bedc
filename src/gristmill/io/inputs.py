"""Where documents come from: input paths, their formats, and how they split into shards."""

from __future__ import annotations

import difflib
import functools
import glob
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, NamedTuple

import msgspec

from gristmill.errors import ConfigError, InputError, MissingInputError
from gristmill.io import storage
from gristmill.io.base import SOURCE_FILE, Reader, ReaderOptions
from gristmill.io.files import HtmlFileReader, TextFileReader
from gristmill.io.jsonl import JsonlReader
from gristmill.io.parquet import ParquetReader
from gristmill.io.schema import FIELD_TYPES, FieldType
from gristmill.io.warc import WarcReader
from gristmill.steps.options import check_fields

FieldName = Annotated[str, msgspec.Meta(min_length=1)]
# A path, or a list of them: a file, a folder, a glob or a URL, none of them empty.
Paths = FieldName | Annotated[list[FieldName], msgspec.Meta(min_length=1)]

READERS: dict[str, type[Reader]] = {
    r.format: r for r in (JsonlReader, ParquetReader, WarcReader, TextFileReader, HtmlFileReader)
}
_RUN_MARK = "_state/pipeline.json"
_COMPRESSED = (".gz", ".gzip", ".zst", ".zstd")
_NAMED = 3  # files named in the one line on files of no known format
log = logging.getLogger(__name__)


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


class MetaKeyRead(NamedTuple):
    """A ``meta`` key a step reads, as a user set it: said in one line when no document has it."""

    said: str  # who reads it, and how: "step 'url_filter', option 'url_field' names 'link'"
    key: str  # the top-level meta key looked for
    advice: str = ""  # what to do, said in place of the nearest field name ("put a language step …")


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
            its file's path from the input root without extensions, and its line: ``web/a/12``).
        meta_keys: the fields of a JSONL or Parquet record (top-level, or in its ``meta`` or
            ``metadata``) that go into ``meta``, typed in the output: a list of names (each ``str``)
            or a mapping of name to type (str, int, float, bool, json); by default every field goes,
            the ones Dolma and datatrove share typed, the others in ``meta.extra``.
        storage_options: options for the fsspec backend of URL paths (``s3://``, ``gs://``, ``hf://``),
            passed through unchanged (s3fs: ``endpoint_url``, ``key``, ``secret``, ``anon``, ...);
            never written into the output folder, as they may hold credentials.
    """

    # Bounds are declared on the fields: the run's check (`check_fields`) and `gristmill schema` read them.
    path: Paths
    format: str | None = None
    files_per_shard: Annotated[int, msgspec.Meta(ge=1)] = 500
    text_key: FieldName = "text"
    id_key: FieldName = "id"
    storage_options: dict[str, Any] | None = None
    meta_keys: list[FieldName] | dict[FieldName, FieldType] | None = None

    def __post_init__(self) -> None:
        if self.format is not None and self.format not in READERS:
            raise ConfigError(f"input: unknown format {self.format!r}; formats are {sorted(READERS)}")
        if isinstance(self.meta_keys, dict):  # said before the type check, which would list every type
            for key, kind in self.meta_keys.items():
                if kind not in FIELD_TYPES:
                    raise ConfigError(
                        f"input: meta_keys: unknown type {kind!r} for {key!r}; types are {list(FIELD_TYPES)}"
                    )
        check_fields(self, "input")
        self.use_storage()

    def use_storage(self) -> None:
        """Register ``storage_options`` for this input's URLs (again in each worker process)."""
        for pattern in self.paths:
            storage.register(pattern, self.storage_options)

    @property
    def meta_key_types(self) -> dict[str, FieldType] | None:
        """``meta_keys`` as name -> type (a list's names are each ``str``), or None when not set."""
        if self.meta_keys is None:
            return None
        if isinstance(self.meta_keys, list):
            return dict.fromkeys(self.meta_keys, "str")
        return dict(self.meta_keys)

    def meta_fields(self, fmt: str) -> Mapping[str, FieldType]:
        """The ``meta`` keys documents of ``fmt`` carry: the reader's, or ``meta_keys`` for records.

        ``source_file`` comes first whatever the format: every document names its input file.
        """
        reader = READERS[fmt]
        chosen = self.meta_key_types
        fields = chosen if chosen is not None and reader.has_fields else reader.meta_fields
        return {SOURCE_FILE: "str", **fields}

    @property
    def reader_options(self) -> ReaderOptions:
        """The options every reader of this input gets."""
        chosen = self.meta_key_types
        meta_keys = None if chosen is None else tuple(chosen)
        return ReaderOptions(text_key=self.text_key, id_key=self.id_key, meta_keys=meta_keys, root=self.root)

    @property
    def root(self) -> str:
        """The input root: the deepest folder holding every path (a glob's up to its first wildcard).

        Documents read from files are named relative to it, the same on every machine.
        """
        if any(storage.is_url(pattern) for pattern in self.paths):
            return _url_root(self.paths)
        folders = []
        for pattern in self.paths:
            path = os.path.abspath(os.path.expanduser(storage.local_path(pattern)))
            wildcard = min((path.index(c) for c in "*?[" if c in path), default=-1)
            if wildcard >= 0:
                path = os.path.dirname(path[:wildcard])
            elif not os.path.isdir(path):
                path = os.path.dirname(path)
            folders.append(path)
        return os.path.commonpath(folders)

    def check_field_names(
        self,
        shards: list[Shard],
        sample: int = 100,
        files: int = 32,
        step_meta: Sequence[MetaKeyRead] = (),
    ) -> None:
        """Fail in one line naming a ``text_key``, ``id_key`` or ``meta_keys`` field no early record has.

        Local input files with fields are looked at in order, the first ``sample`` records of each,
        until one holds the name or ``files`` were looked at: a name none of them has (as a top-level
        field, null or not) is mistyped, not missing from some records (a side file beside the data).
        ``id_key`` is checked only where it was named: records without an id are common, and get one.
        ``meta_keys`` are checked against the first file's documents' meta. Where every file is an object
        in storage, the first alone is looked at (a look fetches a block of it; a Parquet footer).
        ``step_meta`` holds each ``meta`` key a step reads as a user set it (``url_field``, ``by_language``'s
        ``language``): each is looked for in the documents' meta the same way.
        """
        with_fields = [
            (path, s.format)
            for s in shards
            if READERS[s.format].has_fields
            for path in s.files
            # Not a named pipe: opening one waits for a writer (the manifest then names it, in one line).
            if storage.is_url(path) or os.path.isfile(storage.local_path(path))
        ]
        found = [(path, fmt) for path, fmt in with_fields if not storage.is_url(path)] or with_fields[:1]
        self._check_step_meta(shards, found[:files], step_meta, sample)
        if not with_fields:
            return
        self._check_meta_keys(with_fields[0])
        named = [("text_key", self.text_key)]
        if self.id_key != ReaderOptions.id_key:
            named.append(("id_key", self.id_key))
        fields: set[str] = set()
        looked: list[str] = []
        for path, fmt in found[:files]:
            names = reader_for(fmt).field_names(path, sample)
            if names is not None:  # a file that cannot be read is the run's to report, in its turn
                fields |= names
                looked.append(path)
            if all(key in fields for _, key in named):
                break
        for option, key in named:
            if looked and key not in fields:
                where = looked[0] if len(looked) == 1 else f"{len(looked)} files ({looked[0]}, …)"
                raise ConfigError(
                    f"input: {option} names {key!r}, which no record in the first {sample} lines of {where}"
                    f" has; {_hint(key, fields)}"
                )

    def _check_meta_keys(self, first: tuple[str, str], sample: int = 100) -> None:
        """Fail naming a ``meta_keys`` field that none of the first records of ``first`` has in its meta."""
        chosen = self.meta_key_types
        if not chosen:
            return
        path, fmt = first
        seen = self._meta_seen(path, fmt, sample) or set()
        missing = [key for key in chosen if key not in seen]
        if seen and missing:
            raise ConfigError(
                f"input: meta_keys names {missing[0]!r}, which none of the first {sample} records of "
                f"{path} has; {_hint(missing[0], seen)}"
            )

    def _meta_seen(self, path: str, fmt: str, sample: int) -> set[str] | None:
        """The ``meta`` keys of the first ``sample`` documents of ``path``; None when it gave none."""
        options = ReaderOptions(text_key=self.text_key, id_key=self.id_key)
        seen: set[str] = set()
        count = 0
        try:
            for count, doc in enumerate(reader_for(fmt, options).read(path, _Bounded(sample)), start=1):
                seen.update(doc.meta)
                if count == sample:
                    break
        except (InputError, _Enough):  # a file that cannot be read is the run's to report, in its turn
            pass
        return seen if count else None

    def _check_step_meta(
        self, shards: list[Shard], found: list[tuple[str, str]], named: Sequence[MetaKeyRead], sample: int
    ) -> None:
        """Say in one line when a ``meta`` key a step names (a mistyped ``url_field``) is on no document.

        Such a step finds the key on no document and does nothing (or drops every document) without a
        word. Where the documents' keys are known (a format without fields: its reader's; records
        limited by ``meta_keys``) a key none has stops the run. Where they are sampled (the first
        records of ``found``, as for ``text_key``) it is said as a warning: a later record, or a file
        past the sample, may hold it, and one whose early records hold it null is not seen.
        """
        if not named:
            return
        records = self.meta_keys is None and any(READERS[s.format].has_fields for s in shards)
        carried = {SOURCE_FILE}
        for fmt in {s.format for s in shards}:
            if not (records and READERS[fmt].has_fields):
                carried.update(self.meta_fields(fmt))
        looked: list[str] = []
        for path, fmt in found if records else []:
            if all(read.key in carried for read in named):
                break
            seen = self._meta_seen(path, fmt, sample)
            if seen is not None:
                carried |= seen
                looked.append(path)
        if records and not looked:
            return  # no record could be read: the run reports that, in its turn
        for said, key, advice in named:
            if key in carried:
                continue
            if not looked:
                raise ConfigError(
                    f"{said}, which no document has in its meta; {advice or _hint(key, carried)}"
                )
            files = looked[0] if len(looked) == 1 else f"{len(looked)} files ({looked[0]}, …)"
            log.warning(
                "%s, which no document has in its meta in the first %d records of %s; %s",
                said,
                sample,
                files,
                advice or _hint(key, carried),
            )

    def reader(self, fmt: str) -> Reader:
        """Return a reader for ``fmt`` with this input's options."""
        return reader_for(fmt, self.reader_options)

    @property
    def paths(self) -> list[str]:
        """The paths as a list."""
        return [self.path] if isinstance(self.path, str) else list(self.path)

    def files(
        self, exclude: str | os.PathLike[str] | None = None, passed_over: list[str] | None = None
    ) -> list[tuple[str, str]]:
        """Return ``(file, format)`` for every input file, in order; fail if a path matches nothing.

        A file named twice (by overlapping paths or globs, or through a link) is listed once. Files
        under ``exclude`` (the run's output folder) or in any other gristmill output folder are never
        input: a rerun must not read output back as input. Files in a folder whose names imply no
        format are appended to ``passed_over``.
        """
        skip = (
            os.path.realpath(exclude) + os.sep
            if exclude is not None and not storage.is_url(exclude)
            else None
        )
        in_run_folder = _RunFolders()
        seen: set[str] = set()
        found: list[tuple[str, str]] = []
        in_output = in_run = False
        for pattern in self.paths:
            if storage.is_url(pattern):
                found.extend(self._objects(pattern, exclude, seen, passed_over))
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
                if skip is not None and real.startswith(skip):
                    in_output = True
                    continue
                if real in seen:
                    continue
                if in_run_folder(path):
                    in_run = True
                    continue
                seen.add(real)
                fmt = self.format or format_of(path)
                if fmt is None:
                    if len(matches) == 1 and not os.path.isdir(matches[0]):
                        raise ConfigError(
                            f"input: cannot tell the format of {path!r} from its name; set `format:`"
                        )
                    if passed_over is not None:  # a folder may hold a LICENSE beside the data
                        passed_over.append(path)
                    continue
                found.append((path, fmt))
        if not found and in_output:
            raise MissingInputError(
                f"input: {self.paths} holds no file of a known format outside the output folder "
                f"{str(exclude)!r} (a run never reads its output folder); choose an output folder apart "
                "from the input"
            )
        if not found and in_run:
            raise MissingInputError(
                f"input: {self.paths} holds no file of a known format outside gristmill output folders "
                "(a folder above it holds _state/pipeline.json: a run's output, never read as input)"
            )
        if not found:
            raise MissingInputError(f"input: {self.paths} holds no file of a known format")
        return found

    def _objects(
        self,
        pattern: str,
        exclude: str | os.PathLike[str] | None,
        seen: set[str],
        passed_over: list[str] | None,
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
                if passed_over is not None:
                    passed_over.append(url)
                continue
            found.append((url, fmt))
        return found

    def shards(self, exclude: str | os.PathLike[str] | None = None) -> list[Shard]:
        """Split the input files (none under ``exclude``) into shards: a file each, one-page files grouped."""
        shards: list[Shard] = []
        pending: dict[str, list[str]] = {}
        passed_over: list[str] = []
        files = self.files(exclude, passed_over)
        _check_names_are_utf8([path for path, _ in files])
        if passed_over:
            more = f" and {len(passed_over) - _NAMED:,} more" if len(passed_over) > _NAMED else ""
            log.warning(
                "input: %s of no known format passed over: %s%s (`format:` in input: reads every file as "
                "that format)",
                f"{len(passed_over):,} file" + ("s" if len(passed_over) > 1 else ""),
                ", ".join(passed_over[:_NAMED]),
                more,
            )
        for path, fmt in files:
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


def _check_names_are_utf8(paths: list[str]) -> None:
    """Fail in one line on a file name that is not UTF-8 (Python holds its bytes as surrogates).

    The outputs record it (a text file's document id, ``meta.source_file``), as UTF-8 JSON.
    """
    for path in paths:
        try:
            path.encode("utf-8")
        except UnicodeEncodeError:
            shown = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            raise MissingInputError(
                f"input: the file name '{shown}' is not UTF-8, and the outputs record it (document ids, "
                "meta.source_file); rename the file"
            ) from None


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


class _Enough(Exception):
    """A look at the first records met as many it could not read as it looks at."""


class _Bounded:
    """A sink for a look at the first records: what cannot be read is the run's to report.

    It ends the look after ``limit`` such records: a file of records that are no documents is not read
    through before the run starts.
    """

    def __init__(self, limit: int) -> None:
        self.left = limit

    def quarantine(self, path: str, where: str, reason: str, excerpt: bytes | str = b"") -> None:
        self.left -= 1
        if self.left <= 0:
            raise _Enough

    def progress(self, nbytes: int) -> None:
        pass


def _hint(name: str, known: set[str]) -> str:
    """``did you mean …?`` for a field name, or the fields there are."""
    near = difflib.get_close_matches(name, sorted(known), n=1)
    return f"did you mean {near[0]!r}?" if near else f"its fields: {sorted(known)[:12]}"


def reader_for(fmt: str, options: ReaderOptions | None = None) -> Reader:
    """Return a reader for ``fmt``, with ``options`` (field names) where given."""
    return READERS[fmt](options)


def _url_root(patterns: list[str]) -> str:
    """The input root of URL paths: the deepest common folder URL (``s3://bucket/crawl``), or ""."""
    folders = []
    for pattern in patterns:
        if not storage.is_url(pattern):
            return ""  # local files and URLs together: each keeps the name it was listed by
        wildcard = min((pattern.index(c) for c in "*?[" if c in pattern), default=-1)
        if wildcard >= 0:
            folder = pattern[:wildcard].rpartition("/")[0]
        elif pattern.endswith("/") or _is_folder(pattern):
            folder = pattern.rstrip("/")
        else:
            folder = pattern.rpartition("/")[0]
        folders.append(folder)
    scheme = {folder.split("://", 1)[0] for folder in folders}
    if len(scheme) != 1:
        return ""
    parts = [folder.split("/") for folder in folders]
    common = []
    for segments in zip(*parts, strict=False):
        if len(set(segments)) != 1:
            break
        common.append(segments[0])
    root = "/".join(common)
    return root if "://" in root and not root.endswith(":/") else ""


@functools.lru_cache(maxsize=256)
def _is_folder(url: str) -> bool:
    fs, inner = storage.filesystem(url)
    try:
        return bool(fs.isdir(inner))
    except Exception:  # an unreachable store fails later, when the input is listed, with its own message
        return False
