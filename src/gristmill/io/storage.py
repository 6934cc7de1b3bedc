"""Files behind a URL (``s3://``, ``gs://``, ``hf://``, any fsspec protocol) or a local path, one seam.

Local paths (and ``file://`` URLs) keep Python's own file calls: no fsspec on the fast path. A URL
goes through fsspec with the ``storage_options`` the pipeline gave for it (registered by prefix) plus
whatever its backend reads from the environment (``AWS_*``, ``~/.aws``, ``GOOGLE_*``, ``HF_TOKEN``).
Every backend error becomes one line naming the URL: ``StorageError`` here, which callers turn into
the input or output error they report.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from typing import Any, BinaryIO

from gristmill.errors import ConfigError

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")
# A scheme without its "//" ("s3:/bucket", "s3:bucket"): at least two letters, so "C:/data" is a path.
_SCHEME_WITHOUT_SLASHES = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]+):(?!//)")
# The extra that installs each protocol's backend, for the one-line message when it is missing.
_EXTRAS = {"s3": "s3", "s3a": "s3"}
_OPTIONS: dict[str, dict[str, Any]] = {}  # URL prefix -> storage_options, longest prefix wins


class StorageError(Exception):
    """An object store refused or failed a call; the message is one line naming the URL."""

    def __init__(self, message: str, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing  # the object, prefix or bucket does not exist


def is_url(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a remote object (a URL with a scheme other than ``file``)."""
    found = _SCHEME.match(os.fspath(path))
    return found is not None and found.group(1).lower() not in ("file", "local")


def mistyped_url_scheme(path: str) -> str | None:
    """The fsspec protocol ``path`` names without its "//" ("s3:/bucket/out"), or None.

    Such a path would otherwise be a local folder named "s3:", written without a word.
    """
    found = _SCHEME_WITHOUT_SLASHES.match(path)
    if found is None:
        return None
    from fsspec.registry import known_implementations

    return found.group(1) if found.group(1).lower() in known_implementations else None


def local_path(path: str | os.PathLike[str]) -> str:
    """A local path for ``path``: ``file://`` URLs lose their scheme, other paths stay as they are."""
    text = os.fspath(path)
    found = _SCHEME.match(text)
    if found is not None and found.group(1).lower() in ("file", "local"):
        return text[found.end() :]
    return text


def register(prefix: str, options: dict[str, Any] | None) -> None:
    """Use ``options`` (fsspec ``storage_options``) for every URL under ``prefix``."""
    if options and is_url(prefix):
        _OPTIONS[_glob_root(prefix)] = dict(options)


def _glob_root(pattern: str) -> str:
    """The part of a URL pattern before its first wildcard."""
    cut = min((i for i in (pattern.find(c) for c in "*?[") if i >= 0), default=len(pattern))
    return pattern[:cut]


def _options_for(url: str) -> dict[str, Any]:
    best = max((p for p in _OPTIONS if url.startswith(p)), key=len, default=None)
    return _OPTIONS[best] if best is not None else {}


def filesystem(url: str) -> tuple[Any, str]:
    """The fsspec file system for ``url`` and the path inside it."""
    import fsspec

    try:
        return fsspec.core.url_to_fs(url, **_options_for(url))
    except ImportError as exc:
        scheme = url.split("://", 1)[0].lower()
        extra = _EXTRAS.get(scheme)
        hint = f"pip install 'gristmill[{extra}]'" if extra else f"install fsspec's backend for {scheme}://"
        raise ConfigError(f"{url}: {scheme}:// needs a package that is missing ({exc}); {hint}") from exc
    except ValueError as exc:
        raise ConfigError(f"{url}: {exc}") from exc


def wrapped(url: str, exc: BaseException) -> StorageError:
    """One line for what a backend raised on ``url``."""
    if isinstance(exc, StorageError):
        return exc
    missing = isinstance(exc, FileNotFoundError)
    detail = "no such object, prefix or bucket" if missing else _one_line(exc)
    return StorageError(f"{url}: {detail}", missing=missing)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:299] + "…"


def open_read(path: str) -> BinaryIO:
    """Open a local file or an object for reading bytes (seekable)."""
    if not is_url(path):
        return open(local_path(path), "rb")
    fs, inner = filesystem(path)
    try:
        handle: BinaryIO = fs.open(inner, "rb")
    except Exception as exc:
        raise wrapped(path, exc) from exc
    return handle


@dataclass(frozen=True)
class ObjectState:
    """What an object store says about one object: its size and a version tag (ETag or modified time)."""

    size: int
    version: str


def object_state(url: str, fresh: bool = False) -> ObjectState:
    """The size and version tag of the object at ``url`` (``fresh``: asked of the store, not a listing)."""
    fs, inner = filesystem(url)
    try:
        if fresh and _takes_refresh(fs):
            info = fs.info(inner, refresh=True)  # one request; the folder's cached listing stays
        else:
            if fresh:
                # Another backend may answer from its cached listing: drop it (its later reads list again).
                fs.invalidate_cache(inner)
            info = fs.info(inner)
    except Exception as exc:
        raise wrapped(url, exc) from exc
    version = info.get("ETag") or info.get("etag") or info.get("LastModified") or info.get("mtime") or ""
    return ObjectState(int(info.get("size") or 0), str(version).strip('"'))


def _takes_refresh(fs: Any) -> bool:
    """Whether ``fs.info`` asks the store afresh when given ``refresh=True`` (s3fs does)."""
    return _class_takes_refresh(fs.__class__)


@functools.cache
def _class_takes_refresh(cls: Any) -> bool:
    # Read once per backend class: every object a run checks asked inspect.signature again.
    import inspect

    # An async backend's info() is a wrapper taking **kwargs; its _info() names what it reads.
    method = getattr(cls, "_info", None) or cls.info
    try:
        return "refresh" in inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False


def read_range(url: str, start: int, end: int) -> bytes:
    """The bytes ``start:end`` of the object at ``url``."""
    fs, inner = filesystem(url)
    try:
        data: bytes = fs.cat_file(inner, start=start, end=end)
    except Exception as exc:
        raise wrapped(url, exc) from exc
    return data


def expand(pattern: str) -> list[str]:
    """Every object a URL, URL prefix ("folder") or glob names, as full URLs, sorted; [] when none."""
    fs, inner = filesystem(pattern)
    try:
        if _glob_root(pattern) != pattern:
            found = [p for p, info in fs.glob(inner, detail=True).items() if info.get("type") != "directory"]
        elif fs.isdir(inner):
            found = list(fs.find(inner))
        else:
            found = [inner] if fs.exists(inner) else []
    except FileNotFoundError:
        return []
    except Exception as exc:
        raise wrapped(pattern, exc) from exc
    return sorted(fs.unstrip_protocol(p) for p in found)


class RemoteFolder:
    """A folder on an object store (a run's output): objects read, published, listed and removed by name."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.fs, self.path = filesystem(self.url)
        self.path = self.path.rstrip("/")

    def url_of(self, rel: str) -> str:
        """The URL of the object ``rel`` (a ``/``-separated name under the folder)."""
        return f"{self.url}/{rel}" if rel else self.url

    def _inner(self, rel: str) -> str:
        return f"{self.path}/{rel}" if rel else self.path

    def listing(self, rel: str = "") -> dict[str, int]:
        """Every object under ``rel``, by name relative to the folder, with its size."""
        inner = self._inner(rel)
        try:
            self.fs.invalidate_cache(inner)  # other processes and machines write here too
            found = self.fs.find(inner, detail=True)
        except FileNotFoundError:
            return {}
        except Exception as exc:
            raise wrapped(self.url_of(rel), exc) from exc
        start = len(self.path) + 1
        return {
            path[start:]: int(info.get("size") or 0)
            for path, info in found.items()
            if info.get("type") != "directory" and path.startswith(self.path + "/")
        }

    def read_bytes(self, rel: str) -> bytes | None:
        """The object's bytes, or None when there is none."""
        try:
            data: bytes = self.fs.cat_file(self._inner(rel))
        except FileNotFoundError:
            return None
        except Exception as exc:
            raise wrapped(self.url_of(rel), exc) from exc
        return data

    def write_bytes(self, rel: str, data: bytes) -> None:
        """Write one object in a single request (a reader sees the old object or the new one)."""
        try:
            self.fs.pipe_file(self._inner(rel), data)
        except Exception as exc:
            raise wrapped(self.url_of(rel), exc) from exc

    def download(self, rel: str, local: str) -> None:
        """Copy the object ``rel`` to the local file ``local``, whole or not at all."""
        tmp = f"{local}.{os.getpid()}.download"
        try:
            self.fs.get_file(self._inner(rel), tmp)
            os.replace(tmp, local)
        except Exception as exc:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise wrapped(self.url_of(rel), exc) from exc

    def publish(self, local: str, rel: str, temporary: str) -> None:
        """Upload ``local`` as the object ``temporary``, then move it to ``rel``: never a partial ``rel``."""
        try:
            self.fs.put_file(local, self._inner(temporary))
            # The one-object calls: mv() would glob its source through a listing another process made stale.
            self.fs.cp_file(self._inner(temporary), self._inner(rel))
            self.fs.rm_file(self._inner(temporary))
        except Exception as exc:
            raise wrapped(self.url_of(rel), exc) from exc

    def remove(self, rels: list[str]) -> None:
        """Remove the objects ``rels``; one already gone is no error."""
        inner = [self._inner(r) for r in rels]
        if not inner:
            return
        try:
            self.fs.rm(inner)
        except FileNotFoundError:
            pass
        except Exception as exc:
            raise wrapped(self.url_of(rels[0]), exc) from exc
        self.fs.invalidate_cache(self.path)
