"""A search that knows what a trial costs: `--budget`, the too-costly rule, the deadline.

Before a trial's first step its built model is priced (`model_cost`, then the
device's calibrated `TimeModel`) and allotted its epochs: `--max-epochs`, or
as many as fit its share of the budget and the time left, its learning-rate
schedule sized to them (`--max-epochs` is a ceiling, not a length every trial
must afford). Only a configuration for which fewer than the pruner's second
rung fit is not trained. It ends PRUNED with no epoch reported — the worst
rank TPE gives a trial, so the sampler steers away from it — with `skipped`
and the reason in its attrs, and it does not count toward `--trials`. At the deadline
the running trial stops after the batch in flight; its best finished epoch is
its value (COMPLETE), or, if no epoch had finished, it ends PRUNED and skipped
like a trial that found no time left. Each trial's measured epochs refine the
time model for the next.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna

from cnntune.durations import format_seconds
from cnntune.search.cost._budget_plan import Budget, BudgetPlan, DeadlineReached
from cnntune.storage.trial_record import (
    ALLOTTED_EPOCHS,
    BATCH_SIZE,
    COST,
    EST_EPOCH_SECONDS,
    EST_TRIAL_SECONDS,
    FAIL_REASON,
    MEASURED_EPOCH_SECONDS,
    OUT_OF_TIME,
    SKIPPED,
    TOO_COSTLY,
)

# A trial's measured epoch weighs as much as the whole calibration (3 reference models x 3
# observations): it is the real thing (input pipeline, augmentation, callbacks), which the timed
# reference steps leave out, and with weight 1 the first trials barely moved the fit. Replayed on
# the 60-minute competition study (bench/estimate_replay.py), the median estimate error was 0.30
# at weight 1, 0.19 at 4, 0.13 at 9 and 0.10 at 16; within 30 %: 4, 8, 8 and 8 of 9 trials.
TRIAL_WEIGHT = 9.0
# Epochs are allotted against this fraction of the time they must fit in: the first epoch traces
# (seconds more), and the calibration alone runs under the measured epoch (median 16 % in the
# issue's hour), so a schedule sized to the estimate exactly would be cut before it reached 0.
ESTIMATE_MARGIN = 0.85
FINAL_EPOCHS_FACTOR = 10  # the final fit trains at most this many times --max-epochs


# The fewest epochs a search trial is worth training: the pruner's second rung at the default 20
# epochs (3 x a ninth). Fewer cannot be judged past the first, noisy look; on the real data a lean
# net's validation accuracy swings by 0.05-0.1 between its first epochs and settles past 0.8 by
# epoch 6. A constant, not a share of --max-epochs: with --max-epochs 10000 as a mere ceiling, a
# ninth of it would refuse every trial.
MIN_EPOCHS = 6


def min_epochs(max_epochs: int) -> int:
    """The fewest epochs a search trial of at most `max_epochs` is allotted before it is skipped."""
    return min(max_epochs, MIN_EPOCHS)


def _epochs_in(seconds: float, epoch_seconds: float) -> int:
    """Whole epochs of `epoch_seconds` that fit in `seconds`, with the estimate's margin."""
    return int(ESTIMATE_MARGIN * seconds / epoch_seconds) if epoch_seconds > 0 else 10**6


class TooCostly(optuna.TrialPruned):
    """A configuration priced over its limit before its first step; its attrs say why."""

    def __init__(self, reason: str, kind: str = TOO_COSTLY) -> None:
        super().__init__(reason)
        self.attrs = {SKIPPED: kind, FAIL_REASON: reason}


class TrialPricer:
    """Prices each built model before training, allots its epochs, and learns from the epochs trials measure.

    One per process: workers and `--isolate` children each hold their own,
    started from the device's cached calibration.
    """

    def __init__(self, time_model: Any, *, n_train: int, n_val: int, max_epochs: int, budget: Budget | None) -> None:
        self.time_model = time_model
        self.n_train = n_train
        self.n_val = n_val
        self.max_epochs = max_epochs
        self.budget = budget
        self.min_epochs = min_epochs(max_epochs)

    def price(self, model: Any, batch_size: int) -> dict[str, Any]:
        """The cost attrs of a built model: params, FLOPs, estimated seconds per epoch and per full trial."""
        from cnntune.model.training import model_cost

        cost = model_cost(model)
        epoch = self.time_model.predict_epoch_seconds(
            cost, n_train=self.n_train, n_val=self.n_val, batch_size=batch_size
        )
        epoch = float(f"{epoch:.4g}")  # significant digits: tiny models stay > 0
        return {
            COST: cost.to_dict(),
            BATCH_SIZE: batch_size,
            EST_EPOCH_SECONDS: epoch,
            ALLOTTED_EPOCHS: self.max_epochs,
            EST_TRIAL_SECONDS: float(f"{epoch * self.max_epochs:.4g}"),
        }

    def allot(self, priced: dict[str, Any], *, final: bool = False) -> int:
        """The epochs the priced trial trains, written into `priced`; raises TooCostly when too few fit.

        A search trial gets `max_epochs`, or as many as fit both its share of the
        budget and the search's time left, if that is at least `min_epochs`
        (`MIN_EPOCHS`: fewer cannot be judged past its first, noisy look).
        Below that it is skipped: too costly for its share, or, for the time
        left, "no time left" (the search phase ends). The final fit
        (`final`) gets every epoch that fits before the final deadline, up to
        `FINAL_EPOCHS_FACTOR` x `max_epochs`, and at least one.
        """
        if self.budget is None:
            return priced[ALLOTTED_EPOCHS]
        epoch = priced[EST_EPOCH_SECONDS]
        left = self.budget.time_left(final=final)
        by_left = _epochs_in(left, epoch)
        per_epoch = f"est. {format_seconds(epoch)}/epoch"
        if final:
            by_share, ceiling, floor = by_left, FINAL_EPOCHS_FACTOR * self.max_epochs, 1
        else:
            by_share, ceiling, floor = _epochs_in(self.budget.trial_limit, epoch), self.max_epochs, self.min_epochs
        if by_share < floor:
            raise TooCostly(
                f"too costly: {per_epoch}; {by_share} epochs fit in {self.budget.trial_share:g} of the budget "
                f"({format_seconds(self.budget.trial_limit)}), fewer than the floor of {floor}"
            )
        if by_left < floor:
            raise TooCostly(
                f"no time left: {per_epoch}; {by_left} epochs fit in the {format_seconds(left)} left, "
                f"fewer than the floor of {floor}",
                OUT_OF_TIME,
            )
        epochs = min(ceiling, by_share, by_left)
        priced[ALLOTTED_EPOCHS] = epochs
        priced[EST_TRIAL_SECONDS] = float(f"{epoch * epochs:.4g}")
        return epochs

    def observe(self, cost: dict[str, int], batch_size: int, epoch_seconds: list[float]) -> float | None:
        """Refines the time model with a trial's measured epochs; returns the steady epoch time used.

        The first epoch traces the train and eval steps (seconds on a CPU, more
        with XLA), so the steady time is the median of the later epochs.
        """
        from cnntune.search.cost._time_model import EpochObservation

        if len(epoch_seconds) < 2:
            return None  # the first epoch alone is mostly tracing: no steady time to learn from
        measured = statistics.median(epoch_seconds[1:])
        if measured <= 0:
            return None
        point = EpochObservation(
            cost, n_train=self.n_train, n_val=self.n_val, batch_size=batch_size, seconds=measured, weight=TRIAL_WEIGHT
        )
        self.time_model = self.time_model.refined(point)
        return measured


def make_pricer(dataset: Any, training: Any, plan: BudgetPlan, cache_dir: Path, study: optuna.Study = None) -> Any:
    """The trial pricer of this process, or None.

    It starts from the device's calibration (cached per threads) refitted with
    every epoch time the study has measured so far, so a resumed study, a
    joining worker and each `--isolate` child price as well as the trials taught.
    """
    if not plan.calibrate:
        return None
    import tensorflow as tf

    from cnntune.search.cost._calibration import calibrate
    from cnntune.search.cost._time_model import TimeModel

    time_model = calibrate(
        dataset.image_shape,
        dataset.num_classes,
        cache_dir=cache_dir,
        threads=tf.config.threading.get_intra_op_parallelism_threads() or None,
        mixed_precision=training.mixed_precision,
        jit_compile=training.jit,
        deadline=plan.deadline,  # a cold calibration must not eat a small budget whole
    )
    measured = [] if study is None else recorded_observations(study, len(dataset.train), len(dataset.validation))
    if measured:
        time_model = TimeModel.fit((*time_model.points, *measured))
    return TrialPricer(
        time_model,
        n_train=len(dataset.train),
        n_val=len(dataset.validation),
        max_epochs=training.max_epochs,
        budget=plan.budget,
    )


def recipe_pricing(dataset: Any, training: Any, plan: BudgetPlan, cache_dir: Path) -> Callable[[dict], bool] | None:
    """With a budget: a test of whether a trial of some params fits it, priced as that trial will be.

    Warm-start recipes are scaled with it (`cnntune.search.strategy._warm_start`). The
    calibration is read (or measured) on the first call only, so a resumed
    study, which enqueues nothing, never pays for it here.
    """
    if plan.budget is None or training.model_function is not None:
        return None  # no budget to fit; a user's model is not cnntune's CNN that the recipes describe
    pricers: list[TrialPricer] = []

    def fits(params: dict) -> bool:
        import keras

        from cnntune.model import HParams
        from cnntune.model.training import build_model

        if not pricers:
            pricers.append(make_pricer(dataset, training, plan, cache_dir))
        hp = HParams.from_params(params)
        model = build_model(hp, dataset.image_shape, dataset.num_classes, mixed_precision=training.mixed_precision)
        priced = pricers[0].price(model, hp.batch_size)
        keras.backend.clear_session()
        try:
            pricers[0].allot(priced)  # a recipe keeps its form whenever a trial of it would train at all
            return True
        except TooCostly:
            return False

    return fits


def recorded_observations(study: optuna.Study, n_train: int, n_val: int) -> list[Any]:
    """The study's trials' measured steady epochs, as observations for the time model."""
    from cnntune.search.cost._time_model import EpochObservation

    points = []
    for trial in study.get_trials(deepcopy=False):
        attrs = trial.user_attrs
        if attrs.get(MEASURED_EPOCH_SECONDS) and attrs.get(COST) and attrs.get(BATCH_SIZE):
            points.append(
                EpochObservation(
                    attrs[COST],
                    n_train=n_train,
                    n_val=n_val,
                    batch_size=attrs[BATCH_SIZE],
                    seconds=attrs[MEASURED_EPOCH_SECONDS],
                    weight=TRIAL_WEIGHT,
                )
            )
    return points


def budget_callbacks(budget: Budget | None, *, final: bool = False) -> list[Any]:
    """Keras callbacks: per-epoch wall times (always) and the deadline stop (with a budget).

    A search trial stops at the search's deadline, the final fit (`final`) at the final deadline.
    """
    import keras

    class EpochTimer(keras.callbacks.Callback):
        """Wall seconds of each epoch, validation included: what the estimate is held against."""

        def __init__(self) -> None:
            super().__init__()
            self.seconds: list[float] = []
            self._start = 0.0

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            self.seconds.append(time.perf_counter() - self._start)

    class DeadlineStop(keras.callbacks.Callback):
        def __init__(self, deadline: float) -> None:
            super().__init__()
            self.deadline = deadline

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            if time.monotonic() >= self.deadline:
                raise DeadlineReached()

        on_test_batch_end = on_train_batch_end

    callbacks: list[Any] = [EpochTimer()]
    if budget is not None:
        callbacks.append(DeadlineStop(budget.final_deadline if final else budget.deadline))
    return callbacks
