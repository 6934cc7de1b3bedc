"""gristmill's per-user cache: ``$XDG_CACHE_HOME/gristmill`` (``~/.cache/gristmill`` by default)."""

from __future__ import annotations

import os
from pathlib import Path


def user_cache(name: str) -> Path:
    """The folder ``name`` in gristmill's per-user cache (not created here)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gristmill" / name
