"""Options per language: a quality filter whose thresholds differ for documents of some languages.

FineWeb-2 tunes Gopher, C4 and FineWeb thresholds per language; here that is one option,
``by_language: {fr: {min_words: 30}, de: {…}}``, on the quality filters. A document whose
``meta.language`` (set by the ``language`` step) is listed is judged by a copy of the step built with
those options instead; every other document by the step's own options.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from gristmill.document import Document
from gristmill.errors import ConfigError
from gristmill.steps.base import Filter
from gristmill.steps.options import Help

# A language code as a language step or an input writes one: `fr`, `deu`, FineWeb-2's `rus_Cyrl`.
_CODE = re.compile(r"[a-z]{2,3}(?:[_-][A-Za-z]{2,4})?")

LanguageOptions = dict[str, dict[str, Any]]


class PerLanguageOptions(Filter):
    """A filter that takes ``by_language``: other options for documents of the languages it lists."""

    by_language: Annotated[
        LanguageOptions | None,
        Help(
            "other values of these options for documents of some languages (``{fr: {…}}``), by their"
            " meta.language: the codes of a language step before this one, or the input's own."
        ),
    ] = None

    @classmethod
    def refine_options_schema(cls, properties: dict[str, Any]) -> None:
        """``by_language`` maps a language code to this step's other options, as ``setup`` checks it."""
        others = {name: schema for name, schema in properties.items() if name != "by_language"}
        properties["by_language"] = {
            "description": properties["by_language"].get("description", ""),
            "anyOf": [
                {
                    "type": "object",
                    "propertyNames": {"pattern": f"^{_CODE.pattern}$"},
                    "additionalProperties": {
                        "type": "object",
                        "properties": others,
                        "additionalProperties": False,
                    },
                },
                {"type": "null"},
            ],
            "default": None,
        }

    def setup(self) -> None:
        """Check ``by_language`` and build one variant of this step per listed language.

        A subclass's own ``setup`` calls this last, once its other options are checked.
        """
        from gristmill.steps.registry import build_step

        self._variants: dict[str, Filter] = {}
        for language, overrides in (self.by_language or {}).items():
            # Which codes can match depends on who writes meta.language: the language step's model
            # (checked by the pipeline, `Pipeline.check_language_codes`), or the input's own field.
            if not _CODE.fullmatch(str(language)):
                raise self.fail("by_language", f"expected language codes like 'fr' as keys, got {language!r}")
            if not isinstance(overrides, dict) or "by_language" in overrides:
                raise self.fail("by_language", f"{language}: expected a mapping of this step's other options")
            options = {**self.options(), **overrides, "by_language": None}
            try:
                variant = build_step(self.name, options)
            except ConfigError as exc:
                raise self.fail("by_language", f"{language}: {exc}") from None
            assert isinstance(variant, Filter)
            self._variants[language] = variant

    def for_document(self, doc: Document) -> Filter:
        """The variant whose options apply to ``doc``: its language's, or this step itself."""
        if not self._variants:
            return self
        return self._variants.get(str(doc.meta.get("language")), self)
