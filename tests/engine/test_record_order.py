"""rejected/ and quarantine/ list their records in the order the documents came into the task, whatever a
step holds back: a step that takes in a batch before settling any must not let the records of the steps
upstream of it (or of the reader) overtake its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from gristmill import Pipeline, Step
from tests.engine.faulty import Twins
from tests.engine.holding import DropOn, HoldBack
from tests.helpers import read_all

DOCS = 60
BOOMS = {4, 43}  # the first is settled after the malformed record after 7 is read
BAD_LINES_AFTER = {7, 34, 59}  # a malformed record is read after these documents (inside batches)


def _text(i: int) -> str:
    tags = [
        "UP" if i % 5 == 1 else "",
        "HOLD" if i % 7 == 2 else "",
        "DOWN" if i % 4 == 3 else "",
        "BOOM" if i in BOOMS else "",
    ]
    return f"Document {i}. " + " ".join(t for t in tags if t)


def _corpus(folder: Path) -> Path:
    """Two JSONL files; the first holds malformed records among its documents."""
    folder.mkdir()
    for f in range(2):
        lines = []
        for i in range(DOCS):
            lines.append(orjson.dumps({"id": f"f{f}-{i}", "text": _text(i)}))
            if f == 0 and i in BAD_LINES_AFTER:
                lines.append(b'{"id": "broken", "text": ')
        (folder / f"part-{f}.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return folder


def _run(src: Path, out: Path, steps: list[Step]) -> dict[str, Any]:
    result = Pipeline(input={"path": str(src)}, output={"path": str(out)}, steps=steps, max_errors=0.5).run(
        workers=1
    )
    quarantine = sorted((out / "quarantine").glob("*.jsonl"))
    stats = orjson.loads((out / "stats.json").read_bytes())
    return {
        "totals": result.totals,
        "steps": [{k: v for k, v in s.items() if k != "seconds"} for s in stats["steps"]],
        "kept": [(p.name, p.read_bytes()) for p in sorted((out / "kept").glob("*"))],
        "rejected": [(p.name, p.read_bytes()) for p in sorted((out / "rejected").glob("*"))],
        "quarantine": [(p.name, p.read_bytes()) for p in quarantine],
        "rejected_ids": [d["id"] for d in read_all(out / "rejected")],
        "quarantined": [
            orjson.loads(line)["where"] for p in quarantine for line in p.read_bytes().splitlines()
        ],
    }


def _place(doc_id: str) -> tuple[int, int, int]:
    """Where a document (or its made twin, right after it) came in: file, number, twin or not."""
    file, number = doc_id.removeprefix("f").removesuffix("#twin").split("-")
    return int(file), int(number), doc_id.endswith("#twin")


def _quarantined_in_input_order() -> list[str]:
    """Where each quarantined record came from, in input order: malformed lines and raised-on documents."""
    first: list[tuple[int, str]] = []
    for i in range(DOCS):
        line = i + 1 + sum(b < i for b in BAD_LINES_AFTER)
        if i in BOOMS:
            first.append((line, f"document f0-{i}"))
        if i in BAD_LINES_AFTER:
            first.append((line + 1, f"line {line + 1}"))
    return [where for _, where in first] + [f"document f1-{i}" for i in sorted(BOOMS)]


PIPELINES = {
    # a step upstream rejects, the holding step rejects, a step after it rejects
    "upstream, hold, downstream": lambda size: [
        DropOn(needle="UP"),
        HoldBack(size=size),
        DropOn(needle="DOWN"),
    ],
    # documents the holding step makes itself, dropped by the step after it
    "the holding step makes documents": lambda size: [
        DropOn(needle="UP"),
        HoldBack(size=size, twin=True),
        DropOn(needle="DOWN"),
    ],
    # documents made upstream of the holding step, and two holding steps in a row
    "two holding steps": lambda size: [
        DropOn(needle="UP"),
        Twins(counted=True),
        HoldBack(size=size),
        HoldBack(size=max(1, size - 3), drop="DOWN", boom="never"),
    ],
}


@pytest.mark.parametrize("name", PIPELINES)
def test_records_come_in_input_order_whatever_a_step_holds_back(tmp_path: Path, name: str) -> None:
    src = _corpus(tmp_path / "in")
    one_by_one = _run(src, tmp_path / "one", PIPELINES[name](1))
    batched = _run(src, tmp_path / "batched", PIPELINES[name](8))
    # The promise itself: rejected documents in the order they came in, quarantined records too.
    assert one_by_one["rejected_ids"] == sorted(one_by_one["rejected_ids"], key=_place)
    assert batched["rejected_ids"] == one_by_one["rejected_ids"]
    assert batched["quarantined"] == one_by_one["quarantined"]
    made = [where for where in one_by_one["quarantined"] if not where.endswith("#twin")]
    assert made == _quarantined_in_input_order()
    # Every output byte for byte, and the counts, as with no step holding anything back.
    for key in ("kept", "rejected", "quarantine", "totals", "steps"):
        assert batched[key] == one_by_one[key], key
    assert batched["totals"]["quarantined"] == len(batched["quarantined"]) >= 3 + 2 * len(BOOMS)


def test_a_step_sets_a_document_aside_only_in_a_run() -> None:
    from gristmill import Document
    from gristmill.stats import StepContext, StepStats

    ctx = StepContext(StepStats(0, "test_hold"), lambda doc: None)
    with pytest.raises(ValueError, match="cannot hold x"):
        list(HoldBack(size=4).apply([Document("x", "BOOM")], ctx))
