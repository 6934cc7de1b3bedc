"""gristmill: crawled web data in, clean, deduplicated, attributed text out."""

from gristmill.config import load_pipeline, pipeline_from_dict
from gristmill.dedup import ExactDedup, MinhashDedup, Provenance, SpanDedup
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
    BoilerplateLines,
    C4QualityFilter,
    Classifier,
    ClassifierTop,
    Decontaminate,
    Extract,
    Filter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
    Language,
    LengthFilter,
    MetaFilter,
    Normalize,
    PiiRedact,
    RegexFilter,
    Salad,
    Step,
    Tokenize,
    Transform,
    UrlFilter,
)
from gristmill.steps.options import Help
from gristmill.steps.registry import register

__all__ = [
    "BarrierStep",
    "BoilerplateLines",
    "BrokenInputError",
    "C4QualityFilter",
    "Classifier",
    "ClassifierTop",
    "ConfigError",
    "Decontaminate",
    "Document",
    "ExactDedup",
    "Extract",
    "Filter",
    "FineWebQualityFilter",
    "GopherQualityFilter",
    "GopherRepetitionFilter",
    "GristmillError",
    "Help",
    "InputError",
    "InputSpec",
    "Language",
    "LengthFilter",
    "LocalExecutor",
    "MetaFilter",
    "MinhashDedup",
    "Normalize",
    "OutputError",
    "OutputSpec",
    "PiiRedact",
    "Pipeline",
    "Provenance",
    "RegexFilter",
    "RunResult",
    "Salad",
    "SpanDedup",
    "Step",
    "Tokenize",
    "Transform",
    "TruncatedInputError",
    "UrlFilter",
    "load_pipeline",
    "pipeline_from_dict",
    "register",
]
