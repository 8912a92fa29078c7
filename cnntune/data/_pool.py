"""Run independent jobs (decode or write a chunk of PNGs) on a pool of threads.

Threads, not processes. Pillow inflates, unfilters and deflates PNGs, and
numpy renders, with the GIL released, so threads use every core and share
the output arrays for free. Decoding 12,500 100x100 RGBA PNGs with 2 workers
on the shared 2-core machine, median of 5 alternating rounds: threads 19.2 s,
a fork process pool 18.6 s, a forkserver pool 19.4 s (bench/data_cache.py
--pools; an earlier run: 24.7 / 28.2 / 26.4 s). Processes do not win, and
they cost: pickling every image back, start-up time, fork is unsafe in a
process that runs threads (TensorFlow's), and forkserver or spawn re-import
the caller's main module, which breaks any script that calls `load_dataset`
without an `if __name__ == "__main__"` guard.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

_Job = TypeVar("_Job")
_Result = TypeVar("_Result")


def default_workers() -> int:
    """Every core this process may use, capped at 8: past that the disk, not the CPU, limits."""
    return max(1, min(8, len(os.sched_getaffinity(0))))


def map_jobs(fn: Callable[[_Job], _Result], jobs: Iterable[_Job], *, workers: int) -> Iterator[_Result]:
    """Yield `fn(job)` for each job, in job order, computed by `workers` threads.

    The first exception in job order propagates and the jobs not yet started
    are cancelled, so a bad image stops a long decode early.
    """
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cnntune-data")
    try:
        yield from pool.map(fn, jobs)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
