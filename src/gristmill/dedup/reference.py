"""Deduplicate against a reference: a dataset already kept, whose documents always win.

``exact_dedup: {reference: {path: published/}}`` drops each new document that duplicates a reference
document, with ``meta.duplicate_of`` the reference document's id. The reference's signatures are the
step's own ``sign`` run over it once, as a shard numbered 0: the run's shards move up by one, so in
the barrier's stable order every reference document comes first and is the one a cluster keeps. The
reference is only read, never decided on or written. Building the step lists the reference's files;
its signatures are computed after the run's cheap checks (never in its own output folder), before it
claims its output folder, and cached in a folder keyed by the step's options and the files' sizes and
times, reused by later runs. Signatures are built in a hidden folder beside it, renamed into place
when whole; what a killed build left is removed by a later run that prepares a reference
(``gristmill.cache.sweep``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, TypeVar

import orjson

from gristmill.cache import hold, sweep, user_cache
from gristmill.dedup.work import WEIGHTS_PREFIX
from gristmill.document import Document
from gristmill.errors import BrokenInputError, DamagedRowsError, GristmillError, InputError
from gristmill.io import storage
from gristmill.io.atomic import give_output_mode, write_atomically
from gristmill.io.base import quarantine_damage
from gristmill.stats import StepContext
from gristmill.steps.base import BarrierStep
from gristmill.steps.options import Help

log = logging.getLogger(__name__)

# The file that marks a cache folder complete; the signature files sit beside it.
DONE = "reference.json"
# The lock file a build holds in its hidden folder, and that folder's name: ``.{step}-{key}.{mkdtemp's 8}``.
LOCK = ".lock"
_BUILDING = re.compile(r"\..+-[0-9a-f]{16}\.[a-z0-9_]{8}")
B = TypeVar("B", bound=type[BarrierStep])
Sign = Callable[[Any, Iterable[Document], int, Path], None]


class ReferenceOption:
    """The ``reference`` option of the dedup steps that can deduplicate against a kept dataset."""

    reference: Annotated[
        dict[str, Any] | None,
        Help(
            "a dataset already kept, read as `input:` reads (path, format, text_key, id_key), plus"
            " `cache:` (the folder for its signatures; default ~/.cache/gristmill/reference); new documents"
            " that duplicate one of its documents are dropped with meta.duplicate_of its id."
        ),
    ] = None


@dataclass(frozen=True)
class Reference:
    """A reference's files and the cache folder for its signatures, the files of its shard 0."""

    folder: Path
    files: tuple[tuple[str, str], ...]  # (path, format) of the reference's files, as listed
    spec: Any  # the InputSpec that reads them
    documents: int | None = None  # None until the signatures are found or computed

    @property
    def paths(self) -> tuple[str, ...]:
        """The reference's files."""
        return tuple(path for path, _ in self.files)

    def check_outside(self, step: Any, output: str) -> None:
        """Fail in one line where a reference file lies in the run's output folder ``output``.

        Another run's ``kept/`` is a reference like any dataset; the run's own never is: a rerun would
        drop its documents as duplicates of themselves.
        """
        if storage.is_url(output):
            own = output.rstrip("/") + "/"
            inside = [path for path in self.paths if path.startswith(own)]
        else:
            own = os.path.realpath(output) + os.sep
            inside = [p for p in self.paths if not storage.is_url(p) and os.path.realpath(p).startswith(own)]
        if inside:
            raise step.fail(
                "reference",
                f"{inside[0]!r} lies in the run's output folder {output!r} (a run never reads its output "
                "folder); name another run's output",
            )

    def install(self, work: Path) -> None:
        """Put the reference's signature files into a barrier's work folder (once; atomically)."""
        work.mkdir(parents=True, exist_ok=True)
        for source in sorted(self.folder.iterdir()):
            target = work / source.name
            # A reference document counts as one in the run's clusters: the sizes an earlier run wrote
            # are of its own corpus (and a cache built before they were read holds none).
            if source.name == DONE or source.name.startswith(WEIGHTS_PREFIX) or target.exists():
                continue
            fd, tmp = tempfile.mkstemp(dir=work, prefix=f".{source.name}.")
            give_output_mode(fd)  # later phases read it as they read the run's own signatures
            os.close(fd)
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)


def against_reference(cls: B) -> B:
    """Let a dedup barrier take ``reference``: its signatures join the run's as shard 0, which wins.

    The class declares the option by deriving from :class:`ReferenceOption`; this wraps its
    ``setup`` (the reference's files listed when the step is built), gives it ``prepare_reference``
    (signatures found in the cache or computed, which ``sign`` does first) and wraps its phases
    (the run's shard numbers moved up by one while a reference is set).
    """
    setup, sign, group, link, decide = cls.setup, cls.sign, cls.group, cls.link, cls.decide

    def setup_with_reference(self: Any) -> None:
        setup(self)
        self._reference = listed(self) if self.reference is not None else None

    def prepare_reference(self: Any) -> None:
        if self._reference is not None and self._reference.documents is None:
            self._reference = prepare(self, sign, self._reference)

    def sign_after_reference(self: Any, docs: Iterable[Document], shard: int, work: Path) -> None:
        if self._reference is None:
            return sign(self, docs, shard, work)
        self.prepare_reference()  # a worker's copy of the step: found in the cache the run filled
        self._reference.install(work)
        return sign(self, docs, shard + 1, work)

    def group_with_reference(self: Any, bucket: int, shards: int, work: Path) -> None:
        group(self, bucket, shards + (self._reference is not None), work)

    def link_with_reference(self: Any, shards: int, work: Path) -> None:
        link(self, shards + (self._reference is not None), work)

    def decide_after_reference(
        self: Any, docs: Iterable[Document], shard: int, work: Path, ctx: StepContext
    ) -> Iterator[Document]:
        return decide(self, docs, shard + (self._reference is not None), work, ctx)

    def signed_shards(self: Any, shards: int) -> int:
        return shards + (self._reference is not None)

    cls.setup = setup_with_reference  # type: ignore[method-assign]
    cls.prepare_reference = prepare_reference  # type: ignore[method-assign]
    cls.signed_shards = signed_shards  # type: ignore[method-assign]
    cls.sign = sign_after_reference  # type: ignore[method-assign]
    cls.group = group_with_reference  # type: ignore[method-assign]
    cls.link = link_with_reference  # type: ignore[method-assign]
    cls.decide = decide_after_reference  # type: ignore[method-assign]
    return cls


def listed(step: Any) -> Reference:
    """List the reference's files and name their cache folder; fail in one line on a bad ``reference``."""
    from gristmill.config import input_spec
    from gristmill.io.inputs import PassedOver

    options = dict(step.reference)
    cache = options.pop("cache", None)
    passed = PassedOver()
    try:
        spec = input_spec(options)
        files = spec.files(passed_over=passed)
    except GristmillError as exc:  # a wrong section or a path that matches nothing
        # The section's own messages start "input: " or "input, option …": here it is `reference`.
        raise step.fail("reference", re.sub(r"^input[:,] ", "", str(exc))) from None
    passed.say(f"step {step.name!r}, option 'reference'", "reference")
    if cache is not None and not isinstance(cache, str):
        raise step.fail("reference", f"cache: expected a folder path, got {cache!r}")
    folder = Path(cache or default_cache()).expanduser() / f"{step.name}-{_key(step, options, files)}"
    return Reference(folder, tuple(files), spec)


def prepare(step: Any, sign: Sign, reference: Reference) -> Reference:
    """Find the reference's signatures in the cache, or compute them there with the step's ``sign``."""
    # The half-built signature folders that killed runs left in the cache (of any reference).
    for folder in sweep(reference.folder.parent, _BUILDING, LOCK):
        log.info("reference signatures a killed run left half-built removed: %s", folder)
    done = reference.folder / DONE
    if done.exists():
        summary = orjson.loads(done.read_bytes())
        documents = int(summary["documents"])
        log.info(
            "%s: reference signatures reused from %s (%d documents)", step.name, reference.folder, documents
        )
        if summary.get("unreadable"):  # said again on every run that uses them, not only the first
            log.warning(
                "%s: %d reference record(s) could not be read and are left out (%s)",
                step.name,
                summary["unreadable"],
                reference.folder / DONE,
            )
        return replace(reference, documents=documents)
    return _compute(step, sign, reference)


def default_cache() -> str:
    """The folder reference signatures are cached in when ``cache:`` is not given."""
    if os.environ.get("GRISTMILL_CACHE"):
        return os.environ["GRISTMILL_CACHE"]
    return str(user_cache("reference"))


class _CountingSink:
    """A reader sink for the reference: records that cannot be read are counted and named in the log."""

    def __init__(self) -> None:
        self.quarantined = 0
        self.first = ""

    def quarantine(
        self, path: str, where: str, reason: str, excerpt: bytes | str = b"", records: int = 1
    ) -> None:
        self.quarantined += records
        self.first = self.first or f"{path} {where}: {reason}"

    def progress(self, nbytes: int) -> None:
        pass


def _compute(step: Any, sign: Sign, reference: Reference) -> Reference:
    spec, files, folder = reference.spec, reference.files, reference.folder
    sink = _CountingSink()
    count = 0

    def documents() -> Iterator[Document]:
        nonlocal count
        for path, fmt in files:
            try:
                for doc in spec.reader(fmt).read(path, sink):
                    count += 1
                    yield doc
            # As the run reads a damaged input (engine/tasks.py): the readable records are signed, the
            # damage counted; a DamagedRowsError's rows are counted already. A file that cannot be
            # opened at all fails the run (a wrong reference, not a damaged one).
            except (BrokenInputError, DamagedRowsError) as exc:
                quarantine_damage(sink, path, exc)
            except InputError as exc:  # named as the reference's, not taken for one of the run's inputs
                raise step.fail("reference", str(exc)) from exc

    folder.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    lock = hold(building, LOCK)  # held until the folder is published or removed: see remove_abandoned
    try:
        sign(step, documents(), 0, building)
        if not count and sink.quarantined:  # a wrong text_key, not damage: no reference at all is no dedup
            raise step.fail(
                "reference",
                f"no record of it could be read ({sink.quarantined} unreadable, the first: {sink.first}); "
                "where its records hold their text under another field, name it with text_key in reference:",
            )
        summary = {"documents": count, "files": [p for p, _ in files], "unreadable": sink.quarantined}
        write_atomically(building / DONE, orjson.dumps(summary, option=orjson.OPT_INDENT_2))
    except BaseException:  # an unreadable file or an interrupt: no half-built folder left in the cache
        shutil.rmtree(building, ignore_errors=True)
        os.close(lock)
        raise
    if sink.quarantined:
        log.warning(
            "%s: %d reference record(s) could not be read and are left out (first: %s)",
            step.name,
            sink.quarantined,
            sink.first,
        )
    (building / LOCK).unlink()  # not published: install() copies every file of the folder
    try:
        building.rename(folder)
    except OSError:  # another process published the same signatures first: theirs serve
        shutil.rmtree(building, ignore_errors=True)
    finally:
        os.close(lock)
    log.info("%s: reference signatures of %d documents computed into %s", step.name, count, folder)
    return replace(reference, documents=count)


def _key(step: Any, options: dict[str, Any], files: list[tuple[str, str]]) -> str:
    """Name the signatures by what they depend on: the step's options and the reference files."""
    stamp = []
    for path, _ in files:
        stat = os.stat(path)
        stamp.append((os.path.realpath(path), stat.st_size, stat.st_mtime_ns))
    own = {k: v for k, v in step.options().items() if k != "reference"}
    blob = orjson.dumps([step.name, own, options, stamp], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(blob).hexdigest()[:16]
