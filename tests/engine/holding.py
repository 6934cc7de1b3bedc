"""Steps that hold documents back before settling them, registered for tests (importable by workers)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from gristmill import Document, Filter, Step, register
from gristmill.stats import StepContext


@register("test_drop_on")
class DropOn(Filter):
    """Drop documents whose text contains ``needle``, one at a time, as ``test_drop_on:holds_<needle>``.

    Options:
        needle: the text that gets a document dropped.
    """

    def __init__(self, *, needle: str = "DROP") -> None:
        self.needle = needle

    def keep(self, doc: Document) -> bool | str:
        return True if self.needle not in doc.text else f"holds_{self.needle}"


@register("test_hold")
class HoldBack(Step):
    """Take documents in batches of ``size``, then settle them in the order they came, as language does.

    A document holding ``drop`` is dropped; one holding ``boom`` is set aside in its turn (the step fails
    on it alone); with ``twin``, each kept document is followed by a made copy.

    Options:
        size: documents taken in before any is settled (1: one at a time).
        drop: the text that gets a document dropped.
        boom: the text that makes the step raise.
        twin: whether to make a copy of each kept document.
    """

    def __init__(self, *, size: int = 8, drop: str = "HOLD", boom: str = "BOOM", twin: bool = False) -> None:
        self.size = size
        self.drop = drop
        self.boom = boom
        self.twin = twin

    def apply(self, docs: Iterable[Document], ctx: StepContext) -> Iterator[Document]:
        batch: list[Document] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) == self.size:
                yield from self._settle(batch, ctx)
                batch = []
        yield from self._settle(batch, ctx)

    def _settle(self, batch: list[Document], ctx: StepContext) -> Iterator[Document]:
        for doc in batch:
            if self.boom in doc.text:
                ctx.set_aside(doc, ValueError(f"cannot hold {doc.id}"))
            elif self.drop in doc.text:
                ctx.reject(doc, f"{self.name}:holds_{self.drop}")
            else:
                yield doc
                if self.twin:
                    yield ctx.create(Document(doc.id + "#twin", doc.text, dict(doc.meta), dict(doc.signals)))
