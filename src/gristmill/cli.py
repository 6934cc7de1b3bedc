"""The ``gristmill`` command. Only this module prints and exits; the API raises."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import click
import orjson
import yaml

from gristmill.config import load_pipeline, pipeline_from_dict
from gristmill.engine import RunResult
from gristmill.engine.layout import recorded_config
from gristmill.engine.progress import ProgressOptions
from gristmill.errors import ConfigError, GristmillError, Interrupted, MissingInputError
from gristmill.pipeline import Pipeline
from gristmill.steps.registry import (
    describe,
    python_name,
    registered_steps,
    step_class,
    step_options,
    type_name,
)

EXIT_RUN_ERRORS = 1  # the run ended, but inputs broke off, documents raised, or the disk filled
EXIT_USAGE = 2  # nothing was run: the command, pipeline, input or output folder needs fixing
# 130 / 143: interrupted by Ctrl-C / SIGTERM (128 + the signal), finished tasks kept
# Any of these set by the user says how many threads OpenBLAS (numpy's) starts; the command keeps it.
_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")


class _Failure(click.ClickException):
    """A gristmill error shown as one line, with the exit code its kind calls for."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click reads it per instance

    def show(self, file: Any = None) -> None:
        # As the run's own log handler writes: with --log-json the line that stops it is a JSON event too.
        handler = next(
            (h for h in logging.getLogger("gristmill").handlers if isinstance(h, _EchoHandler)), None
        )
        _say_error(self.format_message(), as_json=handler is not None and handler.as_json)


def _say_error(message: str, as_json: bool) -> None:
    """Write the line that stops the command: ``gristmill: error: ...``, or a JSON error event."""
    _EchoHandler(as_json).emit(
        logging.makeLogRecord({"levelno": logging.ERROR, "levelname": "ERROR", "msg": message})
    )


class _Gristmill(click.Group):
    """Turns gristmill's exceptions into one-line messages and exit codes, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GristmillError as exc:
            raise _Failure(str(exc), exc.exit_code) from exc
        except KeyboardInterrupt as exc:
            stop = exc if isinstance(exc, Interrupted) else Interrupted()
            raise _Failure(str(stop), stop.exit_code) from exc


def _workers(default: int) -> Any:
    """The ``--workers`` option of ``run`` and ``demo``, with the command's default."""
    return click.option(
        "--workers", "-w", default=default, show_default=True, help="Processes (or Ray CPUs) to run on."
    )


# The ``--progress`` option of ``run`` and ``demo``.
_PROGRESS = click.option(
    "--progress/--no-progress",
    default=None,
    help="A bar per phase (default: on a terminal; log lines elsewhere); --no-progress shows nothing.",
)


@click.group(cls=_Gristmill)
@click.version_option(package_name="gristmill")
def cli() -> None:
    """gristmill: crawled web data in, clean deduplicated attributed text out."""


@cli.command()
@click.argument("pipeline_file", metavar="PIPELINE.yaml", type=click.Path(dir_okay=False))
@_workers(default=1)
@click.option(
    "--executor",
    type=click.Choice(["local", "ray"]),
    default=None,
    help="Where tasks run  [default: local; ray when --ray-address or --ray-memory is given]",
)
@click.option(
    "--ray-address",
    default=None,
    help="A running Ray cluster; implies --executor ray (default: RAY_ADDRESS or a local Ray).",
)
@click.option(
    "--ray-memory",
    multiple=True,
    metavar="KIND=SIZE",
    help="Memory Ray reserves per task of a kind (stage, sign, group, link), e.g. group=4GB.",
)
@click.option("--overwrite", is_flag=True, help="Clear an output folder that holds another run.")
@_PROGRESS
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or log lines.")
@click.option("--log-json", is_flag=True, help="Progress as JSON lines on stderr.")
@click.option(
    "--log-every",
    type=click.FloatRange(min=0.01),
    default=30.0,
    show_default=True,
    help="Seconds between log lines.",
)
def run(
    pipeline_file: str,
    workers: int,
    executor: str | None,
    ray_address: str | None,
    ray_memory: tuple[str, ...],
    overwrite: bool,
    progress: bool | None,
    quiet: bool,
    log_json: bool,
    log_every: float,
) -> None:
    """Run the pipeline in PIPELINE.yaml; a rerun resumes where the last one stopped."""
    _show_step_notes(not quiet, as_json=log_json)
    pipeline = load_pipeline(pipeline_file)
    result = pipeline.run(
        workers=workers,
        executor=executor,
        ray_address=ray_address,
        ray_memory=_memory_sizes(ray_memory) or None,
        overwrite=overwrite,
        progress=ProgressOptions.choose(progress, quiet=quiet, log_json=log_json, every=log_every),
    )
    _finish(result)


_SIZE = re.compile(r"(\w+)=(\d+)\s*([KMGT]?)(?:I?B)?", re.IGNORECASE)
_POWERS = {"": 0, "K": 10, "M": 20, "G": 30, "T": 40}


def _memory_sizes(specs: tuple[str, ...]) -> dict[str, int]:
    """Parse ``KIND=SIZE`` options (``group=4GB``, ``link=512MiB``) into bytes per task kind."""
    sizes: dict[str, int] = {}
    for spec in specs:
        found = _SIZE.fullmatch(spec.strip())
        if found is None:
            raise ConfigError(f"--ray-memory: expected KIND=SIZE such as group=4GB, got {spec!r}")
        kind, number, unit = found.groups()
        sizes[kind] = int(number) << _POWERS[unit.upper()]
    return sizes


def _show_step_notes(shown: bool, as_json: bool = False) -> None:
    """Print what steps log at INFO and up on stderr: ``gristmill: ...`` lines, or JSON events."""
    logger = logging.getLogger("gristmill")
    for handler in [h for h in logger.handlers if isinstance(h, _EchoHandler)]:
        logger.removeHandler(handler)
    logger.addHandler(_EchoHandler(as_json))
    logger.setLevel(logging.INFO if shown else logging.WARNING)


class _EchoHandler(logging.Handler):
    """Writes log records through click, to whatever stderr is at the time.

    As ``gristmill: ...`` lines, or as JSON events (``{"event": "log", "level", "message"}``) beside
    ``--log-json``'s progress events.
    """

    def __init__(self, as_json: bool = False) -> None:
        super().__init__()
        self.as_json = as_json

    def emit(self, record: logging.LogRecord) -> None:
        if self.as_json:
            event = {"event": "log", "level": record.levelname.lower(), "message": record.getMessage()}
            click.echo(orjson.dumps(event).decode(), err=True)
            return
        level = "error: " if record.levelno >= logging.ERROR else ""
        click.echo(f"gristmill: {level}{record.getMessage()}", err=True)


def _finish(result: RunResult) -> None:
    totals = result.totals
    created = f"  created {totals['created']:,}" if totals.get("created") else ""
    click.echo(
        f"read {totals['read']:,}{created}  kept {totals['kept']:,}  rejected {totals['rejected']:,}  "
        f"quarantined {totals['quarantined']:,}  ->  {result.output}"
        + (" (finished before: nothing redone)" if result.tasks_run == 0 else "")
    )
    if totals["quarantined"]:
        click.echo(
            f"{totals['quarantined']:,} quarantined (unreadable records, documents a step raised on): "
            f"see {result.output}/quarantine/"
        )
    click.echo(f"stats: {result.output}/stats.json  report: {result.output}/report.html")
    if result.errors:  # each was logged as an error by the run
        sys.exit(EXIT_RUN_ERRORS)


# `steps` and `schema` take in the steps a pipeline's `imports:` register.
_PIPELINE_IMPORTS = click.option(
    "--pipeline",
    "pipeline_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also take in the steps the modules under this pipeline's `imports:` register.",
)


@cli.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@_PIPELINE_IMPORTS
@click.option(
    "--json", "as_json", is_flag=True, help="Print the steps as JSON, with each option's JSON Schema."
)
def steps(names: tuple[str, ...], pipeline_file: str | None, as_json: bool) -> None:
    """List every step (installed plugins' included), or the steps NAMEd: options, defaults, description."""
    if pipeline_file:
        load_pipeline(pipeline_file)
    chosen = {name: step_class(name) for name in names} or registered_steps()  # an unknown name: one line
    if as_json:
        from gristmill.steps.catalog import describe_steps  # every step's module: not for a run

        described = [step for step in describe_steps() if step["name"] in chosen]
        click.echo(json.dumps(described, indent=2, ensure_ascii=False))
        return
    for name, cls in chosen.items():
        click.echo(f"{name} ({python_name(cls)}): {describe(cls)}")
        for option in step_options(cls):
            default = "required" if option.required else f"default {option.default!r}"
            click.echo(f"    {option.name} ({type_name(option.type)}, {default}): {option.help}")
        click.echo()


@cli.command()
@_PIPELINE_IMPORTS
def schema(pipeline_file: str | None) -> None:
    """Print the JSON Schema of a pipeline file, for editors and checks before a run."""
    if pipeline_file:
        load_pipeline(pipeline_file)
    from gristmill.steps.catalog import pipeline_schema

    click.echo(json.dumps(pipeline_schema(), indent=2, ensure_ascii=False))


@cli.command("inspect")
@click.argument("target", metavar="FILE")
@click.option(
    "--record-id", default=None, help="The WARC record of FILE with this WARC-Record-ID (<urn:uuid:…>)."
)
@click.option(
    "--pipeline",
    "pipeline_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Take the steps from this pipeline (default: for a run's output, that run's; else the demo's).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def inspect_command(target: str, record_id: str | None, pipeline_file: str | None, as_json: bool) -> None:
    """Show one document through the steps, sentence by sentence.

    FILE is a text or HTML file; FILE.warc.gz#N (the N-th document record, from 0) or FILE.warc.gz with
    --record-id; out/kept/00000.jsonl.zst#ID (a document of a JSONL or Parquet file, by id); or - (stdin).
    """
    from gristmill.inspect import format_inspection, inspect_document, read_target

    run = None if pipeline_file or target == "-" else _run_holding(target)
    if pipeline_file:
        pipeline = load_pipeline(pipeline_file)
    elif run is not None:  # a document of a run's output: through that run's own steps
        try:
            pipeline = load_pipeline(str(run / "pipeline.yaml"))
        except ConfigError as exc:  # its plugins (imports:) live beside the pipeline file, not the run
            raise ConfigError(
                f"{exc}; inspect takes the steps of {run}: pass --pipeline with its file"
            ) from exc
    else:
        pipeline = demo_pipeline("out/demo")
    _show_step_notes(False)  # a repeated id's note, a step's warning
    stdin = sys.stdin.buffer.read() if target == "-" else b""
    result = inspect_document(read_target(target, record_id=record_id, stdin=stdin), pipeline.steps)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(format_inspection(result))


def _run_holding(target: str) -> Path | None:
    """The output folder of the run whose file ``target`` (``FILE`` or ``FILE#ID``) is, if it is one's."""
    path = Path(target).resolve() if Path(target).exists() else Path(target.rsplit("#", 1)[0]).resolve()
    for folder in path.parents:
        if (folder / "_state" / "pipeline.json").is_file() and (folder / "pipeline.yaml").is_file():
            return folder
    return None


@cli.command()
@click.argument("output", type=click.Path(file_okay=False))
def report(output: str) -> None:
    """Write OUTPUT/report.html from the run in OUTPUT."""
    # Imported here: every worker process of a run imports this module again (the console script is
    # its __main__), and the report (jinja2 with it) is written once, by the run's own process.
    from gristmill.report import write_report

    if "://" in output:
        raise MissingInputError(
            f"{output}: gristmill report reads a local run folder; a run on object storage writes its "
            "report beside its outputs (report.html there)"
        )
    click.echo(write_report(output))


@cli.command()
@click.option("--out", default="out/demo", show_default=True, help="Output folder.")
@_workers(default=2)
@_PROGRESS
@click.option(
    "--overwrite", is_flag=True, help="Clear an output folder that holds other files or another run."
)
def demo(out: str, workers: int, progress: bool | None, overwrite: bool) -> None:
    """Run the bundled demo pipeline on the bundled sample data (the seed page included).

    An earlier demo's run in OUT is replaced; other files or another pipeline's run there are refused.
    """
    _show_step_notes(False)
    pipeline = demo_pipeline(out)
    overwrite = overwrite or _holds_a_demo_run(Path(out), pipeline)
    result = pipeline.run(workers=workers, overwrite=overwrite, progress=progress)
    mark_demo_run(Path(out))
    _finish(result)


# Where demo.yaml's input paths start: the samples folder, from the repository root.
_DEMO_SAMPLES = "src/gristmill/samples"


def demo_pipeline(out: str) -> Pipeline:
    """Return the bundled demo pipeline, reading the bundled samples and writing to ``out``."""
    samples, data = _demo_yaml()
    # demo.yaml names the samples as seen from the repository root; the installed copy is elsewhere.
    data["input"]["path"] = [str(samples / Path(p).relative_to(_DEMO_SAMPLES)) for p in data["input"]["path"]]
    data["output"]["path"] = out
    return pipeline_from_dict(data, source="demo.yaml")


def _demo_yaml() -> tuple[Path, dict[str, Any]]:
    samples = Path(str(resources.files("gristmill") / "samples"))
    return samples, yaml.safe_load((samples / "demo.yaml").read_text(encoding="utf-8"))


# Written into a run's _state/ by the demo command, so that a later demo knows the run for its own.
_DEMO_MARK = "demo.json"


def mark_demo_run(folder: Path) -> None:
    """Mark the run in ``folder`` as the demo command's (a later demo may replace it, whatever its steps)."""
    state = folder / "_state"
    if (state / "pipeline.json").is_file():
        (state / _DEMO_MARK).write_bytes(orjson.dumps({"made_by": "gristmill demo"}))


def _holds_a_demo_run(folder: Path, pipeline: Pipeline) -> bool:
    """Whether ``folder`` holds the demo's run: of the demo's samples, made by the demo or with its steps.

    The demo replaces such a run by itself, as ``make demo`` run twice, or after an update, asks; a run of
    the samples with other steps (an edited copy of demo.yaml) is a user's, and is refused as any other.
    """
    try:
        config = orjson.loads((folder / "_state" / "pipeline.json").read_bytes())
        paths = config["input"]["path"]
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        return False
    read = paths if isinstance(paths, list) else [paths]
    if {_sample_name(str(p)) for p in read} != {_sample_name(p) for p in _demo_yaml()[1]["input"]["path"]}:
        return False
    now = recorded_config(pipeline.to_config())
    if config == now:
        return False  # this very run: the engine resumes it (or finds it done), nothing to replace
    marked = (folder / "_state" / _DEMO_MARK).is_file()
    return marked or _but_paths(config) == _but_paths(now)


def _but_paths(config: dict[str, Any]) -> dict[str, Any]:
    """A recorded pipeline without its input and output paths (the samples are found by name)."""
    parts = orjson.loads(orjson.dumps(config))  # a copy to change
    for section in ("input", "output"):
        if isinstance(parts.get(section), dict):
            parts[section].pop("path", None)
    return parts


def _sample_name(path: str) -> str | None:
    """``seed`` for …/gristmill/samples/seed/, wherever gristmill is (a checkout, an install); else None."""
    parts = Path(path).parts
    for end in range(len(parts), 1, -1):
        if parts[end - 2 : end] == ("gristmill", "samples"):
            return "/".join(parts[end:])
    return None


def _one_blas_thread() -> None:
    """Have numpy's OpenBLAS start no thread pool, in this process and the workers it starts.

    OpenBLAS starts a spinning thread per core when numpy loads (0.07 CPU-s per process on two
    cores, more on more); gristmill's matrix products are small, and parallel by worker processes.
    """
    if not any(name in os.environ for name in _BLAS_THREADS):
        os.environ["OPENBLAS_NUM_THREADS"] = "1"


def main() -> None:
    """Entry point of the ``gristmill`` console script: a usage mistake is one line too, exit 2."""
    _one_blas_thread()
    args = sys.argv[1:]
    try:
        code = cli.main(args, prog_name="gristmill", standalone_mode=False)
    except click.UsageError as exc:
        where = f"gristmill {exc.ctx.info_name} --help" if exc.ctx and exc.ctx.parent else "gristmill --help"
        # Parsing stopped before --log-json took effect: it is looked for among run's own words.
        options = args[: args.index("--")] if "--" in args else args
        as_json = exc.ctx is not None and exc.ctx.command is run and "--log-json" in options
        _say_error(f"{exc.format_message()} (see `{where}`)", as_json)
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo(f"gristmill: error: {Interrupted()}", err=True)
        sys.exit(Interrupted().exit_code)
    sys.exit(code if isinstance(code, int) else 0)
