"""Fitting the boundary model: a one-hidden-layer perceptron trained with Adam, numpy only."""

from __future__ import annotations

import numpy as np

from gristmill.salad.coherence import Perceptron


def fit_perceptron(
    x: np.ndarray,
    y: np.ndarray,
    names: list[str],
    *,
    hidden: int = 24,
    epochs: int = 30,
    rate: float = 0.01,
    l2: float = 1e-4,
    seed: int = 0,
    batch: int = 512,
    weights: np.ndarray | None = None,
) -> Perceptron:
    """Fit a tanh perceptron to the 0/1 targets ``y`` by minibatch Adam on the log-loss.

    ``weights``, when given, weigh each row's loss (scaled to a mean of 1; the default weighs all alike).
    """
    rng = np.random.default_rng(seed)
    means, scales = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - means) / scales
    weight = np.ones(len(z)) if weights is None else weights / weights.mean()
    w1 = rng.normal(0.0, 1.0 / np.sqrt(z.shape[1]), (z.shape[1], hidden))
    params = [w1, np.zeros(hidden), rng.normal(0.0, 1.0 / np.sqrt(hidden), hidden), np.zeros(1)]
    first = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    step = 0
    for _ in range(epochs):
        order = rng.permutation(len(z))
        for start in range(0, len(z), batch):
            rows = order[start : start + batch]
            xb, yb, wb = z[rows], y[rows], weight[rows]
            a, b, c, d = params
            h = np.tanh(xb @ a + b)
            p = 1.0 / (1.0 + np.exp(-np.clip(h @ c + d[0], -30, 30)))
            g = wb * (p - yb) / len(rows)
            gh = np.outer(g, c) * (1 - h**2)
            grads = [xb.T @ gh + l2 * a, gh.sum(axis=0), h.T @ g + l2 * c, np.array([g.sum()])]
            step += 1
            for i, (param, grad) in enumerate(zip(params, grads, strict=True)):
                first[i] = 0.9 * first[i] + 0.1 * grad
                second[i] = 0.999 * second[i] + 0.001 * grad * grad
                param -= rate * (first[i] / (1 - 0.9**step)) / (np.sqrt(second[i] / (1 - 0.999**step)) + 1e-8)
    return Perceptron(names, means, scales, params[0], params[1], params[2], float(params[3][0]))
