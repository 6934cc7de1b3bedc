"""Count each document's tokens and, optionally, write training-ready token shards beside ``kept/``.

A shard's tokens go to ``tokens/<shard>-<part>.bin`` (the ids, little-endian ``uint16`` when the
vocabulary fits, else ``int32``) and ``tokens/<shard>-<part>.idx`` (Megatron-LM's ``MMIDIDX`` index:
see ``docs/training_steps.md``). Files follow the input shards, so they are the same bytes whatever the number
of workers, and are written through the task's temporary names, so a resumed run writes them again whole.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO, ClassVar

import numpy as np

from gristmill.document import Document
from gristmill.errors import ConfigError
from gristmill.io.schema import FieldType
from gristmill.steps.base import Step
from gristmill.steps.options import Help
from gristmill.steps.registry import register

if TYPE_CHECKING:
    from gristmill.stats import StepContext

IDX_MAGIC = b"MMIDIDX\x00\x00"
IDX_VERSION = 1
# Megatron-LM's dtype codes.
DTYPE_CODES: dict[np.dtype[Any], int] = {np.dtype(np.uint16): 8, np.dtype(np.int32): 4}

# One tokenizer per worker process and file.
_TOKENIZERS: dict[str, Any] = {}


def load_tokenizer(path: str, step: str) -> Any:
    """Return the ``tokenizers.Tokenizer`` saved at ``path``, loaded once per process."""
    if path not in _TOKENIZERS:
        try:
            from tokenizers import Tokenizer
        except ImportError:
            raise ConfigError(
                f"step {step!r} needs the tokenizers package: pip install 'gristmill[tokenize]'"
            ) from None
        if not Path(path).is_file():
            raise ConfigError(f"step {step!r}, option 'tokenizer': no file {path!r}")
        try:
            _TOKENIZERS[path] = Tokenizer.from_file(path)
        except Exception as exc:  # the Rust side raises plain Exceptions for any bad file
            detail = " ".join(str(exc).split())[:200]
            raise ConfigError(
                f"step {step!r}, option 'tokenizer': {path}: not a tokenizer.json: {detail}"
            ) from None
    return _TOKENIZERS[path]


def write_index(handle: BinaryIO, dtype: np.dtype[Any], sizes: list[int]) -> None:
    """Write a Megatron-LM ``.idx`` for documents of ``sizes`` tokens stored one after another."""
    lengths = np.asarray(sizes, dtype=np.int32)
    pointers = np.zeros(len(sizes), dtype=np.int64)
    if len(sizes) > 1:
        pointers[1:] = np.cumsum(lengths[:-1], dtype=np.int64) * dtype.itemsize
    handle.write(IDX_MAGIC)
    handle.write(struct.pack("<Q", IDX_VERSION))
    handle.write(struct.pack("<B", DTYPE_CODES[dtype]))
    handle.write(struct.pack("<Q", len(sizes)))
    handle.write(struct.pack("<Q", len(sizes) + 1))
    handle.write(lengths.tobytes())
    handle.write(pointers.tobytes())
    handle.write(np.arange(len(sizes) + 1, dtype=np.int64).tobytes())


def read_index(path: str | Path) -> tuple[np.dtype[Any], np.ndarray, np.ndarray]:
    """Read a ``.idx`` back: the token dtype, each document's length, and its byte offset in the ``.bin``."""
    data = Path(path).read_bytes()
    if not data.startswith(IDX_MAGIC):
        raise ValueError(f"{path}: not an MMIDIDX index")
    at = len(IDX_MAGIC) + 8
    code = data[at]
    count = struct.unpack_from("<Q", data, at + 1)[0]
    at += 1 + 16
    dtype: np.dtype[Any] = next(d for d, c in DTYPE_CODES.items() if c == code)
    sizes = np.frombuffer(data, dtype=np.int32, count=count, offset=at)
    pointers = np.frombuffer(data, dtype=np.int64, count=count, offset=at + 4 * count)
    return dtype, sizes, pointers


@dataclass
class _ShardWriter:
    """The token files of one shard: parts of at most ``limit`` tokens (or one longer document)."""

    ctx: StepContext
    dtype: np.dtype[Any]
    limit: int
    part: int = -1
    tokens: int = 0
    sizes: list[int] = field(default_factory=list)
    bin: BinaryIO | None = None

    def add(self, ids: np.ndarray) -> None:
        if self.bin is None or (self.sizes and self.tokens + len(ids) > self.limit):
            self._next_part()
        assert self.bin is not None
        self.bin.write(ids.tobytes())
        self.tokens += len(ids)
        self.sizes.append(len(ids))

    def _next_part(self) -> None:
        self.close()
        self.part += 1
        self.tokens, self.sizes = 0, []
        self.bin = self.ctx.open_output(f"tokens/{self.ctx.shard:05d}-{self.part:03d}.bin")

    def close(self) -> None:
        if self.bin is not None:
            index = self.ctx.open_output(f"tokens/{self.ctx.shard:05d}-{self.part:03d}.idx")
            write_index(index, self.dtype, self.sizes)
            self.bin = None


@register("tokenize")
class Tokenize(Step):
    """Count each document's tokens in ``signals.tokens``; with ``write_tokens``, write token shards.

    The tokenizer is a Hugging Face ``tokenizer.json`` the user names, read with the ``tokenizers``
    package (``pip install 'gristmill[tokenize]'``); nothing is downloaded. With ``write_tokens`` the step
    must be last (a pipeline with a step after it is refused): token files hold the documents that reach it.
    """

    tokenizer: Annotated[str, Help("path of a ``tokenizer.json``.")]
    write_tokens: Annotated[
        bool, Help("write ``tokens/<shard>-<part>.bin`` and ``.idx`` beside ``kept/``.")
    ] = False
    eos: Annotated[
        str | None,
        Help(
            "a token appended after each document in the token files (``<|endoftext|>``); none adds none."
            " A document with no tokens writes nothing."
        ),
    ] = None
    max_tokens_per_file: Annotated[
        int, Help("most tokens in one ``.bin`` (a longer document gets a file of its own).", ge=1)
    ] = 500_000_000
    batch_size: Annotated[
        int,
        Help("documents tokenized together (a document the tokenizer fails on quarantines its batch).", ge=1),
    ] = 256

    def why_last(self) -> str | None:
        """With ``write_tokens``: token files hold the documents that reach the step, later drops included."""
        if self.write_tokens:
            return "it writes the token files of the documents that reach it; later drops would stay in them"
        return None

    def setup(self) -> None:
        loaded = load_tokenizer(self.tokenizer, self.name)  # now, so a bad file fails before the run starts
        if self.eos is not None and loaded.token_to_id(self.eos) is None:
            raise self.fail("eos", f"{self.eos!r} is not in the vocabulary of {self.tokenizer}")

    def count_tokens(self, text: str) -> int:
        """The number of tokens in ``text``, as ``signals.tokens`` would give it."""
        encoding = load_tokenizer(self.tokenizer, self.name).encode(text, add_special_tokens=False)
        return len(encoding.ids)

    signal_fields: ClassVar[dict[str, FieldType]] = {"tokens": "int"}

    def _dtype(self, tokenizer: Any) -> np.dtype[Any]:
        return np.dtype(np.uint16 if tokenizer.get_vocab_size(with_added_tokens=True) <= 2**16 else np.int32)

    def apply(self, docs: Iterable[Document], ctx: StepContext) -> Iterator[Document]:
        """Yield every document with ``signals.tokens``; append its tokens to the shard's files."""
        tokenizer = load_tokenizer(self.tokenizer, self.name)
        dtype = self._dtype(tokenizer)
        eos = np.asarray([tokenizer.token_to_id(self.eos)] if self.eos else [], dtype=dtype)
        # The engine restarts a step after a document raised; the shard's files carry over.
        writers: dict[int, _ShardWriter] = self.__dict__.setdefault("_writers", {})
        writer = writers.get(id(ctx))
        if writer is None or writer.ctx is not ctx:  # an id is reused once its context is gone
            writer = writers[id(ctx)] = _ShardWriter(ctx, dtype, self.max_tokens_per_file)
        encode = getattr(tokenizer, "encode_batch_fast", tokenizer.encode_batch)
        batch: list[Document] = []
        for doc in _then_none(docs):
            if doc is not None:
                batch.append(doc)
                if len(batch) < self.batch_size:
                    continue
            if batch:
                encodings = encode([d.text for d in batch], add_special_tokens=False)
                for item, encoding in zip(batch, encodings, strict=True):
                    ids = encoding.ids
                    item.signals["tokens"] = len(ids)
                    if self.write_tokens and ids:  # a lone eos is no sample: an empty text writes nothing
                        writer.add(np.concatenate((np.asarray(ids, dtype=dtype), eos)))
                batch, done = [], batch
                yield from done
        writers.pop(id(ctx))
        writer.close()

    def __getstate__(self) -> dict[str, Any]:
        # Open shard writers belong to the process running them.
        return {k: v for k, v in self.__dict__.items() if k != "_writers"}


def _then_none(docs: Iterable[Document]) -> Iterator[Document | None]:
    """Yield ``docs`` and then one None, so a loop can flush its last batch."""
    yield from docs
    yield None
