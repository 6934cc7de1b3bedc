"""Running a step so that a document it raises on is quarantined and the rest of the shard goes on.

What the steps before it set aside keeps its place in the order documents came in (``Isolated.hold``).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator

from gristmill.document import Document, forget_offsets
from gristmill.errors import RunFailedError
from gristmill.stats import StepStats

ApplyFn = Callable[[Iterable[Document]], Iterator[Document]]
OnError = Callable[[Document, BaseException], None]
# One record for rejected/ or quarantine/, ready to be written, and where a step's records go: to the
# writers at once (``write_now``) or to the next step, which holds them while it holds documents.
Record = Callable[[], None]
PassOn = Callable[[Record], None]


def write_now(record: Record) -> None:
    """Write ``record`` where it goes: no step downstream holds it back."""
    record()


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

    The records set aside upstream (``hold``) while the step holds documents that came in before them
    wait until the step settles a document that came in after them, or ends, then go on to ``records``:
    rejected/ and quarantine/ list documents in the order they came in, whatever a step batches.
    """

    def __init__(
        self,
        stats: StepStats,
        on_error: OnError,
        *,
        restartable: bool = True,
        count_tokens: Callable[[str], int] | None = None,
        records: PassOn = write_now,
    ) -> None:
        self._stats = stats
        self._count_tokens = count_tokens  # the pipeline's tokenizer, for the tokens of dropped documents
        self._on_error = on_error
        # A barrier's decide knows documents by their place in the shard: started again on the rest of
        # the stream it would misplace them, so its errors fail the task instead.
        self._restartable = restartable
        # Each document taken in and not yet settled: its text as it came in, and its place (1, 2, …).
        self._pending: dict[int, tuple[Document, str, int]] = {}
        self._records = records
        # Records from upstream, each with how many documents the step had taken in when it came.
        self._held: deque[tuple[int, Record]] = deque()

    def hold(self, record: Record) -> None:
        """Take a record set aside upstream: on at once, or held while the step holds earlier documents."""
        if self._pending:
            self._held.append((self._stats.docs_in, record))
            return
        if self._held:  # every document they came after is settled
            self._release(math.inf)
        self._records(record)

    def _release(self, place: float) -> None:
        """Pass on the held records that came before the document at ``place`` was taken in."""
        held = self._held
        while held and held[0][0] < place:
            self._records(held.popleft()[1])

    def settling(self, reject: Callable[[Document], None]) -> Callable[[Document], None]:
        """Wrap the step's ``reject``: a rejected document is accounted for."""

        def on_reject(doc: Document) -> None:
            entry = self._pending.pop(id(doc), None)
            if entry is not None and self._held:
                self._release(entry[2])
            self._stats.count_drop(doc, doc.text if entry is None else entry[1], self._count_tokens)
            if entry is not None and doc.text is not entry[1]:
                # rejected/ keeps the text the step was given: a step that cut it to nothing before
                # giving up (span_dedup:empty) would leave an empty record, the page lost.
                doc.text = entry[1]
            reject(doc)

        return on_reject

    def setting_aside(self) -> Callable[[Document, BaseException], None]:
        """The step's ``set_aside``: quarantine one document it holds, in its turn, and go on."""

        def on_error(doc: Document, exc: BaseException) -> None:
            entry = self._pending.pop(id(doc), None)
            if entry is not None and self._held:
                self._release(entry[2])
            self._stats.count_error(doc.text if entry is None else entry[1])
            self._on_error(doc, exc)

        return on_error

    def run(self, apply: ApplyFn, docs: Iterable[Document]) -> Iterator[Document]:
        """Yield what ``apply`` (the step over a stream) yields over ``docs``."""
        source = iter(docs)
        while True:
            try:
                for doc in apply(self._feed(source)):
                    if not isinstance(doc, Document):  # a transform returning None, datatrove's way to drop
                        what = "None" if doc is None else f"a {type(doc).__name__}"
                        raise TypeError(
                            f"the step yielded {what}, not a Document: return the document (a Filter drops)"
                        )
                    entry = self._pending.pop(id(doc), None)
                    if entry is not None:
                        if self._held:
                            self._release(entry[2])
                        if self._stats.count_change(doc, entry[1]):
                            forget_offsets(doc)
                    yield doc
                self._release(math.inf)
                return
            except _UpstreamError as exc:
                raise exc.cause from None
            except RunFailedError:
                raise  # too many errors (``set_aside`` inside the step): nothing to set aside
            except Exception as exc:
                if not self._restartable:
                    raise RunFailedError(
                        f"step {self._stats.name!r} raised while deciding, where it cannot set one "
                        f"document aside: {type(exc).__name__}: {exc}"
                    ) from exc
                failed = list(self._pending.values())
                self._pending.clear()
                for doc, before, place in failed:
                    self._release(place)
                    self._stats.count_error(before)
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
            stats.docs_in += 1
            stats.chars_in += len(doc.text)
            pending[id(doc)] = (doc, doc.text, stats.docs_in)
            yield doc
