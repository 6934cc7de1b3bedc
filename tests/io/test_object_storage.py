"""Inputs and outputs on an object store: a real S3 API (moto's server) on 127.0.0.1, read through s3fs."""

from __future__ import annotations

import fcntl
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zstandard

from gristmill.config import load_pipeline
from gristmill.engine.layout import Layout
from gristmill.engine.lock import OutputLock
from gristmill.io import storage
from tests.helpers import REPO, write_jsonl, write_pipeline

moto_server = pytest.importorskip("moto.server")
s3fs = pytest.importorskip("s3fs")

WARC = REPO / "src" / "gristmill" / "samples" / "warc" / "cc-main-2020-34-excerpt.warc.gz"
BUCKET = "crawl"
STEPS = """
steps:
  - extract: {}
  - length_filter: {min_chars: 40}
  - exact_dedup: {}
  - minhash_dedup: {}
  - regex_filter: {pattern: "story 7", reason: seven}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def s3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A moto S3 server on 127.0.0.1 with an empty bucket; returns an s3fs file system talking to it."""
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    # moto keeps its buckets in the process, across servers: start each test from none.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).close()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
        "NO_PROXY": "127.0.0.1",
        "GRISTMILL_STAGING": str(tmp_path / "staging"),
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    # fsspec caches file systems by their options; one made for an earlier test's server is stale.
    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem(endpoint_url=endpoint, skip_instance_cache=True)
    fs.mkdir(BUCKET)
    fs.endpoint = endpoint
    try:
        yield fs
    finally:
        storage._OPTIONS.clear()
        server.stop()


def _corpus(folder: Path) -> Path:
    """A real multi-file input: the bundled WARC and two JSON Lines files with planted duplicates."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(WARC, folder / WARC.name)
    for s in range(2):
        write_jsonl(
            folder / f"part-{s}.jsonl.zst",
            [
                {
                    "id": f"s{s}-d{d}",
                    "text": f"A story {d % 9} told on page {d % 11} of the archive, filed in {d % 5}. " * 3,
                }
                for d in range(60)
            ],
        )
    return folder


def _config(path: Path, input_path: str, output_path: str, steps: str = "steps: []\n") -> Path:
    text = f"input: {{path: '{input_path}'}}\noutput: {{path: '{output_path}'}}\n{steps}"
    return write_pipeline(path, text)


def _upload(fs: Any, folder: Path, prefix: str) -> None:
    for path in sorted(folder.iterdir()):
        fs.put_file(str(path), f"{prefix}/{path.name}")


def _local_outputs(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for folder in ("kept", "rejected", "quarantine")
        for p in sorted((out / folder).glob("*"))
    }


def _remote_outputs(fs: Any, prefix: str) -> dict[str, bytes]:
    fs.invalidate_cache()
    found = {}
    for path in sorted(fs.find(prefix)):
        name = path[len(prefix) + 1 :]
        if name.split("/")[0] in ("kept", "rejected", "quarantine"):
            found[name] = fs.cat_file(path)
    return found


def _decompressed(files: dict[str, bytes], replace: tuple[str, str]) -> dict[str, bytes]:
    """The documents of each output file, with the input's location (``meta.warc_file``) made the same."""
    plain = {
        name: zstandard.ZstdDecompressor().decompressobj().decompress(data) if name.endswith(".zst") else data
        for name, data in files.items()
    }
    return {name: data.replace(replace[0].encode(), replace[1].encode()) for name, data in plain.items()}


def test_a_run_from_s3_to_s3_gives_the_output_of_the_same_run_on_local_paths(
    s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = _corpus(tmp_path / "in")
    for s in (2, 3):  # five shards: more than the three files the report once fetched back
        write_jsonl(
            src / f"part-{s}.jsonl.zst",
            # One id in both files: the run counts it, from the hashes its barriers kept in storage.
            [{"id": f"s{2 if d == 0 else s}-d{d}", "text": f"Page {d} of {s}. " * 9} for d in range(9)],
        )
    _upload(s3, src, f"{BUCKET}/in")
    local_out = tmp_path / "local-out"
    local_run = load_pipeline(_config(tmp_path / "local.yaml", str(src), str(local_out), STEPS)).run()

    monkeypatch.chdir(tmp_path)  # an s3:// output once wrote a local folder ./s3:/...
    endpoint = s3.endpoint
    write_pipeline(
        tmp_path / "s3.yaml",
        f"input: {{path: 's3://{BUCKET}/in/*', storage_options: {{endpoint_url: '{endpoint}'}}}}\n"
        f"output: {{path: 's3://{BUCKET}/out', storage_options: {{endpoint_url: '{endpoint}'}}}}\n" + STEPS,
    )
    result = load_pipeline(tmp_path / "s3.yaml").run()

    assert result.output == f"s3://{BUCKET}/out"
    assert not (tmp_path / "s3:").exists()
    repeated = {"step": "exact_dedup", "ids": 1, "documents": 2, "example": "s2-d0"}
    assert result.stats["repeated_ids"] == local_run.stats["repeated_ids"] == repeated
    local, remote = _local_outputs(local_out), _remote_outputs(s3, f"{BUCKET}/out")
    assert sorted(remote) == sorted(local)
    assert any(name.startswith("rejected/") for name in remote)
    # The JSON Lines shards name no input path: their compressed bytes are the same.
    jsonl = [n for n in local if n.split("/")[1].startswith(("00001", "00002"))]
    assert jsonl and all(remote[n] == local[n] for n in jsonl)
    # The WARC's documents record their file (meta.warc_file), the one thing that differs.
    assert _decompressed(remote, (f"s3://{BUCKET}/in/", f"{src}/")) == _decompressed(local, ("", ""))
    names = s3.find(f"{BUCKET}/out")
    assert f"{BUCKET}/out/stats.json" in names and f"{BUCKET}/out/_state/inputs.json" in names
    # The staged copies of kept files were dropped once published; the report fetched a sample back:
    # the same as the local run's, under the run's URL.
    report = s3.cat_file(f"{BUCKET}/out/report.html").decode()
    assert "A story" in report and f"<h1>gristmill run: s3://{BUCKET}/out</h1>" in report
    sampled = re.compile(r"kept: [\d,]+ documents, [^;]*; rejected: [\d,]+, [^.]*\.")
    local_report = (local_out / "report.html").read_text()
    assert sampled.search(report)[0] == sampled.search(local_report)[0]  # type: ignore[index]
    assert "of its 5 shard files" in sampled.search(report)[0]  # type: ignore[index]
    assert not [n for n in names if "/_work/" in n or "/.tmp." in n or n.endswith(".gristmill.lock")]
    assert not (tmp_path / "staging").exists() or not any((tmp_path / "staging").iterdir())


PLAIN_STEPS = """
steps:
  - normalize: {{}}
  - test_sleep: {{seconds: 0.004}}
  - exact_dedup: {{}}
"""


def _cli(config: Path) -> subprocess.Popen[bytes]:
    with open(config.with_suffix(".log"), "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "gristmill", "run", str(config), "-w", "2", "--no-progress"],
            stdout=log,
            stderr=log,
            start_new_session=True,
            cwd=REPO,  # where the test steps (tests.engine.faulty) import from
        )


def _markers(fs: Any, prefix: str) -> int:
    fs.invalidate_cache()
    try:
        return sum(1 for name in fs.find(f"{prefix}/_state") if name.endswith(".done"))
    except FileNotFoundError:
        return 0


@pytest.mark.slow
def test_a_run_killed_mid_way_and_resumed_on_s3_gives_the_same_objects_and_leaves_no_temporary_ones(
    s3: Any, tmp_path: Path
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for s in range(4):
        records = [
            {"id": f"s{s}-d{d}", "text": f"Entry {d % 23} of the ledger, line {d % 7}. " * 4}
            for d in range(80)
        ]
        write_jsonl(src / f"part-{s}.jsonl.zst", records)
    _upload(s3, src, f"{BUCKET}/in")
    header = "imports: [tests.engine.faulty]\ninput: {{path: 's3://{b}/in/'}}\noutput: {{path: 's3://{b}/{out}'}}\n"
    whole = write_pipeline(tmp_path / "whole.yaml", (header + PLAIN_STEPS).format(b=BUCKET, out="whole"))
    assert _cli(whole).wait() == 0, whole.with_suffix(".log").read_text()

    killed = write_pipeline(tmp_path / "killed.yaml", (header + PLAIN_STEPS).format(b=BUCKET, out="killed"))
    kills = 0
    # 4 read tasks, then 4 sign, 16 group, 1 link and 4 decide tasks: kill in the first run's read
    # phase, and in the resumed run's group phase.
    for target in (2, 16):
        proc = _cli(killed)
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if _markers(s3, f"{BUCKET}/killed") >= target:
                break
            time.sleep(0.05)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the run and its workers, mid-upload wherever they are
            proc.wait()
            kills += 1
    assert kills == 2, "the run ended before it could be killed"
    assert _cli(killed).wait() == 0, killed.with_suffix(".log").read_text()

    assert _remote_outputs(s3, f"{BUCKET}/killed") == _remote_outputs(s3, f"{BUCKET}/whole")
    left = [n for n in s3.find(f"{BUCKET}/killed") if "/.tmp." in n or "/_work/" in n or n.endswith(".lock")]
    assert left == []


def test_an_s3_output_writes_no_local_folder_named_after_the_url(
    s3: Any, tmp_path: Path, run_cli: Any
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    write_jsonl(src / "a.jsonl", [{"id": "1", "text": "One document, read from a local file."}])
    config = _config(tmp_path / "p.yaml", str(src), f"s3://{BUCKET}/out")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = run_cli("run", str(config), "--no-progress")
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "s3:").exists()
    s3.invalidate_cache()
    assert s3.exists(f"{BUCKET}/out/kept/00000.jsonl.zst")


@pytest.mark.parametrize(
    ("input_path", "output_path", "expected"),
    [
        (f"s3://{BUCKET}/gone/*.jsonl", "LOCAL", f"input: 's3://{BUCKET}/gone/*.jsonl' matches no object"),
        (f"s3://{BUCKET}/in/nothing.jsonl", "LOCAL", "matches no object"),
        ("s3://no-such-bucket/in/*.jsonl", "LOCAL", "no-such-bucket"),
        ("LOCAL", "s3://no-such-bucket/out", "output: cannot write to s3://no-such-bucket/out"),
    ],
)
def test_a_missing_bucket_or_object_is_one_line_and_exit_2(
    s3: Any, tmp_path: Path, run_cli: Any, input_path: str, output_path: str, expected: str
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    write_jsonl(src / "a.jsonl", [{"id": "1", "text": "One document."}])
    input_path = str(src) if input_path == "LOCAL" else input_path
    output_path = str(tmp_path / "out") if output_path == "LOCAL" else output_path
    config = _config(tmp_path / "p.yaml", input_path, output_path)
    result = run_cli("run", str(config), "--no-progress")
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.output
    assert "Traceback" not in result.output


def test_changed_input_objects_are_refused_on_resume(s3: Any, tmp_path: Path) -> None:
    for name, text in (("a", "First document of the corpus."), ("b", "Second document of the corpus.")):
        s3.pipe_file(f"{BUCKET}/in/{name}.jsonl", f'{{"id": "{name}", "text": "{text}"}}\n'.encode())
    config = _config(tmp_path / "p.yaml", f"s3://{BUCKET}/in", f"s3://{BUCKET}/out")
    pipeline = load_pipeline(config)
    pipeline.run()
    state = s3.cat_file(f"{BUCKET}/out/_state/inputs.json")
    assert f"s3://{BUCKET}/in/a.jsonl".encode() in state and b"ends_xxh3" in state
    s3.rm(f"{BUCKET}/out/_state/stage0/00001.done")  # as if the run had been killed before shard 1 ended
    s3.pipe_file(f"{BUCKET}/in/b.jsonl", b'{"id": "b", "text": "Another text, replaced since."}\n')
    from gristmill.errors import ChangedInputError

    with pytest.raises(ChangedInputError, match=r"changed s3://crawl/in/b\.jsonl"):
        load_pipeline(config).run()


def test_a_lock_object_from_another_machine_refuses_the_run(s3: Any, tmp_path: Path) -> None:
    holder = b'{"host": "elsewhere", "pid": 7, "run": "x", "started": 0}'
    s3.pipe_file(f"{BUCKET}/out/.gristmill.lock", holder)
    s3.pipe_file(f"{BUCKET}/in/a.jsonl", b'{"id": "a", "text": "A document."}\n')
    config = _config(tmp_path / "p.yaml", f"s3://{BUCKET}/in", f"s3://{BUCKET}/out")
    from gristmill.errors import OutputInUseError

    with pytest.raises(OutputInUseError, match="in use by a gristmill run on 'elsewhere'"):
        load_pipeline(config).run()
    s3.rm(f"{BUCKET}/out/.gristmill.lock")
    assert load_pipeline(config).run().totals["kept"] == 1


def test_a_lock_object_of_a_live_run_on_this_machine_with_another_staging_folder_refuses_the_run(
    s3: Any, tmp_path: Path
) -> None:
    # Two runs on one machine share a staging folder's OS lock only when they share the folder
    # (GRISTMILL_STAGING set per job gives each its own): the lock object's pid tells them apart.
    from gristmill.engine.layout import staging_folder
    from gristmill.errors import OutputInUseError

    s3.pipe_file(f"{BUCKET}/in/a.jsonl", b'{"id": "a", "text": "A document."}\n')
    out = f"s3://{BUCKET}/out"
    config = _config(tmp_path / "p.yaml", f"s3://{BUCKET}/in", out)

    def hold(pid: int, staging: Path) -> None:
        record = {"host": socket.gethostname(), "pid": pid, "run": "x", "started": 0, "staging": str(staging)}
        s3.pipe_file(f"{BUCKET}/out/.gristmill.lock", json.dumps(record).encode())

    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        hold(live.pid, tmp_path / "other-staging")
        busy = rf"in use by a gristmill run on this machine \(pid {live.pid}"
        with pytest.raises(OutputInUseError, match=busy):
            load_pipeline(config).run()
        # The same staging folder: this run holds its OS lock, so the holder has ended (a pid reused).
        hold(live.pid, staging_folder(out))
        assert load_pipeline(config).run().totals["kept"] == 1
    finally:
        live.kill()
        live.wait()
    # Its process gone, the lock object is stale and replaced.
    hold(live.pid, tmp_path / "other-staging")
    assert load_pipeline(config).run().totals["kept"] == 1
    assert not s3.exists(f"{BUCKET}/out/.gristmill.lock")


def test_a_lock_object_naming_this_very_process_is_stale(s3: Any, tmp_path: Path) -> None:
    # After a reboot, or in a container where gristmill is often pid 1 each time, a killed run's pid can
    # be this run's own; with GRISTMILL_STAGING set per job the staging folders differ too.
    s3.pipe_file(f"{BUCKET}/in/a.jsonl", b'{"id": "a", "text": "A document."}\n')
    config = _config(tmp_path / "p.yaml", f"s3://{BUCKET}/in", f"s3://{BUCKET}/out")
    record = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "run": "x",
        "started": 0,
        "staging": str(tmp_path / "job-41-staging"),
    }
    s3.pipe_file(f"{BUCKET}/out/.gristmill.lock", json.dumps(record).encode())
    assert load_pipeline(config).run(workers=1).totals["kept"] == 1


@pytest.mark.skipif(not Path("/proc/sys/kernel/random/boot_id").exists(), reason="no boot id here")
def test_a_lock_object_of_another_boot_is_stale_and_one_of_this_boot_is_not(s3: Any, tmp_path: Path) -> None:
    # A pid recorded before a reboot may now be any live process: the boot id tells the two apart.
    from gristmill.errors import OutputInUseError

    s3.pipe_file(f"{BUCKET}/in/a.jsonl", b'{"id": "a", "text": "A document."}\n')
    config = _config(tmp_path / "p.yaml", f"s3://{BUCKET}/in", f"s3://{BUCKET}/out")
    this_boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        for boot in (this_boot, "00000000-0000-0000-0000-000000000000"):
            record = {
                "host": socket.gethostname(),
                "boot": boot,
                "pid": live.pid,
                "run": "x",
                "started": 0,
                "staging": str(tmp_path / "other-staging"),
            }
            s3.pipe_file(f"{BUCKET}/out/.gristmill.lock", json.dumps(record).encode())
            if boot == this_boot:
                with pytest.raises(OutputInUseError, match=rf"this machine \(pid {live.pid}"):
                    load_pipeline(config).run(workers=1)
            else:
                assert load_pipeline(config).run(workers=1).totals["kept"] == 1
    finally:
        live.kill()
        live.wait()


def test_a_lock_object_records_this_machines_boot(
    s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gristmill.engine import lock

    seen: list[bytes] = []
    real = lock.OutputLock._take_lock_object

    def take(self: Any) -> None:
        real(self)
        seen.append(s3.cat_file(f"{BUCKET}/out/.gristmill.lock"))

    monkeypatch.setattr(lock.OutputLock, "_take_lock_object", take)
    s3.pipe_file(f"{BUCKET}/in/a.jsonl", b'{"id": "a", "text": "A document."}\n')
    load_pipeline(_config(tmp_path / "p.yaml", f"s3://{BUCKET}/in", f"s3://{BUCKET}/out")).run(workers=1)
    boot_id = Path("/proc/sys/kernel/random/boot_id")
    expected = boot_id.read_text().strip() if boot_id.exists() else None
    assert json.loads(seen[0]).get("boot") == expected


def test_an_object_rewritten_while_the_run_reads_it_fails_its_shard_in_one_line(
    s3: Any, tmp_path: Path
) -> None:
    # In one process the store is asked again, not the listing s3fs kept from the run's start.
    import tests.engine.faulty  # noqa: F401 - registers test_append_to
    from gristmill.errors import RunFailedError

    s3.pipe_file(f"{BUCKET}/in/a.jsonl", b'{"id": "a", "text": "A document."}\n')
    steps = f"steps:\n  - test_append_to: {{path: 's3://{BUCKET}/in/a.jsonl'}}\n"
    config = _config(tmp_path / "p.yaml", f"s3://{BUCKET}/in", f"s3://{BUCKET}/out", steps)
    with pytest.raises(
        RunFailedError,
        match=r"^input: s3://crawl/in/a\.jsonl changed while the run read it \(size 35 → 107\)",
    ):
        load_pipeline(config).run(workers=1)
    assert not s3.exists(f"{BUCKET}/out/_state/stage0/00000.done")


def test_a_failed_fresh_head_is_not_a_changed_input(
    s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A throttled or timed-out HEAD after reading says nothing about the object: the line says to
    # resume, not to --overwrite (which would throw the whole run away).
    from gristmill.errors import RunFailedError

    s3.pipe_file(f"{BUCKET}/in/a.jsonl", b'{"id": "a", "text": "A document."}\n')
    config = _config(tmp_path / "p.yaml", f"s3://{BUCKET}/in", f"s3://{BUCKET}/out")
    real = storage.object_state

    def flaky(url: str, fresh: bool = False) -> storage.ObjectState:
        if fresh:
            raise storage.StorageError(f"{url}: An error occurred (SlowDown) when calling HeadObject")
        return real(url, fresh)

    monkeypatch.setattr(storage, "object_state", flaky)
    with pytest.raises(RunFailedError) as caught:
        load_pipeline(config).run(workers=1)
    message = str(caught.value)
    assert message.startswith("input: s3://crawl/in/a.jsonl: An error occurred (SlowDown)"), message
    assert "changed while the run read it" not in message and "--overwrite" not in message
    assert "its shard is not kept; run the same command to resume" in message and "\n" not in message
    assert not s3.exists(f"{BUCKET}/out/_state/stage0/00000.done")
    monkeypatch.setattr(storage, "object_state", real)
    assert load_pipeline(config).run(workers=1).totals["kept"] == 1


def test_an_object_gone_once_read_is_a_changed_input(
    s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gristmill.errors import RunFailedError

    s3.pipe_file(f"{BUCKET}/in/a.jsonl", b'{"id": "a", "text": "A document."}\n')
    config = _config(tmp_path / "p.yaml", f"s3://{BUCKET}/in", f"s3://{BUCKET}/out")
    real = storage.object_state

    def removed(url: str, fresh: bool = False) -> storage.ObjectState:
        if fresh:
            s3.rm(url)
        return real(url, fresh)

    monkeypatch.setattr(storage, "object_state", removed)
    with pytest.raises(
        RunFailedError, match=r"^input: s3://crawl/in/a\.jsonl changed while the run read it \(gone\)"
    ):
        load_pipeline(config).run(workers=1)


def test_checking_objects_once_read_asks_the_store_once_per_object(
    s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The check asks for one object afresh; dropping the folder's cached listing with it made every
    # later open of the run ask the store again (20 objects: 39 HEADs, where one each is the cost).
    for i in range(20):
        s3.pipe_file(f"{BUCKET}/in/{i:02d}.jsonl", f'{{"id": "{i}", "text": "Document {i}."}}\n'.encode())
    heads: list[str] = []
    real = s3fs.S3FileSystem._call_s3

    async def counted(self: Any, method: Any, *args: Any, **kwargs: Any) -> Any:
        if str(kwargs.get("Key", "")).startswith("in/") and "head" in str(method):
            heads.append(kwargs["Key"])
        return await real(self, method, *args, **kwargs)

    monkeypatch.setattr(s3fs.S3FileSystem, "_call_s3", counted)
    config = _config(tmp_path / "p.yaml", f"s3://{BUCKET}/in", f"s3://{BUCKET}/out")
    assert load_pipeline(config).run(workers=1).totals["kept"] == 20
    assert sorted(heads) == [f"in/{i:02d}.jsonl" for i in range(20)]


def test_whether_info_takes_refresh_is_read_once_per_backend_class(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each object checked asked inspect.signature again; the answer belongs to the backend's class.
    import inspect

    seen: list[Any] = []
    real = inspect.signature

    def counted(method: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(method)
        return real(method, *args, **kwargs)

    class Refreshes:
        async def _info(self, path: str, refresh: bool = False) -> dict[str, Any]:
            return {}

        def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
            return {}

    class Lists:
        def info(self, path: str) -> dict[str, Any]:
            return {}

    monkeypatch.setattr(inspect, "signature", counted)
    assert all(storage._takes_refresh(Refreshes()) for _ in range(5))
    assert not any(storage._takes_refresh(Lists()) for _ in range(5))
    assert len(seen) == 2


def test_an_s3_prefix_of_other_objects_is_refused_as_output(s3: Any, tmp_path: Path) -> None:
    s3.pipe_file(f"{BUCKET}/out/kept/mine.jsonl", b'{"id": "mine", "text": "Not a run of gristmill."}\n')
    s3.pipe_file(f"{BUCKET}/in/a.jsonl", b'{"id": "a", "text": "A document."}\n')
    config = _config(tmp_path / "p.yaml", f"s3://{BUCKET}/in", f"s3://{BUCKET}/out")
    from gristmill.errors import UnusableOutputError

    with pytest.raises(UnusableOutputError, match=r"holds files but no gristmill run \(kept\)"):
        load_pipeline(config).run()
    assert s3.find(f"{BUCKET}/out") == [f"{BUCKET}/out/kept/mine.jsonl"]
    assert load_pipeline(config).run(overwrite=True).totals["kept"] == 1
    # A folder marker (the console's "Create folder") and what a killed upload left are not files.
    s3.pipe_file(f"{BUCKET}/new/", b"")
    s3.pipe_file(f"{BUCKET}/new/_state/.tmp.7-ab.pipeline.json", b"{")
    other = _config(tmp_path / "q.yaml", f"s3://{BUCKET}/in", f"s3://{BUCKET}/new")
    assert load_pipeline(other).run().totals["kept"] == 1


def test_file_urls_are_local_paths(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    write_jsonl(src / "a.jsonl", [{"id": "1", "text": "One document, named by a file:// URL."}])
    plain = load_pipeline(_config(tmp_path / "plain.yaml", str(src), str(tmp_path / "plain"))).run()
    url = load_pipeline(_config(tmp_path / "url.yaml", f"file://{src}", f"file://{tmp_path / 'url'}")).run()
    assert url.output == str(tmp_path / "url") and url.totals == plain.totals
    assert _local_outputs(tmp_path / "url") == _local_outputs(tmp_path / "plain")


def test_storage_options_are_not_written_into_the_output(s3: Any, tmp_path: Path) -> None:
    s3.pipe_file(f"{BUCKET}/in/a.jsonl", b'{"id": "a", "text": "A document."}\n')
    options = f"storage_options: {{endpoint_url: '{s3.endpoint}', key: testing, secret: hunter2}}"
    out = tmp_path / "out"
    text = f"input: {{path: 's3://{BUCKET}/in', {options}}}\noutput: {{path: '{out}'}}\nsteps: []\n"
    load_pipeline(write_pipeline(tmp_path / "p.yaml", text)).run()
    written = b"".join(p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert b"hunter2" not in written and b"endpoint_url" not in written


def test_a_url_whose_backend_is_not_installed_names_the_package(tmp_path: Path, run_cli: Any) -> None:
    pytest.importorskip("fsspec")
    if importlib.util.find_spec("gcsfs") is not None:
        pytest.skip("gcsfs is installed here")
    config = _config(tmp_path / "p.yaml", "gs://bucket/in/*.jsonl", str(tmp_path / "out"))
    result = run_cli("run", str(config), "--no-progress")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "install gcsfs" in result.output, result.output


def test_another_pipeline_on_an_s3_output_is_refused_and_overwrite_clears_it(s3: Any, tmp_path: Path) -> None:
    s3.pipe_file(f"{BUCKET}/in/a.jsonl", b'{"id": "a", "text": "A document of the corpus."}\n')
    first = _config(tmp_path / "first.yaml", f"s3://{BUCKET}/in", f"s3://{BUCKET}/out")
    load_pipeline(first).run()
    drop_all = "steps:\n  - length_filter: {min_chars: 1000}\n"
    second = _config(tmp_path / "second.yaml", f"s3://{BUCKET}/in", f"s3://{BUCKET}/out", drop_all)
    from gristmill.errors import UnusableOutputError

    with pytest.raises(UnusableOutputError, match=r"'s3://crawl/out' holds the run of a different pipeline"):
        load_pipeline(second).run()
    assert load_pipeline(second).run(overwrite=True).totals["rejected"] == 1
    s3.invalidate_cache()
    names = [n.split("/out/", 1)[1] for n in s3.find(f"{BUCKET}/out")]
    assert "rejected/00000.jsonl.zst" in names and "pipeline.yaml" in names
    # The first run kept its one document; the second kept none.
    kept = s3.cat_file(f"{BUCKET}/out/kept/00000.jsonl.zst")
    assert zstandard.ZstdDecompressor().decompressobj().decompress(kept) == b""


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_a_mistyped_text_key_on_objects_in_storage_is_one_line(
    s3: Any, tmp_path: Path, run_cli: Any, fmt: str
) -> None:
    # Objects in storage were not looked at: every record was quarantined on its own, and the run
    # ended with nothing kept. The first object is looked at now (its first block; a Parquet footer).
    src = tmp_path / "in"
    src.mkdir()
    for name in ("a", "b"):
        records = [{"id": f"{name}{i}", "content": f"Document {i} of {name}."} for i in range(3)]
        if fmt == "jsonl":
            write_jsonl(src / f"{name}.jsonl", records)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pylist(records), src / f"{name}.parquet")
    _upload(s3, src, f"{BUCKET}/in")
    config = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {{path: 's3://{BUCKET}/in', text_key: body}}\n"
        f"output: {{path: '{tmp_path}/out'}}\nsteps: []\n",
    )
    result = run_cli("run", str(config), "--no-progress")
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert "text_key names 'body'" in result.output and "'content'" in result.output
    assert f"s3://{BUCKET}/in/a.{fmt}" in result.output
    assert not (tmp_path / "out" / "kept").exists()
    # The right name runs.
    config.write_text(config.read_text().replace("text_key: body", "text_key: content"))
    assert run_cli("run", str(config), "--no-progress").exit_code == 0


def test_a_run_folder_on_s3_is_read_only_where_a_path_points_into_it(s3: Any) -> None:
    # The rule of local folders: a prefix above a run passes it over; a path into it reads its documents.
    from gristmill.io.inputs import InputSpec, PassedOver

    run = f"s3://{BUCKET}/runs/first"
    for name in ("_state/pipeline.json", "stats.json", "report.html"):
        s3.pipe_file(f"{run}/{name}", b"{}")
    for name in ("kept/00000.jsonl", "rejected/00000.jsonl", "quarantine/00000.jsonl"):
        s3.pipe_file(f"{run}/{name}", b'{"text": "a"}\n')
    s3.pipe_file(f"s3://{BUCKET}/runs/extra.jsonl", b'{"text": "a"}\n')

    def listed(path: str) -> tuple[list[str], PassedOver]:
        passed = PassedOver()
        return [url for url, _ in InputSpec(path=path).files(passed_over=passed)], passed

    found, passed = listed(f"s3://{BUCKET}/runs/")
    assert found == [f"s3://{BUCKET}/runs/extra.jsonl"] and list(passed.runs) == [run]
    found, passed = listed(f"{run}/")
    assert found == [f"{run}/kept/00000.jsonl", f"{run}/rejected/00000.jsonl"]
    assert sorted(path for path, _ in passed.run_files) == [
        f"{run}/_state/pipeline.json",
        f"{run}/quarantine/00000.jsonl",
        f"{run}/report.html",
        f"{run}/stats.json",
    ]
    assert listed(f"{run}/kept/*.jsonl")[0] == [f"{run}/kept/00000.jsonl"]


def test_a_file_of_a_run_folder_on_s3_is_told_from_other_objects(s3: Any) -> None:
    # An empty shard of an earlier run's kept/ reads as no document, not as a broken input file.
    from gristmill.io.inputs import written_by_a_run

    run = f"s3://{BUCKET}/runs/first"
    s3.pipe_file(f"{run}/_state/pipeline.json", b"{}")
    for name in ("kept/00000.jsonl", "quarantine/00000.jsonl", "extra/00000.jsonl"):
        s3.pipe_file(f"{run}/{name}", b"")
    s3.pipe_file(f"s3://{BUCKET}/other/kept/00000.jsonl", b"")
    assert written_by_a_run(f"{run}/kept/00000.jsonl")
    assert not written_by_a_run(f"{run}/quarantine/00000.jsonl")
    assert not written_by_a_run(f"{run}/extra/00000.jsonl")
    assert not written_by_a_run(f"s3://{BUCKET}/other/kept/00000.jsonl")


def test_a_later_run_removes_the_staging_folders_that_killed_runs_left(
    s3: Any, tmp_path: Path, run_cli: Any
) -> None:
    # The state SIGKILL leaves (made by hand, as the reference's test kills a real run): a staging
    # folder of another output, its lock file flocked by no process, with the run's half-published files.
    staging = tmp_path / "staging"
    killed = staging / ("a" * 20)
    (killed / "_work" / "stage1-minhash_dedup").mkdir(parents=True)
    (killed / "_work" / "stage1-minhash_dedup" / "sig-00000.npy").write_bytes(b"\0" * 4096)
    (killed / ".gristmill.lock").write_text(f"12345 on {socket.gethostname()}")
    live = staging / ("b" * 20)  # another run's, running now: its lock is held
    live.mkdir(parents=True)
    holder = os.open(live / ".gristmill.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    a_minute_ago = time.time() - 120  # a lock file made in the last minute may not be locked yet
    for lock in (killed / ".gristmill.lock", live / ".gristmill.lock"):
        os.utime(lock, (a_minute_ago, a_minute_ago))
    src = tmp_path / "in"
    src.mkdir()
    write_jsonl(src / "a.jsonl", [{"id": "1", "text": "One document, read from a local file."}])
    try:
        result = run_cli("run", str(_config(tmp_path / "p.yaml", str(src), f"s3://{BUCKET}/out")), "--quiet")
        assert result.exit_code == 0, result.output
        assert not killed.exists()
        assert live.is_dir()
    finally:
        os.close(holder)
    assert s3.cat_file(f"{BUCKET}/out/kept/00000.jsonl.zst")


def test_objects_of_mixed_text_types_run_when_the_first_is_the_odd_one(s3: Any, tmp_path: Path) -> None:
    # Where every input is an object only the first is looked at (a review's test): its column of int64
    # must not stop a run whose other objects hold text; that object's rows are quarantined.
    import pyarrow as pa
    import pyarrow.parquet as pq

    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    pq.write_table(pa.table({"id": ["x"], "text": [7]}), a)
    pq.write_table(pa.table({"id": ["y", "z"], "text": ["Some text.", "More text."]}), b)
    s3.put_file(str(a), f"{BUCKET}/in/a.parquet")
    s3.put_file(str(b), f"{BUCKET}/in/b.parquet")
    config = _config(tmp_path / "p.yaml", f"s3://{BUCKET}/in", f"s3://{BUCKET}/out")
    totals = load_pipeline(config).run(workers=1).totals
    assert (totals["kept"], totals["quarantined"]) == (2, 1)


def test_a_run_to_an_object_store_names_this_machine_in_its_staging_folders_lock(s3: Any) -> None:
    # A sweep removes only the staging folders of its own machine: where locks are node-local another
    # machine's live lock is free here, and its folder would go under its running run.
    layout = Layout(f"s3://{BUCKET}/out")
    layout.create()
    with OutputLock(layout):
        layout.begin()
        assert layout.lock.read_text() == f"{os.getpid()} on {socket.gethostname()}"
