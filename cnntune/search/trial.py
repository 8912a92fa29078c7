"""How one trial trains and what it records: the module every trial path shares.

The Optuna objective, the `--isolate` child and the KerasTuner engine decide
*what* to train differently; all three train it here (`train_configuration`),
get back a `TrialOutcome`, and record it under the same attr names. A stop
signal comes out as KeyboardInterrupt whatever native code made of it.
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Callable, Sequence
from typing import Any

from cnntune.model import HParams, TrainingSettings
from cnntune.search._deadline import DeadlineReached
from cnntune.search._interrupts import interruption_reason, interrupts_restored, stop_request_callback

__all__ = [
    "FAIL_REASON",
    "SKIPPED",
    "TrialOutcome",
    "describe_failure",
    "interruption_reason",
    "record_outcome",
    "train_configuration",
    "trial_training",
]

# The trial user attrs cnntune writes (reports, status and export read them).
FAIL_REASON = "fail_reason"  # why a FAIL (or a skipped trial) ended
SKIPPED = "skipped"  # set on a trial that was never trained (too costly): it does not count toward --trials
HISTORY = "history"  # per-epoch curves: loss, accuracy, val_loss, val_accuracy, learning_rate
EPOCHS_RUN = "epochs_run"
BEST_EPOCH = "best_epoch"  # 1-based, as Keras prints epochs

COMPLETE, PRUNED, FAIL = "COMPLETE", "PRUNED", "FAIL"


@dataclasses.dataclass
class TrialOutcome:
    """What training one configuration produced, before any engine records it."""

    state: str  # COMPLETE, PRUNED or FAIL
    value: float | None  # best val_accuracy (COMPLETE)
    history: dict[str, list[float]]
    attrs: dict[str, Any]  # user attrs to record (history and fail reason included)

    @property
    def fail_reason(self) -> str | None:
        return self.attrs.get(FAIL_REASON)


def train_configuration(
    hp: HParams,
    dataset: Any,
    training: TrainingSettings,
    callbacks: Sequence[Any] = (),
    *,
    on_built: Callable[[Any], None] | None = None,
    after_fit: Callable[[Any], None] | None = None,
) -> TrialOutcome:
    """Trains `hp` on the train split, validating every epoch, and says how it ended.

    Args:
        hp: the configuration.
        dataset: a `cnntune.data.Dataset`.
        training: epochs, patience, seed and device options (the seed already the trial's).
        callbacks: Keras callbacks of the calling engine (pruning, progress, budget).
        on_built: called with the compiled model before its first step; it may raise
            `optuna.TrialPruned` to end the trial before any training (too costly).
        after_fit: called with the trained model of a finished fit (KerasTuner keeps weights).

    Returns:
        The outcome: PRUNED when a callback raised `optuna.TrialPruned` (with the
        history so far, and the exception's `attrs` if it carries any); FAIL with
        the reason on out-of-memory or a NaN loss. KeyboardInterrupt propagates.
    """
    import keras
    import optuna
    import tensorflow as tf

    from cnntune.model.training import HistoryRecorder, fit_model

    recorder = HistoryRecorder()
    try:
        with interrupts_restored():
            result = fit_model(
                hp,
                (dataset.train.images, dataset.train.labels),
                (dataset.validation.images, dataset.validation.labels),
                num_classes=dataset.num_classes,
                settings=training,
                callbacks=[*callbacks, stop_request_callback()],
                recorder=recorder,
                on_built=on_built,
            )
            if after_fit is not None and not result.diverged:
                after_fit(result.model)
    except tf.errors.ResourceExhaustedError as exc:
        return _failed(recorder.history, f"out of memory: {exc.message.splitlines()[0]}")
    except optuna.TrialPruned as exc:
        attrs = {**_history_attrs(recorder.history), **getattr(exc, "attrs", {})}
        return TrialOutcome(PRUNED, None, recorder.history, attrs)
    except DeadlineReached:
        return _stopped_at_deadline(recorder.history)
    finally:
        keras.backend.clear_session()
        gc.collect()

    history = result.history
    if result.diverged:
        return _failed(history, f"diverged: loss became NaN in epoch {result.epochs_run}")
    attrs = {
        **_history_attrs(history),
        BEST_EPOCH: result.best_epoch,
        "param_count": result.param_count,
        "train_seconds": round(result.train_seconds, 3),
        "images_per_second": round(result.images_per_second, 1),
    }
    return TrialOutcome(COMPLETE, max(history["val_accuracy"]), history, attrs)


def trial_training(training: TrainingSettings, number: int) -> TrainingSettings:
    """A trial's own training settings: the study seed offset by the trial number (every engine alike)."""
    return training if training.seed is None else training.replace(seed=training.seed + number)


def record_outcome(trial: Any, outcome: TrialOutcome) -> None:
    """Writes an outcome's attrs into an Optuna trial."""
    for key, value in outcome.attrs.items():
        trial.set_user_attr(key, value)


def describe_failure(exc: BaseException) -> str:
    """The fail reason of an unforeseen error: its type and the first line of its message."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0][:300]}" if lines else type(exc).__name__


def _history_attrs(history: dict[str, list[float]]) -> dict[str, Any]:
    """Per-epoch curves (losses, accuracies, learning rate) for reports, rounded to stay small."""
    return {
        HISTORY: {k: [round(v, 6) for v in vs] for k, vs in history.items()},
        EPOCHS_RUN: len(history.get("loss", [])),
    }


def _stopped_at_deadline(history: dict[str, list[float]]) -> TrialOutcome:
    """The budget ran out mid-trial: the best finished epoch is the value, as early stopping would keep it."""
    val = history.get("val_accuracy", [])
    if not val:
        return _failed(history, "stopped at the budget's deadline before its first epoch ended")
    best = max(range(len(val)), key=val.__getitem__)
    attrs = {**_history_attrs(history), BEST_EPOCH: best + 1, "stopped": "budget deadline"}
    return TrialOutcome(COMPLETE, val[best], history, attrs)


def _failed(history: dict[str, list[float]], reason: str) -> TrialOutcome:
    return TrialOutcome(FAIL, None, history, {**_history_attrs(history), FAIL_REASON: reason})
