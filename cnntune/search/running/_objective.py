"""The Optuna objective: sample a trial's params, train them with pruning, record what happened.

The trial's value is its best validation accuracy. A trial that runs out of
memory or diverges ends as FAIL with the reason in its user attrs
(`TrialFailed`), and the trial loop goes on with the next one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cnntune.model import HParams, TrainingSettings
from cnntune.search.running._logging import NO_LOGGING, LoggingSettings
from cnntune.search.running._reporter import Reporter, SilentReporter
from cnntune.search.running.trial import train_trial
from cnntune.spaces import Space, suggest_params

if TYPE_CHECKING:
    from cnntune.search.cost import Budget, TrialPricer
    from cnntune.search.running._keeper import ModelKeeper, NoKeeper


class TrialObjective:
    """The callable the trial loop runs for each trial: everything a trial needs, passed in.

    With a `pricer` each built model is priced before its first step (and skipped when too
    costly for the `budget`); the trial's measured epochs then refine the pricer's time model.
    With a `keeper` each COMPLETE trial's model is kept in the study's model store.
    `log_to` adds the run's Keras logging callbacks (`--tensorboard`) to each trial.
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
        keeper: ModelKeeper | NoKeeper | None = None,
        log_to: LoggingSettings = NO_LOGGING,
    ) -> None:
        self.dataset = dataset
        self.space = space
        self.training = training
        self.reporter = reporter or SilentReporter()
        self.pricer = pricer
        self.budget = budget
        self.keeper = keeper
        self.log_to = log_to

    def __call__(self, trial: Any) -> float:
        params = suggest_params(trial, self.space)
        hp = HParams.from_params(params, model_params=self.training.model_function is not None)
        self.reporter.trial_started(trial.number, self.training.max_epochs)
        return train_trial(
            trial,
            hp,
            self.dataset,
            self.training,
            self.reporter,
            pricer=self.pricer,
            budget=self.budget,
            keeper=self.keeper,
            callbacks=self.log_to.keras_callbacks(trial.number),
        )
