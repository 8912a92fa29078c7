"""Exporting a kept model at competition size: seconds, no training, the trial's own score.

    python bench/kept_export.py --data DIR [--train-images 500] [--work DIR]

DIR is the competition folder. The export's cost depends on the model (100x100
input) and on the validation split it is checked on (the competition's 1,250
images), not on the training set, so the study trains its two warm-start
recipes (the lean net and the peers' residual net) for one epoch on
`--train-images` of train's images, keeping their models. Then, timed as a
user runs them (subprocesses, TensorFlow start-up included):

    tune export-best --out M1              the best kept model
    tune export-best --out M2 --top 2 --tta flip

and the seconds each export prints for itself (download, load, decoding the
validation split, scoring, SavedModel write and reload check; TensorFlow's
start-up not included). Also the save time and size of each kept model beside
its trial's training time (the store-overhead goal: <= 1 % of a trial).
Goal: an export under 10 s on a CPU.

Measured 2026-12-01 (2 CPU cores, TF 2.21, competition-size models): keeping a trial's model
(save + upload) 0.09 s for the lean net (0.5 MB) and 0.20 s for the peers' residual net
(5.1 MB), 0.045 % / 0.03 % of one full-size epoch; `tune export-best` of a kept model 11.9 s
(21 s with TensorFlow's start-up). More in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import optuna

FULL_TRAIN = 11_250  # the images a trial of bench/competition.py trains on


def small_copy(src: Path, out: Path, n_train: int) -> Path:
    """train's first `n_train` images and the whole validation split, copied."""
    if out.exists():
        shutil.rmtree(out)
    (out / "train").mkdir(parents=True)
    with open(src / "train.csv", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1 : 1 + n_train]
    with open(out / "train.csv", "w", newline="") as f:
        csv.writer(f).writerows([header, *body])
    for image_id, *_ in body:
        shutil.copy(src / "train" / f"{image_id}.png", out / "train")
    shutil.copy(src / "validation.csv", out)
    shutil.copytree(src / "validation", out / "validation")
    return out


def timed(argv: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(argv)}\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--train-images", type=int, default=500)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="reuse the study of an earlier run in --work")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="cnntune-kept-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "tune.db"
    url = f"sqlite:///{db}"
    tune = [sys.executable, "-m", "cnntune.cli"]
    if args.reuse and db.is_file():
        print("study: reused from an earlier run of this benchmark")
    else:
        data = small_copy(args.data, work / "data", args.train_images)
        for stale in (db, work / "tune.db.artifacts", work / "m1", work / "m2"):
            shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink(missing_ok=True)
        search_s, _ = timed(
            [*tune, "start", "--data", str(data), "--storage", url, "--study", "s", "--trials", "2",
             "--max-epochs", "1", "--seed", "0", "--cache-dir", str(work / "cache")]
        )  # fmt: skip
        print(f"study: 2 recipes, 1 epoch on {args.train_images} train images, checked on 1,250 ({search_s:.0f} s)")
    study = optuna.load_study(study_name="s", storage=url)
    for t in study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)):
        attrs = t.user_attrs
        share = 100 * attrs["model_save_seconds"] / attrs["train_seconds"]
        # one epoch at full size: the measured epoch scaled to the 11,250 images a real trial trains on
        full_epoch = attrs["epoch_seconds"][0] * FULL_TRAIN / args.train_images
        print(
            f"  trial {t.number} ({attrs.get('recipe')}): {attrs['param_count']:,} params, val {t.value:.4f}, "
            f"trained {attrs['train_seconds']:.1f} s; model {attrs['model_bytes'] / 1e6:.1f} MB saved + uploaded "
            f"in {attrs['model_save_seconds']:.2f} s = {share:.2f} % of this 1-epoch trial, "
            f"{100 * attrs['model_save_seconds'] / full_epoch:.3f} % of one full-size epoch (~{full_epoch:.0f} s)"
        )
    runs: dict[str, list[float]] = {"export-best": [], "export-best --top 2 --tta flip": []}
    own: dict[str, list[float]] = {label: [] for label in runs}
    for _ in range(3):
        for label, extra in (("export-best", []), ("export-best --top 2 --tta flip", ["--top", "2", "--tta", "flip"])):
            out = work / ("m1" if not extra else "m2")
            seconds, stdout = timed(
                [*tune, "export-best", "--storage", url, "--study", "s", "--out", str(out), "--force", *extra]
            )
            runs[label].append(seconds)
            own[label].append(float(re.search(r"in ([0-9.]+) s:", stdout).group(1)))
            last = stdout
    print("export (median of 3): whole command, TensorFlow start-up included | the export's own seconds")
    for label, seconds in runs.items():
        print(
            f"  tune {label:<32}{statistics.median(seconds):6.1f} s (min {min(seconds):.1f}, max {max(seconds):.1f})"
            f"   | {statistics.median(own[label]):5.1f} s"
        )
    print("last export's summary:")
    print("\n".join("  " + line for line in last.splitlines()[:8]))


if __name__ == "__main__":
    main()
