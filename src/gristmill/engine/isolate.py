"""Running a step so that a document it raises on is quarantined and the rest of the shard goes on."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from gristmill.document import Document
from gristmill.errors import RunFailedError
from gristmill.stats import StepStats

ApplyFn = Callable[[Iterable[Document]], Iterator[Document]]
OnError = Callable[[Document, BaseException], None]


class _UpstreamError(Exception):
    """An error raised before the step saw the document: it belongs to whoever raised it."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


class Isolated:
    """Feeds documents to one step, counting them in, and quarantines what the step raises on.

    A step is a generator over the shard; when it raises, the documents it took in but has neither
    yielded nor rejected (the one it was working on, or a batch) go to ``on_error`` and the step is
    started again on the rest of the stream. Documents are told apart by identity. It also counts the
    characters taken in and, for each document yielded, what the step changed in its text.
    """

    def __init__(
        self,
        stats: StepStats,
        on_error: OnError,
        *,
        restartable: bool = True,
        count_tokens: Callable[[str], int] | None = None,
    ) -> None:
        self._stats = stats
        self._count_tokens = count_tokens  # the pipeline's tokenizer, for the tokens of dropped documents
        self._on_error = on_error
        # A barrier's decide knows documents by their place in the shard: started again on the rest of
        # the stream it would misplace them, so its errors fail the task instead.
        self._restartable = restartable
        # Each document taken in and not yet settled, with its text as it came in.
        self._pending: dict[int, tuple[Document, str]] = {}

    def settling(self, reject: Callable[[Document], None]) -> Callable[[Document], None]:
        """Wrap the step's ``reject``: a rejected document is accounted for."""

        def on_reject(doc: Document) -> None:
            entry = self._pending.pop(id(doc), None)
            self._stats.count_drop(doc, doc.text if entry is None else entry[1], self._count_tokens)
            reject(doc)

        return on_reject

    def run(self, apply: ApplyFn, docs: Iterable[Document]) -> Iterator[Document]:
        """Yield what ``apply`` (the step over a stream) yields over ``docs``."""
        source = iter(docs)
        while True:
            try:
                for doc in apply(self._feed(source)):
                    entry = self._pending.pop(id(doc), None)
                    if entry is not None:
                        self._stats.count_change(doc, entry[1])
                    yield doc
                return
            except _UpstreamError as exc:
                raise exc.cause from None
            except Exception as exc:
                if not self._restartable:
                    raise RunFailedError(
                        f"step {self._stats.name!r} raised while deciding, where it cannot set one "
                        f"document aside: {type(exc).__name__}: {exc}"
                    ) from exc
                failed = [doc for doc, _ in self._pending.values()]
                self._pending.clear()
                for doc in failed:
                    self._stats.errors += 1
                    self._on_error(doc, exc)
                if not failed:
                    raise  # raised between documents: a fault of the step itself, not of a document

    def _feed(self, source: Iterator[Document]) -> Iterator[Document]:
        pending = self._pending
        stats = self._stats
        while True:
            try:
                doc = next(source)
            except StopIteration:
                return
            except Exception as exc:
                raise _UpstreamError(exc) from exc
            pending[id(doc)] = (doc, doc.text)
            stats.docs_in += 1
            stats.chars_in += len(doc.text)
            yield doc
