"""Fit one model from hyperparameters: the loop every trial and every export runs.

Early stopping restores the best epoch's weights, LR-on-plateau runs when the
schedule asks for it, and a NaN loss stops training at once. Search trials and
`tune export-best` share this function so a retrained model is trained exactly
as its trial was.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np

from cnntune.data.augment import AugmentConfig
from cnntune.data.pipeline import eval_pipeline, train_pipeline
from cnntune.model._builder import build_model
from cnntune.model._compile import compile_model
from cnntune.model._hparams import HParams
from cnntune.model._model_function import build_user_model
from cnntune.model._optim import decays_to_zero, uses_plateau
from cnntune.model._settings import TrainingSettings


@dataclasses.dataclass
class FitResult:
    """A trained model and what its training measured."""

    model: Any
    history: dict[str, list[float]]
    epochs_run: int
    epochs_allotted: int  # what the schedule was sized to (max_epochs, or fewer under a budget)
    best_epoch: int  # 1-based; the weights the model holds now
    best_val_accuracy: float | None
    train_seconds: float
    images_per_second: float
    param_count: int
    diverged: bool


def fit_model(
    hp: HParams,
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray] | None,
    *,
    num_classes: int,
    settings: TrainingSettings = TrainingSettings(),
    callbacks: Sequence[Any] = (),
    recorder: HistoryRecorder | None = None,
    on_built: Callable[[Any], int | None] | None = None,
    verbose: int = 0,
) -> FitResult:
    """Builds, compiles and trains a CNN on uint8 images.

    Args:
        hp: the trial's hyperparameters.
        train: (images uint8 (N, H, W, C), labels int (N,)).
        validation: the same for validation, or None to train a fixed number of
            epochs without early stopping (fitting on train+validation).
        num_classes: softmax width.
        settings: epochs (`max_epochs`), patience, seed and device options.
        callbacks: extra Keras callbacks (pruning, progress), run after ours.
        recorder: where the per-epoch history goes; pass one to read it after
            a callback aborted training.
        on_built: called with the built model before it is compiled (its cost is
            known then); it returns the epochs to train, fewer than
            `settings.max_epochs` when a budget allots fewer (None: all of them).
            The schedule is sized to those epochs. An exception it raises ends
            the fit before any training.
        verbose: Keras fit verbosity.
    """
    if settings.seed is not None:
        keras.utils.set_random_seed(settings.seed)
    images, labels = train
    steps_per_epoch = math.ceil(len(images) / hp.batch_size)
    train_ds = train_pipeline(
        images,
        labels,
        num_classes=num_classes,
        batch_size=hp.batch_size,
        augment=augment_config(hp),
        seed=settings.seed,
    )
    val_ds = None
    if validation is not None:
        val_ds = eval_pipeline(*validation, num_classes=num_classes, batch_size=max(hp.batch_size, 256))
    model = _build(hp, images.shape[1:], num_classes, settings)
    epochs = settings.max_epochs
    if on_built is not None:
        epochs = on_built(model) or epochs
    compile_model(model, hp, steps_per_epoch=steps_per_epoch, epochs=epochs, jit_compile=settings.jit)
    # Optimizer slots created lazily inside the first traced train step leave their
    # initializer graphs in TensorFlow's global function library, which
    # clear_session() does not empty: ~40 MB per trial, measured. Built eagerly, none.
    model.optimizer.build(model.trainable_variables)

    own: list[Any] = [keras.callbacks.TerminateOnNaN()]
    stopper = None
    if val_ds is not None:
        stopper = keras.callbacks.EarlyStopping(
            monitor="val_accuracy",
            mode="max",
            # a schedule that ends at 0 saves its best epochs for last: it runs to its end
            patience=epochs if decays_to_zero(hp) else settings.patience,
            restore_best_weights=True,
            verbose=0,
        )
        own.append(stopper)
        if uses_plateau(hp):
            own.append(
                keras.callbacks.ReduceLROnPlateau(
                    monitor="val_accuracy",
                    mode="max",
                    factor=settings.plateau_factor,
                    patience=settings.plateau_patience,
                    min_lr=1e-6,
                    verbose=0,
                )
            )
    recorder = recorder if recorder is not None else HistoryRecorder()
    start = time.perf_counter()
    try:
        model.fit(
            train_ds,
            validation_data=val_ds,
            epochs=epochs,
            callbacks=[recorder, *own, *callbacks],
            shuffle=False,  # the pipeline shuffles
            verbose=verbose,
        )
    except BaseException:
        # A callback cut the fit short (the budget's deadline, the pruner): Keras skips
        # on_train_end, so restore the best finished epoch here, as EarlyStopping would.
        if stopper is not None and stopper.best_weights is not None:
            model.set_weights(stopper.best_weights)
        raise
    finally:
        recorder.seconds = time.perf_counter() - start
    return _result(model, recorder, n_images=len(images), epochs_allotted=epochs)


def _build(hp: HParams, input_shape: tuple[int, ...], num_classes: int, settings: TrainingSettings) -> Any:
    """cnntune's CNN, or the user's model function's model (checked before its first step)."""
    if settings.model_function is None:
        return build_model(hp, input_shape, num_classes, mixed_precision=settings.mixed_precision)
    params = hp.params_for_model()
    return build_user_model(
        settings.model_function, params, input_shape, num_classes, mixed_precision=settings.mixed_precision
    )


def augment_config(hp: HParams) -> AugmentConfig:
    """The augmentation part of a trial's hyperparameters (the data layer knows no HParams)."""
    return AugmentConfig(
        flip=hp.flip,
        cutout_p=hp.cutout_p,
        cutout_size=hp.cutout_size,
        cutmix_p=hp.cutmix_p,
        cutmix_alpha=hp.cutmix_alpha,
    )


class HistoryRecorder(keras.callbacks.Callback):
    """Keeps per-epoch logs even when a callback (pruning) aborts `fit` with an exception.

    Keras' own History is only returned by a `fit` that finishes; a pruned trial
    still deserves its learning curve, so the caller may pass its own recorder.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.seconds = 0.0

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = dict(logs or {})
        if "learning_rate" not in logs and self.model is not None:  # Keras 3 logs it only under some callbacks
            logs["learning_rate"] = _current_learning_rate(self.model.optimizer)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))


def _current_learning_rate(optimizer: Any) -> float:
    """The learning rate the next step would take: a schedule evaluated at the steps taken so far."""
    rate = optimizer.learning_rate  # Keras 3 evaluates a schedule at `optimizer.iterations` here
    return float(keras.ops.convert_to_numpy(rate))


def _result(model: Any, recorder: Any, *, n_images: int, epochs_allotted: int) -> FitResult:
    history = recorder.history
    losses = history.get("loss", [])
    epochs_run = len(losses)
    diverged = any(not math.isfinite(x) for x in losses) or (epochs_run == 0)
    val = history.get("val_accuracy")
    best_epoch = int(np.argmax(val)) + 1 if val else epochs_run
    seconds = recorder.seconds
    return FitResult(
        model=model,
        history=history,
        epochs_run=epochs_run,
        epochs_allotted=epochs_allotted,
        best_epoch=best_epoch,
        best_val_accuracy=float(max(val)) if val else None,
        train_seconds=seconds,
        images_per_second=(n_images * epochs_run / seconds) if seconds > 0 else 0.0,
        param_count=int(model.count_params()),
        diverged=diverged,
    )
