"""Issue 11's experiment: does a small learned sentence encoder tell "same source" from "same subject"?

A fastText/StarSpace-like encoder: each sentence is a bag of hashed word unigrams and bigrams plus
function-word and punctuation tokens; its vector is the weighted sum of those rows of a table,
normalised (numpy inference, a sum of rows). The table is trained with an InfoNCE loss whose positive is
another sentence of the anchor's document and whose hard negatives are sentences of the anchor's TF-IDF
nearest-neighbour documents (the same-subject case), on tune-half documents only. It is then judged on
sentence pairs of the report half (which shares no document with the tune half) by the AUROC of the
cosine, next to the shipped static word vectors' cosine, for the two cases the salad step must separate:
two sentences of one document vs. one sentence each of two same-subject documents (hard), and vs. two
random documents (easy).

    python benchmarks/salad_encoder.py --steps 3000 --out /tmp/encoder.npz
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gristmill.salad.word_vectors import sentence_vectors
from gristmill.text import hash64
from saladgen import factors
from saladgen.metrics import auroc

REPO = Path(__file__).resolve().parents[1]
DATA = next((p for p in (REPO.parent / "shared/data", REPO.parents[1] / "shared/data") if p.is_dir()), REPO)
BUCKETS = 1 << 16
DIMS = 64
BIGRAMS = True  # --unigrams turns them off: fewer rows to memorise the small tune half with
TOKEN = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")


def features(sentence: str) -> tuple[np.ndarray, np.ndarray]:
    """Hashed buckets of a sentence (unigrams, bigrams, punctuation marks) and their weights."""
    toks = TOKEN.findall(sentence.lower())
    grams = [f"u:{t}" for t in toks]
    if BIGRAMS:
        grams += [f"b:{a} {b}" for a, b in itertools.pairwise(toks)]
    grams = grams or ["u:<empty>"]
    ids = np.array([hash64(g) % BUCKETS for g in grams], dtype=np.int64)
    return ids, np.full(len(ids), 1.0 / np.sqrt(len(ids)), dtype=np.float32)


class Bags:
    """Many sentences' features flattened, for a segment sum over table rows."""

    def __init__(self, feats: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.ids = np.concatenate([f[0] for f in feats])
        self.w = np.concatenate([f[1] for f in feats])
        lengths = np.array([len(f[0]) for f in feats])
        self.starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        self.seg = np.repeat(np.arange(len(feats)), lengths)

    def encode(self, table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unit rows and the raw norms (needed for the gradient)."""
        raw = np.add.reduceat(table[self.ids] * self.w[:, None], self.starts, axis=0)
        norms = np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-9)
        return raw / norms, norms


def _docs(which: str) -> tuple[list[list[str]], list[np.ndarray]]:
    """Every document's sentences and its TF-IDF neighbours (indices into the same flat list)."""
    corpus = factors.Corpus(DATA, which)
    docs: list[list[str]] = []
    near: list[np.ndarray] = []
    for name in factors.POOLS:
        offset = len(docs)
        docs += [s.sentences for s in corpus.pools[name]]
        near += [row[:5] + offset for row in corpus.neighbours[name]]
    return docs, near


def _batch(
    docs: list[list[str]], near: list[np.ndarray], size: int, rng: random.Random
) -> tuple[list[str], list[str], list[str]]:
    """Anchors, positives (same document) and hard negatives (a TF-IDF neighbour document)."""
    anchors, positives, negatives = [], [], []
    for _ in range(size):
        d = rng.randrange(len(docs))
        a, p = rng.sample(range(len(docs[d])), 2)
        n = int(rng.choice(list(near[d])))
        anchors.append(docs[d][a])
        positives.append(docs[d][p])
        negatives.append(rng.choice(docs[n]))
    return anchors, positives, negatives


def train(docs: list[list[str]], near: list[np.ndarray], steps: int, seed: int) -> np.ndarray:
    """The table, by InfoNCE over [in-batch positives; hard negatives] with sparse SGD (Adagrad)."""
    rng = random.Random(seed)
    table = np.random.default_rng(seed).normal(0, 0.1, (BUCKETS, DIMS)).astype(np.float32)
    acc = np.full(BUCKETS, 1e-6, dtype=np.float32)
    tau, lr, size = 0.1, 0.5, 128
    for step in range(steps):
        a_txt, p_txt, n_txt = _batch(docs, near, size, rng)
        bags = [Bags([features(s) for s in txt]) for txt in (a_txt, p_txt, n_txt)]
        (ua, na), (up, np_), (un, nn) = (b.encode(table) for b in bags)
        cand = np.vstack([up, un])
        logits = ua @ cand.T / tau
        logits -= logits.max(axis=1, keepdims=True)
        prob = np.exp(logits)
        prob /= prob.sum(axis=1, keepdims=True)
        loss = -np.log(prob[np.arange(size), np.arange(size)] + 1e-12).mean()
        g = prob.copy()
        g[np.arange(size), np.arange(size)] -= 1.0
        g /= size * tau
        gua = g @ cand
        gcand = g.T @ ua
        grads = [gua, gcand[:size], gcand[size:]]
        rows_all, vals_all = [], []
        for bag, u, norm, gu in zip(bags, (ua, up, un), (na, np_, nn), grads, strict=True):
            gx = (gu - (gu * u).sum(axis=1, keepdims=True) * u) / norm
            rows_all.append(bag.ids)
            vals_all.append(gx[bag.seg] * bag.w[:, None])
        rows = np.concatenate(rows_all)
        uniq, inv = np.unique(rows, return_inverse=True)
        grad = np.zeros((len(uniq), DIMS), dtype=np.float32)
        np.add.at(grad, inv, np.concatenate(vals_all))
        acc[uniq] += (grad * grad).sum(axis=1)
        table[uniq] -= lr * grad / np.sqrt(acc[uniq])[:, None]
        if step % 250 == 0:
            print(f"step {step}: loss {loss:.3f}", flush=True)
    return table


def pairs(
    docs: list[list[str]], near: list[np.ndarray], n: int, seed: int
) -> dict[str, list[tuple[str, str]]]:
    """Sentence pairs of the report half: same document, same subject (neighbour doc), random doc."""
    rng = random.Random(seed)
    out: dict[str, list[tuple[str, str]]] = {"same": [], "subject": [], "random": []}
    for _ in range(n):
        d = rng.randrange(len(docs))
        a, p = rng.sample(range(len(docs[d])), 2)
        out["same"].append((docs[d][a], docs[d][p]))
        out["subject"].append((docs[d][a], rng.choice(docs[int(rng.choice(list(near[d])))])))
        other = rng.randrange(len(docs))
        out["random"].append((docs[d][a], rng.choice(docs[other])))
    return out


def _cosines(encode, pairs_: list[tuple[str, str]]) -> np.ndarray:  # type: ignore[no-untyped-def]
    left = encode([a for a, _ in pairs_])
    right = encode([b for _, b in pairs_])
    return np.asarray((left * right).sum(axis=1))


def main() -> None:
    """Train on the tune half, report AUROC on the report half."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--pairs", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--unigrams", action="store_true", help="no bigram features")
    args = parser.parse_args()
    global BIGRAMS
    BIGRAMS = not args.unigrams
    t0 = time.time()
    tune_docs, tune_near = _docs("tune")
    report_docs, report_near = _docs("report")
    print(f"tune {len(tune_docs)} docs, report {len(report_docs)} docs ({time.time() - t0:.0f}s)")
    table = train(tune_docs, tune_near, args.steps, args.seed)
    print(f"trained in {time.time() - t0:.0f}s")
    if args.out:
        q = np.clip(np.round(table / np.abs(table).max() * 127), -127, 127).astype(np.int8)
        np.savez_compressed(args.out, table=q)
        print(f"table {args.out}: {args.out.stat().st_size / 1e6:.1f} MB (int8)")

    def learned(texts: list[str]) -> np.ndarray:
        return Bags([features(s) for s in texts]).encode(table)[0]

    test = pairs(report_docs, report_near, args.pairs, args.seed + 1)
    for name, encode in (("static word vectors", sentence_vectors), ("learned encoder", learned)):
        same = _cosines(encode, test["same"])
        for neg in ("subject", "random"):
            other = _cosines(encode, test[neg])
            score = auroc(np.concatenate([same, other]), np.r_[np.ones(len(same)), np.zeros(len(other))])
            print(f"{name:20s} same-doc vs {neg:8s} AUROC {score:.3f}")
    both_same = _cosines(sentence_vectors, test["same"]) + _cosines(learned, test["same"])
    both_subj = _cosines(sentence_vectors, test["subject"]) + _cosines(learned, test["subject"])
    labels = np.r_[np.ones(len(both_same)), np.zeros(len(both_subj))]
    score = auroc(np.concatenate([both_same, both_subj]), labels)
    print(f"{'sum of both':20s} same-doc vs subject  AUROC {score:.3f}")


if __name__ == "__main__":
    main()
