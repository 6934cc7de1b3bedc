"""Steps that misbehave on purpose, registered for tests (importable by spawned worker processes)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator

import fsspec

from gristmill import Document, Filter, Step, Transform, register
from gristmill.dedup.exact import ExactDedup as ExactDedupBase
from gristmill.stats import StepContext


@register("test_raise_on")
class RaiseOn(Filter):
    """Raise on documents whose text contains ``needle``; keep the rest.

    Options:
        needle: the text that makes the step raise.
    """

    def __init__(self, *, needle: str = "BOOM") -> None:
        self.needle = needle

    def keep(self, doc: Document) -> bool:
        if self.needle in doc.text:
            raise ValueError(f"cannot digest {doc.id}")
        return True


@register("test_batch_raise")
class BatchRaise(Step):
    """Hold documents in batches of three and raise on a batch holding ``needle``.

    Options:
        needle: the text that makes the step raise.
    """

    def __init__(self, *, needle: str = "BOOM") -> None:
        self.needle = needle

    def apply(self, docs: Iterable[Document], ctx: StepContext) -> Iterator[Document]:
        batch: list[Document] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) == 3:
                yield from self._flush(batch)
                batch = []
        yield from self._flush(batch)

    def _flush(self, batch: list[Document]) -> Iterator[Document]:
        if any(self.needle in d.text for d in batch):
            raise RuntimeError("a batch went wrong")
        yield from batch


@register("test_swallow")
class Swallow(Step):
    """Neither yield nor reject documents containing ``needle``: a step that loses documents.

    Options:
        needle: the text of documents the step loses.
    """

    def __init__(self, *, needle: str = "BOOM") -> None:
        self.needle = needle

    def apply(self, docs: Iterable[Document], ctx: StepContext) -> Iterator[Document]:
        for doc in docs:
            if self.needle not in doc.text:
                yield doc


@register("test_twins")
class Twins(Step):
    """Yield every document and a copy of it; ``counted`` says whether copies go through ``ctx.create``.

    Options:
        counted: whether the copies are declared with ctx.create.
    """

    def __init__(self, *, counted: bool = True) -> None:
        self.counted = counted

    def apply(self, docs: Iterable[Document], ctx: StepContext) -> Iterator[Document]:
        for doc in docs:
            yield doc
            twin = Document(doc.id + "#twin", doc.text, dict(doc.meta), dict(doc.signals))
            yield ctx.create(twin) if self.counted else twin


@register("test_sleep")
class Sleep(Filter):
    """Sleep ``seconds`` per document and keep it: a slow step for interrupt tests.

    Options:
        seconds: how long each document takes.
    """

    def __init__(self, *, seconds: float = 0.01) -> None:
        self.seconds = seconds

    def keep(self, doc: Document) -> bool:
        time.sleep(self.seconds)
        return True


@register("test_barrier_raise")
class BarrierRaise(ExactDedupBase):
    """Exact dedup whose decide raises on documents containing ``needle``.

    Options:
        needle: the text that makes decide raise.
    """

    def __init__(self, *, needle: str = "BOOM") -> None:
        super().__init__()
        self.needle = needle

    def decide(self, docs, shard, work, ctx):  # type: ignore[no-untyped-def]
        for doc in super().decide(docs, shard, work, ctx):
            if self.needle in doc.text:
                raise ValueError("decide went wrong")
            yield doc


@register("test_none_on")
class NoneOn(Transform):
    """Return None (datatrove's way to drop) for documents whose text contains ``needle``.

    Options:
        needle: the text that makes the step return None.
    """

    def __init__(self, *, needle: str = "BOOM") -> None:
        self.needle = needle

    def transform(self, doc: Document) -> Document:
        return None if self.needle in doc.text else doc  # type: ignore[return-value]


@register("test_false_on")
class FalseOn(Filter):
    """Return False (not a reason) for documents whose text contains ``needle``; keep the rest.

    Options:
        needle: the text that makes the step return False.
    """

    def __init__(self, *, needle: str = "BOOM") -> None:
        self.needle = needle

    def keep(self, doc: Document) -> bool:
        return self.needle not in doc.text


@register("test_numpy_verdict")
class NumpyVerdict(Filter):
    """Answer with a numpy comparison (``np.True_`` / ``np.False_``): keep documents under ``limit`` chars.

    Options:
        limit: documents this long or longer are not kept.
    """

    def __init__(self, *, limit: int = 20) -> None:
        self.limit = limit

    def keep(self, doc: Document) -> bool:
        import numpy as np

        return np.float64(len(doc.text)) < self.limit  # type: ignore[return-value]


@register("test_exit_on")
class ExitOn(Transform):
    """End the process at once (no exception, no cleanup) on the document ``doc_id``: a crash or an OOM kill.

    Options:
        doc_id: the document that kills its worker.
    """

    def __init__(self, *, doc_id: str = "") -> None:
        self.doc_id = doc_id

    def transform(self, doc: Document) -> Document:
        if doc.id == self.doc_id:
            os._exit(3)
        return doc


@register("test_append_to")
class AppendTo(Transform):
    """Add a record to the file or object ``path`` at the first document: an input rewritten mid-run.

    Options:
        path: the file or object URL to add a record to.
    """

    def __init__(self, *, path: str = "") -> None:
        self.path = path
        self._done = False

    def transform(self, doc: Document) -> Document:
        if not self._done:
            self._done = True
            # Another client's write: through a file system of its own, not the run's cached one.
            fs, inner = fsspec.core.url_to_fs(self.path, skip_instance_cache=True)
            data = fs.cat_file(inner)
            with fs.open(inner, "wb") as handle:  # an object store has no append
                handle.write(
                    data + b'{"id": "late", "text": "A record written while the run read the file."}\n'
                )
        return doc


@register("test_lone_surrogate")
class LoneSurrogate(Transform):
    """Leave a lone UTF-16 surrogate in the text and a meta value of documents whose text holds ``needle``.

    Options:
        needle: the text that makes the step add one.
    """

    def __init__(self, *, needle: str = "BOOM") -> None:
        self.needle = needle

    def transform(self, doc: Document) -> Document:
        if self.needle in doc.text:
            doc.text += " \ud800"
            doc.meta["note"] = "half \udfff"
        return doc
