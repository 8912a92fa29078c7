"""Training one KerasTuner trial: its epoch budget and warm start around `fit_model`.

KerasTuner's Hyperband continues a promoted configuration from the weights of
its previous round ("tuner/trial_id") for "tuner/epochs" - "tuner/initial_epoch"
more epochs. Here the model is trained by `cnntune.search.running.trial`, the module
every trial path shares, with the study's `TrainingSettings` (the schedule
spans `max_epochs`, as in an Optuna trial); two callbacks add the rest: `StartFrom` loads the parent's weights and
moves the optimizer's step counter to where the parent left the schedule, and
`StopAfter` ends training at the trial's budget. The optimizer's moments and
the plateau/early-stopping state start afresh, as in KerasTuner's own tuners.

Intermediate values are the best val_accuracy so far, as in an Optuna trial.
Epochs are counted globally: a continued trial's intermediate values and best
epoch count the epochs its starting weights had already trained, so its curve
continues its parent's and `tune export-best` retrains it from scratch for its
best epoch.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import keras

from cnntune.model import HParams, TrainingSettings
from cnntune.search.kerastuner._record import COMPLETE, Outcome
from cnntune.search.running import train_configuration
from cnntune.search.strategy import running_best
from cnntune.storage.trial_record import BEST_EPOCH, FAIL


@dataclasses.dataclass(frozen=True)
class Plan:
    """What one KerasTuner trial trains."""

    epochs: int  # epochs to train in this trial (early stopping may end sooner)
    initial_epoch: int = 0  # epochs the starting weights have already trained; 0 = from scratch
    start_weights: Path | None = None  # the parent trial's weights, when continuing
    keep_weights: bool = False  # save the final weights: a later Hyperband round may continue them


def train_planned(
    hp: HParams,
    dataset: Any,
    training: TrainingSettings,
    plan: Plan,
    *,
    weights_out: Path,
    callbacks: Sequence[Any] = (),
) -> Outcome:
    """Trains `hp` as `plan` says and returns the trial's value, curve and attrs.

    `training` carries the trial's own seed. A trial that runs out of memory or
    diverges comes back FAIL with its reason, like an Optuna trial; other
    exceptions propagate.
    """
    steps_per_epoch = math.ceil(len(dataset.train.images) / hp.batch_size)
    own: list[Any] = [StopAfter(plan.epochs)]
    if plan.start_weights is not None:
        own.insert(0, StartFrom(plan.start_weights, plan.initial_epoch * steps_per_epoch))
    keep = (lambda model: model.save_weights(weights_out)) if plan.keep_weights else None
    outcome = train_configuration(hp, dataset, training, [*own, *callbacks], after_fit=keep)
    curve = _curve(outcome.history, plan.initial_epoch)
    if outcome.state == FAIL:
        return Outcome.failed(outcome.fail_reason, outcome.attrs, curve)
    attrs = dict(outcome.attrs)
    attrs[BEST_EPOCH] = plan.initial_epoch + attrs[BEST_EPOCH]
    return Outcome(COMPLETE, outcome.value, curve, attrs)


def _curve(history: dict[str, list[float]], initial_epoch: int) -> dict[int, float]:
    """Best-so-far val_accuracy by global epoch: what an Optuna trial reports to its pruner too."""
    best = running_best(history.get("val_accuracy", []))
    return {initial_epoch + i: v for i, v in enumerate(best) if math.isfinite(v)}


class StartFrom(keras.callbacks.Callback):
    """Loads a parent trial's weights and resumes the LR schedule at its step, before epoch 1."""

    def __init__(self, weights: Path, initial_step: int) -> None:
        super().__init__()
        self.weights = weights
        self.initial_step = initial_step

    def on_train_begin(self, logs: dict | None = None) -> None:
        with warnings.catch_warnings():
            # The file holds the parent's optimizer too; its moments are left out on purpose.
            warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
            self.model.load_weights(self.weights)
        self.model.optimizer.iterations.assign(self.initial_step)


class StopAfter(keras.callbacks.Callback):
    """Ends `fit` after `epochs` epochs although it was started for `max_epochs`."""

    def __init__(self, epochs: int) -> None:
        super().__init__()
        self.epochs = epochs

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if epoch + 1 >= self.epochs:
            self.model.stop_training = True
