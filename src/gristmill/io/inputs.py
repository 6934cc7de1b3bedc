"""Where documents come from: input paths, their formats, and how they split into shards."""

from __future__ import annotations

import difflib
import functools
import glob
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, NamedTuple

import msgspec

from gristmill.errors import ConfigError, InputError, MissingInputError
from gristmill.io import storage
from gristmill.io.base import SOURCE_FILE, Reader, ReaderOptions
from gristmill.io.compression import compression_of, file_compression
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
# The folders of a run's output that hold its documents (engine.layout writes them); its other parts
# (_state/, _work/, quarantine/, stats.json, report.html, ...) are never input.
_DOCUMENT_FOLDERS = ("kept", "rejected")
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
    # Each file's size and version (modification time, an object's ETag) as the manifest recorded
    # them, checked once the file is read (:func:`gristmill.engine.manifest.check_unchanged`).
    stamps: tuple[tuple[int, str], ...] = ()


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
        """Fail in one line on a ``text_key`` or ``id_key`` no early record has; check the ``meta`` keys.

        Local input files with fields are looked at in order, the first ``sample`` records of each,
        until one holds the name or ``files`` were looked at: a name none of them has (as a top-level
        field, null or not) is mistyped, not missing from some records (a side file beside the data).
        ``id_key`` is checked only where it was named: records without an id are common, and get one.
        ``meta_keys``, and the ``meta`` keys steps read as a user set them (``step_meta``: ``url_field``,
        ``by_language``'s ``language``), are looked for in the same files by one look (``_check_meta``).
        Where every file is an object in storage, the first alone is looked at (a look fetches a block
        of it; a Parquet footer).
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
        self._check_record_fields(found[:files], sample)
        self._check_text_type(found[:files], len(with_fields))
        self._check_meta(shards, found[:files], step_meta, sample)

    def _check_record_fields(self, found: list[tuple[str, str]], sample: int) -> None:
        """Fail naming a ``text_key`` (or a named ``id_key``) that no record of ``found`` has."""
        named = [("text_key", self.text_key)]
        if self.id_key != ReaderOptions.id_key:
            named.append(("id_key", self.id_key))
        fields: set[str] = set()
        looked: list[str] = []
        for path, fmt in found:
            names = reader_for(fmt).field_names(path, sample)
            if names is not None:  # a file that cannot be read is the run's to report, in its turn
                fields |= names
                looked.append(path)
            if all(key in fields for _, key in named):
                break
        for option, key in named:
            if looked and key not in fields:
                raise ConfigError(
                    f"input: {option} names {key!r}, which no record in the first {sample} lines of "
                    f"{_files(looked)} has; {_hint(key, fields)}"
                )

    def _check_text_type(self, found: list[tuple[str, str]], files: int) -> None:
        """Fail naming a ``text_key`` that is a column of another type (numbers) in all ``files``.

        Each row would be quarantined on its own, the run ending with nothing kept. Only where every
        file was looked at: one file of another type among files of text is that file's rows' matter
        (quarantined, each with its reason), and files not looked at may be such files.
        """
        if len(found) < files:
            return
        kinds: dict[str, str] = {}  # file -> the text column's type, where declared
        texts: set[str] = set()  # columns that hold text, for the hint
        for path, fmt in found:
            types = reader_for(fmt).field_types(path)
            if types is None or self.text_key not in types:
                return
            if types[self.text_key] == "text":
                return
            kinds[path] = types[self.text_key]
            texts.update(name for name, kind in types.items() if kind == "text")
        if kinds:
            kind = next(iter(kinds.values()))
            columns = ", ".join(map(repr, sorted(texts)))
            hint = f"its text columns: {columns}" if texts else "no column holds text"
            raise ConfigError(
                f"input: text_key names {self.text_key!r}, a column of {kind}, not text, in "
                f"{_files(list(kinds))}; {hint}"
            )

    def _check_meta(
        self,
        shards: list[Shard],
        found: list[tuple[str, str]],
        step_meta: Sequence[MetaKeyRead],
        sample: int,
    ) -> None:
        """Say in one line a ``meta`` key named that no document has: one of ``meta_keys``, or a step's.

        One look answers both: the ``meta`` of the first ``sample`` records of each of ``found`` in
        order (read without ``meta_keys``), until every key asked about was seen. A key none of them
        holds is said as a warning: a later record, or a file past the sample, may hold it, and one
        whose early records hold it null is not seen; a ``meta_keys`` name then gives an empty value.
        Where the documents' keys are known (a format without fields carries its reader's keys, records
        limited by ``meta_keys`` those), a step's key (a mistyped ``url_field``) that is not among them
        is said as a warning too: the step would find it on no document and do nothing (or drop every
        document) without a word, but a plugin step before it may write the key undeclared. A
        ``meta_keys`` name that is the text or id field stops the run: those go into the document's
        text and id, never its ``meta``.
        """
        records = any(READERS[s.format].has_fields for s in shards)
        chosen = list(self.meta_key_types or {}) if records else []  # meta_keys choose records' fields
        for key in chosen:
            for option, field_name in (("text_key", self.text_key), ("id_key", self.id_key)):
                if key == field_name:
                    raise ConfigError(
                        f"input: meta_keys names {key!r}, the field {option} reads as the document's "
                        f"{option[:-4]}, never into its meta; leave it out of meta_keys"
                    )
        known = {SOURCE_FILE}  # the meta keys documents carry where they are known, not sampled
        for fmt in {s.format for s in shards}:
            if self.meta_keys is not None or not READERS[fmt].has_fields:
                known.update(self.meta_fields(fmt))
        sampled = records and self.meta_keys is None  # whether a step's key is looked for in records
        asked = set(chosen) | {read.key for read in step_meta if sampled and read.key not in known}
        seen: set[str] = set()
        looked: list[str] = []
        for path, fmt in found if asked else []:
            if asked <= seen:
                break
            meta = self._meta_seen(path, fmt, sample)
            if meta is not None:
                seen |= meta
                looked.append(path)
        named = [(MetaKeyRead(f"input: meta_keys names {key!r}", key), True) for key in chosen]
        named += [(read, False) for read in step_meta]
        for (said, key, advice), chosen_key in named:
            if key in seen if chosen_key else key in known or (sampled and key in seen):
                continue
            if not chosen_key and not sampled:
                # Said, not refused: a plugin step may write the key without declaring it (it lands
                # in meta.extra), and a step told what to do with documents without it may mean that.
                log.warning("%s, which no document has in its meta; %s", said, advice or _hint(key, known))
                continue
            if not looked:
                continue  # no record could be read: the run reports that, in its turn
            held = "no record has" if chosen_key else "no document has in its meta"
            log.warning(
                "%s, which %s in the first %d records of %s; %s",
                said,
                held,
                sample,
                _files(looked),
                advice
                or _hint(
                    key,
                    seen - {SOURCE_FILE} if chosen_key else seen | known,
                    none="the records have no fields but their text and id",
                ),
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

    def reader(self, fmt: str) -> Reader:
        """Return a reader for ``fmt`` with this input's options."""
        return reader_for(fmt, self.reader_options)

    @property
    def paths(self) -> list[str]:
        """The paths as a list."""
        return [self.path] if isinstance(self.path, str) else list(self.path)

    def files(
        self, exclude: str | os.PathLike[str] | None = None, passed_over: PassedOver | None = None
    ) -> list[tuple[str, str]]:
        """Return ``(file, format)`` for every input file, in order; fail if a path matches nothing.

        A file named twice (by overlapping paths or globs, or through a link) is listed once. Files
        under ``exclude`` (the run's output folder) are never input: a rerun must not read its output
        back. Another run's folder (one holding ``_state/pipeline.json``) is read only where a path
        points into it (its part before any wildcard lies in the folder: ``out/a/kept/*.parquet``,
        ``out/a/kept/``, ``out/a/``), and then only the documents of its ``kept/`` and ``rejected/``; a
        path from a folder above it passes it over. What was passed over (files of no known format, run
        folders, a run's files that are no documents) goes into ``passed_over``, to be said in one line.
        """
        skip = (
            os.path.realpath(exclude) + os.sep
            if exclude is not None and not storage.is_url(exclude)
            else None
        )
        passed = passed_over if passed_over is not None else PassedOver()
        run_of = _RunFolders()
        seen: set[str] = set()
        found: list[tuple[str, str]] = []
        for pattern in self.paths:
            if storage.is_url(pattern):
                found.extend(self._objects(pattern, exclude, seen, passed))
                continue
            pattern = storage.local_path(pattern)
            matches = sorted(glob.glob(os.path.expanduser(pattern), recursive=True))
            if not matches:
                raise MissingInputError(f"input: {pattern!r} matches no file")
            fixed = _fixed_folder(pattern)
            listed: list[str] = []
            for match in matches:
                if os.path.isdir(match):
                    walked, runs = _walk(match)
                    listed.extend(walked)
                    for run in runs:
                        if skip is not None and os.path.realpath(run) + os.sep == skip:
                            passed.output = True
                        else:
                            passed.runs.setdefault(run)
                else:
                    listed.append(match)
            for path in listed:
                real = os.path.realpath(path)
                if skip is not None and real.startswith(skip):
                    passed.output = True
                    continue
                if real in seen:
                    continue
                in_run = run_of(path)
                if in_run is not None:
                    shown = _shown_run(path, in_run)
                    if not _is_within(fixed, in_run):
                        passed.runs.setdefault(shown)
                        continue
                    if not _is_document(os.path.relpath(os.path.abspath(path), in_run).split(os.sep)):
                        seen.add(real)
                        passed.run_files.append((path, shown))
                        continue
                seen.add(real)
                fmt = self.format or format_of(path)
                if fmt is None:
                    if len(matches) == 1 and not os.path.isdir(matches[0]):
                        raise ConfigError(
                            f"input: cannot tell the format of {path!r} from its name; set `format:`"
                        )
                    passed.unknown.append(path)  # a folder may hold a LICENSE beside the data
                    continue
                found.append((path, fmt))
        if not found:
            raise MissingInputError(self._nothing_found(exclude, passed))
        return found

    def _nothing_found(self, exclude: str | os.PathLike[str] | None, passed: PassedOver) -> str:
        """The one line for paths that hold no input file, naming why where a rule passed files over."""
        if passed.output:
            return (
                f"input: {self.paths} holds no file of a known format outside the output folder "
                f"{str(exclude)!r} (a run never reads its output folder); choose an output folder apart "
                "from the input"
            )
        if passed.run_files:
            return (
                f"input: {self.paths} holds no document of the gristmill output folder "
                f"{passed.run_files[0][1]!r} (beside its {_RUN_MARK}): of a run's folder only the files in "
                f"{'/ and '.join(_DOCUMENT_FOLDERS)}/ are input"
            )
        if passed.runs:
            run = next(iter(passed.runs))
            return (
                f"input: {self.paths} holds no file of a known format outside gristmill output folders "
                f"({run!r}, beside its {_RUN_MARK}): a run's output is input only where a path points into "
                f"its folder, as {_kept_of(run)!r}"
            )
        return f"input: {self.paths} holds no file of a known format"

    def _objects(
        self,
        pattern: str,
        exclude: str | os.PathLike[str] | None,
        seen: set[str],
        passed: PassedOver,
    ) -> list[tuple[str, str]]:
        """``(url, format)`` for every object a URL, prefix or glob names (listed through fsspec).

        Output folders are told by the ``_state/pipeline.json`` among the objects listed, and follow the
        rule of local folders (``files``).
        """
        try:
            urls = storage.expand(pattern)
        except storage.StorageError as exc:
            raise MissingInputError(f"input: cannot list {exc}") from exc
        if not urls:
            raise MissingInputError(f"input: {pattern!r} matches no object")
        runs = sorted((u[: -len(_RUN_MARK)] for u in urls if u.endswith(_RUN_MARK)), key=len, reverse=True)
        own = str(exclude).rstrip("/") + "/" if exclude is not None and storage.is_url(exclude) else None
        fixed = _fixed_url(pattern)
        found: list[tuple[str, str]] = []
        for url in urls:
            if own is not None and url.startswith(own):
                passed.output = True
                continue
            if url in seen:
                continue
            run = next((r for r in runs if url.startswith(r)), None)
            if run is not None:
                if not fixed.startswith(run):
                    passed.runs.setdefault(run.rstrip("/"))
                    continue
                if not _is_document(url[len(run) :].split("/")):
                    seen.add(url)
                    passed.run_files.append((url, run.rstrip("/")))
                    continue
            seen.add(url)
            fmt = self.format or format_of(url)
            if fmt is None:
                if len(urls) == 1:
                    raise ConfigError(
                        f"input: cannot tell the format of {url!r} from its name; set `format:`"
                    )
                passed.unknown.append(url)
                continue
            found.append((url, fmt))
        return found

    def shards(self, exclude: str | os.PathLike[str] | None = None) -> list[Shard]:
        """Split the input files (none under ``exclude``) into shards: a file each, one-page files grouped."""
        shards: list[Shard] = []
        pending: dict[str, list[str]] = {}
        passed_over = PassedOver()
        files = self.files(exclude, passed_over)
        _check_names_are_utf8([path for path, _ in files])
        passed_over.say()
        _say_compression_unlike_name([path for path, _ in files])
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


def _say_compression_unlike_name(paths: list[str]) -> None:
    """Say in one line which local files are not compressed as their names say: each is read by its bytes.

    Objects in storage are read by their bytes too, unsaid: a look at each would fetch a block of it.
    """
    unlike = []
    for path in paths:
        if storage.is_url(path) or not os.path.isfile(storage.local_path(path)):
            continue
        try:
            held = file_compression(path)
        except InputError:  # not read at all (bzip2, xz): the run says so, reading it
            continue
        if held != compression_of(path):
            unlike.append(f"{path} ({_HELD[held]})")
    if unlike:
        log.warning(
            "input: %s not compressed as %s name%s say%s, read by %s bytes: %s",
            _count(len(unlike), "file"),
            *(("its", "", "s", "its") if len(unlike) == 1 else ("their", "s", "", "their")),
            _some(unlike),
        )


_HELD = {"gzip": "gzip data", "zstd": "zstd data", "none": "not compressed"}


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


def _walk(folder: str) -> tuple[list[str], list[str]]:
    """Every file under ``folder``, sorted by folder then name, and the output folders passed over.

    A gristmill output folder below ``folder`` is not walked: a walk from above a run reads none of it.
    """
    found: list[tuple[str, list[str]]] = []
    runs: list[str] = []
    for root, dirs, names in os.walk(folder):
        walked = []
        for name in dirs:
            path = os.path.join(root, name)
            if _is_run_folder(path):
                runs.append(path)
            else:
                walked.append(name)
        dirs[:] = walked
        found.append((root, sorted(names)))
    return [os.path.join(root, name) for root, names in sorted(found) for name in names], sorted(runs)


def _is_run_folder(folder: str) -> bool:
    """Whether ``folder`` holds a gristmill run (its outputs are never input)."""
    return os.path.isfile(os.path.join(folder, "_state", "pipeline.json"))


def written_by_a_run(path: str) -> bool:
    """Whether ``path`` is a file of a gristmill run's ``kept/`` or ``rejected/`` (read back as input)."""
    if storage.is_url(path):
        folder, _, _ = path.rpartition("/")
        run, _, name = folder.rpartition("/")
        if name not in _DOCUMENT_FOLDERS or not run:
            return False
        try:
            storage.object_state(f"{run}/{_RUN_MARK}")
        except storage.StorageError:
            return False
        return True
    folder = os.path.dirname(os.path.abspath(path))
    return os.path.basename(folder) in _DOCUMENT_FOLDERS and _is_run_folder(os.path.dirname(folder))


def _fixed_folder(pattern: str) -> str:
    """The folder a local path points into: its part before any wildcard (a file's own path)."""
    path = os.path.abspath(os.path.expanduser(pattern))
    wildcard = min((path.index(c) for c in "*?[" if c in path), default=-1)
    return os.path.dirname(path[:wildcard]) if wildcard >= 0 else path


def _fixed_url(pattern: str) -> str:
    """The prefix a URL path points into, ending in ``/``: its part before any wildcard."""
    wildcard = min((pattern.index(c) for c in "*?[" if c in pattern), default=-1)
    if wildcard >= 0:
        return pattern[:wildcard].rpartition("/")[0] + "/"
    return pattern.rstrip("/") + "/"


def _is_within(path: str, folder: str) -> bool:
    """Whether the absolute ``path`` is ``folder`` or lies inside it."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _is_document(parts: list[str]) -> bool:
    """Whether a file of a run's folder, by its path parts inside it, is one of the run's documents.

    A file directly in ``kept/`` or ``rejected/``, not one being written (``.tmp.…``, hidden).
    """
    return len(parts) == 2 and parts[0] in _DOCUMENT_FOLDERS and not parts[1].startswith(".")


def _shown_run(path: str, run: str) -> str:
    """The run folder of ``path`` as the user's path spells it (``out/a``, not its absolute path)."""
    inside = os.path.relpath(os.path.abspath(path), run)
    tail = os.sep + inside
    return path[: -len(tail)] if path.endswith(tail) else run


def _kept_of(run: str) -> str:
    """The path of a run folder's ``kept/``, as a note or error suggests it."""
    return f"{run.rstrip('/')}/kept/" if storage.is_url(run) else os.path.join(run, "kept") + os.sep


class _RunFolders:
    """The gristmill output folder a file lies in (the nearest), asking each folder once."""

    def __init__(self) -> None:
        self._known: dict[str, str | None] = {}

    def __call__(self, path: str) -> str | None:
        """The absolute path of the nearest folder above ``path`` that holds a run, or None."""
        folder = os.path.dirname(os.path.abspath(path))
        checked: list[str] = []
        answer: str | None = None
        while True:
            if folder in self._known:
                answer = self._known[folder]
                break
            checked.append(folder)
            if _is_run_folder(folder):
                answer = folder
                break
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        for seen in checked:
            self._known[seen] = answer
        return answer


@dataclass
class PassedOver:
    """What listing the input passed over (``InputSpec.files``), said in one line each."""

    unknown: list[str] = field(default_factory=list)  # files of no known format
    runs: dict[str, None] = field(default_factory=dict)  # run folders a path came across from above
    run_files: list[tuple[str, str]] = field(default_factory=list)  # (file, its run): no documents
    output: bool = False  # files of this run's own output folder were met (never said: never input)

    def say(self, where: str = "input", section: str = "input") -> None:
        """Log a line for each kind of file passed over; ``where`` opens it, ``section`` has ``format:``."""
        if self.unknown:
            log.warning(
                "%s: %s of no known format passed over: %s (`format:` in %s: reads every file as "
                "that format)",
                where,
                _count(len(self.unknown), "file"),
                _some(self.unknown),
                section,
            )
        if self.runs:
            runs = list(self.runs)
            log.warning(
                "%s: %s passed over: %s (a run's output is input only where a path points into its "
                "folder, as %s)",
                where,
                _count(len(runs), "gristmill output folder"),
                _some(runs),
                _kept_of(runs[0]),
            )
        if self.run_files:
            log.warning(
                "%s: %s of gristmill output folders passed over, as no documents: %s (only a run's "
                "%s/ hold its documents)",
                where,
                _count(len(self.run_files), "file"),
                _some([path for path, _ in self.run_files]),
                "/ and ".join(_DOCUMENT_FOLDERS),
            )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("s" if n != 1 else "")


def _some(names: list[str]) -> str:
    """The first few of ``names``, and how many more there are."""
    more = f" and {len(names) - _NAMED:,} more" if len(names) > _NAMED else ""
    return ", ".join(names[:_NAMED]) + more


class _Enough(Exception):
    """A look at the first records met as many it could not read as it looks at."""


class _Bounded:
    """A sink for a look at the first records: what cannot be read is the run's to report.

    It ends the look after ``limit`` such records: a file of records that are no documents is not read
    through before the run starts.
    """

    def __init__(self, limit: int) -> None:
        self.left = limit

    def quarantine(
        self, path: str, where: str, reason: str, excerpt: bytes | str = b"", records: int = 1
    ) -> None:
        self.left -= 1
        if self.left <= 0:
            raise _Enough

    def progress(self, nbytes: int) -> None:
        pass


def _hint(name: str, known: set[str], shown: int = 12, none: str = "the records have no fields") -> str:
    """``did you mean …?`` for a field name, or the fields there are (the first ``shown``; how many more).

    ``none`` says that there are none.
    """
    names = sorted(known)
    if not names:
        return none
    near = difflib.get_close_matches(name, names, n=1)
    if near:
        return f"did you mean {near[0]!r}?"
    more = f" … and {len(names) - shown:,} more" if len(names) > shown else ""
    return f"its fields: {', '.join(map(repr, names[:shown]))}{more}"


def _files(looked: list[str]) -> str:
    """The files a look read, as a message names them: the one, or how many and the first."""
    return looked[0] if len(looked) == 1 else f"{len(looked)} files ({looked[0]}, …)"


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
