"""Per-document steps: filters and transforms. Importing this package registers them."""

from gristmill.steps.base import BarrierStep, Filter, Step, Transform
from gristmill.steps.boilerplate import BoilerplateLines
from gristmill.steps.c4 import C4QualityFilter
from gristmill.steps.classifier import Classifier, ClassifierTop
from gristmill.steps.decontaminate import Decontaminate
from gristmill.steps.extract import Extract
from gristmill.steps.fineweb import FineWebQualityFilter
from gristmill.steps.gopher import GopherQualityFilter, GopherRepetitionFilter
from gristmill.steps.language import Language
from gristmill.steps.length import LengthFilter
from gristmill.steps.meta import MetaFilter
from gristmill.steps.normalize import Normalize
from gristmill.steps.pii import PiiRedact
from gristmill.steps.regex import RegexFilter
from gristmill.steps.salad import Salad
from gristmill.steps.tokenize import Tokenize
from gristmill.steps.url import UrlFilter

__all__ = [
    "BarrierStep",
    "BoilerplateLines",
    "C4QualityFilter",
    "Classifier",
    "ClassifierTop",
    "Decontaminate",
    "Extract",
    "Filter",
    "FineWebQualityFilter",
    "GopherQualityFilter",
    "GopherRepetitionFilter",
    "Language",
    "LengthFilter",
    "MetaFilter",
    "Normalize",
    "PiiRedact",
    "RegexFilter",
    "Salad",
    "Step",
    "Tokenize",
    "Transform",
    "UrlFilter",
]
