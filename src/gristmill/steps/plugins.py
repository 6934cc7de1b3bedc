"""Steps from outside gristmill: modules a pipeline names under ``imports:``, and installed plugins.

A plugin package registers its steps through the ``gristmill.steps`` entry point group, e.g. in its
``pyproject.toml``::

    [project.entry-points."gristmill.steps"]
    url_blocklist = "my_package.steps"          # a module whose @register calls name the steps
    shout = "my_package.steps:ShoutTransform"   # or a Step class, registered under the entry's name
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from gristmill.errors import ConfigError

ENTRY_POINT_GROUP = "gristmill.steps"
_entry_points_loaded = False


def load_entry_point_steps() -> None:
    """Import every installed plugin's steps (once per process)."""
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    from importlib.metadata import entry_points  # scanning installed packages: only when needed

    from gristmill.steps.base import Step
    from gristmill.steps.registry import register

    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = entry.load()
        except Exception as exc:
            raise ConfigError(
                f"plugin {entry.value!r} (entry point {entry.name!r} in {ENTRY_POINT_GROUP!r}) "
                f"failed to import: {type(exc).__name__}: {exc}"
            ) from exc
        if isinstance(loaded, type) and issubclass(loaded, Step) and not loaded.name:
            register(entry.name)(loaded)


def import_step_modules(names: Sequence[str], folder: Path | None = None) -> None:
    """Import the modules a pipeline's ``imports:`` names; ``folder`` (the YAML's) is searched first.

    The folder stays on ``sys.path``, so worker processes, which import the modules again to rebuild
    the steps, find them too.
    """
    if folder is not None and str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    for name in names:
        if not isinstance(name, str) or not name:
            raise ConfigError(f"imports: expected module names such as my_steps, got {name!r}")
        try:
            importlib.import_module(name)
        except ConfigError as exc:  # a step name taken by another class: already one line
            raise ConfigError(f"imports: {name!r}: {exc}") from exc
        except ImportError as exc:
            raise ConfigError(f"imports: cannot import {name!r}: {exc}") from exc
        except Exception as exc:
            raise ConfigError(f"imports: importing {name!r} failed: {type(exc).__name__}: {exc}") from exc
