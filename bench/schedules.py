"""Plateau against a schedule that decays to zero over the trial's epochs, on the real competition data.

    python bench/schedules.py --data DIR [--epochs 16] [--seeds 0 1] [--schedules plateau cosine linear]
        [--recipe lean-plain] [--stem stride2] [--work DIR]

Each schedule trains the warm-start recipe (behind the stem given, to fit a CPU)
as one trial of `--epochs` epochs, no pruning, no early stopping (patience = epochs),
on the competition split `bench/competition.py` makes (its held-out images are the
competition's validation set). Then the trial's kept model is exported and scored
on the held-out images, as a user would (`tune export-best`, `tune predict`).
Prints one row per schedule and seed, then the median per schedule.

Measured 2026-12-07 (real data, re-split seed 0, 2 CPU cores, TF 2.21; lean recipe behind the
stride-2 stem, 16 epochs, seeds 0 and 1), mean held-out accuracy: plateau 0.8788, cosine to 0
0.8792, linear to 0 0.8800 -- the same within noise (one standard error ~0.009). More in
docs/benchmarks.md, "Real competition data".
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import optuna

sys.path.insert(0, str(Path(__file__).resolve().parent))
from competition import predict_held_out, resplit, run  # noqa: E402

from cnntune.search.strategy._warm_start import RECIPES  # noqa: E402
from cnntune.spaces import fixed_space_toml  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the competition folder")
    parser.add_argument("--epochs", type=int, default=16)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--schedules", nargs="+", default=["plateau", "cosine"])
    parser.add_argument("--recipe", default="lean-plain", choices=sorted(RECIPES))
    parser.add_argument("--stem", default="stride2", choices=["none", "stride2", "patch2"])
    parser.add_argument("--work", type=Path, default=Path("runs/schedules"))
    args = parser.parse_args()
    if args.epochs < 2:
        sys.exit(f"bench: --epochs must be >= 2, but got {args.epochs}")

    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    data = work / "resplit"
    print("split:", resplit(args.data, data, 1250, 0), flush=True)
    tune = [sys.executable, "-m", "cnntune"]
    rows: dict[str, list[tuple[float, float]]] = {}
    print("schedule  seed  best-val  held-out  epoch-of-best  seconds", flush=True)
    for seed in args.seeds:
        for schedule in args.schedules:
            params = {**RECIPES[args.recipe], "stem": args.stem, "lr_schedule": schedule}
            name = f"{schedule}-{seed}"
            space = work / f"{name}.toml"
            space.write_text(fixed_space_toml(params, f"{args.recipe}, {schedule}"))
            url = f"sqlite:///{work / (name + '.db')}"
            (work / f"{name}.db").unlink(missing_ok=True)
            log = work / f"{name}.log"
            log.unlink(missing_ok=True)
            common = ["--storage", url, "--study", name]
            started = time.perf_counter()
            run(
                [
                    *tune,
                    "start",
                    "--data",
                    str(data),
                    "--cache-dir",
                    str(work / "cache"),
                    "--space",
                    str(space),
                    "--trials",
                    "1",
                    "--max-epochs",
                    str(args.epochs),
                    "--patience",
                    str(args.epochs),
                    "--pruner",
                    "none",
                    "--no-warm-start",
                    "--seed",
                    str(seed),
                    *common,
                ],
                log,
            )
            seconds = time.perf_counter() - started
            model = work / f"{name}-model"
            run([*tune, "export-best", *common, "--out", str(model), "--force"], log)
            held = predict_held_out(tune, model, data, work / f"{name}-held-out.csv", log)
            trial = optuna.load_study(study_name=name, storage=url).best_trial
            rows.setdefault(schedule, []).append((trial.value, held))
            print(
                f"{schedule:9} {seed:4}  {trial.value:.4f}    {held:.4f}    {trial.user_attrs.get('best_epoch')}"
                f"             {seconds:.0f}",
                flush=True,
            )
    print("\nmedian per schedule (best validation, held-out):")
    for schedule, values in rows.items():
        print(
            f"{schedule:9} {statistics.median(v for v, _ in values):.4f}  {statistics.median(h for _, h in values):.4f}"
        )


if __name__ == "__main__":
    main()
