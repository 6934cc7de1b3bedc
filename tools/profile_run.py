"""Profile one ``gristmill run`` (or ``gristmill demo``) in this process, counting CPU seconds.

cProfile counts wall seconds by default, which on a shared machine charges other people's load to
whatever function was running; this one counts the process's CPU time. The run uses one worker, so
every task runs here. Prints the top functions by own CPU time and by cumulative CPU time.

    .venv/bin/python tools/profile_run.py run PIPELINE.yaml [--top 25] [--save FILE.prof]
    .venv/bin/python tools/profile_run.py demo --out out/demo
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time

from gristmill.cli import cli


def main() -> None:
    """Profile the gristmill command given after the options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--top", type=int, default=25, help="functions to list")
    parser.add_argument("--save", help="also write the profile here (for snakeviz, pstats)")
    options, command = parser.parse_known_args()
    profile = cProfile.Profile(time.process_time)
    start = time.process_time()
    try:
        profile.runcall(cli.main, args=command, standalone_mode=False)
    finally:
        total = time.process_time() - start
    if options.save:
        profile.dump_stats(options.save)
    print(f"\n{total:.2f} CPU seconds in all", file=sys.stderr)
    stats = pstats.Stats(profile, stream=sys.stderr)
    stats.sort_stats("tottime").print_stats(options.top)
    stats.sort_stats("cumulative").print_stats(options.top)


if __name__ == "__main__":
    main()
