"""Score documents with a fastText classifier the user names (a DCLM-style quality model) and filter on it."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import orjson

from gristmill.dedup.work import load_tables, save_table
from gristmill.document import Document
from gristmill.errors import ConfigError
from gristmill.io.atomic import write_atomically
from gristmill.io.schema import FieldType
from gristmill.steps.base import BarrierStep, Step
from gristmill.steps.options import Help
from gristmill.steps.registry import register

if TYPE_CHECKING:
    from gristmill.stats import StepContext

# One model per worker process and file: a quality model is often hundreds of megabytes.
_MODELS: dict[str, Any] = {}


def load_model(path: str, step: str) -> Any:
    """Return the fastText model saved at ``path``, loaded once per process."""
    if path not in _MODELS:
        try:
            import fasttext
        except ImportError:
            raise ConfigError(f"step {step!r} needs fastText: pip install 'gristmill[classifier]'") from None
        if not Path(path).is_file():
            raise ConfigError(f"step {step!r}, option 'model': no file {path!r}")
        try:
            _MODELS[path] = fasttext.load_model(path)
        except (ValueError, RuntimeError, MemoryError) as exc:
            detail = " ".join(str(exc).split())[:200]
            raise ConfigError(
                f"step {step!r}, option 'model': {path}: not a fastText model: {detail}"
            ) from None
    return _MODELS[path]


def full_label(label: str) -> str:
    """Return ``label`` with fastText's ``__label__`` prefix."""
    return label if label.startswith("__label__") else f"__label__{label}"


def check_label(step: Step, model: str, label: str) -> None:
    """Load ``model`` for ``step`` and fail, naming the step, when it has no ``label``."""
    labels = load_model(model, step.name).get_labels()
    if full_label(label) not in labels:
        raise step.fail("label", f"{label!r} is not a label of {model} (labels: {labels[:10]})")


def probability(model: Any, label: str, text: str) -> float:
    """Return ``model``'s probability of ``label`` for ``text``, given on one line (0 if unranked)."""
    wanted = full_label(label)
    labels, probabilities = model.predict(" ".join(text.split("\n")), k=-1)
    for name, value in zip(labels, probabilities, strict=True):
        if name == wanted:
            return float(value)
    return 0.0


class FastTextOptions:
    """The options naming a fastText model and the label it scores, shared by the classifier steps."""

    model: Annotated[str, Help("path of a fastText model (``.bin``) trained with ``train_supervised``.")]
    label: Annotated[
        str, Help("the label whose probability is the score, with or without the ``__label__`` prefix.")
    ]
    signal: Annotated[str, Help("the ``signals`` key the score is written to.", min_length=1)] = (
        "classifier_score"
    )


@register("classifier")
class Classifier(FastTextOptions, Step):
    """Write a fastText model's probability of ``label`` to ``signals.<signal>``; drop below ``threshold``.

    The text goes to the model on one line (line breaks become spaces), as DCLM's quality filter does.
    A dropped document's reason is ``classifier:below_threshold``.
    """

    threshold: (
        Annotated[
            float,
            Help(
                "drop documents scoring below it (a probability in [0, 1]); none keeps every document.",
                ge=0,
                le=1,
            ),
        ]
        | None
    ) = None

    def output_fields(self) -> tuple[Mapping[str, FieldType], Mapping[str, FieldType]]:
        """The score, under the signal name this step was given."""
        return {}, {self.signal: "float"}

    def setup(self) -> None:
        check_label(self, self.model, self.label)

    def score(self, text: str) -> float:
        """Return the model's probability of the label for ``text``."""
        return probability(load_model(self.model, self.name), self.label, text)

    def apply(self, docs: Iterable[Document], ctx: StepContext) -> Iterator[Document]:
        """Yield documents scoring at least ``threshold`` (every document without one)."""
        for doc in docs:
            score = self.score(doc.text)
            doc.signals[self.signal] = round(score, 6)
            if self.threshold is not None and score < self.threshold:
                ctx.reject(doc, f"{self.name}:below_threshold")
            else:
                yield doc


@register("classifier_top")
class ClassifierTop(FastTextOptions, BarrierStep):
    """Keep the ``keep_top`` share of the whole run that a fastText model scores highest (DCLM's filter).

    A barrier: every shard is scored first (``sign``), the run's cut-off score is found once (``group``),
    then each shard keeps its documents scoring at least that (``decide``); ties at the cut-off are all
    kept. Each document's score goes to ``signals.<signal>``; a dropped one's reason is
    ``classifier_top:below_top``. The cut-off is in ``_work/barrier<N>/cutoff.json``.
    """

    def output_fields(self) -> tuple[Mapping[str, FieldType], Mapping[str, FieldType]]:
        """The score, under the signal name this step was given."""
        return {}, {self.signal: "float"}

    buckets = 1  # one cut-off for the whole run; ``group`` holds 8 bytes a document

    keep_top: Annotated[
        float, Help("the share of the run's documents to keep, in (0, 1] (DCLM keeps about 0.1).", gt=0, le=1)
    ]

    def setup(self) -> None:
        check_label(self, self.model, self.label)

    def sign(self, docs: Iterable[Document], shard: int, work: Path) -> None:
        """Score the shard's documents, in order."""
        model = load_model(self.model, self.name)
        scores = np.fromiter((probability(model, self.label, d.text) for d in docs), dtype="<f8")
        save_table(work / f"scores-{shard:05d}.npy", scores)

    def group(self, bucket: int, shards: int, work: Path) -> None:
        """Find the score the best ``keep_top`` share of the run reaches."""
        scores = load_tables((work / f"scores-{s:05d}.npy" for s in range(shards)), np.dtype("<f8"))
        keep = max(1, math.ceil(self.keep_top * len(scores)))
        cutoff = float(np.sort(scores)[::-1][keep - 1]) if len(scores) else 0.0
        write_atomically(work / "cutoff.json", orjson.dumps({"cutoff": cutoff, "documents": len(scores)}))

    def decide(
        self, docs: Iterable[Document], shard: int, work: Path, ctx: StepContext
    ) -> Iterator[Document]:
        """Keep the shard's documents scoring at least the run's cut-off."""
        cutoff = orjson.loads((work / "cutoff.json").read_bytes())["cutoff"]
        scores = np.load(work / f"scores-{shard:05d}.npy")
        for pos, doc in enumerate(docs):
            score = float(scores[pos])
            doc.signals[self.signal] = round(score, 6)
            if score >= cutoff:
                yield doc
            else:
                ctx.reject(doc, f"{self.name}:below_top")
