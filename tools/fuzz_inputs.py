"""Fuzz gristmill's readers: mutated real inputs through ``Pipeline(...).run()``, counted without it.

    python tools/fuzz_inputs.py --n 100000 --seed 1

Each input is built from the bundled samples (``src/gristmill/samples/``: JSON Lines records, WARC
records, the HTML pages inside them), written as JSONL (plain, gzip, zstd), Parquet, WARC (plain,
one gzip member per record, one gzip stream) or HTML (plain, gzip), then mutated: bytes flipped,
the file cut, garbage inserted, spans duplicated, in the compressed bytes or in the content before
compression. Many inputs make one batch, run as one pipeline with no steps. Each batch must:

- finish without an exception (damaged files are reported as run errors, one line each);
- account for every record: ``read == kept + rejected + quarantined`` in ``stats.json``;
- keep what a plain loop finds intact, without gristmill's code: for JSON Lines, every line that a
  decompress-and-split loop (stopping at the first damage) finds to be a JSON object with a string
  text must be among the kept and rejected texts; for WARC, every original record that stands
  whole in the decompressed bytes, at a record boundary, must be among the documents by its id; for
  HTML, every file that decompresses whole to something other than whitespace; for Parquet, every
  row of a file pyarrow reads whole.

The test ``tests/io/test_fuzz_inputs.py`` runs the same checks on inputs hypothesis draws.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "src") not in sys.path:
    sys.path.insert(0, str(REPO / "src"))

from gristmill.errors import ConfigError  # noqa: E402
from gristmill.pipeline import Pipeline  # noqa: E402

SAMPLES = REPO / "src/gristmill/samples"
KINDS = (
    "jsonl",
    "jsonl.gz",
    "jsonl.zst",
    "parquet",
    "warc",
    "warc.gz",  # one gzip member per record, as crawlers write them
    "stream.warc.gz",  # the whole file one gzip stream
    "html",
    "html.gz",
)
# A mutation: (operation, where as a share of the length, a size, a byte or garbage).
Mutation = tuple[str, float, int, bytes]
OPERATIONS = ("flip", "cut", "insert", "duplicate")
_DOC_TYPES = (b"response", b"resource", b"conversion")


@dataclass(frozen=True)
class Bases:
    """The real pieces inputs are built from."""

    jsonl: list[bytes]  # JSON lines
    warc: list[bytes]  # whole WARC records, version line to the CRLF CRLF after the block
    html: list[bytes]  # HTML pages from the WARC's responses


@cache
def bases() -> Bases:
    """Load the samples once."""
    lines = gzip.decompress((SAMPLES / "web/cc-main-2019-30-sample.jsonl.gz").read_bytes()).splitlines()
    stream = gzip.decompress((SAMPLES / "warc/cc-main-2020-34-excerpt.warc.gz").read_bytes())
    records = [r for r in re.split(rb"(?<=\r\n\r\n)(?=WARC/1\.[01]\r\n)", stream) if r]
    pages = []
    for record in records:
        _, _, block = record.partition(b"\r\n\r\n")
        head, _, body = block.partition(b"\r\n\r\n")
        if b"text/html" in head.lower() and body.strip():
            pages.append(body[:-4] if body.endswith(b"\r\n\r\n") else body)
    return Bases(jsonl=lines, warc=records, html=pages[:50])


@dataclass
class Input:
    """One input file: its name, its bytes, and what a plain loop expects gristmill to keep."""

    name: str
    data: bytes
    texts: Counter[str] = field(default_factory=Counter)  # JSONL and Parquet texts
    ids: set[str] = field(default_factory=set)  # WARC record ids and HTML file ids


def build(kind: str, picks: Sequence[int], content: Sequence[Mutation], raw: Sequence[Mutation]) -> bytes:
    """Build an input of ``kind`` from sample pieces ``picks``, mutated before and after compression."""
    base = bases()
    if kind.startswith("jsonl") or kind == "parquet":
        lines = [base.jsonl[i % len(base.jsonl)] for i in picks]
        if kind == "parquet":
            # Uncompressed pages put flipped bytes straight into the strings (invalid UTF-8).
            compression = "none" if picks[0] % 2 else "snappy"
            data = _parquet([json.loads(line) for line in lines], compression)
        else:
            data = _compress(kind, mutate(b"\n".join(lines) + b"\n", content))
    elif "warc" in kind:
        records = [mutate(base.warc[i % len(base.warc)], content) for i in picks]
        if kind == "warc.gz":
            data = b"".join(gzip.compress(r, mtime=0) for r in records)
        else:
            data = _compress(kind, b"".join(records))
    else:
        data = _compress(kind, mutate(base.html[picks[0] % len(base.html)], content))
    return mutate(data, raw)


def _compress(kind: str, data: bytes) -> bytes:
    if kind.endswith(".gz"):
        return gzip.compress(data, mtime=0)
    if kind.endswith(".zst"):
        return zstandard.ZstdCompressor().compress(data)
    return data


def _parquet(records: list[dict[str, Any]], compression: str) -> bytes:
    rows = [
        {"id": str(r.get("id", "")), "text": r.get("text"), "url": str(r.get("url", ""))} for r in records
    ]
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), sink, compression=compression)
    return sink.getvalue()


def mutate(data: bytes, mutations: Sequence[Mutation]) -> bytes:
    """Apply byte flips, cuts, inserted garbage and duplicated spans, in order."""
    out = bytearray(data)
    for operation, where, size, garbage in mutations:
        at = min(int(where * len(out)), max(len(out) - 1, 0))
        if operation == "flip" and out:
            out[at] ^= garbage[0] if garbage and garbage[0] else 0xFF
        elif operation == "cut":
            del out[at:]
        elif operation == "insert":
            out[at:at] = garbage
        elif operation == "duplicate":
            out[at:at] = out[at : at + size]
    return bytes(out)


def random_mutations(rng: random.Random, most: int = 3) -> list[Mutation]:
    """Up to ``most`` mutations drawn from ``rng``."""
    return [
        (
            rng.choice(OPERATIONS),
            rng.random(),
            rng.choice((1, 8, 64, 4096)),
            bytes(rng.getrandbits(8) for _ in range(rng.choice((1, 3, 16, 200)))),
        )
        for _ in range(rng.randint(0, most))
    ]


def random_input(rng: random.Random) -> tuple[str, bytes, list[int]]:
    """A kind, the bytes of one mutated input, and the sample pieces it was built from."""
    kind = rng.choice(KINDS)
    picks = [rng.randrange(1000) for _ in range(1 if kind.startswith("html") else rng.randint(1, 5))]
    content = random_mutations(rng, 2) if rng.random() < 0.3 else []
    return kind, build(kind, picks, content, random_mutations(rng)), picks


# ---- what a plain loop finds, without gristmill's code ----


def plain_decompress(kind: str, data: bytes) -> tuple[bytes, bool]:
    """Decompress member by member, stopping at the first damage: the bytes, and whether it was whole.

    A member that fails (corrupt, or its checksum or length wrong) gives nothing: its bytes are not
    all those written, and gristmill sets aside the records it has not yet given from it.
    """
    if not kind.endswith((".gz", ".zst")):
        return data, True
    out: list[bytes] = []
    rest = data
    while rest:
        decoder: Any = (
            zlib.decompressobj(wbits=31)
            if kind.endswith(".gz")
            else zstandard.ZstdDecompressor().decompressobj()
        )
        member = len(out)
        try:
            for start in range(0, len(rest), 256):
                out.append(decoder.decompress(rest[start : start + 256]))
                if decoder.eof:
                    break
        except (zlib.error, zstandard.ZstdError):
            return b"".join(out[:member]), False
        if not decoder.eof:
            return b"".join(out), False
        rest = decoder.unused_data
    return b"".join(out), True


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("a float beyond double range")
    return value


def _exact_int(text: str) -> int:
    value = int(text)
    if not -(2**63) <= value < 2**64:
        raise ValueError("an integer beyond 64 bits")
    return value


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _object_or_null(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return False
    return value is None or isinstance(value, dict)


def jsonl_text(line: bytes) -> str | None:
    """The text of a line that is a document by the README's rules (strict JSON), else None."""
    try:
        record = json.loads(
            line.decode("utf-8"), parse_constant=_no_constant, parse_float=_finite, parse_int=_exact_int
        )
        json.dumps(record, ensure_ascii=False).encode("utf-8")  # no lone surrogates
    except (ValueError, RecursionError, UnicodeError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        return None
    if not all(_object_or_null(record.get(key)) for key in ("meta", "metadata", "signals")):
        return None
    if _depth(record) > 200:
        return None
    return record["text"]


def expect(kind: str, name: str, data: bytes, picks: Sequence[int] = ()) -> Input:
    """What a plain loop finds intact in one input."""
    found = Input(name, data)
    if kind.startswith("jsonl"):
        text, whole = plain_decompress(kind, data)
        lines = text.split(b"\n")
        if not whole:
            lines.pop()  # a last line the damage cut is not a record
        if lines and lines[0].startswith(b"\xef\xbb\xbf"):
            lines[0] = lines[0][3:]
        found.texts = Counter(t for line in lines if line.strip() and (t := jsonl_text(line)) is not None)
    elif kind == "parquet":
        with contextlib.suppress(Exception):
            rows = pq.read_table(io.BytesIO(data)).to_pylist()
            found.texts = Counter(r["text"] for r in rows if isinstance(r.get("text"), str))
    elif "warc" in kind:
        stream, _ = plain_decompress(kind, data)
        for i in picks:
            record = bases().warc[i % len(bases().warc)]
            at = stream.find(record)
            boundary = at == 0 or stream[at - 4 : at] == b"\r\n\r\n"
            type_line = re.search(rb"WARC-Type: *(\w+)", record)
            if at >= 0 and boundary and type_line and type_line.group(1) in _DOC_TYPES:
                record_id = re.search(rb"WARC-Record-ID: *<?([^>\r\n]+)>?", record)
                if record_id:
                    found.ids.add(record_id.group(1).decode())
    else:
        text, whole = plain_decompress(kind, data)
        if whole and text.strip():
            found.ids.add(name)
    return found


# ---- one batch through gristmill ----


def _outputs(folder: Path) -> list[dict[str, Any]]:
    docs = []
    for path in sorted(folder.glob("*.jsonl.zst")):
        with zstandard.ZstdDecompressor().stream_reader(path.open("rb")) as reader:
            docs += [json.loads(line) for line in io.TextIOWrapper(reader, encoding="utf-8")]
    return docs


def run_batch(inputs: list[tuple[str, bytes, Sequence[int]]], folder: Path) -> list[str]:
    """Write the inputs, run them as one pipeline, and return every check that failed."""
    source = folder / "in"
    source.mkdir(parents=True)
    expected: list[Input] = []
    for number, (kind, data, picks) in enumerate(inputs):
        path = source / f"{number:06d}.{kind}"
        path.write_bytes(data)
        # One-page files are named by their path relative to the input root (the folder)
        expected.append(expect(kind, path.name, data, picks))
    out = folder / "out"
    try:
        result = Pipeline(input={"path": str(source)}, output={"path": str(out)}).run(progress=False)
    except ConfigError as exc:
        # A mutation can leave no readable record holding the text field ("text" became "texu"):
        # the run then refuses it as a mistyped text_key, in one line, which is right where no
        # intact record is lost by it.
        if any(item.texts for item in expected):
            return [f"refused though intact records hold text: {exc}"]
        return []
    except Exception:
        return [f"exception: {traceback.format_exc()}"]
    problems = [f"error with a traceback: {e}" for e in result.errors if "Traceback" in e]
    totals = json.loads((out / "stats.json").read_text())["totals"]
    if totals["read"] != totals["kept"] + totals["rejected"] + totals["quarantined"]:
        problems.append(f"read {totals['read']} is not kept + rejected + quarantined: {totals}")
    docs = _outputs(out / "kept") + _outputs(out / "rejected")
    if len(docs) != totals["kept"] + totals["rejected"]:
        problems.append(f"{len(docs)} documents written, stats say {totals}")
    texts = Counter(d["text"] for d in docs)
    ids = {d["id"] for d in docs}
    missing_texts = sum((sum((e.texts for e in expected), Counter()) - texts).values())
    if missing_texts:
        problems.append(f"{missing_texts} intact records a plain loop reads are missing")
    for item in expected:
        if not item.ids <= ids:
            problems.append(f"{item.name}: {sorted(item.ids - ids)} intact but missing")
    return problems


def main(argv: Sequence[str] | None = None, clock: Callable[[], float] = time.monotonic) -> int:
    """Run ``--n`` mutated inputs in batches; print the counts; exit 1 if any check failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="how many mutated inputs (default 10,000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--batch", type=int, default=500, help="inputs per pipeline run (default 500)")
    parser.add_argument("--keep", type=Path, help="copy each failing batch's inputs here")
    parser.add_argument(
        "--tmp", default="/dev/shm" if Path("/dev/shm").is_dir() else None, help="where batches are written"
    )
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    started = clock()
    done = failed_batches = 0
    kinds: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    while done < args.n:
        size = min(args.batch, args.n - done)
        batch = [random_input(rng) for _ in range(size)]
        kinds.update(kind for kind, _, _ in batch)
        with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
            problems = run_batch(batch, Path(tmp))
            stats = json.loads((Path(tmp) / "out/stats.json").read_text()) if not problems else None
            if stats:
                totals.update({k: v for k, v in stats["totals"].items() if isinstance(v, int)})
            if problems:
                failed_batches += 1
                print(f"batch at input {done}: " + "\n  ".join(problems), flush=True)
                if args.keep:
                    shutil.copytree(Path(tmp) / "in", args.keep / f"batch-{done:07d}")
        done += size
        print(f"{done:,} inputs, {failed_batches} failing batches, {clock() - started:.0f} s", flush=True)
    print(f"kinds: {dict(sorted(kinds.items()))}")
    print(f"totals of the passing batches: {dict(sorted(totals.items()))}")
    print(f"{done:,} inputs in {clock() - started:.0f} s; failing batches: {failed_batches}")
    return 1 if failed_batches else 0


if __name__ == "__main__":
    sys.exit(main())
