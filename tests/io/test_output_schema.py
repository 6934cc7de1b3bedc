"""A run's shards load as one table in the tools users already have (issue 13: a stable schema)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gristmill import Pipeline
from gristmill.config import pipeline_from_dict
from tests.helpers import REPO

SAMPLES = REPO / "src" / "gristmill" / "samples"
# Demo-like: three input formats (Dolma JSONL, WARC, a text file), so every shard has other readers'
# meta keys, and steps from every stage of the pipeline, a barrier included.
STEPS = [
    {"extract": {}},
    {"normalize": {}},
    {"language": {}},
    {"gopher_quality": {}},
    {"salad": {}},
    {"pii": {}},
    {"exact_dedup": {}},
]


def _run(tmp_path: Path, fmt: str) -> Path:
    out = tmp_path / f"out-{fmt}"
    inputs = [str(SAMPLES / "web"), str(SAMPLES / "seed"), str(SAMPLES / "warc")]
    pipeline = pipeline_from_dict(
        {"input": {"path": inputs}, "output": {"path": str(out), "format": fmt}, "steps": STEPS}
    )
    assert isinstance(pipeline, Pipeline)
    pipeline.run(workers=1, progress=False)
    assert len(list((out / "kept").iterdir())) == 3
    return out


@pytest.fixture(scope="module")
def jsonl_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run(tmp_path_factory.mktemp("schema"), "jsonl")


@pytest.fixture(scope="module")
def parquet_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run(tmp_path_factory.mktemp("schema"), "parquet")


@pytest.mark.parametrize("part", ["kept", "rejected"])
def test_datasets_loads_every_jsonl_shard_as_one_table(jsonl_run: Path, tmp_path: Path, part: str) -> None:
    datasets = pytest.importorskip("datasets")
    files = str(jsonl_run / part / "*.jsonl.zst")
    table = datasets.load_dataset("json", data_files=files, cache_dir=str(tmp_path / "cache"))["train"]
    features = table.features
    assert features["meta"]["url"].dtype == "string"
    assert features["meta"]["http_status"].dtype == "int64"
    assert features["signals"]["language_score"].dtype == "float64"
    urls = [m["url"] for m in table["meta"]]
    assert any(u.startswith("http") for u in urls)
    if part == "rejected":
        assert all(m["reason"] for m in table["meta"])
    else:  # the demo's Dolma fields that no reader or step declares are kept whole, as JSON text
        assert any('"warc_filename"' in m["extra"] for m in table["meta"])


def test_pandas_and_polars_load_jsonl_shards(jsonl_run: Path) -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    files = sorted((jsonl_run / "kept").glob("*.jsonl.zst"))
    frame = pd.concat([pd.read_json(f, lines=True, compression="zstd") for f in files])
    assert len(frame) > 3 and set(frame.columns) == {"id", "text", "meta", "signals"}
    # polars checks one schema over all shards
    lazy = pl.concat([pl.read_ndjson(f.read_bytes()) for f in files], how="vertical")
    assert lazy.schema["meta"] == pl.read_ndjson(files[0].read_bytes()).schema["meta"]


def test_parquet_meta_and_signals_are_typed_structs(parquet_run: Path) -> None:
    import pyarrow as pa
    import pyarrow.dataset as ds

    dataset = ds.dataset(str(parquet_run / "kept"), format="parquet")
    meta = dataset.schema.field("meta").type
    assert pa.types.is_struct(meta) and meta.field("http_status").type == pa.int64()
    english = dataset.to_table(filter=ds.field("meta", "language") == "en")
    assert 0 < english.num_rows <= dataset.count_rows()


def test_polars_and_duckdb_filter_parquet_on_meta_and_signals(parquet_run: Path) -> None:
    pl = pytest.importorskip("polars")
    duckdb = pytest.importorskip("duckdb")
    glob = str(parquet_run / "kept" / "*.parquet")
    frame = pl.scan_parquet(glob).filter(pl.col("signals").struct.field("language_score") > 0.5).collect()
    total = pl.scan_parquet(glob).select(pl.len()).collect().item()
    assert 0 < len(frame) <= total
    where = "meta.language = 'en' AND signals.gopher_words > 50"
    query = f"SELECT count(*) FROM read_parquet('{glob}') WHERE {where}"
    ((count,),) = duckdb.connect().execute(query).fetchall()
    assert 0 < count <= total
