"""The default score: a learned coherence model over sentence boundaries, then over the page.

Two small logistic models, fitted on CPU by ``python benchmarks/salad.py --fit`` on the tune half of
a broad mix of stitching recipes (``benchmarks/saladgen/factors.py``) and shipped in
``coherence.json``:

- per boundary (:mod:`gristmill.salad.transitions`): the chance that the boundary is a seam between
  two sources, trained on real adjacent sentences against the seams of stitched pages;
- per page: over length-free summaries of those chances (their mean, upper quartile, share above
  one half) and a few page measures (list-like lines, how much more neighbours share than any two
  sentences of the page, how widely the page's commonest terms run), with the assembly cues (orphan
  opening, repeated sentence, furniture inside prose) as features weighed like any other.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gristmill.salad.cuts import BLOCK_NAMES
from gristmill.salad.insertion import Runs, insert_evidence
from gristmill.salad.transitions import ABSOLUTE_COLUMNS


@dataclass
class Logistic:
    """Logistic weights over standardised, named features."""

    names: list[str]
    weights: np.ndarray
    means: np.ndarray
    scales: np.ndarray
    bias: float

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Logistic:
        """Build from ``{"weights": {name: w}, "means": {...}, "scales": {...}, "bias": b}``."""
        weights = dict(data["weights"])  # type: ignore[call-overload]
        means = dict(data["means"])  # type: ignore[call-overload]
        scales = dict(data["scales"])  # type: ignore[call-overload]
        names = list(weights)
        return cls(
            names,
            np.array([weights[k] for k in names], dtype=float),
            np.array([means[k] for k in names], dtype=float),
            np.array([scales[k] for k in names], dtype=float),
            float(data["bias"]),  # type: ignore[arg-type]
        )

    def to_json(self) -> dict[str, object]:
        """The inverse of :meth:`from_json` (values rounded)."""
        return {
            "weights": {k: round(float(v), 4) for k, v in zip(self.names, self.weights, strict=True)},
            "means": {k: round(float(v), 4) for k, v in zip(self.names, self.means, strict=True)},
            "scales": {k: round(float(v), 4) for k, v in zip(self.names, self.scales, strict=True)},
            "bias": round(self.bias, 4),
        }

    def logits(self, rows: np.ndarray) -> np.ndarray:
        """Log-odds for each row of ``rows`` (columns in :attr:`names` order)."""
        return self.bias + ((rows - self.means) / self.scales) @ self.weights

    def probability(self, features: dict[str, float]) -> float:
        """The probability for one named feature dict."""
        z = float(self.logits(np.array([[features[k] for k in self.names]]))[0])
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @classmethod
    def fit(
        cls,
        x: np.ndarray,
        y: np.ndarray,
        names: list[str],
        ridge: float = 1.0,
        weights: np.ndarray | None = None,
    ) -> Logistic:
        """Fit by Newton's method on the L2-penalised log-likelihood, features standardised first.

        ``weights``, when given, weigh each row's term of the likelihood (the default weighs all alike).
        """
        mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
        z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
        weight = np.ones(len(x)) if weights is None else weights
        w = np.zeros(z.shape[1])
        penalty = ridge * np.diag(np.r_[0.0, np.ones(len(names))])
        for _ in range(30):
            p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -30, 30)))
            grad = z.T @ (weight * (p - y)) + penalty @ w
            hess = z.T @ (z * (weight * p * (1 - p))[:, None]) + penalty
            step = np.linalg.solve(hess, grad)
            w -= step
            if np.abs(step).max() < 1e-6:
                break
        return cls(names, w[1:], mean, scale, float(w[0]))


@dataclass
class Perceptron:
    """One hidden layer (tanh) over standardised, named features: the boundary model."""

    names: list[str]
    means: np.ndarray
    scales: np.ndarray
    hidden_weights: np.ndarray  # features x hidden
    hidden_bias: np.ndarray
    out_weights: np.ndarray
    out_bias: float

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Perceptron:
        """Build from the dict :meth:`to_json` writes."""
        return cls(
            list(data["names"]),
            np.array(data["means"], dtype=float),
            np.array(data["scales"], dtype=float),
            np.array(data["hidden_weights"], dtype=float),
            np.array(data["hidden_bias"], dtype=float),
            np.array(data["out_weights"], dtype=float),
            float(data["out_bias"]),
        )

    def to_json(self) -> dict[str, Any]:
        """The weights as plain lists (rounded)."""
        return {
            "names": self.names,
            "means": np.round(self.means, 5).tolist(),
            "scales": np.round(self.scales, 5).tolist(),
            "hidden_weights": np.round(self.hidden_weights, 5).tolist(),
            "hidden_bias": np.round(self.hidden_bias, 5).tolist(),
            "out_weights": np.round(self.out_weights, 5).tolist(),
            "out_bias": round(self.out_bias, 5),
        }

    def logits(self, rows: np.ndarray) -> np.ndarray:
        """Log-odds for each row of ``rows`` (columns in :attr:`names` order)."""
        hidden = np.tanh(((rows - self.means) / self.scales) @ self.hidden_weights + self.hidden_bias)
        return hidden @ self.out_weights + self.out_bias


PAGE_NAMES = (
    "seam_llr",  # the best mixture likelihood ratio of the boundaries: stitched (some seams) vs whole
    "seam_llr_rate",  # the same per boundary
    "seam_max",  # the most seam-like boundary's log-odds
    "seam_mean",
    "seam_upper",  # upper quartile of the boundaries' seam chances
    "seam_share",  # share of boundaries more likely seams than not
    "seam_logit",  # mean log-odds
    "abs_seam_llr",  # seam_llr by the boundary model that reads no page-relative feature
    "abs_seam_mean",
    "abs_seam_logit",
    "order_gain",  # mean word cosine of neighbours less that of any two sentences of the page
    "vec_order_gain",  # the same through word vectors
    "order_z",  # order_gain in standard errors: ~0 for shuffled sentences at any length
    "vec_order_z",
    "near_gain",  # mean word cosine of neighbours less that of sentences 2-3 apart
    "vec_near_gain",
    "best_cut",  # least similarity across a cut of the page in two, over within (log)
    "top_terms_cover",
    "listlike",
    "orphan_opening",
    "furniture_inside_prose",
    *BLOCK_NAMES,  # a sharp cut on a page whose order is otherwise coherent (gristmill.salad.cuts)
)
# A long sentence said twice: the generator of the tune pages never repeats one, while 11% of whole
# web pages do (templates), so a learned weight would read a repeat as a sign of a *genuine* page.
# It stays outside the model, as fixed evidence in step with its base rate (stop 8's weight).
REPEAT_EVIDENCE = 0.3


def page_score(model: Logistic, features: dict[str, float]) -> float:
    """The page model's probability, with a repeated sentence as evidence of assembly."""
    return with_repeat(model.probability(features), features)


def with_repeat(score: float, features: dict[str, float]) -> float:
    """``score`` with a repeated sentence (``features["repeated_sentence"]``) as evidence of assembly."""
    return 1.0 - (1.0 - score) * (1.0 - REPEAT_EVIDENCE * features.get("repeated_sentence", 0.0))


@dataclass
class CoherenceModel:
    """The boundary model, the page model and the default threshold."""

    transition: Perceptron
    absolute: Perceptron  # the same, over the features that are not relative to the page
    page: Logistic
    threshold: float
    seam_rate: float  # share of seams among the boundaries the transition model was fitted on

    @classmethod
    def load(cls, path: Path) -> CoherenceModel:
        """Read the model from its JSON file."""
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            Perceptron.from_json(data["transition"]),
            Perceptron.from_json(data["absolute"]),
            Logistic.from_json(data["page"]),
            data["threshold"],
            data["seam_rate"],
        )

    def seam_chances(self, rows: np.ndarray) -> np.ndarray:
        """The chance that each boundary (a row of transition features) is a seam."""
        return 1.0 / (1.0 + np.exp(-np.clip(self.transition.logits(rows), -30, 30)))

    def summaries(self, rows: np.ndarray, runs: Runs | None = None) -> dict[str, float]:
        """The page model's boundary summaries: :func:`seam_summary` of both boundary models."""
        return boundary_summaries(self.transition, self.absolute, rows, self.seam_rate, runs)


def boundary_summaries(
    transition: Perceptron, absolute: Perceptron, rows: np.ndarray, seam_rate: float, runs: Runs | None = None
) -> dict[str, float]:
    """:func:`seam_summary` of ``transition``'s chances, and three of ``absolute``'s as ``abs_*``.

    With the page's candidate ``runs``, also ``insert_seams``: a short run both of whose ends are
    seams, bridged by its sides (:func:`gristmill.salad.insertion.insert_evidence` on the log-odds).

    Features relative to the page ((x - median) / spread) see a seam as a boundary unlike the page's
    others; on a page of single sentences from pages on one subject every boundary is a seam and
    none stands out. The absolute model never compares a boundary with its page, so it still sees them.
    """
    logits = transition.logits(rows)
    chances = 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))
    out = seam_summary(chances, seam_rate)
    if runs is not None:
        out["insert_seams"] = insert_evidence(logits, runs)
    plain = 1.0 / (1.0 + np.exp(-np.clip(absolute.logits(rows[:, ABSOLUTE_COLUMNS]), -30, 30)))
    other = seam_summary(plain, seam_rate)
    out.update({f"abs_{k}": other[k] for k in ("seam_llr", "seam_mean", "seam_logit")})
    return out


_MIXES = np.array([0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0])


def seam_summary(chances: np.ndarray, seam_rate: float) -> dict[str, float]:
    """Summaries of a page's boundary seam chances.

    ``seam_llr`` treats the boundaries as independent: under "stitched" a share ``m`` of them are
    seams, under "whole" none is; it is the log-likelihood ratio at the best ``m``. A page with one
    sharp seam (blocks) and a page of seams everywhere (shuffled) both score high; it grows with the
    evidence, so a longer stitched page scores higher, not lower.
    """
    if len(chances) == 0:
        return {k: 0.0 for k in PAGE_NAMES[:7]}
    clipped = np.clip(chances, 1e-4, 1 - 1e-4)
    odds = clipped / (1 - clipped)
    ratio = odds / (seam_rate / (1 - seam_rate))  # p(boundary | seam) / p(boundary | not a seam)
    llr = np.log(_MIXES[:, None] * ratio[None, :] + (1 - _MIXES[:, None])).sum(axis=1).max()
    return {
        "seam_llr": float(llr),
        "seam_llr_rate": float(llr / len(chances)),
        "seam_max": float(np.log(odds).max()),
        "seam_mean": float(chances.mean()),
        "seam_upper": float(np.quantile(chances, 0.75)),
        "seam_share": float((chances > 0.5).mean()),
        "seam_logit": float(np.log(odds).mean()),
    }


MODEL_FILE = Path(__file__).with_name("coherence.json")
