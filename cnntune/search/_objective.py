"""The Optuna objective: sample a trial's params, train them with pruning, record what happened.

The trial's value is its best validation accuracy. A trial that runs out of
memory or diverges ends as FAIL with the reason in its user attrs
(`TrialFailed`), and the trial loop goes on with the next one.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from cnntune.errors import TrialFailed
from cnntune.model import HParams, TrainingSettings
from cnntune.search._reporter import Reporter, SilentReporter
from cnntune.search.trial import (
    COMPLETE,
    FAIL_REASON,
    PRUNED,
    interruption_reason,
    record_outcome,
    train_configuration,
    trial_training,
)
from cnntune.spaces import Space, suggest_params

if TYPE_CHECKING:
    from cnntune.search._budget import Budget, TrialPricer


class TrialObjective:
    """The callable the trial loop runs for each trial: everything a trial needs, passed in.

    With a `pricer` each built model is priced before its first step (and skipped when too
    costly for the `budget`); the trial's measured epochs then refine the pricer's time model.
    """

    def __init__(
        self,
        dataset: Any,
        space: Space,
        training: TrainingSettings,
        reporter: Reporter | None = None,
        *,
        pricer: TrialPricer | None = None,
        budget: Budget | None = None,
    ) -> None:
        self.dataset = dataset
        self.space = space
        self.training = training
        self.reporter = reporter or SilentReporter()
        self.pricer = pricer
        self.budget = budget

    def __call__(self, trial: Any) -> float:
        params = suggest_params(trial, self.space)
        hp = HParams.from_params(params)
        self.reporter.trial_started(trial.number, self.training.max_epochs)
        return train_trial(
            trial, hp, self.dataset, self.training, self.reporter, pricer=self.pricer, budget=self.budget
        )


def train_trial(
    trial: Any,
    hp: HParams,
    dataset: Any,
    training: TrainingSettings,
    reporter: Reporter,
    *,
    pricer: TrialPricer | None = None,
    budget: Budget | None = None,
) -> float:
    """Trains `hp` under `trial`'s pruner, records the trial's attrs, returns its value."""
    import optuna

    from cnntune.search._budget import budget_callbacks
    from cnntune.search._pruning import BestSoFarPruning

    timer, *deadline = budget_callbacks(budget)
    priced: dict[str, Any] = {}

    def price(model: Any) -> None:
        if pricer is None:
            return
        priced.update(pricer.price(model, hp.batch_size))
        for key, value in priced.items():
            trial.set_user_attr(key, value)
        reporter.trial_priced(trial.number, priced)
        pricer.check(priced)

    callbacks = [BestSoFarPruning(trial, "val_accuracy"), reporter.keras_callback(trial.number), timer, *deadline]
    try:
        outcome = train_configuration(
            hp,
            dataset,
            trial_training(training, trial.number),
            [c for c in callbacks if c is not None],
            on_built=price,
        )
    except KeyboardInterrupt as exc:
        with contextlib.suppress(Exception):  # the interrupt matters more than its reason
            trial.set_user_attr(FAIL_REASON, interruption_reason(exc))
        raise
    if timer.seconds:
        outcome.attrs["epoch_seconds"] = [round(x, 3) for x in timer.seconds]
        if pricer is not None and priced:
            measured = pricer.observe(priced["cost"], hp.batch_size, timer.seconds)
            outcome.attrs["measured_epoch_seconds"] = None if measured is None else round(measured, 3)
    record_outcome(trial, outcome)
    if outcome.state == COMPLETE:
        return outcome.value
    if outcome.state == PRUNED:
        raise optuna.TrialPruned()
    raise TrialFailed(outcome.fail_reason)
