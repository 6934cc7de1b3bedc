"""A real two-node Ray cluster on 127.0.0.1: the same bytes as the local executor, even after losing a node.

The cluster runs in a network namespace with only a loopback interface (``unshare -rn``), so no Ray
process can bind or reach any address but 127.0.0.1; see ray_two_nodes.py beside this file.
"""

import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.executors.test_local import outputs
from tests.helpers import write_pipeline

pytest.importorskip("ray")

HELPER = Path(__file__).with_name("ray_two_nodes.py")
UNSHARE = ["unshare", "--user", "--map-root-user", "--net", "--pid", "--fork", "--mount-proc", "--kill-child"]
PIPELINE = """
input: {{path: "{src}/*.jsonl.zst"}}
output: {{path: "{out}"}}
steps:
  - normalize: {{}}
  - minhash_dedup: {{}}
  - span_dedup: {{}}
"""
SHARDS = 24
DOCS = 60
RAY_LOG_LINE = re.compile(r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z] \d+ \d+\] ")
LOSE_AFTER = 8  # the first phase, whose tasks (reading the input) keep both nodes busy
CRASH_AFTER = SHARDS + 4  # once minhash_dedup's barrier has begun


WORDS = (
    "river mill grain wheel flood bridge valley miller sack stone water dawn winter harvest road field "
    "cart market bread barley oat rye storm roof wall gate tower bell church school smith baker"
).split()
SHARED = [
    "Everyone in the valley remembers the night the water took the old bridge at dawn, never to return.",
    "The parish book lists every family that paid its tithe in grain, flour or bread in the flood year.",
]


def story(shard: int, doc: int) -> str:
    """Unique stories, near copies of another shard's story, and stories that share a paragraph."""
    if doc % 6 == 5:  # a near copy of a story in the shard before: minhash_dedup drops one of them
        return story((shard - 1) % SHARDS, doc - 1).replace("told", "said", 1)
    rng = random.Random(shard * 1000 + doc)
    paragraphs = [
        f"Story {shard}-{doc} told: " + " ".join(rng.choice(WORDS) for _ in range(40)) + "." for _ in range(2)
    ]
    if doc % 4 == 0:  # a paragraph copied across shards: span_dedup keeps it in one document only
        paragraphs.insert(1, SHARED[doc % len(SHARED)])
    return "\n\n".join(paragraphs)


def gristmill_lines(stderr: str) -> list[str]:
    """Stderr without the lines Ray's core logs itself ("[2026-11-28 01:16:45,001 W 231 231] ...")."""
    return [line for line in stderr.splitlines() if not RAY_LOG_LINE.match(line)]


def namespace_works() -> str | None:
    """None when this machine lets a user make a network namespace with only loopback, else why not."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "the unshare and ip commands are not installed"
    probe = subprocess.run([*UNSHARE, "ip", "link", "set", "lo", "up"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"unshare -rn is not permitted here: {probe.stderr.strip()}"
    return None


@pytest.mark.slow
def test_two_node_cluster_matches_local_and_survives_losing_a_node(make_corpus, tmp_path) -> None:
    reason = namespace_works()
    if reason:
        pytest.skip(reason)
    src = make_corpus(shards=SHARDS, docs=DOCS, text=story)
    configs = {
        name: write_pipeline(tmp_path / f"{name}.yaml", PIPELINE.format(src=src, out=tmp_path / name))
        for name in ("local", "denied", "ray", "lost", "crashed")
    }
    local = subprocess.run(
        [sys.executable, "-m", "gristmill", "run", str(configs["local"]), "-w", "2", "--no-progress"],
        capture_output=True,
        text=True,
    )
    assert local.returncode == 0, local.stderr
    plan = {
        "runs": [
            {
                "name": "no token",
                "args": [str(configs["denied"])],
                "out": str(tmp_path / "denied"),
                "without_token": True,
            },
            {"name": "ray", "args": [str(configs["ray"])], "out": str(tmp_path / "ray")},
            {
                "name": "node lost",
                "args": [str(configs["lost"])],
                "out": str(tmp_path / "lost"),
                "kill_second_node_after": LOSE_AFTER,
            },
            {
                "name": "crashed",
                "args": [str(configs["crashed"])],
                "out": str(tmp_path / "crashed"),
                "start_second_node": True,
                "kill_second_node_after": CRASH_AFTER,
                "kill_driver_too": True,
            },
            {
                "name": "resumed",
                "args": [str(configs["crashed"])],
                "out": str(tmp_path / "crashed"),
                "address_from_env": True,
            },
        ]
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    helper = subprocess.run(
        [*UNSHARE, sys.executable, str(HELPER), str(tmp_path), str(tmp_path / "plan.json")],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert helper.returncode == 0, helper.stderr
    no_token, ray_run, lost, crashed, resumed = json.loads((tmp_path / "result.json").read_text())["runs"]

    # The cluster uses token authentication: without the token, one line and nothing written.
    assert no_token["returncode"] == 2
    assert gristmill_lines(no_token["stderr"]) == [
        "gristmill: error: the Ray cluster at 127.0.0.1:6379 uses token authentication and refused this "
        "command's token (missing or wrong); run it with the cluster's RAY_AUTH_MODE=token and "
        "RAY_AUTH_TOKEN (or RAY_AUTH_TOKEN_PATH)"
    ]
    assert not (tmp_path / "denied").exists()

    assert ray_run["returncode"] == 0, ray_run["stderr"]
    assert ray_run["nodes"] == ["head", "second"]  # tasks ran on both nodes
    assert outputs(tmp_path / "ray") == outputs(tmp_path / "local")
    assert ray_run["stdout"].splitlines()[0] == local.stdout.splitlines()[0].replace("/local", "/ray")

    # The second node dies while the first phase runs: its tasks run again on the head, and the
    # barriers after it run on the head alone.
    # The done-markers of the whole run, counted, not derived: the link's rounds vary with the data.
    tasks = sum(1 for _ in (tmp_path / "local" / "_state").rglob("*.done"))
    assert lost["killed"], lost
    assert LOSE_AFTER <= lost["killed_at"]["done"] < tasks
    if lost["returncode"] == 0:
        assert outputs(tmp_path / "lost") == outputs(tmp_path / "local")
        # Ray's own notices of the lost tasks come first; the summary is the usual one
        summary = local.stdout.splitlines()[0].replace("/local", "/lost")
        assert lost["stdout"].splitlines()[-2] == summary
    else:  # a failure is one line, never a traceback
        assert len(gristmill_lines(lost["stderr"])) == 1, lost["stderr"]

    # The second node and the driver die together; the same command on the head alone resumes
    # (given the address in RAY_ADDRESS this time).
    assert crashed["killed"] and crashed["returncode"] == -9, crashed
    assert CRASH_AFTER <= crashed["killed_at"]["done"] < tasks
    assert resumed["returncode"] == 0, resumed["stderr"]
    assert resumed["nodes"] == ["head"]
    assert outputs(tmp_path / "crashed") == outputs(tmp_path / "local")
