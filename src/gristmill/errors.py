"""The exceptions gristmill raises, each with the exit status the command line gives it.

    GristmillError                 any failure gristmill reports to a user            exit 1
    ├── ConfigError                a pipeline, step or option that is wrong           exit 2
    ├── InputError                 an input that cannot be read
    │   ├── MissingInputError      an input that matches nothing or cannot be opened  exit 2
    │   ├── BrokenInputError       a file that breaks off mid-stream (the records before it count)
    │   │   ├── DamagedInputError    a file damaged in the middle (the records around it count)
    │   │   └── TruncatedInputError  a file cut short (a compressed stream, or a WARC's last record)
    │   └── DamagedRowsError       a file with rows that cannot be read (a Parquet row group), quarantined
    ├── OutputError                an output folder that cannot be written mid-run (disk full)
    │   ├── UnusableOutputError    an output folder that cannot be used at all         exit 2
    │   ├── OutputInUseError       an output folder another run is writing in          exit 2
    │   └── ChangedInputError      a resume whose input files differ from the first run's  exit 2
    └── RunFailedError             a task lost documents, or too many documents raised in steps

    KeyboardInterrupt
    └── Interrupted                Ctrl-C or SIGTERM: finished tasks are kept         exit 130 / 143

``Interrupted`` is a ``KeyboardInterrupt``, not a ``GristmillError``, so a step's ``except Exception``
cannot swallow it. Exit 2 means nothing was run: fix the command, the pipeline, the input or the output
folder. The API raises these; only ``cli.main`` turns them into messages and exit codes.
"""

from __future__ import annotations

import signal


class GristmillError(Exception):
    """Base class of every error gristmill reports to a user."""

    exit_code = 1


class ConfigError(GristmillError):
    """A pipeline, step or option is wrong; the message names which."""

    exit_code = 2


# How an output-folder error tells the command's user and the Python caller to start the run again.
PASS_OVERWRITE = "pass --overwrite (overwrite=True in Python)"


class InputError(GristmillError):
    """An input is missing or cannot be read."""


class MissingInputError(InputError):
    """An input path matches no file (or none of a known format), or a listed file cannot be opened."""

    exit_code = 2


class BrokenInputError(InputError):
    """A file that cannot be read past ``offset``; what came before it was read.

    ``records``: how many records its quarantine entry stands for (0 where its reader set them aside).
    """

    def __init__(self, path: str, offset: int, detail: str, records: int = 1) -> None:
        super().__init__(f"{path}: unreadable after byte {offset}: {detail}")
        self.path = path
        self.offset = offset
        self.detail = detail
        self.records = records

    def __reduce__(self) -> tuple[type, tuple[str, int, str, int]]:
        # Rebuilt from its fields when it crosses from a worker process to the parent.
        return (type(self), (self.path, self.offset, self.detail, self.records))


class DamagedInputError(BrokenInputError):
    """A file damaged at ``offset`` whose records before and after the damage were read."""

    def __init__(self, path: str, offset: int, detail: str, records: int = 1) -> None:
        super().__init__(path, offset, detail, records)
        self.args = (f"{path}: damaged at byte {offset}: {detail}; the records around it were read",)


class TruncatedInputError(BrokenInputError):
    """A file cut short: a compressed stream without its end marker, or a WARC inside its last record."""

    def __init__(self, path: str, offset: int, detail: str, records: int = 1) -> None:
        super().__init__(path, offset, detail, records)
        self.args = (f"{path}: truncated at byte {offset}: {detail}",)


class DamagedRowsError(InputError):
    """A file with rows that could not be read (a damaged Parquet row group), which its reader quarantined.

    The run reports the file, and quarantines nothing more for it.
    """


class OutputError(GristmillError):
    """The output folder cannot be written (a full disk mid-run)."""


class UnusableOutputError(OutputError):
    """The output folder cannot be created or written, or holds a different pipeline's run."""

    exit_code = 2


class OutputInUseError(OutputError):
    """Another gristmill run holds the output folder's lock."""

    exit_code = 2


class ChangedInputError(OutputError):
    """The input files differ from those the unfinished run in the output folder started on."""

    exit_code = 2


class RunFailedError(GristmillError):
    """A task broke the run's accounting, or more documents raised in steps than ``max_errors`` allows."""


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal; every finished task's output stays, and a rerun resumes.

    A ``KeyboardInterrupt``, so that no ``except Exception`` in a step swallows it.
    """

    def __init__(self, signum: int = signal.SIGINT) -> None:
        name = signal.Signals(signum).name
        super().__init__(f"interrupted by {name}: finished tasks are kept; run the same command to resume")
        self.signum = signum
        self.exit_code = 128 + signum

    def __reduce__(self) -> tuple[type, tuple[int]]:
        return (type(self), (self.signum,))
