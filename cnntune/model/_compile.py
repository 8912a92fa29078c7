"""Compiling a built model for a trial: optimizer, loss and the metric the search reads."""

from __future__ import annotations

import keras

from cnntune.model._hparams import HParams
from cnntune.model._optim import build_optimizer


def compile_model(
    model: keras.Model,
    hp: HParams,
    *,
    steps_per_epoch: int,
    epochs: int,
    jit_compile: bool | str = "auto",
) -> None:
    """Compiles `model` in place for training on one-hot (or CutMix-softened) labels.

    The metric is named "accuracy" so the logs carry `accuracy` / `val_accuracy`,
    the names the search and its pruner read.

    Args:
        model: from `build_model`.
        hp: the trial's hyperparameters (optimizer, schedule, label_smoothing).
        steps_per_epoch: batches per epoch, for the learning-rate schedule.
        epochs: epochs the model will train for, for the schedule.
        jit_compile: passed to `Model.compile`; "auto" lets Keras decide (XLA on GPU).
    """
    model.compile(
        optimizer=build_optimizer(hp, steps_per_epoch=steps_per_epoch, epochs=epochs),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=hp.label_smoothing),
        metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")],
        jit_compile=jit_compile,
    )
