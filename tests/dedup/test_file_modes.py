"""Every file a dedup run leaves has the mode the user's umask gives any other output."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from gristmill import ExactDedup, MinhashDedup, SpanDedup
from tests.dedup.helpers import random_words, run_pipeline
from tests.helpers import output_mode, write_jsonl


def _modes(folder: Path) -> dict[str, int]:
    files = folder.rglob("*") if folder.exists() else []
    return {str(p.relative_to(folder.parent)): p.stat().st_mode & 0o777 for p in files if p.is_file()}


@pytest.mark.parametrize("make", [MinhashDedup, SpanDedup, ExactDedup], ids=["minhash", "span", "exact"])
def test_a_dedup_run_leaves_no_file_only_its_owner_can_read(tmp_path: Path, make: type) -> None:
    # A corpus is read later by other users and other machines' workers: a file left 0600 by a
    # temporary-file call (the dedup tables, the reference's copies) is one they cannot open.
    rng = random.Random(5)
    texts = [" ".join(random_words(rng, 150)) for _ in range(6)]
    (tmp_path / "ref").mkdir()
    reference = write_jsonl(tmp_path / "ref" / "kept.jsonl", [{"id": "r0", "text": texts[0]}])
    records = [{"id": f"d{i}", "text": t} for i, t in enumerate(texts)] + [{"id": "copy", "text": texts[1]}]
    options = {"reference": {"path": str(reference), "cache": str(tmp_path / "cache")}}
    step = make() if make is SpanDedup else make(**options)
    run_pipeline(tmp_path, records, [step], files=2, workers=1)
    modes = {**_modes(tmp_path / "out"), **_modes(tmp_path / "cache")}
    wrong = {name: oct(mode) for name, mode in modes.items() if mode != output_mode()}
    assert modes and not wrong
