"""Per-document steps: filters and transforms. Importing this package registers them."""

from gristmill.steps.base import BarrierStep, Filter, Step, Transform
from gristmill.steps.c4 import C4QualityFilter
from gristmill.steps.fineweb import FineWebQualityFilter
from gristmill.steps.gopher import GopherQualityFilter, GopherRepetitionFilter
from gristmill.steps.length import LengthFilter
from gristmill.steps.meta import MetaFilter
from gristmill.steps.normalize import Normalize
from gristmill.steps.regex import RegexFilter

__all__ = [
    "BarrierStep",
    "C4QualityFilter",
    "Filter",
    "FineWebQualityFilter",
    "GopherQualityFilter",
    "GopherRepetitionFilter",
    "LengthFilter",
    "MetaFilter",
    "Normalize",
    "RegexFilter",
    "Step",
    "Transform",
]
