"""One trial: sample params, train with pruning, record what happened.

The trial's value is its best validation accuracy. A trial that runs out of
memory or diverges ends as FAIL with the reason in its user attrs, and the
study goes on (`TrialFailed` is in `study.optimize(catch=...)`).
"""

from __future__ import annotations

import contextlib
import gc
from typing import Any

from cnntune.errors import TrialFailed
from cnntune.model.hparams import HParams
from cnntune.search._interrupts import interruption_reason, interrupts_restored, stop_request_callback
from cnntune.search._reporter import Reporter, SilentReporter
from cnntune.search._settings import SearchSettings
from cnntune.spaces import Space, suggest_params

FAIL_REASON = "fail_reason"


class TrialObjective:
    """The callable handed to `study.optimize`: everything a trial needs, passed in."""

    def __init__(
        self,
        dataset: Any,
        space: Space,
        settings: SearchSettings,
        reporter: Reporter | None = None,
    ) -> None:
        self.dataset = dataset
        self.space = space
        self.settings = settings
        self.reporter = reporter or SilentReporter()

    def __call__(self, trial: Any) -> float:
        params = suggest_params(trial, self.space)
        hp = HParams.from_params(params)
        self.reporter.trial_started(trial.number, self.settings.max_epochs)
        return train_trial(trial, hp, self.dataset, self.settings, self.reporter)


def train_trial(trial: Any, hp: HParams, dataset: Any, settings: SearchSettings, reporter: Reporter) -> float:
    """Trains `hp` under `trial`'s pruner and records the trial's attrs."""
    import keras
    import optuna
    import tensorflow as tf

    from cnntune.model.training import HistoryRecorder
    from cnntune.search._pruning import BestSoFarPruning

    config = settings.fit_config(None if settings.seed is None else settings.seed + trial.number)
    recorder = HistoryRecorder()
    callbacks = [BestSoFarPruning(trial, "val_accuracy"), reporter.keras_callback(trial.number)]
    try:
        result = fit_on_splits(hp, dataset, config, [c for c in callbacks if c is not None], recorder)
    except optuna.TrialPruned:
        _record_history(trial, recorder.history)
        raise
    except tf.errors.ResourceExhaustedError as exc:
        _record_history(trial, recorder.history)
        raise _fail(trial, f"out of memory: {exc.message.splitlines()[0]}") from None
    except KeyboardInterrupt as exc:
        with contextlib.suppress(Exception):  # the interrupt matters more than its reason
            trial.set_user_attr(FAIL_REASON, interruption_reason(exc))
        raise
    finally:
        keras.backend.clear_session()
        gc.collect()

    _record_history(trial, result.history)
    if result.diverged:
        raise _fail(trial, f"diverged: loss became NaN in epoch {result.epochs_run}")
    trial.set_user_attr("best_epoch", result.best_epoch)
    trial.set_user_attr("epochs_run", result.epochs_run)
    trial.set_user_attr("param_count", result.param_count)
    trial.set_user_attr("train_seconds", round(result.train_seconds, 3))
    trial.set_user_attr("images_per_second", round(result.images_per_second, 1))
    del result
    return _best_val_accuracy(recorder.history)


def fit_on_splits(hp: HParams, dataset: Any, config: Any, callbacks: list[Any], recorder: Any) -> Any:
    """Trains on the train split, validating every epoch; a stop signal ends it at the next epoch end.

    Both engines train through here, so a trial is trained the same way whichever decided to run it,
    and a stop signal comes out as KeyboardInterrupt whatever native code made of it.
    """
    from cnntune.model.training import fit_model

    with interrupts_restored():
        return fit_model(
            hp,
            (dataset.train.images, dataset.train.labels),
            (dataset.validation.images, dataset.validation.labels),
            num_classes=dataset.num_classes,
            config=config,
            callbacks=[*callbacks, stop_request_callback()],
            recorder=recorder,
        )


def _best_val_accuracy(history: dict[str, list[float]]) -> float:
    return max(history["val_accuracy"])


def _record_history(trial: Any, history: dict[str, list[float]]) -> None:
    """Per-epoch curves (losses, accuracies, learning rate) for reports, rounded to stay small."""
    trial.set_user_attr("history", {k: [round(v, 6) for v in vs] for k, vs in history.items()})
    trial.set_user_attr("epochs_run", len(history.get("loss", [])))


def _fail(trial: Any, reason: str) -> TrialFailed:
    trial.set_user_attr(FAIL_REASON, reason)
    return TrialFailed(reason)
