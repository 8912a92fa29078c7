"""The Optuna objective: sample a trial's params, train them with pruning, record what happened.

The trial's value is its best validation accuracy. A trial that runs out of
memory or diverges ends as FAIL with the reason in its user attrs
(`TrialFailed`), and the trial loop goes on with the next one.
"""

from __future__ import annotations

import contextlib
from typing import Any

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


class TrialObjective:
    """The callable the trial loop runs for each trial: everything a trial needs, passed in."""

    def __init__(
        self,
        dataset: Any,
        space: Space,
        training: TrainingSettings,
        reporter: Reporter | None = None,
    ) -> None:
        self.dataset = dataset
        self.space = space
        self.training = training
        self.reporter = reporter or SilentReporter()

    def __call__(self, trial: Any) -> float:
        params = suggest_params(trial, self.space)
        hp = HParams.from_params(params)
        self.reporter.trial_started(trial.number, self.training.max_epochs)
        return train_trial(trial, hp, self.dataset, self.training, self.reporter)


def train_trial(trial: Any, hp: HParams, dataset: Any, training: TrainingSettings, reporter: Reporter) -> float:
    """Trains `hp` under `trial`'s pruner, records the trial's attrs, returns its value."""
    import optuna

    from cnntune.search._pruning import BestSoFarPruning

    callbacks = [BestSoFarPruning(trial, "val_accuracy"), reporter.keras_callback(trial.number)]
    try:
        outcome = train_configuration(
            hp, dataset, trial_training(training, trial.number), [c for c in callbacks if c is not None]
        )
    except KeyboardInterrupt as exc:
        with contextlib.suppress(Exception):  # the interrupt matters more than its reason
            trial.set_user_attr(FAIL_REASON, interruption_reason(exc))
        raise
    record_outcome(trial, outcome)
    if outcome.state == COMPLETE:
        return outcome.value
    if outcome.state == PRUNED:
        raise optuna.TrialPruned()
    raise TrialFailed(outcome.fail_reason)
