"""Package attributes imported on first use, so that a run imports only the modules it uses.

A package lists where each public name lives; ``import gristmill`` then costs nothing until a name
is used (the steps a pipeline does not run, with numpy, the token tables and the salad model behind
them, stay unimported).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``homes`` maps each public name to its module."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        setattr(sys.modules[package], name, value)  # the next lookup does not come here
        return value

    return __getattr__
