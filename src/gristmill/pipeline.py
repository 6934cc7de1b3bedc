"""A pipeline: input, steps, output; and its split into stages at barrier steps."""

from __future__ import annotations

import difflib
import hashlib
import inspect
import logging
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gristmill.errors import ConfigError
from gristmill.io.inputs import InputSpec, MetaKeyRead
from gristmill.io.outputs import OutputSpec
from gristmill.io.schema import FieldType, Schema
from gristmill.steps.base import BarrierStep, Step

# Input formats whose documents are pages, and what to call them.
_PAGE_FORMATS = {"warc": "WARC records", "html": "HTML files"}
log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from gristmill.engine import RunResult
    from gristmill.engine.progress import ProgressOptions


@dataclass(frozen=True)
class Stage:
    """Steps run shard by shard without a pause; a stage after the first opens with a barrier."""

    index: int
    barrier: BarrierStep | None
    steps: tuple[tuple[int, Step], ...]  # (position in the pipeline, step), barrier included


# The share of documents steps may raise on (each goes to quarantine) before the run counts as failed.
DEFAULT_MAX_ERRORS = 0.01


class Pipeline:
    """Documents from ``input`` through ``steps`` into ``output``; the Python twin of a YAML file.

    A step that raises on a document sends it to ``quarantine/`` and the run goes on; past
    ``max_errors`` (a share of the documents) the run fails.

    >>> Pipeline(input={"path": "crawl/*.jsonl.gz"}, output={"path": "out/"},
    ...          steps=[Normalize(), LengthFilter(min_chars=200)]).run(workers=2)  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        input: InputSpec | dict[str, Any],  # noqa: A002 - the YAML key
        output: OutputSpec | dict[str, Any],
        steps: Sequence[Step] = (),
        max_errors: float = DEFAULT_MAX_ERRORS,
        imports: Sequence[str] = (),
    ) -> None:
        from gristmill.config import input_spec, output_spec

        if (
            isinstance(max_errors, bool)
            or not isinstance(max_errors, int | float)
            or not 0 <= max_errors <= 1
        ):
            raise ConfigError(f"max_errors: a share of documents between 0 and 1, got {max_errors!r}")
        self.max_errors = float(max_errors)
        self.imports = list(imports)  # the modules that register plugin steps, written to pipeline.yaml
        self.input = input if isinstance(input, InputSpec) else input_spec(input)
        self.output = output if isinstance(output, OutputSpec) else output_spec(output)
        for position, step in enumerate(steps):
            if isinstance(step, type) and issubclass(step, Step):
                raise ConfigError(
                    f"steps[{position}] is the class {step.__name__}, not a step: write {step.__name__}()"
                )
            if not isinstance(step, Step):
                raise ConfigError(f"steps[{position}] is a {type(step).__name__}, not a Step")
            if not step.name:  # its counts, reasons and recorded pipeline.yaml need the name it is built by
                raise ConfigError(
                    f"steps[{position}] ({type(step).__name__}) has no name: register it with "
                    '@register("a_name") from gristmill'
                )
        self.steps = list(steps)
        self._check_field_types()
        for position, step, written in self._meta_written_before():
            step.after_steps_writing(written, self.steps[:position])
        for step, after in zip(self.steps, self.steps[1:], strict=False):
            reason = step.why_last()
            if reason is not None:
                raise ConfigError(
                    f"step {step.name!r} must be the last step ({reason}); {after.name!r} comes after it"
                )

    def _check_field_types(self) -> None:
        """Fail in one line where two steps write one ``meta`` or ``signals`` key as different types.

        The later would overwrite the other's value (a classifier whose ``signal`` is ``tokens`` writes a
        probability over tokenize's count); steps that write one key as one type mean the same thing.
        """
        declared: dict[str, tuple[str, str]] = {}  # "signals.key" -> (first step's name, its type)
        for step in self.steps:
            meta, signals = step.output_fields()
            for part, fields in (("meta", meta), ("signals", signals)):
                for key, kind in fields.items():
                    name, first = declared.setdefault(f"{part}.{key}", (step.name, kind))
                    if first != kind:
                        raise ConfigError(
                            f"steps {name!r} and {step.name!r} both write {part}.{key}, as {first} and "
                            f"{kind}: the later would overwrite the other's; name one otherwise (a "
                            "classifier's `signal:`)"
                        )

    def stages(self) -> list[Stage]:
        """Split the steps at each barrier: stage 0 reads the input, each later one opens with a barrier."""
        stages: list[Stage] = []
        current: list[tuple[int, Step]] = []
        barrier: BarrierStep | None = None
        for position, step in enumerate(self.steps):
            if isinstance(step, BarrierStep):
                stages.append(Stage(len(stages), barrier, tuple(current)))
                barrier, current = step, []
            current.append((position, step))
        stages.append(Stage(len(stages), barrier, tuple(current)))
        return stages

    def schema(self, formats: Iterable[str]) -> Schema:
        """The output schema of a run over inputs of ``formats``: what readers and steps declare."""
        empty: dict[str, FieldType] = {}
        readers = [(self.input.meta_fields(fmt), empty) for fmt in sorted(set(formats))]
        return Schema.union([*readers, *(step.output_fields() for step in self.steps)])

    def kept_schema(self, formats: Iterable[str]) -> Schema:
        """The schema of ``kept/``: the run's, with only ``output.fields``; fails naming an unknown field."""
        schema = self.schema(formats)
        fields = self.output.fields
        if fields is None:
            return schema
        known = schema.names()
        for name in fields:
            if name not in known:
                near = difflib.get_close_matches(str(name), known, n=1)
                hint = (
                    f"; did you mean {near[0]!r}?"
                    if near
                    else f"; fields are {known[:4]}, meta.KEY, signals.KEY"
                )
                raise ConfigError(f"output: fields names {name!r}, which this run does not write{hint}")
        return schema.with_fields(fields)

    def meta_keys_read(self) -> list[MetaKeyRead]:
        """Each ``meta`` key a step's option names and no earlier step writes, said as the option sets it.

        An option left at its default is not listed: a pipeline run over corpora with and without URLs
        keeps ``url_field: url``; a name a user set and no document has is a mistake. A dotted path into
        nested meta (``meta_filter``'s ``field: warc.status``) is looked for by its first part, and the
        option is said with its value.

        A quality filter's ``by_language`` reads ``meta.language``: where no step before it writes the key
        (the ``language`` step, missing or after it), the documents must carry it, or the options per
        language change nothing.
        """
        from gristmill.steps.by_language import PerLanguageOptions
        from gristmill.steps.registry import step_options

        named: list[MetaKeyRead] = []
        for position, step, written in self._meta_written_before():
            defaults = {o.name: o.default for o in step_options(type(step))}
            for option, key in step.meta_keys_named().items():
                value = getattr(step, option)
                if value == defaults.get(option):
                    continue
                if key not in written:
                    where = f"step {step.name!r}, option {option!r}"
                    named.append(
                        MetaKeyRead(f"{where}{'' if key == value else f' ({value!r})'} names {key!r}", key)
                    )
            if isinstance(step, PerLanguageOptions) and step.by_language and "language" not in written:
                named.append(self._language_unread(position))
        return named

    def check_language_codes(self) -> None:
        """Fail in one line on a ``by_language`` code that the ``language`` step before it never writes.

        Where ``meta.language`` comes from the input instead (a Dolma or FineWeb-2 field: ``rus``,
        ``rus_Cyrl``), its codes are the input's, and any is taken.
        """
        from gristmill.steps.by_language import PerLanguageOptions
        from gristmill.text.language_codes import LANGUAGE_CODES, code_hint

        for _, step, written in self._meta_written_before():
            if isinstance(step, PerLanguageOptions) and step.by_language and "language" in written:
                for code in step.by_language:
                    if code not in LANGUAGE_CODES:
                        raise step.fail(
                            "by_language",
                            f"{code!r} is no code the language step writes in meta.language; "
                            f"{code_hint(str(code))}",
                        )

    def _meta_written_before(self) -> Iterator[tuple[int, Step, set[str]]]:
        """Each step with its position and the ``meta`` keys the steps before it write."""
        written: set[str] = set()
        for position, step in enumerate(self.steps):
            yield position, step, set(written)
            written.update(step.output_fields()[0])

    def check_references_outside(self, output: str) -> None:
        """Fail in one line where a step's ``reference:`` reads the run's own output folder."""
        for step in self.steps:
            reference = getattr(step, "_reference", None)
            if reference is not None:
                reference.check_outside(step, output)

    def prepare_references(self) -> None:
        """Find or compute every step's ``reference:`` signatures (hours, maybe: after the cheap checks)."""
        for step in self.steps:
            if isinstance(step, BarrierStep):
                step.prepare_reference()

    def _language_unread(self, position: int) -> MetaKeyRead:
        """``by_language`` of ``steps[position]``, which no step before it gives a ``meta.language``."""
        name = self.steps[position].name
        later = [step.name for step in self.steps[position + 1 :] if "language" in step.output_fields()[0]]
        where = (
            f"the {later[0]} step comes after {name}: put it before"
            if later
            else f"no language step comes before {name}: put `- language: {{}}` before it"
        )
        return MetaKeyRead(
            f"step {name!r}, option 'by_language' reads meta.language",
            "language",
            f"{where}, or by_language changes nothing",
        )

    def warn_no_steps(self) -> None:
        """Say in one line when the pipeline has no step: the run copies its input (legitimate, if meant)."""
        if not self.steps:
            log.warning(
                "pipeline: no steps: the run copies its input to kept/ "
                "(`gristmill steps` lists the steps to add under `steps:`)"
            )

    def warn_markup_kept(self, formats: set[str]) -> None:
        """Say in one line when pages (WARC records, HTML files) pass no step that extracts their text."""
        pages = [what for fmt, what in _PAGE_FORMATS.items() if fmt in formats]
        if pages and not any(step.extracts_text for step in self.steps):
            log.warning(
                "input: the %s keep their HTML as their text: no step extracts it "
                "(`- extract: {}` as the first step keeps each page's main text)",
                " and ".join(pages),
            )

    def warn_english_stop_words(self) -> None:
        """Say in one line when ``language`` keeps languages that ``gopher_quality``'s stop words drop.

        Its stop words are English (the paper's): a page in another language holds few of them, and a
        language kept without its own ``stop_words`` or ``min_stop_words`` loses most of its pages.
        """
        kept: list[str] = []
        for step in self.steps:
            if step.name == "language":
                kept = list(getattr(step, "keep", None) or [])
            if step.name != "gopher_quality" or getattr(step, "stop_words", None) is not None:
                continue
            if not getattr(step, "min_stop_words", None):
                continue
            overrides = getattr(step, "by_language", None) or {}
            dropped = [
                code
                for code in kept
                # keep holds the model's codes only (language checks them): English is "en" alone.
                if code != "en" and not {"stop_words", "min_stop_words"} & set(overrides.get(code) or {})
            ]
            if dropped:
                log.warning(
                    "gopher_quality: its stop words are English (the, be, to, of, and, that, have, with), "
                    "and language keeps %s: their pages hold few of them and are dropped as "
                    "gopher_quality:stop_words; give it by_language: {%s: {min_stop_words: 0}} or their "
                    "own stop_words",
                    ", ".join(dropped),
                    dropped[0],
                )
                return  # said once, for the first such step

    def rejected_schema(self, formats: Iterable[str]) -> Schema:
        """The schema of ``rejected/``: every field, and the ``rejected_by`` and ``reason`` of a drop."""
        from gristmill.stats import REJECTED_FIELDS

        return self.schema(formats).with_meta(REJECTED_FIELDS)

    def to_config(self) -> dict[str, Any]:
        """Return the pipeline as the YAML mapping that builds it again."""
        from gristmill.config import spec_to_dict

        config: dict[str, Any] = {"imports": self.imports} if self.imports else {}
        config |= {
            "input": spec_to_dict(self.input),
            "output": spec_to_dict(self.output),
            "steps": [{step.name: step.options()} for step in self.steps],
        }
        if self.max_errors != DEFAULT_MAX_ERRORS:
            config["max_errors"] = self.max_errors
        return config

    def step_code(self) -> dict[str, dict[str, str]]:
        """Each plugin step's source file and a hash of its module's source, by ``steps[i]``.

        gristmill's own steps are left out: a finished run reruns under any version of gristmill.
        """
        code: dict[str, dict[str, str]] = {}
        for position, step in enumerate(self.steps):
            kind = type(step)
            if kind.__module__.split(".")[0] == "gristmill":
                continue
            try:
                # The whole module: a helper the class calls changes what the step does as much. Not
                # for the script that runs the pipeline (__main__): it holds the run's settings too.
                module = sys.modules.get(kind.__module__)
                if module is not None and kind.__module__ != "__main__":
                    source = inspect.getsource(module)
                else:
                    source = inspect.getsource(kind)
                where = inspect.getsourcefile(kind) or kind.__module__
            except (OSError, TypeError):  # defined where no source is kept (a REPL)
                continue
            digest = hashlib.sha256(source.encode()).hexdigest()[:16]
            code[f"steps[{position}]"] = {"step": step.name, "file": where, "sha256": digest}
        return code

    def run(
        self,
        *,
        workers: int = 1,
        executor: str | None = None,
        overwrite: bool = False,
        progress: bool | ProgressOptions | None = None,
        ray_address: str | None = None,
        ray_memory: dict[str, int] | None = None,
    ) -> RunResult:
        """Run the pipeline and return its stats.

        ``progress`` None shows a bar per phase on a terminal and log lines every 30 s elsewhere; True
        forces the bar, False shows nothing, a :class:`ProgressOptions` says exactly what.

        ``executor`` is ``"local"`` (a process pool of ``workers``) or ``"ray"`` (``ray_address``, or a
        local Ray with ``workers`` CPUs); None means Ray when ``ray_address`` or ``ray_memory`` is given,
        else local. Unlike the command, it leaves ``OPENBLAS_NUM_THREADS`` to the caller (docs/python.md).
        """
        on_ray = ray_address is not None or bool(ray_memory)
        if executor is None:
            executor = "ray" if on_ray else "local"
        elif executor == "local" and on_ray:  # never run locally and quietly drop where the user said to run
            raise ConfigError(
                "--ray-address and --ray-memory (ray_address, ray_memory) are options of the Ray executor; "
                "leave out --executor local (executor='local') to run on Ray"
            )
        if executor == "local":
            from gristmill.executors.local import LocalExecutor

            return LocalExecutor(workers=workers, progress=progress).run(self, overwrite=overwrite)
        if executor == "ray":
            from gristmill.executors.ray import RayExecutor

            ray = RayExecutor(workers=workers, address=ray_address, progress=progress, memory=ray_memory)
            return ray.run(self, overwrite=overwrite)
        raise ConfigError(f"unknown executor {executor!r}; executors are ['local', 'ray']")
