"""Retraining the best trial: what to train (the plan) and the training of each member.

A member is trained by `fit_model`, the function every trial ran, so a retrained
model is trained exactly as its trial was: same hyperparameters, same device
settings, and on `fit_on="train"` with the trial's seed for the first member.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
from collections.abc import Callable, Iterator
from typing import Any

import keras
import numpy as np

from cnntune.errors import ExportError
from cnntune.export._members import Member
from cnntune.model import HParams, TrainingSettings
from cnntune.model.training import fit_model
from cnntune.storage.trial_record import BEST_EPOCH, EPOCHS_RUN

FIT_ON = ("train", "train+validation")
Printer = Callable[[str], None]


def silent(line: str) -> None:
    """The default printer: the library says nothing unless a caller asks."""


@dataclasses.dataclass(frozen=True)
class RetrainPlan:
    """How the members of an export are trained, resolved from the study and the options."""

    trial_number: int
    params: dict[str, Any]
    epochs: int
    seeds: tuple[int, ...]
    fit_on: str
    training: TrainingSettings  # the study's, as recorded; epochs and seed are set per member


def plan_retrain(
    trial: Any,
    settings: dict[str, Any],
    *,
    n_train: int,
    n_validation: int,
    epochs: int | None,
    seeds: int,
    fit_on: str,
) -> RetrainPlan:
    """Resolves epochs and seeds for retraining `trial` (a FrozenTrial of the study).

    Epochs default to the trial's best epoch. Fitting on train+validation shows the
    model (n_train + n_validation) / n_train times more images per epoch *and*
    has no validation split left for early stopping, so the best epoch is
    scaled up by that ratio (the usual heuristic: more data overfits later).

    Seeds start at the trial's own seed (study seed + trial number, 0 for an
    unseeded study) so that one member on train repeats the trial's training.
    """
    check_retrain_options(epochs=epochs, seeds=seeds, fit_on=fit_on)
    if epochs is None:
        epochs = _default_epochs(trial, n_train=n_train, n_validation=n_validation, fit_on=fit_on)
    base = int(settings.get("seed") or 0) + trial.number
    return RetrainPlan(
        trial_number=trial.number,
        params=dict(trial.params),
        epochs=epochs,
        seeds=tuple(base + k for k in range(seeds)),
        fit_on=fit_on,
        training=TrainingSettings.from_dict(settings),
    )


def check_retrain_options(*, epochs: int | None, seeds: int, fit_on: str) -> None:
    """Rejects bad options before the study and the data are loaded."""
    if fit_on not in FIT_ON:
        raise ExportError(f"--fit-on must be one of {', '.join(FIT_ON)}, but got {fit_on!r}")
    if seeds < 1:
        raise ExportError(f"--seeds must be >= 1, but got {seeds}")
    if epochs is not None and epochs < 1:
        raise ExportError(f"--epochs must be >= 1, but got {epochs}")


def _default_epochs(trial: Any, *, n_train: int, n_validation: int, fit_on: str) -> int:
    best = trial.user_attrs.get(BEST_EPOCH) or trial.user_attrs.get(EPOCHS_RUN)
    if not best:
        raise ExportError(f"trial #{trial.number} records no best_epoch; pass --epochs")
    if fit_on == "train":
        return int(best)
    return max(1, math.ceil(int(best) * (n_train + n_validation) / n_train))


def retrain_members(plan: RetrainPlan, dataset: Any, *, printer: Printer = silent) -> list[Member]:
    """Trains one model per seed of `plan` on `dataset` and returns them.

    On `fit_on="train"` the validation split drives early stopping (and the LR
    plateau) as in the trial; on train+validation every model trains exactly
    `plan.epochs` epochs.
    """
    hp = HParams.from_params(plan.params, model_params=plan.training.model_function is not None)
    train, validation = _fit_data(dataset, plan.fit_on)
    members = []
    with _expected_retracing():
        for k, seed in enumerate(plan.seeds):
            members.append(_train_member(plan, hp, train, validation, dataset.num_classes, k, seed, printer))
    return members


def _train_member(
    plan: RetrainPlan,
    hp: HParams,
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray] | None,
    num_classes: int,
    k: int,
    seed: int,
    printer: Printer,
) -> Member:
    printer(
        f"member {k + 1}/{len(plan.seeds)} (seed {seed}): training on {plan.fit_on} "
        f"for {plan.epochs} epochs ({len(train[0])} images)"
    )
    result = fit_model(
        hp,
        train,
        validation,
        num_classes=num_classes,
        settings=plan.training.replace(max_epochs=plan.epochs, seed=seed),
        callbacks=[EpochPrinter(printer, plan.epochs)],
    )
    if result.diverged:
        raise ExportError(
            f"member {k + 1} (seed {seed}) diverged: loss became NaN in epoch {result.epochs_run}; "
            "pass fewer --epochs or retrain with other --seeds"
        )
    return Member(result.model, f"member-{k}.keras", plan.trial_number, result.epochs_run, seed=seed)


@contextlib.contextmanager
def _expected_retracing() -> Iterator[None]:
    """Mutes TensorFlow's Python warnings while members train.

    Each member is a new model, so `fit` traces its functions anew: TensorFlow
    calls that "excessive retracing" and would warn in the middle of the progress.
    """
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _fit_data(dataset: Any, fit_on: str) -> tuple[tuple[np.ndarray, np.ndarray], Any]:
    train = (dataset.train.images, dataset.train.labels)
    validation = (dataset.validation.images, dataset.validation.labels)
    if fit_on == "train":
        return train, validation
    images = np.concatenate([train[0], validation[0]])
    labels = np.concatenate([train[1], validation[1]])
    return (images, labels), None


class EpochPrinter(keras.callbacks.Callback):
    """One progress line per epoch to a printer function (the CLI passes `click.echo`)."""

    def __init__(self, printer: Printer, epochs: int) -> None:
        super().__init__()
        self.printer = printer
        self.epochs = epochs

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        shown = [f"{key} {logs[key]:.4f}" for key in ("loss", "accuracy", "val_accuracy") if key in logs]
        self.printer(f"  epoch {epoch + 1}/{self.epochs}  " + "  ".join(shown))
