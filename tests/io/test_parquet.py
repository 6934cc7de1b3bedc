from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from gristmill.document import Document
from gristmill.io.parquet import ParquetReader, ParquetWriter
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
