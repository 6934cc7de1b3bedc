"""Drop documents by their URL: blocked domains, URL substrings and regular expressions from list files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, ClassVar, Literal
from urllib.parse import urlsplit

from gristmill.document import Document
from gristmill.errors import ConfigError
from gristmill.io.schema import FieldType
from gristmill.steps.base import Filter
from gristmill.steps.options import Help
from gristmill.steps.registry import register
from gristmill.text.patterns import PatternError, UserPattern

Kind = Literal["domain", "url", "regex"]


def read_list(path: str, step: str, option: str) -> list[str]:
    """Return the entries of a list file: one a line, blank lines and ``#`` lines skipped, ends stripped.

    This is also datatrove's layout (its ``adult/domains``, ``adult/urls`` and word lists), read as is.
    A file that is not UTF-8, or lists no entry (a wrong file, most likely), is a one-line error.
    """
    where = f"step {step!r}, option {option!r}"
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read {path!r}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"{where}: {path} is not UTF-8 (line {line})") from None
    # A byte order mark is no part of an entry (at the start of the file, or of a list joined to it).
    lines = (line.replace("\ufeff", "").strip() for line in text.splitlines())
    entries = [line for line in lines if line and not line.startswith("#")]
    if not entries:
        raise ConfigError(f"{where}: {path} lists no entry (only blank and # lines)")
    return entries


@dataclass(frozen=True)
class Match:
    """The list entry a URL matched: its kind, the list file's name and the entry itself."""

    kind: Kind
    list: str
    entry: str


class _Rules:
    """The domains, substrings and patterns of one side (block or allow), each with the list it came from."""

    def __init__(self) -> None:
        self.domains: dict[str, str] = {}  # domain -> list name
        self.substrings: list[tuple[str, str]] = []  # (substring, list name)
        self.patterns: list[tuple[UserPattern, str, str]] = []  # (compiled by RE2, source, list name)

    def match(self, url: str, host: str) -> Match | None:
        # A domain blocks itself and every subdomain: look up the host and each parent of it.
        labels = host.split(".")
        for i in range(len(labels)):
            listed = self.domains.get(".".join(labels[i:]))
            if listed is not None:
                return Match("domain", listed, ".".join(labels[i:]))
        lowered = url.lower()
        for entry, listed in self.substrings:
            if entry in lowered:
                return Match("url", listed, entry)
        for pattern, source, listed in self.patterns:
            if pattern.search(url):
                return Match("regex", listed, source)
        return None


def _domain_entry(entry: str) -> str:
    """A domain list entry as hosts are compared: lower case, no wildcard, scheme, path or edge dots."""
    entry = entry.lower()
    if "://" in entry:
        entry = urlsplit(entry).hostname or ""
    return entry.removeprefix("*.").strip(".").split("/", 1)[0]


def _host(url: str) -> str:
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname or ""
    except ValueError:  # an invalid port or bracketed host: no host to match on
        return ""
    return host.strip(".")


@register("url_filter")
class UrlFilter(Filter):
    """Drop documents whose URL is on a block list (domain, substring or regex) unless an allow list has it.

    Reasons: ``url_filter:<kind>:<list>`` (kind ``domain``, ``url`` or ``regex``; list the file's name),
    with ``meta.url_filter`` = ``{"kind", "list", "entry"}`` naming the entry; ``url_filter:no_url`` for
    a document without a URL.
    """

    block_domains: Annotated[
        list[str] | None, Help("list files of domains; a domain blocks itself and all its subdomains.")
    ] = None
    block_urls: Annotated[
        list[str] | None,
        Help("list files of URL substrings (case-insensitive), as datatrove's ``adult/urls``."),
    ] = None
    block_regex: Annotated[
        list[str] | None, Help("list files of regular expressions (RE2, linear time) searched in the URL.")
    ] = None
    allow_domains: Annotated[
        list[str] | None, Help("list files of domains that are never blocked (with their subdomains).")
    ] = None
    allow_urls: Annotated[list[str] | None, Help("list files of URL substrings that are never blocked.")] = (
        None
    )
    allow_regex: Annotated[
        list[str] | None, Help("list files of regular expressions whose URLs are never blocked.")
    ] = None
    url_field: Annotated[str, Help("the ``meta`` key holding the URL.")] = "url"
    missing_url: Annotated[
        Literal["drop", "keep"],
        Help("what to do with a document without a URL: drop (as ``no_url``) or keep."),
    ] = "drop"

    meta_fields: ClassVar[dict[str, FieldType]] = {"url_filter": "json"}

    def meta_keys_named(self) -> dict[str, str]:
        """``url_field``: the key the URL is read from."""
        return {"url_field": self.url_field}

    def setup(self) -> None:
        self.block_domains = list(self.block_domains or [])
        self.block_urls = list(self.block_urls or [])
        self.block_regex = list(self.block_regex or [])
        self.allow_domains = list(self.allow_domains or [])
        self.allow_urls = list(self.allow_urls or [])
        self.allow_regex = list(self.allow_regex or [])

        if not (self.block_domains or self.block_urls or self.block_regex):
            raise self.fail("block_domains", "name at least one block list (block_domains, _urls, _regex)")
        self._block = self._load("block", self.block_domains, self.block_urls, self.block_regex)
        self._allow = self._load("allow", self.allow_domains, self.allow_urls, self.allow_regex)

    def _load(self, side: str, domains: list[str], urls: list[str], regex: list[str]) -> _Rules:
        rules = _Rules()
        for path in domains:
            for entry in read_list(path, self.name, f"{side}_domains"):
                rules.domains.setdefault(_domain_entry(entry), Path(path).name)
        for path in urls:
            for entry in read_list(path, self.name, f"{side}_urls"):
                rules.substrings.append((entry.lower(), Path(path).name))
        for path in regex:
            for number, source in enumerate(read_list(path, self.name, f"{side}_regex"), 1):
                try:
                    rules.patterns.append((UserPattern(source), source, Path(path).name))
                except PatternError as exc:
                    message = f"{path}: entry {number} {source!r} is not a valid regular expression: {exc}"
                    raise self.fail(f"{side}_regex", message) from None
        return rules

    def blocked(self, url: str) -> Match | None:
        """Return the block-list entry ``url`` matches; None when none does or an allow list has ``url``."""
        host = _host(url)
        hit = self._block.match(url, host)
        if hit is None or self._allow.match(url, host) is not None:
            return None
        return hit

    def keep(self, doc: Document) -> Literal[True] | str:
        """Keep documents whose URL no block list names (or an allow list names)."""
        url = doc.meta.get(self.url_field)
        if not isinstance(url, str) or not url.strip():
            return True if self.missing_url == "keep" else "no_url"
        hit = self.blocked(url.strip())
        if hit is None:
            return True
        doc.meta["url_filter"] = {"kind": hit.kind, "list": hit.list, "entry": hit.entry}
        return f"{hit.kind}:{hit.list}"
