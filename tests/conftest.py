from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _shared() -> Path | None:
    for parent in REPO.parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared"
    return None


@pytest.fixture
def shared_dir() -> Path:
    """The shared folder beside the repository (seed page and evaluation data)."""
    found = _shared()
    if found is None:
        pytest.skip("../shared is not present")
    return found


@pytest.fixture
def seed_text(shared_dir: Path) -> str:
    return (shared_dir / "seed" / "000_13132f2b62ae2e4d.txt").read_text(encoding="utf-8")
