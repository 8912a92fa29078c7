"""How one trial trains and what it records: the module every trial path shares.

The Optuna objective, the `--isolate` child and the KerasTuner engine decide
*what* to train differently; all three train it here (`train_configuration`;
an Optuna trial through `train_trial`, in-process or in the child), get back a
`TrialOutcome`, and record it under the trial record's keys
(`cnntune.storage.trial_record`, which also counts finished trials toward
`--trials`). A stop signal comes out as KeyboardInterrupt whatever native code
made of it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from cnntune.errors import TrialFailed
from cnntune.interrupts import interruption_reason, interrupts_restored, stop_request_callback
from cnntune.model import HParams, TrainingSettings
from cnntune.search.cost import Budget, DeadlineReached
from cnntune.search.running._reporter import Reporter
from cnntune.storage.trial_record import (
    BEST_EPOCH,
    COMPLETE,
    COST,
    EPOCH_SECONDS,
    EPOCHS_RUN,
    FAIL,
    FAIL_REASON,
    FINAL_FIT,
    HISTORY,
    IMAGES_PER_SECOND,
    MEASURED_EPOCH_SECONDS,
    OUT_OF_TIME,
    PARAM_COUNT,
    PRUNED,
    SCHEDULE_DONE,
    SKIPPED,
    STARTED_FROM,
    STOPPED,
    TRAIN_SECONDS,
    FinalFitRecord,
)

if TYPE_CHECKING:
    from cnntune.search.cost import TrialPricer
    from cnntune.search.running._keeper import ModelKeeper, NoKeeper

__all__ = [
    "MAX_FAILURES_IN_A_ROW",
    "TrialOutcome",
    "interruption_reason",
    "record_outcome",
    "train_configuration",
    "train_trial",
    "trial_training",
]

MAX_FAILURES_IN_A_ROW = 5  # a study whose trials keep failing is broken, not unlucky (every engine stops)


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
    on_built: Callable[[Any], int | None] | None = None,
    after_fit: Callable[[Any], dict[str, Any] | None] | None = None,
) -> TrialOutcome:
    """Trains `hp` on the train split, validating every epoch, and says how it ended.

    Args:
        hp: the configuration.
        dataset: a `cnntune.data.Dataset`.
        training: epochs, patience, seed and device options (the seed already the trial's).
        callbacks: Keras callbacks of the calling engine (pruning, progress, budget).
        on_built: called with the built model before it is compiled; it returns the epochs
            to train (None: all of `training.max_epochs`), or raises `optuna.TrialPruned`
            to end the trial before any training (too costly).
        after_fit: called with the trained model of every COMPLETE outcome, holding its best
            epoch's weights (a deadline cut included); the attrs it returns are recorded
            too. The search keeps the model with it; KerasTuner keeps its weights.

    Returns:
        The outcome: PRUNED when a callback raised `optuna.TrialPruned` (with the
        history so far, and the exception's `attrs` if it carries any); at the
        budget's deadline (`DeadlineReached`), COMPLETE with the best finished
        epoch as its value, or PRUNED and skipped if none had finished; FAIL with
        the reason on out-of-memory or a NaN loss. KeyboardInterrupt propagates.
    """
    import keras
    import optuna
    import tensorflow as tf

    from cnntune.model.training import HistoryRecorder, fit_model

    recorder = HistoryRecorder()
    built: list[Any] = []  # the model, for a fit that a deadline cuts short
    allotted = [training.max_epochs]

    def built_hook(model: Any) -> int:
        built.append(model)
        if on_built is not None:
            allotted[0] = on_built(model) or allotted[0]
        return allotted[0]

    kept: dict[str, Any] = {}
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
                on_built=built_hook,
            )
            if after_fit is not None and not result.diverged:
                kept = after_fit(result.model) or {}
    except tf.errors.ResourceExhaustedError as exc:
        return _failed(recorder.history, f"out of memory: {exc.message.splitlines()[0]}")
    except TrialFailed as exc:  # the user's model function raised, or built a model of the wrong shape
        return _failed(recorder.history, str(exc))
    except optuna.TrialPruned as exc:
        attrs = {**_history_attrs(recorder.history), **getattr(exc, "attrs", {})}
        return TrialOutcome(PRUNED, None, recorder.history, attrs)
    except DeadlineReached:
        outcome = _stopped_at_deadline(recorder.history, allotted[0])
        if outcome.state == COMPLETE and after_fit is not None and built:
            outcome.attrs.update(after_fit(built[0]) or {})  # fit_model left the best finished epoch in it
        return outcome
    finally:
        keras.backend.clear_session()
        gc.collect()

    history = result.history
    if result.diverged:
        return _failed(history, f"diverged: loss became NaN in epoch {result.epochs_run}")
    attrs = {
        **_history_attrs(history),
        BEST_EPOCH: result.best_epoch,
        PARAM_COUNT: result.param_count,
        TRAIN_SECONDS: round(result.train_seconds, 3),
        IMAGES_PER_SECOND: round(result.images_per_second, 1),
        **kept,
    }
    return TrialOutcome(COMPLETE, max(history["val_accuracy"]), history, attrs)


def trial_training(training: TrainingSettings, number: int) -> TrainingSettings:
    """A trial's own training settings: the study seed offset by the trial number (every engine alike)."""
    return training if training.seed is None else training.replace(seed=training.seed + number)


def record_outcome(trial: Any, outcome: TrialOutcome) -> None:
    """Writes an outcome's attrs into an Optuna trial."""
    for key, value in outcome.attrs.items():
        trial.set_user_attr(key, value)


def _restore_source(model: Any, final: FinalFitRecord, keeper: ModelKeeper | NoKeeper | None) -> str:
    """A final fit's starting point: its source trial's kept weights loaded into `model`, or scratch (and why)."""
    if final.start != "weights" or final.artifact is None:
        return "scratch"
    if keeper is None:
        return "scratch: this worker keeps no models"
    reason = keeper.restore(model, final.artifact)
    return f"weights of trial {final.of}" if reason is None else f"scratch: {reason}"


def _history_attrs(history: dict[str, list[float]]) -> dict[str, Any]:
    """Per-epoch curves (losses, accuracies, learning rate) for reports, rounded to stay small."""
    return {
        HISTORY: {k: [round(v, 6) for v in vs] for k, vs in history.items()},
        EPOCHS_RUN: len(history.get("loss", [])),
    }


def _stopped_at_deadline(history: dict[str, list[float]], allotted: int) -> TrialOutcome:
    """The budget ran out mid-trial: the best finished epoch is the value, as early stopping would keep it."""
    val = history.get("val_accuracy", [])
    if not val:  # nothing to keep: PRUNED, and like a skipped trial it does not count toward --trials
        reason = "no time left: stopped at the budget's deadline before its first epoch ended"
        return TrialOutcome(
            PRUNED, None, history, {**_history_attrs(history), SKIPPED: OUT_OF_TIME, FAIL_REASON: reason}
        )
    best = max(range(len(val)), key=val.__getitem__)
    attrs = {
        **_history_attrs(history),
        BEST_EPOCH: best + 1,
        STOPPED: "budget deadline",
        SCHEDULE_DONE: round(len(val) / allotted, 3),
    }
    return TrialOutcome(COMPLETE, val[best], history, attrs)


def _failed(history: dict[str, list[float]], reason: str) -> TrialOutcome:
    return TrialOutcome(FAIL, None, history, {**_history_attrs(history), FAIL_REASON: reason})


def train_trial(
    trial: Any,
    hp: HParams,
    dataset: Any,
    training: TrainingSettings,
    reporter: Reporter,
    *,
    pricer: TrialPricer | None = None,
    budget: Budget | None = None,
    keeper: ModelKeeper | NoKeeper | None = None,
    callbacks: Sequence[Any] = (),
) -> float:
    """Trains `hp` under `trial`'s pruner, records the trial's attrs, returns its value.

    With a `keeper`, a COMPLETE trial's best-epoch model goes to the study's model store.
    `callbacks` (the run's logging, `--tensorboard`) see each epoch before the pruner may end it.
    """
    import optuna

    from cnntune.search.cost import budget_callbacks
    from cnntune.search.strategy import BestSoFarPruning

    final = FinalFitRecord.read(trial.user_attrs)  # the final fit: its own epochs, schedule and deadline, never pruned
    if final is not None and final.schedule:
        hp = dataclasses.replace(hp, lr_schedule=final.schedule)
    timer, *deadline = budget_callbacks(budget, final=final is not None)
    priced: dict[str, Any] = {}

    def price(model: Any) -> int | None:
        if pricer is None:
            return None
        priced.update(pricer.price(model, hp.batch_size))
        try:
            return pricer.allot(priced, final=final is not None)
        finally:  # a skipped trial records its price too
            for key, value in priced.items():
                trial.set_user_attr(key, value)
            reporter.trial_priced(trial.number, {**priced, **({} if final is None else {FINAL_FIT: final.to_attr()})})

    def built(model: Any) -> int | None:
        epochs = price(model)
        if final is not None:
            trial.set_user_attr(STARTED_FROM, _restore_source(model, final, keeper))
        return epochs

    # The timer first: the pruning callback raises in on_epoch_end, and the pruned epoch still counts.
    every = [
        timer,
        *deadline,
        *callbacks,
        None if final is not None else BestSoFarPruning(trial, "val_accuracy"),
        reporter.keras_callback(trial.number),
    ]
    try:
        outcome = train_configuration(
            hp,
            dataset,
            trial_training(training, trial.number),
            [c for c in every if c is not None],
            on_built=built,
            after_fit=None if keeper is None else (lambda model: keeper.keep(trial, model)),
        )
    except KeyboardInterrupt as exc:
        with contextlib.suppress(Exception):  # the interrupt matters more than its reason
            trial.set_user_attr(FAIL_REASON, interruption_reason(exc))
        raise
    if timer.seconds:
        outcome.attrs[EPOCH_SECONDS] = [round(x, 3) for x in timer.seconds]
        if pricer is not None and priced:
            measured = pricer.observe(priced[COST], hp.batch_size, timer.seconds)
            outcome.attrs[MEASURED_EPOCH_SECONDS] = None if measured is None else round(measured, 3)
    record_outcome(trial, outcome)
    if outcome.state == COMPLETE:
        return outcome.value
    if outcome.state == PRUNED:
        raise optuna.TrialPruned()
    raise TrialFailed(outcome.fail_reason)
