"""gristmill: crawled web data in, clean, deduplicated, attributed text out."""

from gristmill.config import load_pipeline, pipeline_from_dict
from gristmill.dedup import ExactDedup
from gristmill.document import Document
from gristmill.errors import (
    BrokenInputError,
    ConfigError,
    GristmillError,
    InputError,
    OutputError,
    TruncatedInputError,
)
from gristmill.executors import LocalExecutor, RunResult
from gristmill.io import InputSpec, OutputSpec
from gristmill.pipeline import Pipeline
from gristmill.steps import (
    BarrierStep,
    Filter,
    LengthFilter,
    MetaFilter,
    Normalize,
    RegexFilter,
    Salad,
    Step,
    Transform,
)
from gristmill.steps.registry import register

__all__ = [
    "BarrierStep",
    "BrokenInputError",
    "ConfigError",
    "Document",
    "ExactDedup",
    "Filter",
    "GristmillError",
    "InputError",
    "InputSpec",
    "LengthFilter",
    "LocalExecutor",
    "MetaFilter",
    "Normalize",
    "OutputError",
    "OutputSpec",
    "Pipeline",
    "RegexFilter",
    "RunResult",
    "Salad",
    "Step",
    "Transform",
    "TruncatedInputError",
    "load_pipeline",
    "pipeline_from_dict",
    "register",
]
