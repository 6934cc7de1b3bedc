"""gristmill's per-user cache: ``$XDG_CACHE_HOME/gristmill`` (``~/.cache/gristmill`` by default).

A folder a process builds in the cache holds a lock file, flocked for as long as the process writes
it. A process killed with SIGKILL (the OOM killer, ``kill -9``, a lost machine) leaves its folder,
and a later run removes it with :func:`remove_abandoned`: an flock dies with its process, on NFS too
(there it is a POSIX lock the server drops when the client's lease ends), so a folder whose lock no
process holds is no longer written. The lock rather than an age bound: a reference's signatures can
take hours to build, and no age tells a slow builder from a dead one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

# A holder creates its lock file, then locks it: one unlocked but made in the last minute may be one
# whose holder has not locked it yet, so it is left for a later run.
LOCK_GRACE_S = 60.0
# A folder with no lock file (made by a version before stop 36, or killed in the instant between
# making the folder and its lock file) is removed once it has not changed for a day.
UNLOCKED_AGE_S = 86400.0


def user_cache(name: str) -> Path:
    """The folder ``name`` in gristmill's per-user cache (not created here)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gristmill" / name


def hold(folder: Path, lock: str) -> int:
    """Create and flock ``folder/lock``; closing the descriptor it returns releases it."""
    fd = os.open(folder / lock, os.O_RDWR | os.O_CREAT, 0o644)
    with contextlib.suppress(OSError):  # a filesystem without locks: never taken for abandoned there
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def remove_abandoned(folders: Iterable[Path], lock: str) -> list[Path]:
    """Remove those of ``folders`` that no live process writes (see the module's docstring); name them."""
    removed = []
    now = time.time()
    for folder in folders:
        try:
            fd = os.open(folder / lock, os.O_RDWR)
        except FileNotFoundError:
            try:
                abandoned = now - folder.stat().st_mtime > UNLOCKED_AGE_S
            except OSError:
                continue
            if abandoned:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
            continue
        except OSError:  # gone meanwhile, or not ours to open
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if now - os.fstat(fd).st_mtime > LOCK_GRACE_S:
                shutil.rmtree(folder, ignore_errors=True)  # under the lock: no run takes it meanwhile
                removed.append(folder)
        except OSError:  # held by a live process, or locks unsupported here: it stays
            pass
        finally:
            os.close(fd)
    return removed
