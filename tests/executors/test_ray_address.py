"""Joining a Ray cluster by address: a wrong address stops the run at once, in one line.

Kept apart from test_ray.py, whose module-wide local Ray would be joined instead of the address.
"""

import importlib.util
import socket
import subprocess
import sys

import pytest

from tests.helpers import write_pipeline

pytest.importorskip("ray")


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("how", ["option", "environment"])
def test_an_address_where_no_cluster_listens_fails_in_one_line(how, make_corpus, tmp_path) -> None:
    src = make_corpus(shards=1, docs=5)
    config = write_pipeline(tmp_path / "p.yaml", f"input: {src}\noutput: {tmp_path}/out\n")
    address = f"127.0.0.1:{closed_port()}"
    command = [sys.executable, "-m", "gristmill", "run", str(config), "--executor", "ray", "--no-progress"]
    env = {"PATH": "/usr/bin:/bin", "RAY_USAGE_STATS_ENABLED": "0"}
    if how == "option":
        command += ["--ray-address", address]
    else:
        env["RAY_ADDRESS"] = address
    # Ray itself would retry for minutes; gristmill asks first, so this returns within seconds.
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 2
    assert result.stderr == (
        f"gristmill: error: no Ray cluster answers at {address} (connection refused); "
        f"start one with `ray start --head --port={address.split(':')[1]}`, or give the address "
        "of a running one with --ray-address (ray_address= in Python) or RAY_ADDRESS\n"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "is not HOST:PORT"),
        ("127.0.0.1:abc", "is not HOST:PORT"),
        pytest.param(
            "ray://127.0.0.1:1",
            "Ray Client requires pip package `ray[client]`",
            marks=pytest.mark.skipif(
                importlib.util.find_spec("grpc") is not None, reason="ray[client] is installed here"
            ),
        ),
    ],
)
def test_an_address_ray_cannot_read_is_one_line(address, why, make_corpus, tmp_path) -> None:
    src = make_corpus(shards=1, docs=5)
    config = write_pipeline(tmp_path / "p.yaml", f"input: {src}\noutput: {tmp_path}/out\n")
    command = [sys.executable, "-m", "gristmill", "run", str(config), "--ray-address", address, "-q"]
    env = {"PATH": "/usr/bin:/bin", "RAY_USAGE_STATS_ENABLED": "0"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("gristmill: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert why in result.stderr and address in result.stderr
