"""The KerasTuner oracles (what to try next), sized from the study's `--trials` target.

`--trials N` stays what it is for the Optuna engine: the number of finished
trials the study should hold. The tuner stops creating trials as soon as the
study holds N (see `SpaceTuner.pre_create_trial`); the oracles are sized so
that they do not stop first:

- random, bayesian: `max_trials` = the trials the oracle has run + the trials
  the study still misses (updated before every trial, so a resumed run with a
  higher N goes on; failed trials do not count, as in the Optuna engine).
- hyperband: `max_epochs` = the study's `--max-epochs` (the most epochs one
  configuration trains, over all its rounds), `factor` = 3 (as Optuna's
  Hyperband pruner), and `hyperband_iterations` = ceil(N / trials per
  iteration), 30 trials per iteration at `max_epochs` = 20. KerasTuner starts
  with its most aggressive bracket (many configurations for max_epochs / 9
  epochs), so an N below one iteration explores widely and trains few
  configurations to `max_epochs`.
"""

from __future__ import annotations

import math
from typing import Any

from cnntune.errors import SearchError
from cnntune.search._settings import KT_ALGORITHMS

FACTOR = 3  # Hyperband's reduction factor: keep the best third, train it 3x longer
OBJECTIVE = "val_accuracy"
_NO_LIMIT = 10**9  # KerasTuner's own failure limit; cnntune's (`MAX_FAILURES_IN_A_ROW`) applies


def make_oracle(algorithm: str, *, target: int, max_epochs: int, seed: int | None) -> Any:
    """A fresh oracle for `--kt-algorithm`; a saved project's state replaces its progress."""
    import keras_tuner

    objective = keras_tuner.Objective(OBJECTIVE, direction="max")
    common = {
        "objective": objective,
        "seed": None if seed is None else seed + 1,  # KerasTuner takes seed 0 for "no seed"
        "max_consecutive_failed_trials": _NO_LIMIT,
    }
    if algorithm == "random":
        return keras_tuner.oracles.RandomSearchOracle(max_trials=target, **common)
    if algorithm == "bayesian":
        try:
            return keras_tuner.oracles.BayesianOptimizationOracle(max_trials=target, **common)
        except ImportError:
            raise SearchError(
                "--kt-algorithm bayesian needs scipy and scikit-learn: pip install 'keras-tuner[bayesian]'"
            ) from None
    if algorithm == "hyperband":
        return keras_tuner.oracles.HyperbandOracle(
            max_epochs=max_epochs,
            factor=FACTOR,
            hyperband_iterations=hyperband_iterations(target, max_epochs),
            **common,
        )
    raise SearchError(f"--kt-algorithm must be one of {', '.join(KT_ALGORITHMS)}, but got {algorithm!r}")


def fit_to_target(oracle: Any, remaining: int) -> None:
    """Lets `oracle` create at least `remaining` more trials (never fewer than it planned)."""
    planned = len(oracle.trials) + remaining
    if hasattr(oracle, "hyperband_iterations"):
        needed = hyperband_iterations(planned, oracle.max_epochs)
        oracle.hyperband_iterations = max(oracle.hyperband_iterations, needed)
    else:
        oracle.max_trials = planned


def hyperband_iterations(trials: int, max_epochs: int) -> int:
    return max(1, math.ceil(trials / hyperband_trials_per_iteration(max_epochs)))


def hyperband_trials_per_iteration(max_epochs: int) -> int:
    """Trials in one Hyperband iteration, by KerasTuner's bracket sizes (HyperbandOracle._get_size)."""
    brackets = 0
    epochs = float(max_epochs)
    while epochs >= 1:
        epochs /= FACTOR
        brackets += 1
    end_size = math.ceil(1 + math.log(max_epochs, FACTOR))
    total = 0
    for bracket in range(brackets):
        for round_ in range(bracket + 1):
            total += math.ceil(end_size / (bracket + 1) * FACTOR ** (bracket - round_))
    return total
