"""Run gristmill on a two-node Ray cluster on loopback; run by test_ray_two_nodes.py, never collected.

    unshare -rnpf --mount-proc --kill-child python tests/executors/ray_two_nodes.py WORK PLAN.json

It runs inside a user, network, PID and mount namespace: the only network interface is ``lo``, so every
Ray process binds and talks to 127.0.0.1 and nothing else; ``ps`` and ``ray stop`` see only the
processes started here, and the kernel kills whatever is left when this script (PID 1) ends.

The plan lists the runs, in order: ``{"runs": [{"name", "out", "args", ...}]}``; ``args`` are those of
``gristmill run``, to which ``--executor ray --ray-address 127.0.0.1:6379`` are added unless ``local``
is true (``address_from_env``: the address goes in ``RAY_ADDRESS`` instead). ``start_second_node``
starts the second node again before the run; ``kill_second_node_after: N`` SIGKILLs every process of
the second node (its raylet and the workers it started) once N done-markers are in ``out`` and a task
runs on that node (or a few seconds later), and the driver with it if ``kill_driver_too``.
``without_token`` runs gristmill without the cluster's token. ``WORK/result.json`` gets each run's exit
status, output, wall time and the nodes its tasks ran on. The cluster uses Ray's token authentication
(``RAY_AUTH_MODE=token``, ``RAY_AUTH_TOKEN``).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

PORT = 6379
ADDRESS = f"127.0.0.1:{PORT}"
TASK_TITLE = "ray::_run_on_ray"  # Ray's title for a worker process while it runs a gristmill task
# Ray sends a task to the second node only when the head is busy: wait this long for one to run there
# before killing the node anyway (a barrier's short tasks may all run on the head).
KILL_WAIT = 1.0
RAY = str(Path(sys.executable).with_name("ray"))


def processes() -> dict[int, tuple[int, str, str]]:
    """Every process of this PID namespace: pid -> (parent pid, name, command line)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            table[int(entry.name)] = (int(stat[stat.rindex(")") + 2 :].split()[1]), name, cmdline)
        except (OSError, ValueError, IndexError):  # ended meanwhile
            continue
    return table


def descendants(table: dict[int, tuple[int, str, str]], roots: set[int]) -> set[int]:
    found = set(roots)
    while True:
        more = {pid for pid, (ppid, _, _) in table.items() if ppid in found} - found
        if not more:
            return found
        found |= more


def running_tasks(raylets: dict[int, str]) -> list[str]:
    """The node of every worker process running a gristmill task now (a worker's parent is its raylet)."""
    return [
        raylets[ppid]
        for ppid, _, cmdline in processes().values()
        if cmdline.startswith(TASK_TITLE) and ppid in raylets
    ]


def done_markers(out: Path) -> int:
    """The done-markers in an output folder, counted while the run renames files in it."""
    while True:
        try:
            return sum(1 for _ in (out / "_state").rglob("*.done")) if (out / "_state").exists() else 0
        except FileNotFoundError:  # a folder went away under the walk: count again
            continue


def kill(pids: set[int]) -> list[int]:
    """SIGKILL these processes and every process they started; returns the pids killed."""
    victims = descendants(processes(), pids)
    for pid in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return sorted(victims)


class Cluster:
    """A head node with one CPU and a second node with two on 127.0.0.1, with token authentication."""

    def __init__(self, temp: Path) -> None:
        self.temp = temp
        self.env = {
            **os.environ,
            "RAY_AUTH_MODE": "token",
            "RAY_AUTH_TOKEN": secrets.token_hex(16),
            "RAY_USAGE_STATS_ENABLED": "0",
        }
        self.env.pop("RAY_ADDRESS", None)
        self.second: set[int] = set()  # the second node's processes (its raylet among them)
        self.raylets: dict[int, str] = {}  # raylet pid -> "head" or "second"

    def start(self, *args: str) -> set[int]:
        """``ray start`` one node; returns the processes it left running."""
        before = set(processes())
        common = ["--node-ip-address=127.0.0.1", "--disable-usage-stats"]
        proc = subprocess.run([RAY, "start", *common, *args], env=self.env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"ray start {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
        started = set(processes()) - before
        for pid, (_, name, _) in processes().items():
            if name == "raylet" and pid in started:
                self.raylets[pid] = "head" if "--head" in args else "second"
        return started

    def start_head(self) -> None:
        self.start(
            "--head", "--num-cpus=1", f"--port={PORT}", "--include-dashboard=false", f"--temp-dir={self.temp}"
        )

    def start_second(self) -> None:
        # Two CPUs to the head's one, so most tasks run there and the kill finds one running.
        self.second = self.start(f"--address={ADDRESS}", "--num-cpus=2", '--resources={"second": 1}')

    def stop(self) -> None:
        subprocess.run([RAY, "stop", "--force"], env=self.env, capture_output=True)
        kill(set(processes()) - {os.getpid()})


def run_gristmill(run: dict[str, Any], cluster: Cluster) -> dict[str, Any]:
    """One ``gristmill run``, watched: the nodes its tasks run on, and the kill if the plan asks."""
    command = [sys.executable, "-m", "gristmill", "run", *run["args"], "--no-progress"]
    env = dict(cluster.env)
    if run.get("local"):
        pass
    elif run.get("address_from_env"):
        command += ["--executor", "ray"]
        env["RAY_ADDRESS"] = ADDRESS
    else:
        command += ["--executor", "ray", "--ray-address", ADDRESS]
    if run.get("start_second_node"):
        cluster.start_second()
    if run.get("without_token"):
        del env["RAY_AUTH_MODE"], env["RAY_AUTH_TOKEN"]
    started = time.monotonic()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: set[str] = set()
    on_second: list[int] = []  # the done-markers each time a task was seen running on the second node
    killed: list[int] = []
    killed_at: list[dict[str, Any]] = []
    errors: list[str] = []
    kill_after = run.get("kill_second_node_after")
    out = Path(run["out"])

    def watch() -> None:
        try:
            watch_until_done()
        except Exception as exc:  # the result says so, rather than a kill that silently never came
            errors.append(repr(exc))

    def watch_until_done() -> None:
        due: float | None = None  # when the kill is due even if no task is seen on the second node
        while proc.poll() is None:
            nodes = running_tasks(cluster.raylets)
            seen.update(nodes)
            done = done_markers(out)
            if "second" in nodes:
                on_second.append(done)
            if kill_after is not None and not killed and done >= kill_after:
                due = due or time.monotonic() + KILL_WAIT
                if "second" in nodes or time.monotonic() > due:
                    killed_at.append({"done": done, "task_on_second": "second" in nodes})
                    # The driver too, when asked: a crash of the whole run, resumed on what is left.
                    driver = {proc.pid} if run.get("kill_driver_too") else set()
                    killed.extend(kill(cluster.second | driver))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        stdout, stderr = proc.communicate(timeout=run.get("timeout", 300))
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        stderr += "\n(timed out)"
    watcher.join()
    return {
        "name": run["name"],
        "returncode": proc.returncode,
        "stdout": stdout,
        "stderr": stderr,
        "seconds": round(time.monotonic() - started, 2),
        "nodes": sorted(seen),
        "killed": killed,
        "killed_at": killed_at[0] if killed_at else None,
        "second_seen_at": sorted(set(on_second)),
        "watch_errors": errors,
    }


def main(work: Path, plan: dict[str, Any]) -> None:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    # A short folder of our own: Ray's socket paths must stay under 108 bytes.
    temp = Path(tempfile.mkdtemp(prefix="gm-ray-", dir="/tmp"))
    cluster = Cluster(temp)
    results: list[dict[str, Any]] = []
    try:
        cluster.start_head()
        cluster.start_second()
        for run in plan["runs"]:
            results.append(run_gristmill(run, cluster))
    finally:
        cluster.stop()
        shutil.rmtree(temp, ignore_errors=True)
        (work / "result.json").write_text(json.dumps({"runs": results}, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text()))
