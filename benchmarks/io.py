"""I/O throughput: JSONL.zst in -> JSONL.zst out through an empty pipeline, beside the floor.

The floor is what any tool must do for the same job, measured in the same run on the same file:
zstd decompression, JSON parsing of every line, JSON serialisation and zstd compression, nothing else.
Goal: gristmill within 1.5x of the floor.

    python benchmarks/io.py [--copies 20]
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import sys
import tempfile
from pathlib import Path

import orjson
import zstandard

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SCRATCH, SHARED_DATA, table, timed
from gristmill import Pipeline

SOURCE = SHARED_DATA / "web_text/dolma/CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"


def build_input(copies: int) -> tuple[Path, int]:
    """Write the real Dolma documents ``copies`` times (new ids) as one JSONL.zst file."""
    SCRATCH.mkdir(parents=True, exist_ok=True)
    path = SCRATCH / f"io-{copies}.jsonl.zst"
    with gzip.open(SOURCE) as source:
        records = [orjson.loads(line) for line in source.read().split(b"\n") if line.strip()]
    raw = bytearray()
    for copy in range(copies):
        for record in records:
            raw += orjson.dumps({**record, "id": f"{record['id']}-{copy}"}) + b"\n"
    path.write_bytes(zstandard.ZstdCompressor(level=3).compress(bytes(raw)))
    return path, len(raw)


def floor(path: Path, out: Path) -> int:
    """Decompress, parse, serialise and compress every line: the least any tool does."""
    n = 0
    with open(out, "wb") as raw_out:
        writer = zstandard.ZstdCompressor(level=3).stream_writer(raw_out)
        with open(path, "rb") as raw_in:
            reader = zstandard.ZstdDecompressor().stream_reader(raw_in)
            rest = b""
            while chunk := reader.read(1 << 20):
                lines = (rest + chunk).split(b"\n")
                rest = lines.pop()
                for line in lines:
                    writer.write(orjson.dumps(orjson.loads(line), option=orjson.OPT_APPEND_NEWLINE))
                    n += 1
        writer.close()
    return n


def gristmill_run(path: Path, out: Path) -> int:
    shutil.rmtree(out, ignore_errors=True)
    result = Pipeline(input={"path": str(path)}, output={"path": str(out)}, steps=[]).run(
        workers=1, progress=False
    )
    return int(result.totals["kept"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20, help="copies of the 697 real documents")
    args = parser.parse_args()
    path, size = build_input(args.copies)
    mb = size / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        floor_s, n_floor = timed(lambda: floor(path, Path(tmp) / "floor.jsonl.zst"))
        ours_s, n_ours = timed(lambda: gristmill_run(path, Path(tmp) / "run"))
    assert n_floor == n_ours, (n_floor, n_ours)
    print(f"input: {path.name}, {n_ours:,} documents, {mb:.1f} MB uncompressed, 1 worker\n")
    print(
        table(
            [
                ["floor (zstd + orjson + zstd)", floor_s, mb / floor_s, 1.0],
                ["gristmill run, empty pipeline", ours_s, mb / ours_s, ours_s / floor_s],
            ],
            ["", "seconds", "MB/s per worker", "x floor"],
        )
    )
    print(f"\ngristmill / floor = {ours_s / floor_s:.2f}x (goal <= 1.5x)")


if __name__ == "__main__":
    main()
