"""Search efficiency: pruned TPE against random search and KerasTuner Hyperband, epoch for epoch.

Measured, the default run (16x16 demo set, 2000/1000 images, max 27 epochs per
trial, budget 270 epochs per search, 3 seeds; 2 searches at a time, 1
TensorFlow thread each; 29 minutes on 2 CPU cores of a machine that ran the
test suite 1.5x slower than the one behind the earlier 16-minute figure) —
best val_acc within the budget / epochs to first reach random search's best:
    seed 0: tpe+hyperband 0.9120 / 27     random 0.8280 / 185   kt-hyperband 0.8480 / 156
    seed 1: tpe+hyperband 0.8960 / 39     random 0.8210 / 216   kt-hyperband 0.9260 / 72
    seed 2: tpe+hyperband 0.8620 / never  random 0.8780 / 266   kt-hyperband 0.8470 / never
    mean best: tpe+hyperband 0.8900, random 0.8423, kt-hyperband 0.8737
With `--validation 2000 --seeds 5` (TPE and random only):
    tpe+hyperband 0.9135 / 25, 0.8980 / 39, 0.8630 / never, 0.8425 / never, 0.8510 / 23; mean 0.8736
    random        0.8070 / 185, 0.8095 / 215, 0.8900 / 259, 0.8485 / 80, 0.7820 / 99; mean 0.8274
Goals: not worse than KerasTuner Hyperband at equal budget — met (0.890 vs
0.874); reach random's best within a third of the budget — met in 2 of 3 seeds
(3 of 5 at 2000 validation images), so missed as a rule. Where TPE met it, it
did so within 23-39 epochs, a seventh of the budget; where it missed, random
search had drawn a configuration better than any TPE found in the whole
budget (at 2000 images: seed 2, SGD at lr 0.1 on the widest residual net,
0.890 vs 0.863; seed 3 by 0.006, twelve images).
The validation set is 1000 images (it was 400): one image is then 0.001 and one
standard error of an accuracy near 0.85 about 0.011, against 0.017. Random's
best is the maximum of ~280 per-epoch evaluations, so noise inflates it; with
400 images the race was closer to a lottery (1 of 5 seeds reached, mean best
0.872 vs random's 0.845), and a larger
validation set costs little (a random search took 317 s with 1000 images,
311 s with 2000, same seed and machine).
Where the budget goes: Optuna's Hyperband promotes the first trial to reach a
rung (it cannot pause trials), so the first trial of each of the 3 brackets
trains all 27 epochs, and the top bracket never prunes: in the kept studies,
2-4 random start-up configurations trained 54 to all 90 of the first 90 epochs.
Tried against that and dropped, on seeds 0 and 2 (the default re-ran to the same
figures on another machine, 0.9120 / 27 and 0.8620 / never):
    TPE with 4 start-up trials, not 8       0.8290 / 27   0.7830 / never
    rungs shared by all brackets + 4 above  0.8460 / 27   0.8640 / never
    brackets in the paper's order (most
      aggressive first, by trial number)    0.8740 / 27   0.8570 / never
    the same with shared rungs (seed 2 only)   -          0.8460 / never
    bootstrap_count=2 (2000 val. images)    seeds 0, 1: 0.8665 / 84, 0.8380 / 197
Ordering the brackets screened seed 2's first 9 configurations in 71 epochs (the
default spends 83 epochs on 4). TPE then fitted the 4-epoch rankings and settled
on slow learning rates; on seed 0 it pruned, at epoch 10, the configuration
that the default trained to 0.912. A third of a budget of 10 full trials did not
beat random search's luckiest draw in every seed, with any variant. Test the
claim at a real search's size with `--budget` / `--max-epochs` on a GPU.
At `--budget 540` (TPE and random, seeds 0-2) TPE ended above random in every
seed (0.9120 / 0.8960 / 0.8880 vs 0.8670 / 0.8590 / 0.8780) and reached random's
best after 204 / 40 / 379 epochs: within a third (180) in 1 seed of 3.
The previous default (Optuna's plain HyperbandPruner from epoch 2, fed the
latest epoch) was changed on what this bench's kept studies (`--keep`)
showed: Optuna's HyperbandPruner hides other brackets' trials from the
sampler, so ~20-trial searches never left TPE's random start-up (now wrapped:
cnntune/search/_hyperband.py); rungs at epochs 2 and 4 pruned on near-chance,
swinging accuracies (now from a ninth of the epochs); and a trial was judged
on its latest epoch, not its best (now the running best:
cnntune/search/_pruning.py). Over 5 seeds with 400 validation images it was
0.8575 on the mean best, the new default 0.872.

Three searches per seed, on the same data, the same space, the same maximum
epochs per trial and the same total epoch budget:

    tpe+hyperband  Optuna TPE sampler + Hyperband pruner (cnntune's default)
    random         Optuna random sampler, no pruning (trials end by early stopping or max epochs)
    kt-hyperband   KerasTuner Hyperband (`tune start --engine keras-tuner`), warm-starting promoted trials
and, with `--methods`, tpe+median (`--pruner median`: median pruning after a
third of the epochs).

Each search runs until its trials have trained `--budget` epochs; epochs are
counted from the intermediate values the study recorded (one per epoch
trained, so a trial KerasTuner continues counts only its new epochs), in trial
order, and everything after the budget is cut off. Printed per method and
seed: the best validation accuracy reached within the budget, the epochs
counted, and the epochs it took to first reach random search's best (of the
same seed). The goal: TPE + Hyperband reaches random search's best within a
third of the budget, and its best is not below KerasTuner Hyperband's.

The comparison is unpaired (SEED_OFFSET): each sampler draws its own
configurations and training seeds, so TPE's random start-up trials are not
copies of random search's and "reaching random's best" is a fair race.

The default run (about 30 minutes on 2 CPU cores) uses a small version
of the demo set, synthesized into a temporary folder by the demo's generator
(its 5 classes at 16x16 pixels, 2000/1000 images; at 12x12 the generator's
artifacts are too faint to learn in a few epochs), a reduced space (below) and
budgets of 270 epochs, 27 per trial, over 3 seeds. On a GPU, scale it up
(one search at a time, so they do not share the card):

    python bench/search_efficiency.py                        # the default, CPU
    python bench/search_efficiency.py --demo --space default --max-epochs 27 \\
        --budget 1200 --seeds 5 --jobs 1 --jit-compile auto  # the 32x32 demo set, full space
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import multiprocessing
import os
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import optuna

from cnntune.model import TrainingSettings
from cnntune.search import SearchRequest, SearchSettings, SilentReporter, run_search

METHODS = {  # name: (engine, sampler, pruner); the KerasTuner engine ignores sampler and pruner
    "tpe+hyperband": ("optuna", "tpe", "hyperband"),
    "random": ("optuna", "random", "none"),
    "kt-hyperband": ("keras-tuner", "tpe", "hyperband"),
    "tpe+median": ("optuna", "tpe", "median"),  # not in the default run; --methods adds it
}
DEFAULT_METHODS = "tpe+hyperband,random,kt-hyperband"
# Unpaired across samplers: each draws its own configurations and training seeds, so
# TPE's random start-up trials are not copies of random search's first trials. The two
# TPE methods share theirs, so they differ by the pruner alone.
SEED_OFFSET = {"tpe+hyperband": 0, "random": 1000, "kt-hyperband": 2000, "tpe+median": 0}
BASELINE = "random"
CANDIDATE, RIVAL = "tpe+hyperband", "kt-hyperband"
TOLERANCE = 1e-9  # "reached" means >= the baseline's best, up to float noise

# Small models that train fast on 16x16 images; still conditional, still spanning
# learning rates from too slow to diverging, so the search has something to find.
BENCH_SPACE = """
[params.depth]
kind = "int"
low = 1
high = 3

[params.base_width]
kind = "categorical"
choices = [8, 16, 32]

[params.convs_per_block]
kind = "categorical"
choices = [1]

[params.block_type]
kind = "categorical"
choices = ["plain", "residual"]

[params.dropout]
kind = "float"
low = 0.0
high = 0.4

[params.optimizer]
kind = "categorical"
choices = ["adam", "sgd"]

[params.momentum]
kind = "float"
low = 0.8
high = 0.95
when = "optimizer == 'sgd'"

[params.learning_rate]
kind = "float"
low = 3e-4
high = 1e-1
log = true

[params.lr_schedule]
kind = "categorical"
choices = ["plateau", "cosine"]

[params.batch_size]
kind = "categorical"
choices = [32, 64]

[params.cutout_p]
kind = "float"
low = 0.0
high = 1.0
step = 0.5

[params.cutout_size]
kind = "float"
low = 0.1
high = 0.4
when = "cutout_p > 0"
"""


@dataclasses.dataclass(frozen=True)
class Run:
    """One search: the val_accuracy of every epoch it trained, in the order trained."""

    method: str
    seed: int
    curve: tuple[float, ...]
    trials: int
    seconds: float

    def best(self, budget: int) -> float:
        return max(self.curve[:budget], default=0.0)

    def epochs_to(self, threshold: float, budget: int) -> int | None:
        """Epochs trained until an epoch first reached `threshold`; None if none did within `budget`."""
        for epoch, value in enumerate(self.curve[:budget], start=1):
            if value >= threshold - TOLERANCE:
                return epoch
        return None


class BudgetSpent(Exception):
    """The search trained its epoch budget."""


class BudgetReporter(SilentReporter):
    """Stops a search (by raising from the runner's callback) once its trials trained `budget` epochs."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.epochs = 0

    def trial_finished(self, trial, best, finished) -> None:
        self.epochs += len(trial.intermediate_values)
        if self.epochs >= self.budget:
            raise BudgetSpent


def main() -> None:
    args = _parse_args()
    threads = args.threads or max(1, (os.cpu_count() or 1) // args.jobs)
    with tempfile.TemporaryDirectory(prefix="cnntune-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        data_dir = _data_dir(args, work)
        space_file = _space_file(args, work)
        _decode_once(data_dir, work / "cache")
        print(
            f"data {data_dir.name}; space {args.space}; max {args.max_epochs} epochs per trial, "
            f"budget {args.budget} epochs per search, patience {args.patience}, seeds {args.seeds}; "
            f"{args.jobs} searches at a time, {threads} TensorFlow thread(s) each"
        )
        # Interleaved, so background load hits every method alike. Each search runs in a
        # process of its own with a fixed thread count: its figures depend on the seeds
        # and --threads, not on --jobs or on which search ran beside it.
        jobs = [(method, seed) for seed in range(args.seeds) for method in args.methods]
        runs: list[Run] = []
        spawn = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(args.jobs, mp_context=spawn, initializer=_quiet_tensorflow, initargs=(threads,))
        with pool:
            pending = [pool.submit(run_method, method, seed, args, data_dir, space_file, work) for method, seed in jobs]
            for future in as_completed(pending):
                run = future.result()
                runs.append(run)
                print(
                    f"  seed {run.seed} {run.method:<14} {run.trials:>3} trials, {len(run.curve):>4} epochs trained, "
                    f"{run.seconds:6.0f} s",
                    flush=True,
                )
                seed_runs = [r for r in runs if r.seed == run.seed]
                if len(seed_runs) == len(args.methods):
                    _print_seed(run.seed, sorted(seed_runs, key=lambda r: args.methods.index(r.method)), args.budget)
    _print_summary(runs, args.budget)


def _decode_once(data_dir: Path, cache_dir: Path) -> None:
    """Fills the uint8 cache before searches run side by side, so none of them decodes."""
    from cnntune.data import load_dataset

    load_dataset(data_dir, cache_dir=cache_dir)


def run_method(method: str, seed: int, args: argparse.Namespace, data_dir: Path, space: Path, work: Path) -> Run:
    engine, sampler, pruner = METHODS[method]
    name = f"{method}-{seed}"
    url = f"sqlite:///{work / (name + '.db')}"
    settings = SearchSettings(sampler=sampler, pruner=pruner)
    training = TrainingSettings(
        max_epochs=args.max_epochs,
        patience=args.patience,
        seed=SEED_OFFSET[method] + seed,
        jit_compile=args.jit_compile,
    )
    start = time.perf_counter()
    with contextlib.suppress(BudgetSpent):
        run_search(
            SearchRequest(
                data_dir=data_dir,
                cache_dir=work / "cache",
                storage_url=url,
                study_name=name,
                trials=10**6,  # the budget ends the search, not a trial count
                space_file=space,
                settings=settings,
                training=training,
                engine=engine,
                calibrate=False,  # the figures below were measured without pricing or recipes
                warm_start=False,
                kt_algorithm="hyperband",
            ),
            reporter=BudgetReporter(args.budget),
        )
    seconds = time.perf_counter() - start
    study = optuna.load_study(study_name=name, storage=url)
    return Run(method, seed, epoch_curve(study), len(study.trials), seconds)


def epoch_curve(study: optuna.Study) -> tuple[float, ...]:
    """Every recorded intermediate value (one per epoch trained), trial by trial, epoch by epoch."""
    curve: list[float] = []
    for trial in sorted(study.get_trials(deepcopy=False), key=lambda t: t.number):
        curve += [trial.intermediate_values[step] for step in sorted(trial.intermediate_values)]
    return tuple(curve)


def _print_seed(seed: int, runs: list[Run], budget: int) -> None:
    target = next(r for r in runs if r.method == BASELINE).best(budget)
    print(f"seed {seed}: {BASELINE}'s best {target:.4f}")
    print(f"  {'method':<14} {'best':>7} {'epochs':>7}  epochs to reach {target:.4f}")
    for run in runs:
        reached = run.epochs_to(target, budget)
        shown = f"{reached}" if reached is not None else f"not within {budget}"
        print(f"  {run.method:<14} {run.best(budget):>7.4f} {min(len(run.curve), budget):>7}  {shown}")


def _print_summary(runs: list[Run], budget: int) -> None:
    seeds = sorted({r.seed for r in runs})
    targets = {s: next(r for r in runs if r.seed == s and r.method == BASELINE).best(budget) for s in seeds}
    print(f"\nover {len(seeds)} seeds (budget {budget} epochs each):")
    print(f"  {'method':<14} {'mean best':>9}  epochs to reach {BASELINE}'s best, per seed")
    for method in sorted({r.method for r in runs}, key=list(METHODS).index):
        mine = [next(r for r in runs if r.seed == s and r.method == method) for s in seeds]
        reach = [r.epochs_to(targets[r.seed], budget) for r in mine]
        mean = statistics.mean(r.best(budget) for r in mine)
        print(f"  {method:<14} {mean:>9.4f}  {', '.join('-' if e is None else str(e) for e in reach)}")
    third = budget / 3
    candidate = {r.seed: r for r in runs if r.method == CANDIDATE}
    fast = [(e := candidate[s].epochs_to(targets[s], budget)) is not None and e <= third for s in seeds]
    verdict = "meets" if all(fast) else "MISSES"
    print(
        f"{CANDIDATE} reaches {BASELINE}'s best within {third:.0f} epochs in {sum(fast)}/{len(seeds)} seeds "
        f"({verdict} the goal)"
    )
    means = {m: statistics.mean(r.best(budget) for r in runs if r.method == m) for m in (CANDIDATE, RIVAL)}
    verdict = "meets" if means[CANDIDATE] >= means[RIVAL] - TOLERANCE else "MISSES"
    print(
        f"{CANDIDATE} mean best {means[CANDIDATE]:.4f} vs {RIVAL} {means[RIVAL]:.4f} at equal budget "
        f"({verdict} the goal of not being worse)"
    )


def _data_dir(args: argparse.Namespace, work: Path) -> Path:
    from cnntune.data import demo_data_dir, synthesize

    if args.data is not None:
        return args.data
    if args.demo:
        return demo_data_dir(args.cache_dir or work / "cache")
    return synthesize(
        work / f"demo-{args.size}px",
        train=args.train,
        validation=args.validation,
        test=0,
        size=args.size,
        classes=args.classes,
        seed=0,
    )


def _space_file(args: argparse.Namespace, work: Path) -> Path | None:
    if args.space == "default":
        return None
    if args.space != "bench":
        return Path(args.space)
    path = work / "bench-space.toml"
    path.write_text(BENCH_SPACE, encoding="utf-8")
    return path


def _quiet_tensorflow(threads: int) -> None:
    from cnntune.model import configure_tensorflow, import_tensorflow_quietly

    import_tensorflow_quietly()
    configure_tensorflow(threads=threads or None)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)  # "triggered tf.function retracing"
    optuna.logging.set_verbosity(optuna.logging.WARNING)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--data", type=Path, default=None, help="a data folder in the competition layout")
    where.add_argument("--demo", action="store_true", help="the demo set (32x32, 5 classes) in --cache-dir")
    parser.add_argument("--cache-dir", type=Path, default=None, help="for --demo (default: a temporary folder)")
    parser.add_argument("--size", type=int, default=16, help="image side of the synthesized set, pixels")
    parser.add_argument("--classes", type=int, default=5, help="classes of the synthesized set")
    parser.add_argument("--train", type=int, default=2000, help="training images of the synthesized set")
    parser.add_argument("--validation", type=int, default=1000, help="validation images of the synthesized set")
    parser.add_argument("--space", default="bench", help="bench (the reduced space above), default, or a TOML file")
    parser.add_argument("--max-epochs", type=int, default=27, help="epochs per trial at most")
    parser.add_argument("--patience", type=int, default=8, help="early-stopping patience, epochs")
    parser.add_argument("--budget", type=int, default=270, help="epochs every search may train in total")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--methods",
        type=_methods,
        default=DEFAULT_METHODS,
        help=f"comma-separated, from {', '.join(METHODS)}; must include {BASELINE}, {CANDIDATE} and {RIVAL}",
    )
    parser.add_argument(
        "--jit-compile", choices=["auto", "on", "off"], default="off", help="XLA (costs per trial on CPU)"
    )
    parser.add_argument(
        "--keep", type=Path, default=None, help="keep the studies (SQLite, one per method and seed) in this folder"
    )
    parser.add_argument(
        "--jobs", type=_positive, default=2, help="searches run side by side, one process each (default 2)"
    )
    parser.add_argument(
        "--threads", type=int, default=0, help="TensorFlow threads per search; 0 = the cores divided by --jobs"
    )
    return parser.parse_args()


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, but got {value}")
    return value


def _methods(text: str) -> list[str]:
    methods = [m.strip() for m in text.split(",") if m.strip()]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(METHODS)}")
    missing = {BASELINE, CANDIDATE, RIVAL} - set(methods)
    if missing:
        raise argparse.ArgumentTypeError(f"the verdicts need {', '.join(sorted(missing))}")
    return methods


if __name__ == "__main__":
    main()
