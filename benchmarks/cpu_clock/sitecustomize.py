"""Make each step's own timer count this process's CPU seconds instead of wall seconds.

benchmarks/pipeline.py puts this folder on PYTHONPATH of the runs it measures, so the per-step seconds
in both tools' stats files (gristmill's and datatrove's timers read ``time.perf_counter`` at call time)
are CPU seconds, in the main process and in every worker it starts; a busy machine then slows the wall
clock but not the per-step figures.
"""

import time

time.perf_counter = time.process_time
