"""The Ray executor on a real local Ray cluster: the same output as the local executor."""

from collections.abc import Iterator

import pytest

from gristmill import ExactDedup, LengthFilter, Normalize
from tests.executors.test_local import outputs, pipeline

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def test_ray_gives_the_same_bytes_as_local(ray_cluster, make_corpus, tmp_path) -> None:
    src = make_corpus(shards=4, docs=40)
    steps = [Normalize(), LengthFilter(min_chars=60), ExactDedup()]
    local = pipeline(src, tmp_path / "local", steps).run(workers=2)
    on_ray = pipeline(src, tmp_path / "ray", steps).run(executor="ray")
    assert outputs(tmp_path / "ray") == outputs(tmp_path / "local")
    assert on_ray.totals == local.totals
    assert on_ray.totals["read"] == sum(on_ray.totals[k] for k in ("kept", "rejected", "quarantined"))


def test_ray_resumes_a_run_the_local_executor_started(ray_cluster, make_corpus, tmp_path) -> None:
    src = make_corpus(shards=3, docs=10)
    pipeline(src, tmp_path / "out", [ExactDedup()]).run(workers=1)
    before = outputs(tmp_path / "out")
    again = pipeline(src, tmp_path / "out", [ExactDedup()]).run(executor="ray")
    assert outputs(tmp_path / "out") == before and again.totals["read"] == 30


def test_cli_runs_on_ray(ray_cluster, run_cli, make_corpus, tmp_path) -> None:
    src = make_corpus(shards=2, docs=10)
    config = tmp_path / "p.yaml"
    config.write_text(f"input: {src}\noutput: {tmp_path}/out\nsteps:\n  - length_filter: {{min_chars: 60}}\n")
    result = run_cli("run", str(config), "--executor", "ray")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("read 20  kept ")


def test_relative_paths_mean_the_drivers_folder_on_every_worker(
    ray_cluster, run_cli, make_corpus, tmp_path, monkeypatch
) -> None:
    make_corpus(shards=2, docs=10)  # tmp_path/corpus
    monkeypatch.chdir(tmp_path)  # the Ray workers were started elsewhere, with the module's cluster
    (tmp_path / "p.yaml").write_text(
        "input: corpus\noutput: out\nsteps:\n  - length_filter: {min_chars: 60}\n"
    )
    result = run_cli("run", "p.yaml", "--executor", "ray", "--ray-memory", "stage=64MB")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("read 20  kept ") and len(list((tmp_path / "out/kept").iterdir())) == 2


def test_ray_memory_options_are_checked(run_cli, tmp_path) -> None:
    (tmp_path / "p.yaml").write_text(f"input: {tmp_path}\noutput: {tmp_path}/out\n")
    result = run_cli("run", str(tmp_path / "p.yaml"), "--executor", "ray", "--ray-memory", "grup=4GB")
    assert result.exit_code == 2
    assert (
        "ray memory: unknown task kind 'grup'; kinds are ['stage', 'sign', 'group', 'link']" in result.output
    )
    result = run_cli("run", str(tmp_path / "p.yaml"), "--executor", "ray", "--ray-memory", "group=lots")
    assert result.exit_code == 2 and "expected KIND=SIZE such as group=4GB, got 'group=lots'" in result.output
