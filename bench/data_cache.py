"""Time synthesis, the first load (decode) and the second load (cache hit) of a competition-size set.

Measured 2026-11-25 on the shared 2-core dev machine (load average 3.6-5.7:
another user's training held most of both cores, so wall time ~ CPU time),
12,500/1,250/6,500 RGBA PNGs of 100x100, 2 workers:
    synthesize   (20250 images)                     68.6 s wall   59.2 s CPU  (2.9 ms/image)
    first load  (decode, fingerprint, write cache)  26.0 s wall   18.1 s CPU  (0.9 ms/image)
    second load (cache hit)                          0.19 s wall   0.15 s CPU
    no cache    (decode, fingerprint)               16.8 s wall   17.3 s CPU
    decode 12,500 train PNGs, median of 5 alternating rounds:
        threads 19.2 s, fork processes 18.6 s, forkserver processes 19.4 s
Estimated, not measured: on 2 idle cores wall ~ CPU / 2 (synthesis ~30 s, first load ~9 s).
Threads are what `load_dataset` uses: no faster pool exists here (see cnntune/data/_pool.py).

Usage:
    python bench/data_cache.py                 # competition size, in a temp folder
    python bench/data_cache.py --scale 0.1     # a tenth of it
    python bench/data_cache.py --pools         # also compare thread vs process decoding
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from cnntune.data import load_dataset, synthesize
from cnntune.data._decode import decode_image, image_size
from cnntune.data._pool import default_workers
from cnntune.data._tables import SplitTable, read_table

COMPETITION = {"train": 12_500, "validation": 1_250, "test": 6_500}
_CHUNK = 64

_table: SplitTable | None = None  # the process-pool workers' copy, set once per process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the competition size")
    parser.add_argument("--size", type=int, default=100, help="image side, pixels")
    parser.add_argument("--workers", type=int, default=None, help="threads (default: all cores)")
    parser.add_argument("--pools", action="store_true", help="compare thread and process decoding")
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="work in (and keep) this folder; reuse a data set already there",
    )
    args = parser.parse_args()
    counts = {name: max(5, round(n * args.scale)) for name, n in COMPETITION.items()}
    work = args.keep or Path(tempfile.mkdtemp(prefix="cnntune-bench-"))
    try:
        _run(work, counts, args)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def _run(work: Path, counts: dict[str, int], args: argparse.Namespace) -> None:
    workers = args.workers or default_workers()
    total = sum(counts.values())
    print(
        f"{counts['train']}/{counts['validation']}/{counts['test']} RGBA PNGs of "
        f"{args.size}x{args.size}, {workers} workers; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores (CPU = this process's CPU seconds, all threads)"
    )
    data, cache = work / "data", work / "cache"
    shutil.rmtree(cache, ignore_errors=True)  # the first load must decode
    if data.exists():
        print(f"reusing {data}")
    else:
        with _timed(f"synthesize   ({total} images)"):
            synthesize(data, **counts, size=args.size, alpha=True)
    for label in ("first load  (decode, fingerprint, write cache)", "second load (cache hit)"):
        with _timed(label):
            dataset = load_dataset(data, cache_dir=cache, workers=workers)
        assert dataset.load_report.from_cache == label.startswith("second")
    with _timed("no cache    (decode, fingerprint)"):
        load_dataset(data, cache_dir=None, workers=workers)
    if args.pools:
        _compare_pools(read_table(data, "train", labeled=True), workers)


@contextmanager
def _timed(label: str) -> Iterator[None]:
    start, cpu = time.perf_counter(), time.process_time()
    yield
    print(f"{label:48s} {time.perf_counter() - start:7.2f} s wall {time.process_time() - cpu:7.2f} s CPU")


def _compare_pools(table: SplitTable, workers: int, rounds: int = 5) -> None:
    """Decode the train split with threads and with processes, in alternating rounds.

    Alternating rounds and reporting the median keep another process's load
    on a shared machine from deciding the comparison; "job CPU" (thread time
    inside the decode jobs) shows the work itself, "main CPU" this process's.
    """
    size = image_size(table, 0)
    jobs = [(s, min(s + _CHUNK, len(table.ids)), size) for s in range(0, len(table.ids), _CHUNK)]
    pools = {
        "threads": lambda: ThreadPoolExecutor(workers),
        "processes (fork)": lambda: ProcessPoolExecutor(
            workers, mp_context=get_context("fork"), initializer=_set_table, initargs=(table,)
        ),
        "processes (forkserver)": lambda: ProcessPoolExecutor(
            workers, mp_context=get_context("forkserver"), initializer=_set_table, initargs=(table,)
        ),
    }
    _set_table(table)  # for the threads
    times: dict[str, list[tuple[float, float, float]]] = {name: [] for name in pools}
    for _ in range(rounds):
        for name, make in pools.items():
            start, main_cpu = time.perf_counter(), time.process_time()
            with make() as pool:
                parts = list(pool.map(_decode_range, jobs))
            np.concatenate([pixels for pixels, _ in parts])
            wall, main_cpu = time.perf_counter() - start, time.process_time() - main_cpu
            times[name].append((wall, sum(cpu for _, cpu in parts), main_cpu))
    print(f"decoding the {len(table.ids)} train images, {workers} workers, {rounds} rounds:")
    for name, runs in times.items():
        wall, job_cpu, main_cpu = (float(np.median(column)) for column in zip(*runs, strict=True))
        walls = " ".join(f"{run[0]:.1f}" for run in runs)
        print(f"  {name:23s} median {wall:6.2f} s wall ({walls}), job CPU {job_cpu:5.1f} s, main CPU {main_cpu:5.1f} s")


def _set_table(table: SplitTable) -> None:
    global _table
    _table = table


def _decode_range(job: tuple[int, int, tuple[int, int]]) -> tuple[np.ndarray, float]:
    start, stop, size = job
    cpu = time.thread_time()
    pixels = np.stack(
        [decode_image(str(_table.image_path(i)), _table.where(i), size, 4)[0] for i in range(start, stop)]
    )
    return pixels, time.thread_time() - cpu


if __name__ == "__main__":
    main()
