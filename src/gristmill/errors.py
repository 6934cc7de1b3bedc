"""The exceptions gristmill raises.

    GristmillError                 any failure gristmill reports to a user
    ├── ConfigError                a pipeline, step or option that is wrong
    ├── InputError                 an input that is missing or cannot be read
    │   └── BrokenInputError       a file that breaks off mid-stream (the records before it count)
    │       └── TruncatedInputError  a compressed stream that ends before its end marker
    └── OutputError                an output folder that cannot be used

The API raises these; only ``cli.main`` turns them into messages and exit codes.
"""

from __future__ import annotations


class GristmillError(Exception):
    """Base class of every error gristmill reports to a user."""


class ConfigError(GristmillError):
    """A pipeline, step or option is wrong; the message names which."""


class InputError(GristmillError):
    """An input is missing or cannot be read."""


class BrokenInputError(InputError):
    """A file that cannot be read past ``offset``; what came before it was read."""

    def __init__(self, path: str, offset: int, detail: str) -> None:
        super().__init__(f"{path}: unreadable after byte {offset}: {detail}")
        self.path = path
        self.offset = offset
        self.detail = detail

    def __reduce__(self) -> tuple[type, tuple[str, int, str]]:
        # Rebuilt from its fields when it crosses from a worker process to the parent.
        return (type(self), (self.path, self.offset, self.detail))


class TruncatedInputError(BrokenInputError):
    """A compressed stream that ends before its end marker: the file was cut short."""

    def __init__(self, path: str, offset: int, detail: str) -> None:
        super().__init__(path, offset, detail)
        self.args = (f"{path}: truncated at byte {offset}: {detail}",)


class OutputError(GristmillError):
    """The output folder cannot be written, or holds a different pipeline's run."""
