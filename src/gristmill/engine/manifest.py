"""The input manifest: which files a run started on, so a resume over changed inputs is refused.

Each file is recorded by path, size, modification time and a hash of its first and last blocks: cheap
on a corpus of large files, and enough to catch a file added, removed, replaced, grown or cut. An
object (``s3://...``) is recorded the same way, with its ETag (or modified time) for the time.
"""

from __future__ import annotations

import dataclasses
import os
from stat import S_ISREG
from typing import Any

import orjson
import xxhash

from gristmill.engine.layout import Layout
from gristmill.errors import PASS_OVERWRITE, ChangedInputError, InputError, MissingInputError, RunFailedError
from gristmill.io import storage
from gristmill.io.atomic import write_atomically
from gristmill.io.inputs import Shard

_BLOCK = 64 * 1024
_SHOWN = 3  # files named per kind of change in the one-line message


def file_state(path: str) -> dict[str, Any]:
    """Return the recorded state of one input file or object."""
    if storage.is_url(path):
        return _object_state(path)
    digest = xxhash.xxh3_64()
    try:
        stat = os.stat(path)
        if not S_ISREG(stat.st_mode):  # a named pipe would block the open below until written to
            raise MissingInputError(f"input: cannot read {path!r}: not a regular file")
        with open(path, "rb") as handle:
            digest.update(handle.read(_BLOCK))
            if stat.st_size > _BLOCK:
                handle.seek(max(_BLOCK, stat.st_size - _BLOCK))
                digest.update(handle.read(_BLOCK))
    except OSError as exc:
        link = " (a link to a missing file)" if os.path.islink(path) and not os.path.exists(path) else ""
        raise MissingInputError(f"input: cannot read {path!r}{link}: {exc.strerror}") from exc
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "ends_xxh3": digest.hexdigest()}


def _object_state(url: str) -> dict[str, Any]:
    try:
        state = storage.object_state(url)
        digest = xxhash.xxh3_64(storage.read_range(url, 0, min(_BLOCK, state.size)))
        if state.size > _BLOCK:
            digest.update(storage.read_range(url, max(_BLOCK, state.size - _BLOCK), state.size))
    except storage.StorageError as exc:
        raise InputError(f"input: cannot read {exc}") from exc
    return {"size": state.size, "version": state.version, "ends_xxh3": digest.hexdigest()}


def take_manifest(files: list[str]) -> dict[str, dict[str, Any]]:
    """Return the state of every input file, by path."""
    return {path: file_state(path) for path in files}


def check_manifest(layout: Layout, shards: list[Shard]) -> list[Shard]:
    """Record the inputs of a fresh run, or refuse to resume one whose inputs changed.

    Returns the shards with each file's stamp, so its task can tell it changed while the run read it.
    """
    current = take_manifest([path for shard in shards for path in shard.files])
    stamped = [
        dataclasses.replace(shard, stamps=tuple(_stamp(current[path]) for path in shard.files))
        for shard in shards
    ]
    if not layout.manifest.exists() or not layout.has_started():
        write_atomically(layout.manifest, orjson.dumps(current, option=orjson.OPT_INDENT_2))
        layout.publish([layout.manifest])
        return stamped
    recorded: dict[str, dict[str, Any]] = orjson.loads(layout.manifest.read_bytes())
    added = sorted(set(current) - set(recorded))
    removed = sorted(set(recorded) - set(current))
    changed = sorted(p for p in set(current) & set(recorded) if current[p] != recorded[p])
    if added or removed or changed:
        parts = [
            f"{kind} {_names(paths)}"
            for kind, paths in (("added", added), ("removed", removed), ("changed", changed))
            if paths
        ]
        raise ChangedInputError(
            f"output: {layout.name!r} holds a run over other input files ({'; '.join(parts)}); "
            f"{PASS_OVERWRITE} to start again, or choose another output folder"
        )
    return stamped


def check_unchanged(path: str, recorded: tuple[int, str]) -> None:
    """Fail the task whose input ``path`` is no longer the file the manifest recorded.

    Checked once the file is read: documents of a file rewritten while the run read it (or after the
    run started) are not those of the file the manifest describes, nor all of either version.
    """
    now: tuple[int, str] | None
    try:
        if storage.is_url(path):
            state = storage.object_state(path, fresh=True)
            now = (state.size, state.version)
        else:
            stat = os.stat(path)
            now = (stat.st_size, str(stat.st_mtime_ns))
    except (FileNotFoundError, NotADirectoryError):
        now = None
    except storage.StorageError as exc:
        if not exc.missing:
            raise _unchecked(str(exc)) from exc
        now = None
    except OSError as exc:
        raise _unchecked(f"{path}: {exc.strerror or exc}") from exc
    if now == recorded:
        return
    if now is None:
        what = "gone"
    else:
        what = f"size {recorded[0]:,} → {now[0]:,}" if now[0] != recorded[0] else "rewritten"
    raise RunFailedError(
        f"input: {path} changed while the run read it ({what}): its shard is not kept; "
        f"{PASS_OVERWRITE} to read the inputs as they are now"
    )


def _unchecked(failure: str) -> RunFailedError:
    """The error for a file that could not be asked about again: it says nothing of a change."""
    # A throttled or timed-out request is no reason to start the run afresh: a resume asks again.
    return RunFailedError(
        f"input: {failure}, asking again once read whether it changed: its shard is not kept; "
        "run the same command to resume"
    )


def _stamp(state: dict[str, Any]) -> tuple[int, str]:
    """A file's size and version from its recorded state: what a task compares without reading it."""
    return int(state["size"]), str(state.get("version", state.get("mtime_ns", "")))


def _names(paths: list[str]) -> str:
    shown = ", ".join(paths[:_SHOWN])
    return shown if len(paths) <= _SHOWN else f"{shown} and {len(paths) - _SHOWN:,} more"
