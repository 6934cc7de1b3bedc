"""Score documents with a fastText classifier the user names (a DCLM-style quality model) and filter on it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gristmill.document import Document
from gristmill.errors import ConfigError
from gristmill.steps.base import Step
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


@register("classifier")
class Classifier(Step):
    """Write a fastText model's probability of ``label`` to ``signals.<signal>``; drop below ``threshold``.

    The text goes to the model on one line (line breaks become spaces), as DCLM's quality filter does.
    A dropped document's reason is ``classifier:below_threshold``.

    Options:
        model: path of a fastText model (``.bin``) trained with ``train_supervised``.
        label: the label whose probability is the score, with or without the ``__label__`` prefix.
        signal: the ``signals`` key the score is written to.
        threshold: drop documents scoring below it (a probability in [0, 1]); none keeps every document.
    """

    def __init__(
        self,
        *,
        model: str,
        label: str,
        signal: str = "classifier_score",
        threshold: float | None = None,
    ) -> None:
        self.require_share("threshold", threshold)
        if not signal:
            raise self.fail("signal", "must be a non-empty name")
        self.model = model
        self.label = label
        self.signal = signal
        self.threshold = threshold
        labels = load_model(model, self.name).get_labels()
        if self._full_label not in labels:
            raise self.fail("label", f"{label!r} is not a label of {model} (labels: {labels[:10]})")

    @property
    def _full_label(self) -> str:
        return self.label if self.label.startswith("__label__") else f"__label__{self.label}"

    def score(self, text: str) -> float:
        """Return the model's probability of the label for ``text``."""
        model = load_model(self.model, self.name)
        labels, probabilities = model.predict(" ".join(text.split("\n")), k=-1)
        for label, probability in zip(labels, probabilities, strict=True):
            if label == self._full_label:
                return float(probability)
        return 0.0

    def apply(self, docs: Iterable[Document], ctx: StepContext) -> Iterator[Document]:
        """Yield documents scoring at least ``threshold`` (every document without one)."""
        for doc in docs:
            score = self.score(doc.text)
            doc.signals[self.signal] = round(score, 6)
            if self.threshold is not None and score < self.threshold:
                ctx.reject(doc, f"{self.name}:below_threshold")
            else:
                yield doc
