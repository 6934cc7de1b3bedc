"""Drop documents, or cut the spans, that share word n-grams with evaluation sets.

The index of the evaluation sets is a sorted numpy array of 64-bit n-gram hashes with a parallel array
naming the set each came from: 10 bytes an n-gram, capped by ``max_ngrams``. Each worker process builds it
once from the files and keeps it for every shard it runs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

import numpy as np
import orjson

from gristmill.document import Document
from gristmill.errors import ConfigError
from gristmill.io.schema import FieldType
from gristmill.steps.base import Step
from gristmill.steps.options import Help
from gristmill.steps.registry import register
from gristmill.text.hashing import hash64

if TYPE_CHECKING:
    from gristmill.stats import StepContext

log = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W_]+")
_MULT = np.uint64(0x9E3779B97F4A7C15)
_BYTES_PER_NGRAM = 8 + 2  # the hash and the set's number


def words(text: str) -> list[str]:
    """Return ``text``'s words as compared: lower case, punctuation and spacing dropped."""
    return _WORD.findall(text.lower())


def word_spans(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Return ``text``'s words as :func:`words` does, with each one's character span in ``text``."""
    lowered = text.lower()
    if len(lowered) == len(text):  # lower-casing kept every offset (it nearly always does)
        found = list(_WORD.finditer(lowered))
        return [m.group() for m in found], [m.span() for m in found]
    found = list(_WORD.finditer(text))
    return [m.group().lower() for m in found], [m.span() for m in found]


class _WordHashes(dict[str, int]):
    """Each word's hash, computed once per process: web text repeats its words."""

    limit = 2_000_000

    def __missing__(self, word: str) -> int:
        if len(self) >= self.limit:
            self.clear()
        value = self[word] = hash64(word)
        return value


_WORD_HASHES = _WordHashes()


def ngram_hashes(tokens: list[str], n: int) -> np.ndarray:
    """Return one 64-bit hash per run of ``n`` consecutive words (none when there are fewer words)."""
    count = len(tokens) - n + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint64)
    ids = np.fromiter(map(_WORD_HASHES.__getitem__, tokens), dtype=np.uint64, count=len(tokens))
    key = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(n):
            key = (key ^ ids[offset : offset + count]) * _MULT + np.uint64(offset + 1)
    return key


def read_texts(path: str, field: str, step: str) -> Iterator[str]:
    """Yield ``field`` of each JSONL or Parquet record, or each non-blank line of any other file."""
    from gristmill.io.base import describe_value
    from gristmill.io.compression import read_chunks, read_lines

    where = f"step {step!r}, option 'sets'"
    name = path.lower().removesuffix(".gz").removesuffix(".zst")
    try:
        if name.endswith((".parquet", ".pq")):
            import pyarrow.parquet as pq

            table = pq.ParquetFile(path)
            if field not in table.schema_arrow.names:
                raise ConfigError(
                    f"{where}: {path}: no column {field!r} (columns: {table.schema_arrow.names})"
                )
            for batch in table.iter_batches(columns=[field]):
                yield from (str(v) for v in batch.column(0).to_pylist() if v is not None)
        elif name.endswith((".jsonl", ".json", ".ndjson")):
            for number, line in enumerate(read_lines(read_chunks(path)), 1):
                if not line.strip():
                    continue
                try:
                    record = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    raise ConfigError(f"{where}: {path}: line {number} is not JSON: {exc}") from None
                value = record.get(field) if isinstance(record, dict) else None
                if value is None:
                    raise ConfigError(f"{where}: {path}: line {number} has no text field {field!r}")
                if not isinstance(value, str):  # there, but no text: said as the reader says it
                    kind = describe_value(value)
                    raise ConfigError(f"{where}: {path}: line {number}: {field!r} is {kind}, not a string")
                yield value
        else:
            for line in read_lines(read_chunks(path)):
                if line.strip():
                    yield line.decode("utf-8", "replace")
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read {path!r}: {exc.strerror or exc}") from None


@dataclass
class EvalIndex:
    """The n-gram hashes of every evaluation set, sorted, with the set each one came from."""

    hashes: np.ndarray  # uint64, sorted, unique
    sets: np.ndarray  # uint16, the index into ``names`` of the first set holding each hash
    names: list[str]
    short_items: int  # items with fewer words than n: they cannot match and are left out

    @property
    def nbytes(self) -> int:
        """Memory the index holds."""
        return int(self.hashes.nbytes + self.sets.nbytes)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Return, per key, the index of its set, or -1 when no evaluation set has it."""
        if not len(keys) or not len(self.hashes):
            return np.full(len(keys), -1, dtype=np.int64)
        where = np.minimum(np.searchsorted(self.hashes, keys), len(self.hashes) - 1)
        found = self.hashes[where] == keys
        return np.where(found, self.sets[where].astype(np.int64), -1)


def build_index(paths: list[str], field: str, n: int, max_ngrams: int, step: str) -> EvalIndex:
    """Read every evaluation file and index its n-grams; fail in one line when they hold none."""
    chunks: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    names: list[str] = []
    total = short = 0
    for number, path in enumerate(paths):
        names.append(Path(path).name)
        before = total
        for text in read_texts(path, field, step):
            keys = ngram_hashes(words(text), n)
            if not len(keys):
                short += 1
                continue
            total += len(keys)
            if total > max_ngrams:
                raise ConfigError(
                    f"step {step!r}, option 'max_ngrams': the evaluation sets hold more than {max_ngrams:,} "
                    f"{n}-grams ({max_ngrams * _BYTES_PER_NGRAM / 2**20:,.0f} MiB); raise it or name fewer"
                )
            chunks.append(keys)
            owners.append(np.full(len(keys), number, dtype=np.uint16))
        if total == before:
            raise ConfigError(
                f"step {step!r}, option 'sets': {path}: no text of {n} words or more in field {field!r}"
            )
    hashes = np.concatenate(chunks)
    # Stable sort and keep the first of equal hashes: a shared n-gram is named after the first set.
    order = np.argsort(hashes, kind="stable")
    hashes, sets = hashes[order], np.concatenate(owners)[order]
    first = np.ones(len(hashes), dtype=bool)
    first[1:] = hashes[1:] != hashes[:-1]
    return EvalIndex(hashes[first], sets[first], names, short)


# One index per worker process, shared by every decontaminate step and shard it runs with the same inputs.
_INDEXES: dict[tuple[Any, ...], EvalIndex] = {}


@register("decontaminate")
class Decontaminate(Step):
    """Drop documents, or cut their spans, that share ``ngram``-word runs with evaluation sets.

    Words are compared lower-cased with punctuation dropped, so case, punctuation and spacing edits still
    match. A dropped document's reason is ``decontaminate:<set file name>``, with ``meta.contamination``
    = ``{"set", "ngram", "matches"}``; ``signals.contaminated_ngrams`` counts the n-grams it shared.
    """

    sets: Annotated[
        list[str],
        Help(
            "evaluation files: JSONL or Parquet (``field`` of each record) or text (each non-blank line).",
            min_length=1,
        ),
    ]
    field: Annotated[
        str, Help("the record field (JSONL key, Parquet column) holding the evaluation text.")
    ] = "text"
    ngram: Annotated[
        int,
        Help(
            "words in an n-gram; evaluation items with fewer words are left out (the log counts them).", ge=1
        ),
    ] = 13
    action: Annotated[
        Literal["drop", "cut"],
        Help("drop the document, or cut the overlapping spans (a document left blank is dropped)."),
    ] = "drop"
    min_matches: Annotated[int, Help("distinct shared n-grams that make a document contaminated.", ge=1)] = 1
    max_ngrams: Annotated[
        int,
        Help("most n-grams the index may hold (10 bytes each); more fails when the step is built.", ge=1),
    ] = 50_000_000

    signal_fields: ClassVar[dict[str, FieldType]] = {"contaminated_ngrams": "int"}

    meta_fields: ClassVar[dict[str, FieldType]] = {"contamination": "json"}

    def setup(self) -> None:
        index = self.index()  # built now, so a missing file or empty set fails before any work starts
        log.info(
            "decontaminate: %s n-grams of %d words from %d set(s) in %.1f MiB; %d item(s) too short",
            f"{len(index.hashes):,}",
            self.ngram,
            len(self.sets),
            index.nbytes / 2**20,
            index.short_items,
        )

    def _key(self) -> tuple[Any, ...]:
        files = []
        for path in self.sets:
            try:
                stat = Path(path).stat()
            except OSError as exc:
                raise self.fail("sets", f"cannot read {path!r}: {exc.strerror}") from None
            files.append((path, stat.st_size, stat.st_mtime_ns))
        return (tuple(files), self.field, self.ngram, self.max_ngrams)

    def index(self) -> EvalIndex:
        """Return this process's index of the evaluation sets, building it on first use."""
        key = self._key()
        if key not in _INDEXES:
            _INDEXES[key] = build_index(self.sets, self.field, self.ngram, self.max_ngrams, self.name)
        return _INDEXES[key]

    def apply(self, docs: Iterable[Document], ctx: StepContext) -> Iterator[Document]:
        """Yield clean documents (and cut ones); reject contaminated ones."""
        index = self.index()
        for doc in docs:
            tokens = words(doc.text)
            keys = ngram_hashes(tokens, self.ngram)
            owners = index.lookup(keys)
            hits = np.flatnonzero(owners >= 0)
            matches = len(np.unique(keys[hits]))
            doc.signals["contaminated_ngrams"] = matches
            if matches < self.min_matches:
                yield doc
                continue
            first = int(hits[0])
            name = index.names[int(owners[first])]
            doc.meta["contamination"] = {
                "set": name,
                "ngram": " ".join(tokens[first : first + self.ngram]),
                "matches": matches,
            }
            if self.action == "cut":
                doc.text = _cut(doc.text, hits, self.ngram)
                if doc.text.strip():
                    yield doc
                    continue
            ctx.reject(doc, f"{self.name}:{name}")


def _cut(text: str, hits: np.ndarray, n: int) -> str:
    """Remove from ``text`` every run of words covered by a matching n-gram."""
    spans = word_spans(text)[1]
    depth = np.zeros(len(spans) + 1, dtype=np.int64)
    np.add.at(depth, hits, 1)
    np.add.at(depth, hits + n, -1)
    covered = np.cumsum(depth[:-1]) > 0
    pieces: list[str] = []
    start = 0  # the start of the text not yet copied
    w = 0
    while w < len(spans):
        if not covered[w]:
            w += 1
            continue
        end = w
        while end + 1 < len(spans) and covered[end + 1]:
            end += 1
        pieces.append(text[start : spans[w][0]])
        start = spans[end][1]
        w = end + 1
    pieces.append(text[start:])
    return "".join(pieces)
