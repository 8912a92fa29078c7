"""Does a long search leak? RSS of one process across many trials.

Runs `--trials` trials of the default space (random sampler, a few epochs) in
one process on a small demo set and prints the resident memory after each;
a flat series (slope ~0 MB/trial after the first few) means
`keras.backend.clear_session()` and the pipelines release what a trial built.

    python bench/memory_across_trials.py [--trials 20] [--epochs 2] [--size 24]

Measured 2026-11-25 (2 CPU cores, 16 trials): RSS flat at 850-950 MB (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
from pathlib import Path

import numpy as np
import optuna


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--size", type=int, default=24)
    args = parser.parse_args()

    from cnntune.data import load_dataset, synthesize
    from cnntune.model import TrainingSettings
    from cnntune.search.running._objective import TrialObjective
    from cnntune.spaces import default_space

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        data = synthesize(Path(tmp) / "demo", train=600, validation=200, test=10, size=args.size, seed=0)
        dataset = load_dataset(data, cache_dir=Path(tmp) / "cache")
        objective = TrialObjective(dataset, default_space(), TrainingSettings(max_epochs=args.epochs))
        study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0))
        series = []
        for index in range(args.trials):
            study.optimize(objective, n_trials=1, catch=(Exception,))
            series.append(rss_mb())
            print(f"trial {index:>3}: {study.trials[-1].state.name:<8} RSS {series[-1]:8.1f} MB", flush=True)
    tail = np.array(series[len(series) // 4 :])
    slope = np.polyfit(np.arange(len(tail)), tail, 1)[0]
    print(
        f"RSS first {series[0]:.1f} MB, last {series[-1]:.1f} MB, max {max(series):.1f} MB; "
        f"slope after warm-up {slope:+.2f} MB/trial over {len(tail)} trials"
    )


if __name__ == "__main__":
    main()
