"""``python -m gristmill``: the same as the ``gristmill`` command."""

from gristmill.cli import main

main()
