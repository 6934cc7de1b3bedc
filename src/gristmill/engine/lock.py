"""The output folder's lock: one run writes into a folder at a time.

An OS file lock (``flock``) dies with its process, so a run killed with SIGKILL leaves no stale lock.
An output on an object store has no such lock: there the run also writes a lock object,
``.gristmill.lock`` (host, boot id, pid, run id), and refuses to start while one from another machine is
present. One from this machine is stale, and replaced, when it names this run's staging folder
(this run holds that folder's local lock, so its writer has ended), this very process, another boot
of the machine (its boot id; after a reboot, or in a container where gristmill is often pid 1, a
recorded pid may be any live process, this one included) or a process that is gone; one from a live
process of this boot with another staging folder (``GRISTMILL_STAGING`` set per job) is a run going
on. A run killed on another machine leaves its lock object: the message says to remove it by hand.
This guards against mistakes; it is not a distributed lock.
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
import uuid
from types import TracebackType
from typing import Any

import orjson

from gristmill.cache import stamp
from gristmill.engine.layout import LOCK_NAME, Layout
from gristmill.errors import OutputError, OutputInUseError, UnusableOutputError
from gristmill.io.storage import StorageError

_LOCK_OBJECT = LOCK_NAME  # the object beside the outputs: the local lock file's name
_BOOT_ID = "/proc/sys/kernel/random/boot_id"  # a new random id at every boot of a Linux machine


class OutputLock:
    """Holds ``OUT/.gristmill.lock`` for the length of a ``with`` block, or refuses with one line."""

    def __init__(self, layout: Layout) -> None:
        self._layout = layout
        self._fd: int | None = None
        self._run = uuid.uuid4().hex

    def __enter__(self) -> OutputLock:
        fd = self._locked()
        while fd is None:  # the file was renamed away (a sweep of a killed run's staging folder)
            fd = self._locked()
        stamp(fd)  # "<pid> on <host>": a sweep removes only its own machine's staging folders
        self._fd = fd
        if self._layout.remote is not None:
            try:
                self._take_lock_object()
            except BaseException:
                self._release()
                raise
        return self

    def _locked(self) -> int | None:
        """Open and flock the lock file; None where, once locked, it is no longer the file at its path."""
        path = self._layout.lock
        try:
            self._layout.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise UnusableOutputError(
                f"output: cannot open the lock file {str(path)!r}: {exc.strerror}; "
                "choose another output folder"
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise OutputInUseError(
                f"output: {self._layout.name!r} is in use by another gristmill run (pid {holder}); "
                "wait for it to end, or choose another output folder"
            ) from None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            return None
        return fd

    def _take_lock_object(self) -> None:
        remote = self._layout.remote
        assert remote is not None
        host = socket.gethostname()
        try:
            found = remote.read_bytes(_LOCK_OBJECT)
            holder = _holder(found)
            if found is not None and (holder.get("host") != host or self._live_elsewhere(holder)):
                since = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(float(holder.get("started", 0))))
                where = "this machine" if holder.get("host") == host else repr(holder.get("host"))
                raise OutputInUseError(
                    f"output: {self._layout.name!r} is in use by a gristmill run on {where} "
                    f"(pid {holder.get('pid')}, since {since}); wait for it to end, or remove "
                    f"{remote.url_of(_LOCK_OBJECT)} if that run is dead"
                )
            record = {
                "host": host,
                "boot": boot_id(),
                "pid": os.getpid(),
                "run": self._run,
                "started": time.time(),
                "staging": str(self._layout.root),
            }
            remote.write_bytes(_LOCK_OBJECT, orjson.dumps(record))
        except StorageError as exc:
            raise UnusableOutputError(f"output: cannot take the lock object: {exc}") from exc

    def _live_elsewhere(self, holder: dict[str, Any]) -> bool:
        """Whether a lock object of this machine is held by a live run with another staging folder."""
        if holder.get("staging") in (None, str(self._layout.root)):
            return False
        recorded_boot, this_boot = holder.get("boot"), boot_id()
        if isinstance(recorded_boot, str) and this_boot is not None and recorded_boot != this_boot:
            return False  # written before a reboot: its pid names some other process now, if any
        pid = holder.get("pid")
        if not isinstance(pid, int) or pid <= 0 or pid == os.getpid():
            return False  # this process is not another run, whatever a killed one recorded
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # another user's live process
            pass
        return True

    def _release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        remote = self._layout.remote
        try:
            if remote is not None and _holder(remote.read_bytes(_LOCK_OBJECT)).get("run") == self._run:
                remote.remove([_LOCK_OBJECT])
        except StorageError as err:
            if kind is None:
                raise OutputError(f"output: cannot remove the lock object: {err}") from err
        finally:
            self._release()


def boot_id() -> str | None:
    """The boot id of this machine (Linux), or None where the system has none to give."""
    try:
        with open(_BOOT_ID, encoding="ascii") as handle:
            return handle.read().strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _holder(data: bytes | None) -> dict[str, Any]:
    """The lock object's record (empty when there is none or it is not ours to read)."""
    try:
        found = orjson.loads(data) if data else {}
    except orjson.JSONDecodeError:
        return {}
    return found if isinstance(found, dict) else {}
