"""Which steers TPE away from too-costly configurations faster: a pruned state, or a constraint?

    python bench/costly_steering.py [--trials 60] [--seeds 5] [--budget 60m] [--max-epochs 20]
                                    [--shape 100 100 3] [--cache-dir DIR]

cnntune ends a configuration priced over its share of the budget as PRUNED
with no intermediate value (TPE ranks it with the worst). The alternative is
a constraint (`Trial.set_constraint`, Optuna 5's form of `constraints_func`),
which TPE ranks by how far over the limit a trial was. No training is needed
to compare them: each draw of the default space is built and priced with the
device's calibration (as `tune start --budget` prices it), and a feasible one gets a stand-in value:

- `noise`: uniform in [0.5, 0.9], nothing to learn but the cost limit;
- `capacity`: rises with the model's training FLOPs (plus noise), so the best
  values lie near the limit, as they often do for CNNs under a budget.

It prints, per variant and stand-in, the mean over seeds of the too-costly
draws among all trials and among those after TPE's random start-up, and the
median estimated trial time of the feasible draws (how close to the limit the
search dares to go).

Measured 2026-12-01 (default space priced at 100x100, 60-minute budget, 60 TPE trials, 5 seeds):
too-costly draws with the pruned state vs `Trial.set_constraint`: 9.6 vs 9.6 (noise stand-in),
17.2 vs 17.2 (capacity stand-in) -- the same draws. More in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import math
import statistics
import warnings
from pathlib import Path

import numpy as np
import optuna

from cnntune.data import default_cache_dir
from cnntune.durations import parse_duration
from cnntune.model import HParams
from cnntune.search import DEFAULT_TRIAL_SHARE
from cnntune.search.cost._calibration import calibrate
from cnntune.spaces import default_space, suggest_params

STARTUP = 8  # cnntune's TPE n_startup_trials
N_TRAIN, N_VAL = 11_250, 1_250  # the competition bench's split


def make_tpe(seed: int) -> optuna.samplers.TPESampler:
    """cnntune's TPE (it reads the trials' constraints, when they have any)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.TPESampler(
            seed=seed,
            multivariate=True,
            group=True,
            constant_liar=True,
            n_startup_trials=STARTUP,
        )


def price(params: dict, shape: tuple[int, int, int], time_model, max_epochs: int) -> tuple[float, float]:
    """(estimated trial seconds, training FLOPs per image) of one draw."""
    import keras

    from cnntune.model.training import build_model, model_cost

    hp = HParams.from_params(params)
    cost = model_cost(build_model(hp, shape, 5))
    keras.backend.clear_session()
    epoch = time_model.predict_epoch_seconds(cost, n_train=N_TRAIN, n_val=N_VAL, batch_size=hp.batch_size)
    return epoch * max_epochs, float(cost.train_flops)


def search(seed: int, constrained: bool, stand_in: str, args, time_model, limit: float) -> dict:
    sampler = make_tpe(seed)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    rng = np.random.default_rng(seed + 1000)
    space = default_space()
    costly, feasible_seconds = [], []
    for _ in range(args.trials):
        trial = study.ask()
        seconds, flops = price(suggest_params(trial, space), tuple(args.shape), time_model, args.max_epochs)
        noise = rng.uniform(0.5, 0.9)
        if seconds > limit:
            if constrained:
                trial.set_constraint("cost", seconds / limit - 1)
            costly.append(True)
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            continue
        costly.append(False)
        feasible_seconds.append(seconds)
        value = noise if stand_in == "noise" else 0.1 * math.log10(flops) + 0.2 * noise
        study.tell(trial, value)
    return {
        "costly": sum(costly),
        "costly_after_startup": sum(costly[STARTUP:]),
        "median_feasible_seconds": statistics.median(feasible_seconds) if feasible_seconds else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=60)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--budget", default="60m")
    parser.add_argument("--max-epochs", type=int, default=20)
    parser.add_argument("--shape", type=int, nargs=3, default=[100, 100, 3])
    parser.add_argument("--cache-dir", type=Path, default=None, help="where the calibration is cached")
    args = parser.parse_args()

    import tensorflow as tf

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    time_model = calibrate(
        tuple(args.shape),
        5,
        cache_dir=args.cache_dir or default_cache_dir(),
        threads=tf.config.threading.get_intra_op_parallelism_threads() or None,
    )
    limit = DEFAULT_TRIAL_SHARE * parse_duration(args.budget)
    print(f"trial limit: {limit:.0f} s ({DEFAULT_TRIAL_SHARE:g} of {args.budget}), {args.max_epochs} epochs a trial")
    print(f"{args.trials} trials a search, {args.seeds} seeds; TPE's first {STARTUP} trials are random")
    print(f"{'stand-in':<9} {'variant':<17} {'too costly':>10} {'after start-up':>15} {'median feasible s':>18}")
    for stand_in in ("noise", "capacity"):
        for constrained, name in ((False, "pruned (cnntune)"), (True, "set_constraint")):
            runs = [search(seed, constrained, stand_in, args, time_model, limit) for seed in range(args.seeds)]
            print(
                f"{stand_in:<9} {name:<17} {statistics.mean(r['costly'] for r in runs):>10.1f} "
                f"{statistics.mean(r['costly_after_startup'] for r in runs):>15.1f} "
                f"{statistics.median(r['median_feasible_seconds'] for r in runs):>18.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
