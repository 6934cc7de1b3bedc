"""The default threshold of `benchmarks/salad.py --fit`: no small kind of held-out genuine page sets it."""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import numpy as np

REPO = Path(__file__).resolve().parents[2]


def _benchmark() -> ModuleType:
    # Loaded by path under its own name: "salad" would clash with this test package.
    sys.path.insert(0, str(REPO / "benchmarks"))
    spec = importlib.util.spec_from_file_location("salad_benchmark", REPO / "benchmarks/salad.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _held(kinds: list[tuple[str, bool]]) -> list[tuple[str, object, None]]:
    return [(kind, SimpleNamespace(stitched=stitched), None) for kind, stitched in kinds]


def test_each_held_out_page_has_its_kind() -> None:
    bench = _benchmark()
    held = _held(
        [("excerpt:base", False), ("family:thread", False), ("family:long", True), ("choppy", False)]
    )
    assert list(bench.threshold_kinds(held)) == ["excerpt", "family", "stitched", "choppy"]


def test_two_high_family_pages_do_not_set_the_threshold() -> None:
    bench = _benchmark()
    rng = np.random.default_rng(0)
    kinds = (
        [("excerpt:base", False)] * 2000
        + [("family:thread", False)] * 150
        + [("choppy", False)] * 180
        + [("whole", False)] * 420
        + [("family:thread", True)] * 150
    )
    scores = np.concatenate(
        [
            rng.uniform(0, 0.9, 2000),
            np.r_[rng.uniform(0, 0.5, 148), 0.995, 0.998],  # two family pages score like salad
            np.full(180, 0.5),
            np.full(420, 0.3),
            np.full(150, 0.99),
        ]
    )
    threshold, per_kind = bench.default_threshold(scores, bench.threshold_kinds(_held(kinds)))
    assert set(per_kind) == {"excerpt", "excerpt+family", "choppy", "whole"}
    assert 0.88 < threshold < 0.92


def test_many_low_family_pages_do_not_lower_the_excerpts_percentile() -> None:
    bench = _benchmark()
    kinds = [("excerpt:base", False)] * 1000 + [("family:long", False)] * 1000
    scores = np.r_[np.linspace(0, 0.95, 1000), np.zeros(1000)]
    threshold, _ = bench.default_threshold(scores, bench.threshold_kinds(_held(kinds)))
    # the excerpts' own 99th percentile (0.9405), not the pooled one (0.931)
    assert threshold >= 0.945
