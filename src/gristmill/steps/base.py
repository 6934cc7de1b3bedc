"""The step contract: every step maps an iterator of documents to an iterator of documents.

Subclasses fill in one hook each: a :class:`Filter` writes ``keep``, a :class:`Transform` writes
``transform``, a :class:`BarrierStep` writes its three phases. The pipeline, not the step, routes a
dropped document to the rejected output, counts it and times the step.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from gristmill.document import Document
from gristmill.errors import ConfigError
from gristmill.io.schema import FieldType

if TYPE_CHECKING:
    from gristmill.stats import StepContext


class Step(ABC):
    """A stage of a pipeline; ``name`` is the name it is registered under in YAML."""

    name: ClassVar[str] = ""
    # The keys this step writes into ``meta`` and ``signals``, with their types: the run's output
    # schema is made of them (see ``gristmill.io.schema``); an undeclared key lands in ``meta.extra``.
    meta_fields: ClassVar[Mapping[str, FieldType]] = {}
    signal_fields: ClassVar[Mapping[str, FieldType]] = {}
    # True for a step that turns a page's HTML into its text (a run without one keeps the HTML).
    extracts_text: ClassVar[bool] = False
    # datatrove's names of this step's options, where they differ (its name -> ours): a user porting a
    # datatrove pipeline who writes one is told ours (docs/quality.md lists them).
    datatrove_names: ClassVar[Mapping[str, str]] = {}

    def meta_keys_named(self) -> dict[str, str]:
        """Option -> the top-level ``meta`` key its value names and this step reads (``url_field``).

        A run says in one line when a name set there is on no document, as the step would find it
        nowhere and do nothing. None by default.
        """
        return {}

    def output_fields(self) -> tuple[Mapping[str, FieldType], Mapping[str, FieldType]]:
        """The ``(meta, signals)`` keys this step writes (a step whose keys follow options overrides it)."""
        return self.meta_fields, self.signal_fields

    def __init__(self, *positional: Any, **options: Any) -> None:
        """Build the step from its declared options (see :mod:`gristmill.steps.options`), then ``setup``."""
        from gristmill.steps.options import check_options, step_options

        if positional:  # Python's own message named Step.__init__ and a count, not the options
            names = [o.name for o in step_options(type(self))]
            raise TypeError(
                f"{type(self).__name__} takes its options by name ({', '.join(names)}), not by position"
            )

        for key, value in check_options(type(self), options).items():
            setattr(self, key, value)
        self.setup()

    def setup(self) -> None:  # noqa: B027 - a hook most steps leave empty
        """Check options against each other and prepare what the step needs (nothing by default)."""

    @classmethod  # noqa: B027 - a hook most steps leave empty
    def refine_options_schema(cls, properties: dict[str, Any]) -> None:
        """Say more in the options' JSON Schema than their types do (``properties`` by option name)."""

    def why_last(self) -> str | None:
        """Why, with these options, no step may come after this one (None: any may)."""
        return None

    @abstractmethod
    def apply(self, docs: Iterable[Document], ctx: StepContext) -> Iterator[Document]:
        """Yield the documents that go on; report dropped ones with ``ctx.reject``."""

    def after_steps_writing(  # noqa: B027 - a hook most steps leave empty
        self, meta_keys: set[str], earlier: Sequence[Step] = ()
    ) -> None:
        """Learn the ``meta`` keys the steps before it in its pipeline write, and those steps."""

    def sentence_flags(self, doc: Document, sentences: list[str]) -> dict[int, list[str]]:
        """Say, for ``gristmill inspect``, what this step saw in each sentence (index -> flags)."""
        return {}

    def options(self) -> dict[str, object]:
        """Return the options this step was built with, as YAML would give them."""
        from gristmill.steps.registry import step_options

        return {opt.name: getattr(self, opt.name) for opt in step_options(type(self))}

    def fail(self, option: str, message: str) -> ConfigError:
        """Build the error for a bad ``option``, naming this step."""
        return ConfigError(f"step {self.name!r}, option {option!r}: {message}")

    def require_at_least(self, option: str, value: float, minimum: float) -> None:
        """Fail, naming this step and ``option``, when ``value`` is below ``minimum``."""
        if value < minimum:
            raise self.fail(option, f"must be {minimum} or more, got {value}")

    def require_share(self, option: str, value: float | None) -> None:
        """Fail, naming this step and ``option``, when ``value`` (if set) is not a share in [0, 1]."""
        if value is not None and not 0 <= value <= 1:
            raise self.fail(option, f"must lie between 0 and 1, got {value}")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.options().items())
        return f"{type(self).__name__}({args})"


class Filter(Step):
    """A step that keeps a document or gives the reason to drop it."""

    @abstractmethod
    def keep(self, doc: Document) -> Literal[True] | str:
        """Return ``True`` to keep ``doc``, else the reason (``"min_chars"``) it is dropped."""

    def apply(self, docs: Iterable[Document], ctx: StepContext) -> Iterator[Document]:
        """Yield kept documents; reject the rest as ``"<step>:<reason>"``."""
        for doc in docs:
            verdict, lines = self.for_document(doc).judge(doc)
            if verdict is True or (_numpy_bool(verdict) and verdict):
                if lines:
                    ctx.count_lines(lines)
                yield doc
            elif isinstance(verdict, str) and verdict:
                ctx.reject(doc, f"{self.name}:{verdict}")
            else:  # False or None is datatrove's answer, not ours: say so rather than drop for "False"
                raise TypeError(f"keep() returned {verdict!r}: return True to keep, or a reason")

    def judge(self, doc: Document) -> tuple[Literal[True] | str, Counter[str] | None]:
        """``keep``'s verdict, and the lines each of the filter's line rules removed (None: it names none)."""
        return self.keep(doc), None

    def for_document(self, doc: Document) -> Filter:
        """The filter that judges ``doc``: this one, unless options differ by language (``by_language``)."""
        return self


def _numpy_bool(value: object) -> bool:
    """Whether ``value`` is a numpy boolean (``np.float64(x) > t``), without importing numpy here."""
    dtype = getattr(value, "dtype", None)
    return getattr(dtype, "kind", None) == "b" and getattr(value, "shape", None) == ()


class Transform(Step):
    """A step that changes each document in place and keeps it."""

    @abstractmethod
    def transform(self, doc: Document) -> Document:
        """Return ``doc`` changed; record what changed in ``signals`` or ``meta``."""

    def apply(self, docs: Iterable[Document], ctx: StepContext) -> Iterator[Document]:
        """Yield every document, transformed."""
        for doc in docs:
            yield self.transform(doc)


class BarrierStep(Step):
    """A step that must see the whole corpus before it decides (deduplication).

    It runs in phases, each over files in its own work folder, so any executor can run them:
    ``sign`` once per shard (a map: one file sorted by key, a bucket being a range of keys),
    ``group`` once per bucket (the shuffle: a streaming merge of every shard's run of the range;
    a group task per worker takes a range of buckets),
    then either ``link`` once for the whole corpus (a few bytes per document), ``join`` per part
    of the shards in ``join_passes`` passes, or, with ``finds_clusters``, connected components in
    rounds of per-shard tasks, and ``decide`` once per shard (a map that yields what goes on).
    Memory is bounded by a shard or a group task's window.
    """

    buckets: int = 16
    # Whether ``group`` writes links (:func:`gristmill.dedup.components.save_links`) that the engine
    # joins into clusters in rounds of tasks, instead of calling ``link``; ``decide`` then reads
    # its shard's clusters with :func:`~gristmill.dedup.components.load_clusters`.
    finds_clusters: ClassVar[bool] = False
    # How many passes of ``join`` tasks (a task per part of the shards, every task of a pass done
    # before the next pass starts) the engine runs instead of ``link`` once: each task writes files
    # per shard, so no task holds the corpus, and each ``decide`` reads its shard's files.
    join_passes: ClassVar[int] = 0
    # Whether the step still means something run on one document alone (``gristmill inspect`` runs it).
    runs_alone: ClassVar[bool] = False
    # Whether the step names other documents by id (``duplicate_of``, ``copied_from``): its ``sign``
    # keeps the ids' hashes (``remember_ids``), and the run counts the ids more than one document holds.
    names_documents: ClassVar[bool] = False

    @property
    def counts_earlier_clusters(self) -> bool:
        """Whether a cluster's kept document arriving here stands for the cluster a step before found.

        True for a step that finds clusters after a step of its pipeline that writes
        ``meta.dup_cluster_size`` (``exact_dedup`` then ``minhash_dedup``): its clusters then count what
        each member stood for. Sizes that came with the input are an earlier run's, of its own corpus.
        """
        return bool(getattr(self, "_counts_earlier_clusters", False))

    def after_steps_writing(self, meta_keys: set[str], earlier: Sequence[Step] = ()) -> None:
        """Learn the ``meta`` keys the steps before it in its pipeline write (the pipeline says so)."""
        self._counts_earlier_clusters = self.finds_clusters and "dup_cluster_size" in meta_keys

    def prepare_reference(self) -> None:
        """Find or compute the signatures of the step's ``reference`` dataset, if it has one (once)."""

    def signed_shards(self, shards: int) -> int:
        """How many shards' signatures the work folder holds in a run of ``shards`` (+1 with a reference)."""
        return shards

    @abstractmethod
    def sign(self, docs: Iterable[Document], shard: int, work: Path) -> None:
        """Write the signatures of one shard's documents under ``work``."""

    @abstractmethod
    def group(self, bucket: int, shards: int, work: Path) -> None:
        """Read every shard's signatures of ``bucket`` and write the decisions they imply."""

    def link(self, shards: int, work: Path) -> None:
        """Join what every bucket's ``group`` wrote, once, before any ``decide`` (none by default)."""

    def join(self, step: int, shards: range, total: int, work: Path) -> None:
        """With ``join_passes``: pass ``step`` over ``shards``, a part of the run's ``total`` shards."""

    @abstractmethod
    def decide(
        self, docs: Iterable[Document], shard: int, work: Path, ctx: StepContext
    ) -> Iterator[Document]:
        """Yield the shard's documents that go on; reject the others."""

    def apply(self, docs: Iterable[Document], ctx: StepContext) -> Iterator[Document]:
        """Run the three phases on one in-memory stream (``inspect`` and small tests)."""
        import tempfile

        held = list(docs)
        with tempfile.TemporaryDirectory(prefix="gristmill-barrier-") as tmp:
            work = Path(tmp)
            self.sign(held, 0, work)
            for bucket in range(self.buckets):
                self.group(bucket, 1, work)
            if self.finds_clusters:
                from gristmill.dedup.components import run_all

                run_all(work, self.buckets, 1)
            elif self.join_passes:
                for step in range(self.join_passes):
                    self.join(step, range(1), 1, work)
            else:
                self.link(1, work)
            yield from self.decide(held, 0, work, ctx)
