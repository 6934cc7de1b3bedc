"""Per-document steps: filters and transforms. Importing this package registers them."""

from gristmill.steps.base import BarrierStep, Filter, Step, Transform
from gristmill.steps.length import LengthFilter
from gristmill.steps.meta import MetaFilter
from gristmill.steps.normalize import Normalize
from gristmill.steps.regex import RegexFilter
from gristmill.steps.salad import Salad

__all__ = [
    "BarrierStep",
    "Filter",
    "LengthFilter",
    "MetaFilter",
    "Normalize",
    "RegexFilter",
    "Salad",
    "Step",
    "Transform",
]
