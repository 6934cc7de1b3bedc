import datetime
import decimal
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from gristmill.cli import cli
from gristmill.document import Document
from gristmill.errors import InputError
from gristmill.io.parquet import ParquetReader, ParquetWriter
from tests.helpers import read_all, write_pipeline
from tests.io.test_jsonl import Sink


def test_writer_and_reader_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "docs.parquet"
    docs = [Document(f"d{i}", f"text {i}", {"url": f"u{i}"}, {"s": i / 10}) for i in range(5000)]
    writer = ParquetWriter(str(path), batch_size=1000)
    for doc in docs:
        writer.write(doc)
    writer.close()
    assert pq.ParquetFile(path).metadata.num_row_groups == 5
    sink = Sink()
    back = list(ParquetReader().read(str(path), sink))
    assert [d.to_record() for d in back] == [d.to_record() for d in docs]


def test_reads_datatrove_style_parquet_with_struct_metadata(tmp_path: Path) -> None:
    path = tmp_path / "dt.parquet"
    table = pa.table(
        {
            "text": ["first", None, "third"],
            "id": ["a", "b", "c"],
            "metadata": [{"url": "https://x/1"}, {"url": "https://x/2"}, {"url": "https://x/3"}],
        }
    )
    pq.write_table(table, path)
    sink = Sink()
    docs = list(ParquetReader().read(str(path), sink))
    assert [(d.id, d.text, d.meta["url"]) for d in docs] == [
        ("a", "first", "https://x/1"),
        ("c", "third", "https://x/3"),
    ]
    assert sink.bad == [("dt.parquet", "row 2", "'text' is null")]


def test_invalid_utf8_in_a_string_column_quarantines_only_its_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    texts = pa.array([b"good one", b"caf\xe9 bad", b"good two"], pa.binary()).view(pa.string())
    urls = pa.array([b"u1", b"u2", b"\xff"], pa.binary()).view(pa.string())
    meta = pa.StructArray.from_arrays([urls], ["url"])
    pq.write_table(pa.table({"text": texts, "id": ["a", "b", "c"], "metadata": meta}), path)
    sink = Sink()
    docs = list(ParquetReader().read(str(path), sink))
    assert [d.id for d in docs] == ["a"]
    assert sink.bad == [
        ("bad.parquet", "row 2", "column 'text': invalid UTF-8 at byte 3"),
        ("bad.parquet", "row 3", "column 'metadata': invalid UTF-8 at byte 0"),
    ]


def test_columns_of_types_json_lacks_are_read_as_json_values(tmp_path: Path) -> None:
    path = tmp_path / "in.parquet"
    table = pa.table(
        {
            "text": ["first", "second"],
            "blob": pa.array([b"bytes", b"\xfe\xff"], pa.binary()),
            "fixed": pa.array([b"ab", b"cd"], pa.binary(2)),
            "price": pa.array([decimal.Decimal("1.50"), decimal.Decimal("-2.25")], pa.decimal128(5, 2)),
            "took": pa.array([datetime.timedelta(seconds=3), datetime.timedelta(milliseconds=5)]),
            "day": pa.array([datetime.date(2024, 5, 1), None]),
            "at": pa.array([datetime.datetime(2024, 5, 1, 10, 0), None], pa.timestamp("us")),
            "tags": pa.array([[b"x"], []], pa.list_(pa.binary())),
        }
    )
    pq.write_table(table, path)
    out = tmp_path / "out"
    config = write_pipeline(tmp_path / "p.yaml", f"input: {path}\noutput: {out}\nsteps: []\n")
    result = CliRunner().invoke(cli, ["run", str(config), "--no-progress"])
    assert result.exit_code == 0, result.output
    first, second = read_all(out / "kept")
    assert first["meta"] == {
        "source_file": "in.parquet",
        "blob": "bytes",
        "fixed": "ab",
        "price": "1.50",
        "took": 3.0,
        "day": "2024-05-01",
        "at": "2024-05-01T10:00:00",
        "tags": ["x"],
    }
    assert second["meta"]["blob"] == "\\xfe\\xff" and second["meta"]["took"] == 0.005


def test_a_file_that_is_not_parquet_is_quarantined_counted_and_named_in_one_line(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    pq.write_table(pa.table({"text": ["one", "two"]}), src / "a.parquet")
    (src / "b.parquet").write_bytes(b"not parquet at all")
    pq.write_table(pa.table({"id": ["a", "b"], "text": ["x", "y"]}), src / "c.parquet")
    damaged = bytearray((src / "c.parquet").read_bytes())
    damaged[len(damaged) // 2 : len(damaged) // 2 + 20] = bytes(20)  # Arrow's message ends in a newline
    (src / "c.parquet").write_bytes(damaged)
    out = tmp_path / "out"
    config = write_pipeline(tmp_path / "p.yaml", f"input: {src}\noutput: {out}\nsteps: []\n")
    result = CliRunner().invoke(cli, ["run", str(config), "--quiet"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"gristmill: error: {src}/b.parquet: not a readable Parquet file: ")
    assert result.stderr.splitlines()[1].startswith(f"gristmill: error: {src}/c.parquet: not a readable")
    assert result.stderr.count("\n") == 2, result.stderr
    stats = json.loads((out / "stats.json").read_text())
    assert stats["totals"] == {"read": 4, "created": 0, "kept": 2, "rejected": 0, "quarantined": 2}
    for index, name in ((1, "b.parquet"), (2, "c.parquet")):
        lines = (out / f"quarantine/{index:05}.jsonl").read_text().splitlines()
        (record,) = [json.loads(line) for line in lines]
        assert (record["file"], record["where"]) == (str(src / name), "file")
        assert record["reason"].startswith("not a readable Parquet file: ")


def test_a_parquet_file_whose_column_names_are_not_utf8_is_one_line(tmp_path: Path) -> None:
    # A byte flipped in the footer's column name (found by tools/fuzz_inputs.py): Arrow raises
    # UnicodeDecodeError opening it, which was a traceback.
    path = tmp_path / "names.parquet"
    pq.write_table(pa.table({"text": ["one"], "zqzq": ["x"]}), path)
    data = path.read_bytes()
    assert data.count(b"zqzq") >= 1
    path.write_bytes(data.replace(b"zqzq", b"\x96\x96\x96\x96"))
    with pytest.raises(InputError, match="not a readable Parquet file"):  # the engine quarantines the file
        list(ParquetReader().read(str(path), Sink()))
