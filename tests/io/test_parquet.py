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
from gristmill.errors import DamagedRowsError, InputError
from gristmill.io.parquet import ParquetReader, ParquetWriter
from tests.helpers import NO_STEPS, read_all, write_pipeline
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
    assert result.stderr.startswith(NO_STEPS)
    stderr = result.stderr.removeprefix(NO_STEPS)
    assert stderr.startswith(f"gristmill: error: {src}/b.parquet: not a readable Parquet file: ")
    assert stderr.splitlines()[1].startswith(f"gristmill: error: {src}/c.parquet: not a readable")
    assert stderr.count("\n") == 2, stderr
    stats = json.loads((out / "stats.json").read_text())
    assert stats["totals"] == {"read": 4, "created": 0, "kept": 2, "rejected": 0, "quarantined": 2}
    for index, name in ((1, "b.parquet"), (2, "c.parquet")):
        lines = (out / f"quarantine/{index:05}.jsonl").read_text().splitlines()
        (record,) = [json.loads(line) for line in lines]
        assert (record["file"], record["where"]) == (str(src / name), "file")
        assert record["reason"].startswith("not a readable Parquet file: ")


def test_an_empty_parquet_file_is_quarantined_as_an_empty_jsonl_file_is_and_the_run_goes_on(
    tmp_path: Path,
) -> None:
    # 0 bytes hold no footer: it was refused as not Parquet, and the run exited 1, where an empty
    # .jsonl file goes to quarantine as holding no records and the run exits 0.
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.jsonl").write_bytes(b"")
    (src / "b.jsonl").write_text('{"id": "b1", "text": "one document"}\n')
    (src / "c.parquet").write_bytes(b"")
    pq.write_table(pa.table({"text": pa.array([], pa.string())}), src / "d.parquet")  # a footer, no rows
    out = tmp_path / "out"
    config = write_pipeline(tmp_path / "p.yaml", f"input: {src}\noutput: {out}\nsteps: []\n")
    result = CliRunner().invoke(cli, ["run", str(config), "--quiet"], catch_exceptions=False)
    assert (result.exit_code, result.stderr) == (0, NO_STEPS)
    stats = json.loads((out / "stats.json").read_text())
    assert stats["totals"] == {"read": 4, "created": 0, "kept": 1, "rejected": 0, "quarantined": 3}
    entries = [
        json.loads(line) for path in out.glob("quarantine/*.jsonl") for line in path.read_text().splitlines()
    ]
    assert sorted((Path(e["file"]).name, e["where"], e["reason"]) for e in entries) == [
        ("a.jsonl", "file", "no jsonl records in the file"),
        ("c.parquet", "file", "no parquet records in the file"),
        ("d.parquet", "file", "no parquet records in the file"),
    ]


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


class CountingSink:
    """A sink that keeps each quarantine entry with the number of records it stands for."""

    def __init__(self) -> None:
        self.bad: list[tuple[str, str, str, int]] = []

    def quarantine(
        self, path: str, where: str, reason: str, excerpt: bytes | str = b"", records: int = 1
    ) -> None:
        self.bad.append((Path(path).name, where, reason, records))

    def progress(self, nbytes: int) -> None:
        pass


def _damage_row_groups(path: Path, groups: tuple[int, ...], rows: int = 1000, group_rows: int = 100) -> None:
    """Write ``rows`` rows in groups of ``group_rows``, then overwrite the text column's first page
    header of each of ``groups`` (counted from 0), as a flipped stretch of disk would."""
    table = pa.table(
        {"id": [f"d{i}" for i in range(1, rows + 1)], "text": [f"text {i}" for i in range(1, rows + 1)]}
    )
    pq.write_table(table, path, row_group_size=group_rows)
    footer = pq.ParquetFile(path).metadata
    data = bytearray(path.read_bytes())
    for group in groups:
        column = footer.row_group(group).column(1)
        start = column.dictionary_page_offset or column.data_page_offset
        data[start : start + 12] = b"\xff" * 12
    path.write_bytes(data)


def test_a_damaged_row_group_costs_its_rows_only_counted_row_by_row(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    _damage_row_groups(src / "a.parquet", (4,))
    out = tmp_path / "out"
    config = write_pipeline(tmp_path / "p.yaml", f"input: {src}\noutput: {out}\nsteps: []\n")
    result = CliRunner().invoke(cli, ["run", str(config), "--quiet"], catch_exceptions=False)
    assert result.exit_code == 1  # a damaged file is reported, as a damaged compressed stream is
    assert result.stderr.startswith(NO_STEPS)
    stderr = result.stderr.removeprefix(NO_STEPS)
    assert stderr.count("\n") == 1, stderr
    error = f"gristmill: error: {src}/a.parquet: rows 401-500 of 1,000 (row group 4 unreadable: Couldn't "
    assert stderr.startswith(error)
    assert stderr.endswith("); the other rows were read\n")
    stats = json.loads((out / "stats.json").read_text())
    assert stats["totals"] == {"read": 1000, "created": 0, "kept": 900, "rejected": 0, "quarantined": 100}
    kept = read_all(out / "kept")
    assert [d["id"] for d in kept] == [f"d{i}" for i in range(1, 1001) if not 401 <= i <= 500]
    (entry,) = [json.loads(line) for line in (out / "quarantine/00000.jsonl").read_text().splitlines()]
    assert (entry["file"], entry["where"], entry["records"]) == (str(src / "a.parquet"), "rows 401-500", 100)
    assert entry["reason"].startswith("row group 4 unreadable: Couldn't deserialize thrift")
    assert "\n" not in entry["reason"]


def test_each_damaged_row_group_is_quarantined_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "two.parquet"
    _damage_row_groups(path, (0, 7))
    sink = CountingSink()
    docs = []
    message = (
        r"rows 1-100 of 1,000 \(row group 0 unreadable: .*\), and 1 more row group \(see the quarantine\)"
    )
    with pytest.raises(DamagedRowsError, match=message):  # the run reports the file, and quarantines no more
        docs.extend(ParquetReader().read(str(path), sink))
    assert [d.id for d in docs] == [f"d{i}" for i in range(101, 1001) if not 701 <= i <= 800]
    assert [(where, records) for _, where, _, records in sink.bad] == [
        ("rows 1-100", 100),
        ("rows 701-800", 100),
    ]
    assert [reason.split(":")[0] for _, _, reason, _ in sink.bad] == [
        "row group 0 unreadable",
        "row group 7 unreadable",
    ]


def test_a_healthy_file_is_read_within_its_row_groups_in_bounded_batches(tmp_path: Path) -> None:
    path = tmp_path / "big.parquet"
    table = pa.table({"text": [f"t{i}" for i in range(5000)]})
    pq.write_table(table, path, row_group_size=3000)
    seen: list[int] = []

    class Sizes(CountingSink):
        def progress(self, nbytes: int) -> None:
            seen.append(nbytes)

    docs = list(ParquetReader().read(str(path), Sizes()))
    assert [d.id for d in docs] == [f"big/{i}" for i in range(1, 5001)]
    assert len(seen) == 5  # 1024, 1024, 952 of the first group; 1024, 976 of the second


def test_a_row_group_damaged_part_way_keeps_the_batches_read_before(tmp_path: Path) -> None:
    path = tmp_path / "pages.parquet"
    texts = [f"text number {i} " * 5 for i in range(1, 6001)]
    pq.write_table(
        pa.table({"text": texts}), path, row_group_size=3000, data_page_size=4096, use_dictionary=False
    )
    column = pq.ParquetFile(path).metadata.row_group(0).column(0)
    data = bytearray(path.read_bytes())
    start = column.data_page_offset + column.total_compressed_size * 2 // 3  # past the first batch's pages
    data[start : start + 200] = b"\xff" * 200
    path.write_bytes(data)
    sink = CountingSink()
    docs = []
    with pytest.raises(DamagedRowsError, match=r"rows 1025-3000 of 6,000 \(row group 0 unreadable: "):
        docs.extend(ParquetReader().read(str(path), sink))
    assert [d.id for d in docs] == [f"pages/{i}" for i in [*range(1, 1025), *range(3001, 6001)]]
    assert [(where, records) for _, where, _, records in sink.bad] == [("rows 1025-3000", 1976)]


@pytest.mark.parametrize(
    ("column", "said"),
    [
        (pa.array([1, 2], pa.int64()), "'text' is a number, not a string"),
        (pa.array([datetime.datetime(2020, 1, 1)] * 2), "'text' is a datetime, not a string"),
        (pa.array([decimal.Decimal("1.5")] * 2), "'text' is a Decimal, not a string"),
        (pa.array([datetime.date(2020, 1, 1)] * 2), "'text' is a date, not a string"),
    ],
)
def test_a_text_column_of_another_type_is_quarantined_row_by_row_as_jsonl_says_it(
    tmp_path: Path, column: pa.Array, said: str
) -> None:
    # A timestamp, date or decimal column was turned into its text, and each row kept as a document.
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "text": column}), path)
    sink = Sink()
    assert list(ParquetReader().read(str(path), sink)) == []
    assert sink.bad == [("a.parquet", "row 1", said), ("a.parquet", "row 2", said)]


def _flipped_reads(path: Path) -> tuple[int, int]:
    """Flip one bit at a time through the file's pages; count flips caught (rows quarantined, or the file
    refused) and flips whose altered rows were read as good documents."""
    good = [d.to_record() for d in ParquetReader().read(str(path), CountingSink())]
    data = path.read_bytes()
    pages_end = pq.ParquetFile(path).metadata.row_group(0).column(1).file_offset or len(data) - 200
    caught = silent = 0
    for offset in range(4, min(pages_end, len(data) - 8), 29):
        altered = bytearray(data)
        altered[offset] ^= 0x10
        flipped = path.with_name("flipped.parquet")
        flipped.write_bytes(altered)
        sink = CountingSink()
        try:
            back = [d.to_record() for d in ParquetReader().read(str(flipped), sink)]
        except (DamagedRowsError, InputError):
            caught += 1
            continue
        if sink.bad:
            caught += 1
        elif back != good:
            silent += 1
    return caught, silent


def test_gristmills_parquet_outputs_carry_page_checksums_so_an_altered_byte_is_found(tmp_path: Path) -> None:
    # Without page checksums a bit flipped in a zstd page mostly decodes to other values, read as good.
    path = tmp_path / "docs.parquet"
    writer = ParquetWriter(str(path), batch_size=500)
    for i in range(500):
        writer.write(Document(f"d{i}", f"the mill grinds grist number {i} into flour", {"url": f"u{i}"}))
    writer.close()
    caught, silent = _flipped_reads(path)
    assert caught > 20 and silent == 0


def test_page_checksums_a_file_carries_are_verified_when_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "theirs.parquet"
    table = pa.table(
        {"id": [f"d{i}" for i in range(500)], "text": [f"grist and flour {i}" for i in range(500)]}
    )
    pq.write_table(table, path, write_page_checksum=True, compression="zstd")
    caught, silent = _flipped_reads(path)
    assert caught > 20 and silent == 0
