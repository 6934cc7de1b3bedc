"""The output folder: where kept, rejected and quarantined documents, state and stats live.

An output on an object store (``s3://bucket/run``) is staged: tasks write their files into a local
folder as they do for a local output, and each task publishes what it wrote (uploaded under a
temporary name, then moved into place) before its done-marker, which is published last. A run pulls
the remote ``_state/`` and ``_work/`` into the staging folder when it starts, so it resumes from what
the object store holds, wherever it ran before.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import orjson

from gristmill.cache import sweep, user_cache
from gristmill.document import json_bytes
from gristmill.errors import PASS_OVERWRITE, OutputError, UnusableOutputError
from gristmill.io import storage
from gristmill.io.atomic import write_atomically

# The folders steps write side outputs in (``StepContext.open_output``), beside ``kept/``.
SIDE_FOLDERS = ("tokens",)
_RUN_PARTS: tuple[str, ...] = (
    "kept",
    "rejected",
    "quarantine",
    "_state",
    "_work",
    "stats.json",
    "pipeline.yaml",
    *SIDE_FOLDERS,
)
_CLEARED = (*_RUN_PARTS, "report.html")  # what --overwrite removes
_CLEARED_SHOWN = ", ".join(name for name in _CLEARED if not name.startswith("_"))  # as a refusal names it
_T = TypeVar("_T")
OUTPUT_SUFFIXES = (".jsonl.zst", ".parquet")  # the document files kept/ and rejected/ hold
LOCK_NAME = ".gristmill.lock"  # flocked by the run writing the folder (engine/lock.py)
TMP_PREFIX = ".tmp."  # output files being written; what a killed attempt leaves is swept at the run's end
# How barrier tasks write what a later phase reads (signature rows, parts, carried runs). Raise it
# whenever one of those files changes shape: an unfinished run's files are then refused, not misread.
# 3: provenance's naming pass writes credited-*.npy, which its decide reads (stop 27).
WORK_FORMAT = 3


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


def spread(items: list[_T], most: int) -> list[_T]:
    """Up to ``most`` of ``items``, evenly spaced from the first (all of them when there are no more)."""
    return items if len(items) <= most else [items[i * len(items) // most] for i in range(most)]


def _probe_write(folder: Path) -> None:
    """Create and remove a file in ``folder``: raises the ``OSError`` the first real write would meet."""
    probe = folder / ".gristmill-write-test"
    probe.write_bytes(b"")
    probe.unlink()


def recorded_config(config: dict[str, Any]) -> dict[str, Any]:
    """A pipeline's config as its run records it in ``_state/pipeline.json`` and reads it back.

    ``max_errors`` is left out: it changes no output, only whether the run counts as failed, so
    raising it resumes the run.
    """
    return orjson.loads(orjson.dumps({k: v for k, v in config.items() if k != "max_errors"}))


def first_difference(then: Any, now: Any, where: str = "pipeline") -> str:
    """Where two recorded pipelines first differ, as ``steps[0].length_filter.min_chars: 1 → 7``."""
    if isinstance(then, dict) and isinstance(now, dict):
        if re.fullmatch(r"steps\[\d+\]", where) and then.keys() != now.keys():  # a step replaced
            return f"{where}: {next(iter(then))} → {next(iter(now))}"
        for key in [*then, *(k for k in now if k not in then)]:
            if then.get(key, _NONE) != now.get(key, _NONE):
                inner = where + "." + key if where != "pipeline" else key
                return first_difference(then.get(key, _NONE), now.get(key, _NONE), inner)
    if isinstance(then, list) and isinstance(now, list):
        if len(then) == len(now):
            for position, (old, new) in enumerate(zip(then, now, strict=True)):
                if old != new:
                    return first_difference(old, new, f"{where}[{position}]")
        elif where == "steps":
            names = [[next(iter(step), "?") for step in side] for side in (then, now)]
            at = next(
                (i for i, (a, b) in enumerate(zip(*names, strict=False)) if a != b), min(map(len, names))
            )
            longer, what = (now, "added") if len(now) > len(then) else (then, "removed")
            return f"steps[{at}]: {next(iter(longer[at]), '?')} {what}"
    return f"{where}: {_shown(then)} → {_shown(now)}"


_NONE = object()  # a key one pipeline has and the other has not


def _hidden(parts: tuple[str, ...] | list[str]) -> bool:
    """Whether a path inside the output folder is hidden (a dot-name anywhere on it)."""
    return any(part.startswith(".") for part in parts)


def _raise(exc: OSError) -> None:
    raise exc


def _shown(value: Any) -> str:
    """A recorded value as the difference names it, cut to 60 characters."""
    text = "none" if value is _NONE else orjson.dumps(value).decode()
    return text if len(text) <= 60 else text[:57] + "..."


def staging_folder(url: str) -> Path:
    """The local folder where the files of the output ``url`` are written before they are published."""
    base = Path(os.environ.get("GRISTMILL_STAGING") or user_cache("staging"))
    return base / hashlib.sha256(url.encode()).hexdigest()[:20]


# A staging folder's name: the hash of its output's URL (:func:`staging_folder`).
_STAGING_NAME = re.compile("[0-9a-f]{20}")


class Layout:
    """Names every file of a run under its output folder (a local staging folder for a URL output)."""

    def __init__(self, root: str | Path, storage_options: dict[str, Any] | None = None) -> None:
        self.remote: storage.RemoteFolder | None = None
        if storage.is_url(root):
            storage.register(str(root), storage_options)
            self.remote = storage.RemoteFolder(str(root))
            self.name = self.remote.url
            self.root = staging_folder(self.remote.url)
        else:
            # "~/corpus" is the user's, as in input paths (it once made a folder named "~" here).
            self.root = Path(storage.local_path(root)).expanduser()
            self.name = str(self.root)
        self.kept = self.root / "kept"
        self.rejected = self.root / "rejected"
        self.quarantine = self.root / "quarantine"
        self.state = self.root / "_state"
        self.work = self.root / "_work"
        self.stats = self.root / "stats.json"
        self.pipeline_file = self.root / "pipeline.yaml"
        self.report = self.root / "report.html"
        # Outside _RUN_PARTS: --overwrite clears the run, never the lock another run may hold.
        self.lock = self.root / LOCK_NAME
        self.manifest = self.state / "inputs.json"

    def create(self) -> None:
        """Create the folder and check it can be written; refuse the home folder and the filesystem root."""
        if self.remote is None:
            where = self.root.resolve()
            if where == Path(where.anchor):
                raise UnusableOutputError(
                    f"output: {self.name!r} is the filesystem root; name a folder for the run's outputs"
                )
            if where == Path.home().resolve():
                raise UnusableOutputError(
                    f"output: {self.name!r} is your home folder; name a folder for the run's outputs"
                )
        else:
            try:
                self.remote.write_bytes(".gristmill-write-test", b"")
                self.remote.remove([".gristmill-write-test"])
            except storage.StorageError as exc:
                raise UnusableOutputError(f"output: cannot write to {exc}") from exc
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            _probe_write(self.root)
        except OSError as exc:
            raise UnusableOutputError(f"output: cannot write to {str(self.root)!r}: {exc.strerror}") from exc

    def begin(self) -> None:
        """Make the staging folder of a URL output hold what the object store holds (under the lock)."""
        if self.remote is None:
            return
        # The staging folders of other outputs that killed runs left: a run removes its own at its end,
        # and a rerun refetches what it holds, but one whose output is never run again stayed, as big
        # as its unpublished files and barrier work.
        sweep(self.root.parent, _STAGING_NAME, LOCK_NAME, keep=self.root)
        for part in _RUN_PARTS:
            target = self.root / part
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
        self.fetch(self.state)
        self.fetch(self.work)

    def check_same_pipeline(self, config: dict[str, Any], overwrite: bool) -> None:
        """Refuse a folder of other files or another pipeline's run (unless ``overwrite``); change nothing.

        ``config`` is :func:`recorded_config`'s; :meth:`prepare` then claims the folder for it.
        """
        recorded = self.state / "pipeline.json"
        then = orjson.loads(recorded.read_bytes()) if recorded.exists() else None
        now = config
        if then is None and not overwrite:
            self._refuse_other_files()
        if then is not None and then != now and not overwrite:
            change = first_difference(then, now)
            raise UnusableOutputError(
                f"output: {self.name!r} holds the run of a different pipeline ({change}); "
                f"choose another folder or {PASS_OVERWRITE} to delete that run ({_CLEARED_SHOWN}) "
                "and start this one"
            )

    def prepare(self, config: dict[str, Any], overwrite: bool) -> None:
        """Claim the folder for the run of ``config`` (clear it first with ``overwrite``).

        Only after :meth:`check_same_pipeline` passed: this refuses nothing another pipeline left.
        """
        recorded = self.state / "pipeline.json"
        if overwrite:
            if self.remote is not None:
                names = self._remote_call(lambda r: r.listing())
                self._remote_call(lambda r: r.remove([n for n in names if n.split("/")[0] in _CLEARED]))
            for part in _CLEARED:
                target = self.root / part
                try:
                    if target.is_dir() and not target.is_symlink():
                        shutil.rmtree(target)
                    else:
                        target.unlink(missing_ok=True)
                except OSError as exc:
                    raise UnusableOutputError(
                        f"output: --overwrite cannot delete {str(exc.filename or target)!r}: {exc.strerror}; "
                        "choose another output folder"
                    ) from exc
        work_format = self._check_work_format()  # after --overwrite cleared the folder: no run to check
        for folder in (self.kept, self.rejected, self.quarantine, self.state, self.work):
            try:
                folder.mkdir(exist_ok=True)
            except OSError as exc:
                raise UnusableOutputError(
                    f"output: cannot use {str(folder)!r} as a folder: {exc.strerror}; "
                    f"choose another output folder, or {PASS_OVERWRITE}"
                ) from exc
            # A folder that exists but takes no file (its permissions, a link elsewhere) fails here, in
            # one line, not at a task's first write.
            try:
                _probe_write(folder)
            except OSError as exc:
                raise UnusableOutputError(
                    f"output: cannot write in {str(folder)!r}: {exc.strerror}; "
                    f"choose another output folder, or {PASS_OVERWRITE}"
                ) from exc
        if not recorded.exists():
            write_atomically(recorded, orjson.dumps(config, option=orjson.OPT_INDENT_2))
            self.publish([recorded])
        if work_format != WORK_FORMAT:
            format_file = self.state / "work-format.json"
            write_atomically(format_file, orjson.dumps({"work_format": WORK_FORMAT}))
            self.publish([format_file])

    def check_code(self, code: dict[str, dict[str, str]]) -> None:
        """Refuse a run whose plugin steps' code changed since it began; record it on a new run."""
        path = self.state / "code.json"
        if path.exists():
            recorded = orjson.loads(path.read_bytes())
            for where, now in code.items():
                then = recorded.get(where)
                if then is not None and then.get("sha256") != now["sha256"]:
                    raise UnusableOutputError(
                        f"output: {self.name!r} holds a run made with other code for {where} "
                        f"({now['step']}, {now['file']}): {PASS_OVERWRITE} to start again, "
                        "or choose another output folder"
                    )
            return
        write_atomically(path, orjson.dumps(code, option=orjson.OPT_INDENT_2))
        self.publish([path])

    def _refuse_other_files(self) -> None:
        """Refuse a folder holding files but no run (a ``kept/`` of the user's would be read as the run's).

        Hidden names (``.DS_Store``, the lock, what a killed write left) and folders holding nothing
        else, an object store's folder markers among them, do not count.
        """
        if self.remote is not None:
            names = self._remote_call(lambda r: r.listing())
            found = sorted(
                {parts[0] for parts in (n.split("/") for n in names) if parts[-1] and not _hidden(parts)}
            )
        else:
            try:
                paths = (
                    (*Path(root).relative_to(self.root).parts, name)
                    for root, _, files in os.walk(self.root, onerror=_raise)
                    for name in files
                )
                found = sorted({parts[0] for parts in paths if not _hidden(parts)})
            except OSError as exc:
                raise UnusableOutputError(
                    f"output: cannot read {str(exc.filename or self.root)!r}: {exc.strerror}; choose another "
                    "output folder"
                ) from exc
        if found:
            shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
            cleared = [name for name in found if name in _CLEARED]
            what = (
                f"to delete {', '.join(cleared)} there and write the run beside the rest"
                if cleared
                else "to write the run beside them"
            )
            # The folder is the user's: leave it as it was, without the lock file this command made.
            self.lock.unlink(missing_ok=True)
            raise UnusableOutputError(
                f"output: {self.name!r} holds files but no gristmill run ({shown}); choose an empty or "
                f"new folder, or {PASS_OVERWRITE} {what}"
            )

    def _recorded_work_format(self) -> int | None:
        """The work format of the run in this folder: 1 for a run begun before it was recorded."""
        path = self.state / "work-format.json"
        if path.exists():
            try:
                found = orjson.loads(path.read_bytes())["work_format"]
            except (orjson.JSONDecodeError, KeyError, TypeError):
                found = None
            if not isinstance(found, int):
                raise UnusableOutputError(
                    f"output: cannot read {str(path)!r} (the run's work format): "
                    f"{PASS_OVERWRITE} to start again"
                )
            return found
        return 1 if (self.state / "pipeline.json").exists() else None

    def _check_work_format(self) -> int | None:
        """The recorded work format; refused where another gristmill wrote the waiting work files."""
        found = self._recorded_work_format()
        if found in (None, WORK_FORMAT) or not any(p.is_file() for p in self.work.rglob("*")):
            return found
        raise UnusableOutputError(
            f"output: {self.name!r} holds an unfinished run whose work files another gristmill wrote "
            f"(work format {found}; this one reads format {WORK_FORMAT}): resume it with that gristmill, "
            f"or {PASS_OVERWRITE} to start again"
        )

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
        write_atomically(path, json_bytes(record))  # its examples hold text, which a step may have broken
        self.publish([path])

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

    def rel(self, path: Path) -> str:
        """The name of ``path`` inside the output folder, ``/``-separated."""
        return path.relative_to(self.root).as_posix()

    def publish(self, paths: list[Path]) -> None:
        """Upload the staged ``paths`` of a URL output into place (removing those no longer staged)."""
        if self.remote is None:
            return
        gone = [self.rel(p) for p in paths if not p.exists()]
        for path in paths:
            if path.exists():
                name = self.rel(path)
                temporary = self.rel(path.with_name(temporary_name(path.name)))
                self._remote_call(lambda r, p=path, n=name, t=temporary: r.publish(str(p), n, t))
        if gone:
            self._remote_call(lambda r: r.remove(gone))

    def fetch(self, folder: Path, prefix: str = "") -> None:
        """Download into the staging folder what the object store holds under ``folder`` and it lacks.

        ``prefix``: only the files whose names start with it.
        """
        if self.remote is None:
            return
        there = self._remote_call(lambda r: r.listing(self.rel(folder)))
        for name, size in there.items():
            base = name.rsplit("/", 1)[-1]
            if base.startswith(".") or not base.startswith(prefix):
                continue  # another attempt's upload in flight, or a file not asked for
            local = self.root / name
            if local.is_file() and local.stat().st_size == size:
                continue
            local.parent.mkdir(parents=True, exist_ok=True)
            self._remote_call(lambda r, n=name, p=local: r.download(n, str(p)))

    def release(self, paths: list[Path]) -> None:
        """Drop the staged copies of published outputs: a URL output keeps no second copy on local disk.

        Files under ``_work/`` stay: the next phases on this machine read them.
        """
        if self.remote is None:
            return
        for path in paths:
            if not path.is_relative_to(self.work):
                path.unlink(missing_ok=True)

    def fetch_samples(self, folders: list[Path], files: int = 8) -> dict[Path, int]:
        """Download up to ``files`` published files of each folder, spread evenly (the report's sample).

        Returns how many files each folder holds there (the report names the count, not the sample's).
        """
        counts: dict[Path, int] = {}
        if self.remote is None:
            return counts
        for folder in folders:
            there = self._remote_call(lambda r, f=folder: r.listing(self.rel(f)))
            names = sorted(n for n in there if n.endswith(OUTPUT_SUFFIXES))
            counts[folder] = len(names)
            self.fetch_files([self.root / name for name in spread(names, files)])
        return counts

    def fetch_files(self, paths: list[Path]) -> None:
        """Download the staged ``paths`` missing here (each is written whole, so one here is complete)."""
        if self.remote is None:
            return
        for path in paths:
            if not path.is_file():
                path.parent.mkdir(parents=True, exist_ok=True)
                self._remote_call(lambda r, p=path: r.download(self.rel(p), str(p)))

    def remove_work(self) -> None:
        """Remove the barriers' work folder, staged and published."""
        shutil.rmtree(self.work, ignore_errors=True)
        if self.remote is not None:
            names = list(self._remote_call(lambda r: r.listing(self.rel(self.work))))
            self._remote_call(lambda r: r.remove(names))

    def sweep(self, folders: list[Path]) -> None:
        """Remove the half-written files killed attempts left in ``folders`` (in a URL output: anywhere)."""
        for folder in folders:
            for stale in folder.glob(f"{TMP_PREFIX}*"):
                stale.unlink(missing_ok=True)
        if self.remote is not None:
            names = self._remote_call(lambda r: r.listing())
            stale_names = [n for n in names if n.rsplit("/", 1)[-1].startswith(TMP_PREFIX)]
            self._remote_call(lambda r: r.remove(stale_names))

    def group_workers(self, workers: int | None) -> int | None:
        """The worker count the run's barrier group phases are planned for: its first command's.

        A group phase has a task per worker, named by its range of buckets; planned for another count,
        a rerun saw those tasks undone (and, once the run had finished, their work files gone).
        """
        path = self.state / "plan.json"
        try:
            recorded = orjson.loads(path.read_bytes())["group_workers"]
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
            recorded = False  # none yet: a new run, or one begun by a version that kept none
        if recorded is None or (isinstance(recorded, int) and recorded > 0):
            return recorded
        # A run begun by a version that kept no plan: its group tasks' markers say how it was cut (a
        # task a range of buckets), the most of any barrier. Taken from this command, a finished run
        # found them undone, and the plan it recorded then kept it so for every later command too.
        cuts = [len(list(folder.glob("*.done"))) for folder in self.state.glob("stage*-group")]
        workers = max(cuts) if any(cuts) else workers
        write_atomically(path, orjson.dumps({"group_workers": workers}))
        self.publish([path])
        return workers

    def seconds_spent(self) -> float:
        """Wall seconds the earlier commands of this run spent on it (0 for a new or overwritten run)."""
        try:
            return float(orjson.loads((self.state / "seconds.json").read_bytes())["seconds"])
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return 0.0

    def record_seconds(self, seconds: float) -> None:
        """Keep the wall seconds every command of this run has spent, for the next one to add to."""
        path = self.state / "seconds.json"
        write_atomically(path, orjson.dumps({"seconds": round(seconds, 3)}))
        self.publish([path])

    def finish(self) -> None:
        """Remove the staging folder of a URL output once everything in it is published."""
        if self.remote is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    def _remote_call(self, call: Any) -> Any:
        assert self.remote is not None
        try:
            return call(self.remote)
        except storage.StorageError as exc:
            raise OutputError(f"output: {exc}") from exc


def temporary_name(name: str) -> str:
    """A name for ``name`` while it is written, unique to this attempt (a retry beside a straggler)."""
    return f"{TMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}.{name}"
