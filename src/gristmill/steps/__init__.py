"""Per-document steps: filters and transforms. Importing this package registers them."""

from gristmill.steps.base import BarrierStep, Filter, Step, Transform
from gristmill.steps.extract import Extract
from gristmill.steps.language import Language
from gristmill.steps.length import LengthFilter
from gristmill.steps.meta import MetaFilter
from gristmill.steps.normalize import Normalize
from gristmill.steps.regex import RegexFilter

__all__ = [
    "BarrierStep",
    "Extract",
    "Filter",
    "Language",
    "LengthFilter",
    "MetaFilter",
    "Normalize",
    "RegexFilter",
    "Step",
    "Transform",
]
