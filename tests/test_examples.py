from pathlib import Path

import pytest

from gristmill import load_pipeline

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_pipelines_build(path: Path) -> None:
    pipeline = load_pipeline(path)
    assert pipeline.steps and pipeline.to_config()["input"]["path"]


def test_the_fineweb_like_example_runs_on_the_bundled_warc(tmp_path, monkeypatch, run_cli) -> None:
    import orjson
    import yaml

    repo = Path(__file__).resolve().parents[1]
    data = yaml.safe_load((repo / "examples/fineweb_like.yaml").read_text(encoding="utf-8"))
    data["output"]["path"] = str(tmp_path / "out")
    config = tmp_path / "fineweb_like.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.chdir(repo)  # the example names its files from the repository root
    result = run_cli("run", str(config))
    assert result.exit_code == 0, result.output
    totals = orjson.loads((tmp_path / "out/stats.json").read_bytes())["totals"]
    assert totals["read"] == 16 and totals["kept"] >= 1
    assert totals["read"] + totals["created"] == totals["kept"] + totals["rejected"] + totals["quarantined"]
    assert (tmp_path / "out/tokens/00000-000.bin").stat().st_size > 0
