"""gristmill: crawled web data in, clean, deduplicated, attributed text out."""

from typing import TYPE_CHECKING

from gristmill.document import Document
from gristmill.errors import (
    BrokenInputError,
    ConfigError,
    DamagedInputError,
    DamagedRowsError,
    GristmillError,
    InputError,
    OutputError,
    TruncatedInputError,
)
from gristmill.lazy import lazy_attributes

if TYPE_CHECKING:
    from gristmill.config import load_pipeline, pipeline_from_dict
    from gristmill.dedup import ExactDedup, MinhashDedup, Provenance, SpanDedup
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
    "DamagedInputError",
    "DamagedRowsError",
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

# Each public name's module, imported when the name is first used.
_HOMES = {
    "BarrierStep": "gristmill.steps",
    "BoilerplateLines": "gristmill.steps",
    "C4QualityFilter": "gristmill.steps",
    "Classifier": "gristmill.steps",
    "ClassifierTop": "gristmill.steps",
    "Decontaminate": "gristmill.steps",
    "ExactDedup": "gristmill.dedup",
    "Extract": "gristmill.steps",
    "Filter": "gristmill.steps",
    "FineWebQualityFilter": "gristmill.steps",
    "GopherQualityFilter": "gristmill.steps",
    "GopherRepetitionFilter": "gristmill.steps",
    "Help": "gristmill.steps.options",
    "InputSpec": "gristmill.io",
    "Language": "gristmill.steps",
    "LengthFilter": "gristmill.steps",
    "LocalExecutor": "gristmill.executors",
    "MetaFilter": "gristmill.steps",
    "MinhashDedup": "gristmill.dedup",
    "Normalize": "gristmill.steps",
    "OutputSpec": "gristmill.io",
    "PiiRedact": "gristmill.steps",
    "Pipeline": "gristmill.pipeline",
    "Provenance": "gristmill.dedup",
    "RegexFilter": "gristmill.steps",
    "RunResult": "gristmill.executors",
    "Salad": "gristmill.steps",
    "SpanDedup": "gristmill.dedup",
    "Step": "gristmill.steps",
    "Tokenize": "gristmill.steps",
    "Transform": "gristmill.steps",
    "UrlFilter": "gristmill.steps",
    "load_pipeline": "gristmill.config",
    "pipeline_from_dict": "gristmill.config",
    "register": "gristmill.steps.registry",
}
__getattr__ = lazy_attributes(__name__, _HOMES)
