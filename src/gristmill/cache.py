"""gristmill's per-user cache: ``$XDG_CACHE_HOME/gristmill`` (``~/.cache/gristmill`` by default).

A folder a process builds in the cache holds a lock file, flocked for as long as the process writes
it and naming the process and its machine (``<pid> on <host>``). A process killed with SIGKILL (the
OOM killer, ``kill -9``, a lost machine) leaves its folder, and a later run removes it with
:func:`remove_abandoned`: an flock dies with its process, so a folder of this machine whose lock no
process holds is no longer written. The lock rather than an age bound: a reference's signatures can
take hours to build, and no age tells a slow builder from a dead one. A folder whose lock file names
another machine is left: where locks are node-local (BeeGFS by default, Lustre's ``localflock``, NFS
mounted ``nolock`` or ``local_lock``) its live lock is free here, and a leak is better than a deletion.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import socket
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

# A holder creates its lock file, then locks it: one unlocked but made in the last minute may be one
# whose holder has not locked it yet, so it is left for a later run.
LOCK_GRACE_S = 60.0
# A folder with no lock file (made by a version before stop 36, or killed in the instant between
# making the folder and its lock file) is removed once it has not changed for a day.
UNLOCKED_AGE_S = 86400.0
# A folder is renamed to this prefix (hidden, unique) under its lock before it is emptied: a rerun that
# makes a folder of the same name meanwhile (a staging folder's name is its output's) is not touched.
TRASH_PREFIX = ".gristmill-trash-"
# A lock file's content: which process on which machine holds it.
_STAMP = re.compile(r"(\d+) on (\S+)")


def user_cache(name: str) -> Path:
    """The folder ``name`` in gristmill's per-user cache (not created here)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gristmill" / name


def stamp(fd: int) -> None:
    """Write ``<pid> on <host>`` into the lock file open as ``fd``, whose lock this process holds."""
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()} on {socket.gethostname()}".encode(), 0)


def hold(folder: Path, lock: str) -> int:
    """Create, flock and stamp ``folder/lock``; closing the descriptor it returns releases it."""
    fd = os.open(folder / lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        # A sweeper checking this folder holds it for an instant (it removes no lock file under a
        # minute old): wait for it, or the build would go on unlocked and a later sweep remove it.
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError:  # a filesystem without locks: a sweep cannot lock it either, so never removes it
        pass
    stamp(fd)
    return fd


def remove_abandoned(folders: Iterable[Path], lock: str) -> list[Path]:
    """Remove those of ``folders`` that no live process writes (see the module's docstring); name them."""
    removed, trash = [], []
    now = time.time()
    host = socket.gethostname()
    for folder in folders:
        if folder.is_symlink():  # not made by a run: whatever it points to is not ours to judge
            continue
        try:
            fd = os.open(folder / lock, os.O_RDWR)
        except FileNotFoundError:
            try:
                abandoned = now - folder.stat().st_mtime > UNLOCKED_AGE_S
            except OSError:
                continue
            if abandoned and (renamed := _rename_to_trash(folder)):
                removed.append(folder)
                trash.append(renamed)
            continue
        except OSError:  # gone meanwhile, or not ours to open
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if _abandoned_here(fd, folder / lock, host, now) and (renamed := _rename_to_trash(folder)):
                removed.append(folder)
                trash.append(renamed)
        except OSError:  # held by a live process, or locks unsupported here: it stays
            pass
        finally:
            os.close(fd)
    for path in trash:  # after the locks are released: a rerun waits for no rmtree
        shutil.rmtree(path, ignore_errors=True)
    return removed


def sweep(parent: Path, name: re.Pattern[str], lock: str, *, keep: Path | None = None) -> list[Path]:
    """Remove the abandoned folders in ``parent`` whose names match ``name`` (but ``keep``); name them.

    Also what an earlier sweep, killed while emptying them, left (:func:`remove_trash`).
    """
    try:
        found = [p for p in parent.iterdir() if p != keep and name.fullmatch(p.name) and p.is_dir()]
    except OSError:  # no such folder yet
        return []
    removed = remove_abandoned(found, lock)
    remove_trash(parent)
    return removed


def remove_trash(parent: Path) -> None:
    """Remove the folders sweeps renamed away in ``parent`` (one killed while emptying them left them)."""
    try:
        found = [p for p in parent.iterdir() if p.name.startswith(TRASH_PREFIX) and not p.is_symlink()]
    except OSError:
        return
    for trash in found:
        shutil.rmtree(trash, ignore_errors=True)  # another sweep emptying it at once is no harm


def _abandoned_here(fd: int, path: Path, host: str, now: float) -> bool:
    """Whether the lock file ``fd`` (flocked here) is still ``path``, over a minute old, of this host."""
    found = os.fstat(fd)
    try:
        named = os.stat(path)
    except FileNotFoundError:  # another sweep renamed the folder away meanwhile
        return False
    if (found.st_dev, found.st_ino) != (named.st_dev, named.st_ino):  # a rerun's folder of the same name
        return False
    stamped = _STAMP.fullmatch(os.pread(fd, 512, 0).decode("utf-8", "replace").strip())
    return now - found.st_mtime > LOCK_GRACE_S and stamped is not None and stamped[2] == host


def _rename_to_trash(folder: Path) -> Path | None:
    """Rename ``folder`` out of the way (atomically, under its lock) and name it; None where it cannot be."""
    trash = folder.parent / f"{TRASH_PREFIX}{uuid.uuid4().hex[:12]}"
    try:
        folder.rename(trash)
    except OSError:  # gone meanwhile, or not ours to rename
        return None
    return trash
