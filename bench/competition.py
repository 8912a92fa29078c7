"""The budget benchmark on the real competition data: a timed `tune start --budget`, the export, held-out accuracy.

    python bench/competition.py --data DIR --budget 60m [--seed S] [--work DIR] [--race-random] [--race-oracle]
        [--final-from weights|scratch]

DIR is the competition folder (train/ validation/ test/ and the CSVs). The
competition's 1,250 validation images become the held-out test set; a
validation split of `--validation` images is carved from train (stratified,
seeded), so nothing the search selects on is scored. Then, each as a user
would run it (subprocesses, timed):

    tune start --data RESPLIT --budget B --trials 100000 --seed S --export MODEL
        (the export inside the budget: the best combination of the kept models, chosen on validation)
    tune predict MODEL --split test

and prints held-out accuracy, best validation accuracy, trials complete /
pruned / skipped for cost, seconds until the first complete trial, and how far
the epoch-time estimates were from the measured epochs. `--race-random` adds
Optuna's random sampler without pruning or warm start at the same budget.
`--final-from scratch` runs cnntune's arm with a final fit from a fresh
initialization (its default continues the best trial's weights).
`--race-oracle` adds what a user would do instead of a search: the best
warm-start recipe (the lean CNN; behind the stride-2 stem if fewer than
`--max-epochs` epochs of it fit the budget) trained as one trial for the whole
budget, its schedule (`FINAL_SCHEDULE`, decaying to 0) sized to it, then
exported and scored exactly as cnntune's.
The images are hard-linked (no copy) when WORK is on the same file system.

Measured 2026-12-08 (real data, re-split seed 0, 2 CPU cores, TF 2.21), held-out accuracy: 60-minute
budget, cnntune's defaults 0.9112 (two recipes' nets averaged) against the oracle's 0.9000; 30-minute
budget (2026-12-07, another machine) 0.8992 against 0.9048. More in docs/benchmarks.md, "Real
competition data".
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import optuna

from cnntune.durations import parse_duration
from cnntune.search.running._final_fit import FINAL_SCHEDULE
from cnntune.search.strategy._warm_start import RECIPES
from cnntune.spaces import fixed_space_toml

ORACLE_RECIPE = "lean-plain"  # the recipe that stayed the best trial in every real-data run so far
LEAN_EPOCH_SECONDS = {"none": 39.0, "stride2": 13.0}  # 2 CPU cores, 2026-12-07 (docs/benchmarks.md)


def resplit(src: Path, out: Path, n_validation: int, seed: int) -> dict[str, int]:
    """train -> train + validation (stratified); the competition's validation -> test, labels kept aside."""
    rows = _rows(src / "train.csv")
    by_label: dict[str, list[str]] = defaultdict(list)
    for image_id, label in rows:
        by_label[label].append(image_id)
    rng = random.Random(seed)
    validation = []
    for label, ids in sorted(by_label.items()):
        take = round(n_validation * len(ids) / len(rows))
        validation += [(i, label) for i in rng.sample(ids, take)]
    chosen = {i for i, _ in validation}
    train = [(i, label) for i, label in rows if i not in chosen]
    held_out = _rows(src / "validation.csv")
    if out.exists():
        shutil.rmtree(out)
    for split, items, folder in (
        ("train", train, "train"),
        ("validation", validation, "train"),
        ("test", held_out, "validation"),
    ):
        (out / split).mkdir(parents=True)
        for image_id, _ in items:
            _link(src / folder / f"{image_id}.png", out / split / f"{image_id}.png")
        with open(out / f"{split}.csv", "w", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(["image_id"] if split == "test" else ["image_id", "label"])
            writer.writerows([(i,) for i, _ in items] if split == "test" else items)
    with open(out.parent / f"{out.name}-held-out-labels.csv", "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([("image_id", "label"), *held_out])
    return {"train": len(train), "validation": len(validation), "test": len(held_out)}


def _rows(path: Path) -> list[tuple[str, str]]:
    with open(path, newline="") as f:
        return [(r["image_id"], r["label"]) for r in csv.DictReader(f)]


def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def run(cmd: list[str], log: Path) -> float:
    start = time.perf_counter()
    with open(log, "a") as f:
        f.write(f"$ {' '.join(cmd)}\n")
        f.flush()
        code = subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT)
    if code != 0:
        sys.exit(f"bench: {' '.join(cmd[:3])} exited {code}; see {log}")
    return time.perf_counter() - start


def study_figures(url: str, name: str, started: float) -> dict[str, object]:
    study = optuna.load_study(study_name=name, storage=url)
    trials = study.trials
    skipped = [t for t in trials if t.user_attrs.get("skipped")]
    complete = [t for t in trials if t.state.name == "COMPLETE"]
    final = [t for t in complete if t.user_attrs.get("final_fit")]
    pruned = [t for t in trials if t.state.name == "PRUNED" and not t.user_attrs.get("skipped")]
    first = min((t.datetime_complete.timestamp() for t in complete), default=None)
    errors = [
        abs(t.user_attrs["est_epoch_seconds"] - t.user_attrs["measured_epoch_seconds"])
        / t.user_attrs["measured_epoch_seconds"]
        for t in trials
        if t.user_attrs.get("measured_epoch_seconds") and t.user_attrs.get("est_epoch_seconds") is not None
    ]
    started_trials = [t for t in trials if not t.user_attrs.get("skipped")]
    return {
        "best validation accuracy": round(study.best_value, 4) if complete else None,
        "trials complete / pruned / skipped / failed / final fit": (
            f"{len(complete) - len(final)} / {len(pruned)} / {len(skipped)} / "
            f"{sum(t.state.name == 'FAIL' for t in trials)} / {len(final)}"
        ),
        "best trial (its source, for a final fit)": _best_trial_text(study) if complete else None,
        "epochs allotted / run, per trial": " ".join(
            f"#{t.number}:{t.user_attrs.get('allotted_epochs', '?')}/{t.user_attrs.get('epochs_run', 0)}"
            for t in started_trials
        ),
        "seconds until the first complete trial": None if first is None else round(first - started, 1),
        "median |est - measured| / measured epoch time": round(statistics.median(errors), 3) if errors else None,
        "trials with the estimate within 30 %": f"{sum(e <= 0.3 for e in errors)} of {len(errors)}",
        "largest estimated trial started (s)": max(
            (t.user_attrs.get("est_trial_seconds", 0) for t in started_trials), default=None
        ),
    }


def _best_trial_text(study: optuna.Study) -> str:
    best = study.best_trial
    final = best.user_attrs.get("final_fit")
    recipe = best.user_attrs.get("recipe")
    source = f", final fit of #{final['of']}" if final else (f", recipe {recipe}" if recipe else "")
    return f"#{best.number}{source}"


def oracle_options(work: Path, budget_seconds: float, max_epochs: int) -> list[str]:
    """`tune start` options of the oracle: the lean recipe as one trial of the whole budget."""
    fits_as_written = 0.85 * budget_seconds / LEAN_EPOCH_SECONDS["none"] >= max_epochs
    params = {**RECIPES[ORACLE_RECIPE], "lr_schedule": FINAL_SCHEDULE}
    params["stem"] = "none" if fits_as_written else "stride2"
    space = work / "oracle-space.toml"
    space.write_text(fixed_space_toml(params, f"the oracle: {ORACLE_RECIPE}, stem {params['stem']}"))
    return [
        "--space",
        str(space),
        "--trial-share",
        "1",
        "--final-share",
        "0",
        "--max-epochs",
        "10000",  # a ceiling: the budget allots the epochs
        "--pruner",
        "none",
        "--no-warm-start",
        "--trials",
        "1",
    ]


def predict_held_out(tune: list[str], model: Path, data: Path, predictions: Path, log: Path) -> float:
    """`tune predict` of the re-split's test split (the held-out images), scored against their labels."""
    run(
        [*tune, "predict", str(model), "--data", str(data), "--split", "test", "--out", str(predictions), "--force"],
        log,
    )
    return held_out_accuracy(predictions, data.parent / f"{data.name}-held-out-labels.csv")


def held_out_accuracy(predictions: Path, labels: Path) -> float:
    truth = dict(_rows(labels))
    predicted = dict(_rows(predictions))
    return sum(predicted[i] == label for i, label in truth.items()) / len(truth)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the competition folder")
    parser.add_argument("--budget", default="60m")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-epochs", type=int, default=20, help="passed to tune start")
    parser.add_argument("--validation", type=int, default=1250, help="validation images carved from train")
    parser.add_argument("--work", type=Path, default=Path("runs/competition"))
    parser.add_argument("--race-random", action="store_true", help="also random search, no pruning or warm start")
    parser.add_argument("--race-oracle", action="store_true", help="also the lean recipe trained alone for the budget")
    parser.add_argument("--only-oracle", action="store_true", help="run the oracle alone (with --race-oracle's form)")
    parser.add_argument("--no-export", action="store_true", help="skip the export and held-out prediction")
    parser.add_argument(
        "--final-from", choices=("weights", "scratch"), help="cnntune's --final-from (default: its own)"
    )
    args = parser.parse_args()

    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    data = work / "resplit"
    print("split:", resplit(args.data, data, args.validation, args.seed), flush=True)
    tune = [sys.executable, "-m", "cnntune"]
    common = [
        "--data",
        str(data),
        "--cache-dir",
        str(work / "cache"),
        "--budget",
        args.budget,
        "--seed",
        str(args.seed),
    ]
    search = ["--max-epochs", str(args.max_epochs), "--trials", "100000"]
    budget = parse_duration(args.budget)
    tuned = [] if args.final_from is None else ["--final-from", args.final_from]
    methods = {} if args.only_oracle else {"cnntune" if not tuned else f"cnntune-{args.final_from}": [*search, *tuned]}
    if args.race_random:
        methods["random"] = [*search, "--sampler", "random", "--pruner", "none", "--no-warm-start"]
    if args.race_oracle or args.only_oracle:
        methods["oracle"] = oracle_options(work, budget, args.max_epochs)
    for method, extra in methods.items():
        name = f"{method}-{args.seed}"
        url = f"sqlite:///{work / (name + '.db')}"
        for stale in (work / f"{name}.db", work / f"{name}.log"):
            stale.unlink(missing_ok=True)
        shutil.rmtree(work / f"{name}.db.artifacts", ignore_errors=True)
        log = work / f"{name}.log"
        model = work / f"{name}-model"
        export = [] if args.no_export else ["--export", str(model), "--replace-export"]
        started = time.time()
        seconds = run([*tune, "start", *common, *extra, *export, "--study", name, "--storage", url], log)
        print(f"\n== {method} (seed {args.seed}, budget {args.budget}): tune start took {seconds:.0f} s", flush=True)
        print(f"tune start{' --export' if export else ''} ended at {100 * seconds / budget:.1f} % of its budget")
        for key, value in study_figures(url, name, started).items():
            print(f"{key}: {value}", flush=True)
        if not export:
            continue
        chosen = json.loads((model / "cnntune.json").read_text())["selection"]["chosen"]
        print(f"exported: {' + '.join(chosen['members'])}, tta {chosen['tta']}", flush=True)
        held = predict_held_out(tune, model, data, work / f"{name}-held-out.csv", log)
        print(f"held-out accuracy (competition validation, 1250 images): {held:.4f}")


if __name__ == "__main__":
    main()
