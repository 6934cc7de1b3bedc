"""The run's accounting: ``stats.json`` summed from the done-markers, and the checks it must pass."""

from __future__ import annotations

from typing import Any

from gristmill.engine.layout import Layout
from gristmill.engine.plan import Phase
from gristmill.engine.tasks import StageTask
from gristmill.errors import RunFailedError
from gristmill.stats import TaskStats, merge_steps


def collect_stats(
    layout: Layout, phases: list[Phase], shards: int, seconds: float, command_seconds: float
) -> dict[str, Any]:
    """Sum the stats kept in every done-marker into the run's ``stats.json``.

    ``seconds``: wall time of every command that worked on the run; ``command_seconds``: this one's.
    """
    stage_tasks = [t for phase in phases for t in phase.tasks if isinstance(t, StageTask)]
    last_stage = max(t.stage for t in stage_tasks)
    records = [(t, TaskStats.from_dict(layout.read_marker(t.key))) for t in stage_tasks]
    steps = merge_steps(s for _, s in records)
    totals = {
        "read": sum(s.read for t, s in records if t.stage == 0),
        "created": sum(step.created for step in steps),
        "kept": sum(s.kept for t, s in records if t.stage == last_stage),
        "rejected": sum(s.rejected for _, s in records),
        "quarantined": sum(s.quarantined for _, s in records),
    }
    dropped: dict[str, int] = {}
    for step in steps:
        for reason, count in step.dropped.items():
            dropped[reason] = dropped.get(reason, 0) + count
    return {
        "totals": totals,
        "dropped_by_reason": dict(sorted(dropped.items(), key=lambda kv: (-kv[1], kv[0]))),
        "steps": [s.to_dict() for s in steps],
        "shards": shards,
        "errors": [e for _, s in records for e in s.errors],
        "seconds": round(seconds, 3),
        "command_seconds": round(command_seconds, 3),
    }


def check_totals(stats: dict[str, Any], max_errors: float) -> None:
    """Fail when the counted totals do not add up, or steps raised on more than ``max_errors``."""
    totals = stats["totals"]
    came = totals["read"] + totals["created"]
    went = totals["kept"] + totals["rejected"] + totals["quarantined"]
    if came != went:
        raise RunFailedError(
            f"the run's counts do not add up: read {totals['read']:,} + created {totals['created']:,} "
            f"!= kept {totals['kept']:,} + rejected {totals['rejected']:,} "
            f"+ quarantined {totals['quarantined']:,}; see stats.json"
        )
    errors = sum(step["errors"] for step in stats["steps"])
    if errors and errors > max_errors * max(came, 1):
        worst = max(stats["steps"], key=lambda step: step["errors"])
        raise RunFailedError(
            f"steps raised on {errors:,} of {came:,} documents ({errors / max(came, 1):.2%}; "
            f"most in {worst['name']!r}), over max_errors={max_errors}; they are in quarantine/"
        )
