"""The funnel: documents, characters and tokens after each step, as ``stats.json`` counted them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class FunnelRow:
    """One step of the funnel; ``None`` where the run did not count a figure."""

    index: int | None
    name: str
    docs: int
    chars: int
    tokens: int | None
    share: float  # of the documents read, for the bar
    dropped: int
    reasons: list[tuple[str, int]]
    chars_dropped: int
    tokens_dropped: int | None
    created: int
    errors: int  # documents the step set aside in quarantine
    changed: int
    chars_removed: int
    lines_removed: int | None  # None: not counted (a step that extracts text from markup)


def funnel(stats: dict[str, Any]) -> list[FunnelRow]:
    """The rows of the funnel: what came in, then what each step let through and took away."""
    steps: list[dict[str, Any]] = stats.get("steps") or []
    totals = stats.get("totals") or {}
    if not steps:
        return []
    first = steps[0]
    read = _int(first.get("in"))
    top = max(read, max((_int(s.get("out")) for s in steps), default=0), 1)
    rows = [
        FunnelRow(
            None, "in", read, _int(first.get("chars_in")), None, read / top, 0, [], 0, None,
            0, 0, 0, 0, 0,
        )
    ]  # fmt: skip
    for step in steps:
        dropped = step.get("dropped") or {}
        reasons = sorted(((str(k), _int(v)) for k, v in dropped.items()), key=lambda kv: (-kv[1], kv[0]))
        rows.append(
            FunnelRow(
                index=_int(step.get("index")),
                name=str(step.get("name")),
                docs=_int(step.get("out")),
                chars=_int(step.get("chars_out")),
                tokens=_maybe(step.get("tokens_out")),
                share=_int(step.get("out")) / top,
                dropped=sum(count for _, count in reasons),
                reasons=reasons,
                chars_dropped=_int(step.get("chars_dropped")),
                tokens_dropped=_maybe(step.get("tokens_dropped")),
                created=_int(step.get("created")),
                errors=_int(step.get("errors")),
                changed=_int(step.get("changed")),
                chars_removed=_int(step.get("chars_removed")),
                lines_removed=_maybe(step.get("lines_removed")),
            )
        )
    if _int(totals.get("kept")) != rows[-1].docs:  # a stats.json from elsewhere: say what it says
        rows[-1].name += f" (kept: {_int(totals.get('kept')):,})"
    return rows


def has_tokens(rows: list[FunnelRow]) -> bool:
    """Whether the run counted tokens (it had a ``tokenize`` step)."""
    return any(row.tokens is not None or row.tokens_dropped is not None for row in rows)


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _maybe(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
