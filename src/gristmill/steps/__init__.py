"""Per-document steps: filters and transforms, each imported when first used (see ``registry``)."""

from typing import TYPE_CHECKING

from gristmill.lazy import lazy_attributes

if TYPE_CHECKING:
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

# Each public name's module, imported when the name is first used.
_HOMES = {
    "BarrierStep": "gristmill.steps.base",
    "BoilerplateLines": "gristmill.steps.boilerplate",
    "C4QualityFilter": "gristmill.steps.c4",
    "Classifier": "gristmill.steps.classifier",
    "ClassifierTop": "gristmill.steps.classifier",
    "Decontaminate": "gristmill.steps.decontaminate",
    "Extract": "gristmill.steps.extract",
    "Filter": "gristmill.steps.base",
    "FineWebQualityFilter": "gristmill.steps.fineweb",
    "GopherQualityFilter": "gristmill.steps.gopher",
    "GopherRepetitionFilter": "gristmill.steps.gopher",
    "Language": "gristmill.steps.language",
    "LengthFilter": "gristmill.steps.length",
    "MetaFilter": "gristmill.steps.meta",
    "Normalize": "gristmill.steps.normalize",
    "PiiRedact": "gristmill.steps.pii",
    "RegexFilter": "gristmill.steps.regex",
    "Salad": "gristmill.steps.salad",
    "Step": "gristmill.steps.base",
    "Tokenize": "gristmill.steps.tokenize",
    "Transform": "gristmill.steps.base",
    "UrlFilter": "gristmill.steps.url",
}
__getattr__ = lazy_attributes(__name__, _HOMES)
