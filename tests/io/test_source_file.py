"""Every kept, rejected and quarantined record names the input file it came from, in every format."""

from __future__ import annotations

from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from gristmill import Extract, LengthFilter, Pipeline
from tests.engine.faulty import RaiseOn
from tests.helpers import read_all, write_jsonl
from tests.io.test_warc import warc_response, write_warc_gz

SHORT = "<html><body><p>tiny</p></body></html>"


def page(subject: str) -> bytes:
    text = f"A paragraph about {subject} in the hills and valleys of the north. " * 12
    return f"<html><body><article><p>{text}</p></article></body></html>".encode()


def mixed_corpus(root: Path) -> Path:
    """Two WARC files, three HTML pages (one shard), a JSONL and a Parquet file with their own ids."""
    (root / "pages").mkdir(parents=True)
    for name in ("a", "b"):
        records = [warc_response(f"https://{name}.org/1", page(name), f"{name}1")]
        write_warc_gz(
            root / f"{name}.warc.gz",
            [*records, warc_response(f"https://{name}.org/2", SHORT.encode(), f"{name}2")],
        )
    (root / "pages" / "c.html").write_bytes(page("forests"))
    (root / "pages" / "d.html").write_bytes(SHORT.encode())
    (root / "pages" / "e.html").write_bytes(page("BOOM"))  # the test step raises on it
    write_jsonl(
        root / "web.jsonl", [{"id": "j1", "text": "Long enough text. " * 20}, {"id": "j2", "text": "x"}]
    )
    table = pa.table({"id": ["p1", "p2"], "text": ["Long enough text. " * 20, "y"]})
    pq.write_table(table, root / "rows.parquet")
    return root


def test_every_output_record_names_its_input_file(tmp_path: Path) -> None:
    src = mixed_corpus(tmp_path / "in")
    out = tmp_path / "out"
    result = Pipeline(
        input={"path": str(src)},
        output={"path": str(out)},
        max_errors=0.5,
        steps=[Extract(), LengthFilter(min_chars=100), RaiseOn(needle="BOOM")],
    ).run()
    assert result.totals == {"read": 11, "created": 0, "kept": 5, "rejected": 5, "quarantined": 1}
    expected = {
        "urn:uuid:a1": "a.warc.gz",
        "urn:uuid:a2": "a.warc.gz",
        "urn:uuid:b1": "b.warc.gz",
        "urn:uuid:b2": "b.warc.gz",
        "pages/c.html": "pages/c.html",
        "pages/d.html": "pages/d.html",
        "j1": "web.jsonl",
        "j2": "web.jsonl",
        "p1": "rows.parquet",
        "p2": "rows.parquet",
    }
    written = read_all(out / "kept") + read_all(out / "rejected")
    assert {d["id"]: d["meta"]["source_file"] for d in written} == expected
    (record,) = [
        orjson.loads(line)
        for p in (out / "quarantine").glob("*.jsonl")
        for line in p.read_bytes().splitlines()
    ]
    # The quarantine names the file as the pipeline gave it, so a user can open it.
    assert record["file"] == str(src / "pages" / "e.html")
    assert record["document"]["meta"]["source_file"] == "pages/e.html"
