"""The per-user cache: tests keep it in a temporary folder, and a run writes where XDG_CACHE_HOME says."""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from gristmill import cache
from gristmill.cache import user_cache
from gristmill.engine.layout import staging_folder
from tests.helpers import write_jsonl, write_pipeline


def test_the_tests_never_write_the_real_user_cache() -> None:
    # conftest points XDG_CACHE_HOME at a temporary folder for the whole session.
    assert not user_cache("report").is_relative_to(Path.home())
    assert not user_cache("staging").is_relative_to(Path.home())


def test_a_run_writes_its_cache_under_xdg_cache_home_not_home(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_jsonl(corpus / "a.jsonl", [{"id": "a", "text": "A document long enough to keep. " * 4}])
    spec = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {{path: '{corpus}'}}\noutput: {{path: '{tmp_path / 'out'}'}}\n"
        "steps:\n  - length_filter: {min_chars: 10}\n",
    )
    home, cache = tmp_path / "home", tmp_path / "fresh-cache"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run(
        [sys.executable, "-m", "gristmill", "run", str(spec), "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "report.html").is_file()
    assert list((cache / "gristmill" / "report").iterdir())  # the report's compiled template
    assert not list(home.iterdir())


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_build_whose_lock_a_sweeper_held_for_an_instant_is_not_swept_later(tmp_path: Path) -> None:
    # A sweeper (another run's prepare()) holding the lock file for its check in the instant the builder
    # flocks it made the builder's non-blocking flock fail, taken for "a filesystem without locks": the
    # build went on unlocked, and a sweep a minute later removed it under the running build.
    building = tmp_path / ".minhash_dedup-0123456789abcdef.abcd1234"
    building.mkdir()
    sweeper = os.open(building / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(sweeper, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the sweeper, between its flock and its close
    let_go = threading.Timer(0.2, os.close, (sweeper,))
    let_go.start()  # the sweeper lets go: the builder waits for it, then holds the lock
    live = cache.hold(building, ".lock")
    let_go.join()
    _age(building / ".lock", 2 * cache.LOCK_GRACE_S)  # a minute and more later
    try:
        assert cache.remove_abandoned([building], ".lock") == []
        assert building.is_dir()
    finally:
        os.close(live)


def test_a_rerun_taking_a_staging_folder_a_sweep_is_removing_keeps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # rmtree under the lock kept no rerun out once it had unlinked the lock file: a staging folder's name
    # is its output's, so a rerun of that output then made a new lock file, flocked it, fetched _state/,
    # and rmtree, going on through the names it had listed, removed what it fetched.
    monkeypatch.setenv("GRISTMILL_STAGING", str(tmp_path / "staging"))
    folder = staging_folder("s3://crawl/out-x")
    (folder / "_state").mkdir(parents=True)
    (folder / ".gristmill.lock").write_text(f"4242 on {socket.gethostname()}")  # a killed run's
    _age(folder / ".gristmill.lock", 3600)
    real = shutil.rmtree
    rerun: dict[str, Any] = {}

    def rmtree_meanwhile(path: Any, ignore_errors: bool = False) -> None:
        (Path(path) / ".gristmill.lock").unlink()  # rmtree's first name (scandir order)
        (folder / "_state").mkdir(parents=True, exist_ok=True)  # the rerun's Layout.create()
        fd = os.open(folder / ".gristmill.lock", os.O_RDWR | os.O_CREAT, 0o644)  # its OutputLock
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # not refused: the sweep holds no lock of it
        (folder / "_state" / "inputs.json").write_text("{}")  # and its begin(): fetched from the store
        rerun["fd"] = fd
        real(path, ignore_errors=ignore_errors)

    monkeypatch.setattr(cache.shutil, "rmtree", rmtree_meanwhile)
    assert cache.remove_abandoned([folder], ".gristmill.lock") == [folder]
    try:
        assert (folder / "_state" / "inputs.json").exists(), "the rerun's fetched state was removed"
    finally:
        os.close(rerun["fd"])
    assert sorted(p.name for p in folder.parent.iterdir()) == [folder.name]  # nothing else left behind


def test_a_sweep_leaves_the_folders_another_machine_locked(tmp_path: Path) -> None:
    # Where locks are node-local (BeeGFS by default, Lustre's localflock, NFS mounted nolock), another
    # machine's live lock is free here: only the lock file's host name tells its folder from a dead one.
    theirs = tmp_path / ".exact_dedup-0123456789abcdef.theirs12"
    ours = tmp_path / ".exact_dedup-0123456789abcdef.ours1234"
    for folder, host in ((theirs, "node-b.example"), (ours, socket.gethostname())):
        folder.mkdir()
        (folder / ".lock").write_text(f"4242 on {host}")
        (folder / "sig-00000.npy").write_bytes(b"\0" * 64)
        _age(folder / ".lock", 3600)
    assert cache.remove_abandoned([theirs, ours], ".lock") == [ours]
    assert theirs.is_dir() and not ours.exists()


def test_a_held_lock_file_names_this_machine_and_process(tmp_path: Path) -> None:
    fd = cache.hold(tmp_path, ".lock")
    try:
        assert (tmp_path / ".lock").read_text() == f"{os.getpid()} on {socket.gethostname()}"
    finally:
        os.close(fd)


def test_a_sweep_neither_follows_nor_names_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / ".lock").write_text(f"4242 on {socket.gethostname()}")
    _age(target / ".lock", 3600)
    link = tmp_path / ".exact_dedup-0123456789abcdef.link1234"
    link.symlink_to(target, target_is_directory=True)
    assert cache.remove_abandoned([link], ".lock") == []
    assert link.is_symlink() and (target / ".lock").exists()


def test_a_sweep_killed_while_emptying_its_trash_leaves_it_to_the_next(tmp_path: Path) -> None:
    trash = tmp_path / f"{cache.TRASH_PREFIX}0123456789ab"
    (trash / "_work").mkdir(parents=True)
    cache.remove_trash(tmp_path)
    assert not trash.exists()
