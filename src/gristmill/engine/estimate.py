"""The time left to a run: the current phase's ETA plus the phases still planned, at measured costs."""

from __future__ import annotations

from collections.abc import Sequence


def phase_kind(name: str) -> str:
    """A phase's kind by its name: ``steps`` (read or decide, then steps), or the barrier phase."""
    if name.endswith(" sign"):
        return "sign"
    if name.endswith(" group"):
        return "group"
    if " link" in name:
        return "link"
    if " join" in name:  # a barrier's per-shard join passes read tables, not documents
        return "join"
    return "steps"


# Phases that read every document of the stage; the others work on signatures, far fewer bytes.
_READING = ("steps", "sign")


class RunEstimate:
    """The time left to a run: the current phase's ETA plus each planned phase at a measured cost.

    A phase still to come costs its tasks times the seconds per task of the last phase of its kind
    this run ran; a reading phase of a kind not yet run costs what the reading phases did so far (or
    the current one, projected); a group or link phase of a kind not yet run counts as nothing.
    """

    def __init__(self, planned: Sequence[tuple[str, int]]) -> None:
        self._planned = list(planned)  # (name, tasks) per phase, in run order
        self._per_task: dict[str, float] = {}

    def insert(self, index: int, name: str, tasks: int) -> None:
        """A phase planned once the one before it was done, at ``index`` of the run."""
        self._planned.insert(index, (name, tasks))

    def measured(self, name: str, ran: int, seconds: float) -> None:
        """The phase ``name`` ran ``ran`` tasks in ``seconds``."""
        if ran > 0:
            self._per_task[phase_kind(name)] = seconds / ran

    def cost(self, name: str) -> float | None:
        """Seconds per task of a phase named ``name``, as measured on its kind, or None."""
        kind = phase_kind(name)
        return self._per_task.get(kind, self._per_task.get("steps") if kind in _READING else None)

    def remaining(self, index: int, phase_eta: float, per_task: float | None) -> float:
        """Seconds left to the run while phase ``index`` has ``phase_eta`` left at ``per_task`` a task."""
        current = phase_kind(self._planned[index][0]) if index < len(self._planned) else "steps"
        reading = self._per_task.get("steps", per_task if current in _READING else None)
        total = phase_eta
        for name, tasks in self._planned[index + 1 :]:
            kind = phase_kind(name)
            cost = self._per_task.get(kind, reading if kind in _READING else None)
            total += tasks * (cost or 0.0)
        return total
