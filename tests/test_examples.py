from pathlib import Path

import pytest

from gristmill import load_pipeline

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_pipelines_build(path: Path) -> None:
    pipeline = load_pipeline(path)
    assert pipeline.steps and pipeline.to_config()["input"]["path"]
