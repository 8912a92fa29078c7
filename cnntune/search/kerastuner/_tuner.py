"""The KerasTuner tuner: runs the trials its oracle decides, records each in the study.

KerasTuner splits a search the way cnntune wants it split: the oracle
(`_oracles`) decides what to try, the tuner runs it. This tuner derives from
`BaseTuner`, not `keras_tuner.Tuner`, because the training is cnntune's own
(`_train.train_planned` around `fit_model`): the hypermodel only declares the
space (`define_hyperparameters`) and never builds a Keras model.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import keras_tuner
from keras_tuner.engine.base_tuner import BaseTuner

from cnntune.errors import CnnTuneError, SearchError
from cnntune.model import HParams, TrainingSettings
from cnntune.search.kerastuner._oracles import fit_to_target
from cnntune.search.kerastuner._record import FAIL, RECORD_FILE, Outcome, TrialRecord, add_record, sync
from cnntune.search.kerastuner._train import Plan, train_planned
from cnntune.search.running import MAX_FAILURES_IN_A_ROW, Reporter, interruption_reason, trial_training
from cnntune.spaces import Space, define_hyperparameters, to_distributions
from cnntune.storage import best_trial_or_none
from cnntune.storage.trial_record import BEST_EPOCH, FAIL_REASON, count_finished, describe_failure

if TYPE_CHECKING:
    import optuna

WEIGHTS_FILE = "cnntune.weights.h5"


class Stop(Exception):
    """The study reached its target, or the timeout passed: create no more trials."""


class Fatal(keras_tuner.errors.FatalError):
    """A `CnnTuneError` inside a trial: KerasTuner must re-raise it instead of retrying."""

    def __init__(self, error: CnnTuneError) -> None:
        super().__init__(str(error))
        self.error = error


class SpaceHyperModel(keras_tuner.HyperModel):
    """Declares the space's hyperparameters; the tuner trains, so no model is built here."""

    def __init__(self, space: Space) -> None:
        super().__init__(name="cnntune")
        self.space = space

    def build(self, hp: Any) -> None:
        define_hyperparameters(hp, self.space)


class SpaceTuner(BaseTuner):
    """Runs KerasTuner trials with cnntune's training and records each in an Optuna study."""

    def __init__(
        self,
        oracle: Any,
        *,
        study: optuna.Study,
        space: Space,
        dataset: Any,
        training: TrainingSettings,
        algorithm: str,
        folder: Path,
        target: int,
        reporter: Reporter,
        timeout: float | None = None,
    ) -> None:
        self.study = study
        self.space = space
        self.dataset = dataset
        self.training = training
        self.algorithm = algorithm
        self.target = target
        self.reporter = reporter
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.distributions = to_distributions(space)
        self.recorded = 0  # trials this run added to the study
        self._failures_in_a_row = 0
        with contextlib.redirect_stdout(io.StringIO()):  # "Reloading Tuner from ..."
            super().__init__(
                oracle,
                hypermodel=SpaceHyperModel(space),
                directory=str(folder.parent),
                project_name=folder.name,
                overwrite=False,
            )
        self.oracle.verbose = 0

    # -- the search loop's hooks -------------------------------------------------

    def pre_create_trial(self) -> None:
        remaining = self.target - count_finished(self.study)
        if remaining <= 0 or (self.deadline is not None and time.monotonic() >= self.deadline):
            raise Stop
        fit_to_target(self.oracle, remaining)

    def run_trial(self, trial: Any, *args: Any, **kwargs: Any) -> float:
        """Trains one configuration and writes its record; KerasTuner gets the value."""
        values = dict(trial.hyperparameters.values)
        params = define_hyperparameters(trial.hyperparameters, self.space)
        plan = self._plan(values)
        number = len(self.study.get_trials(deepcopy=False))  # the number its Optuna trial will get
        path = self.record_path(trial.trial_id)
        path.unlink(missing_ok=True)  # a record left by an earlier, crashed run of this trial
        started = datetime.datetime.now()
        self.reporter.trial_started(number, plan.epochs)
        try:
            outcome = train_planned(
                HParams.from_params(params),
                self.dataset,
                trial_training(self.training, number),
                plan,
                weights_out=self._weights_path(trial.trial_id),
                callbacks=[c for c in [self.reporter.keras_callback(number)] if c is not None],
            )
        except CnnTuneError as exc:
            self._record_now(trial, params, Outcome.failed(str(exc)), started, plan)
            raise Fatal(exc) from exc
        except KeyboardInterrupt as exc:
            self._record_now(trial, params, Outcome.failed(interruption_reason(exc)), started, plan)
            raise
        except Exception as exc:  # an unforeseen error fails this trial, not the search
            outcome = Outcome.failed(describe_failure(exc))
        TrialRecord.new(trial.trial_id, params, outcome, started, self._about(values, plan)).write(path)
        if outcome.state == FAIL:
            raise keras_tuner.errors.FailedTrialError(outcome.user_attrs[FAIL_REASON])
        return outcome.value

    def on_trial_end(self, trial: Any) -> None:
        super().on_trial_end(trial)  # the oracle ends the trial and saves its state
        self.sync()

    def sync(self) -> None:
        """Records every ended trial the study lacks, and reports it."""
        for frozen in sync(self.study, self.oracle.end_order, self.record_path, self.distributions):
            self.recorded += 1
            self._report(frozen)

    # -- helpers -----------------------------------------------------------------

    def record_path(self, trial_id: str) -> Path:
        return Path(self.get_trial_dir(trial_id)) / RECORD_FILE

    def _weights_path(self, trial_id: str) -> Path:
        return Path(self.get_trial_dir(trial_id)) / WEIGHTS_FILE

    def _plan(self, values: dict[str, Any]) -> Plan:
        """Epochs and starting weights of a trial; only Hyperband sets the "tuner/..." values."""
        max_epochs = self.training.max_epochs
        if "tuner/epochs" not in values:
            return Plan(epochs=max_epochs)
        total = int(values["tuner/epochs"])
        keep = int(values.get("tuner/round", 0)) < int(values.get("tuner/bracket", 0))
        parent = values.get("tuner/trial_id")
        weights = self._weights_path(parent) if parent is not None else None
        if weights is None or not weights.is_file():
            return Plan(epochs=total, keep_weights=keep)
        # Continue for this round's epochs from the weights the parent kept (its best epoch's).
        parent_record = TrialRecord.read(self.record_path(parent))
        start = parent_record.outcome.user_attrs.get(BEST_EPOCH, 0) if parent_record else 0
        epochs = total - int(values["tuner/initial_epoch"])
        return Plan(epochs=epochs, initial_epoch=int(start), start_weights=weights, keep_weights=keep)

    def _about(self, values: dict[str, Any], plan: Plan) -> dict[str, Any]:
        about: dict[str, Any] = {"algorithm": self.algorithm, "initial_epoch": plan.initial_epoch}
        if plan.start_weights is not None:
            about["parent_trial_id"] = values.get("tuner/trial_id")
        if "tuner/bracket" in values:
            about.update(bracket=values["tuner/bracket"], round=values["tuner/round"])
        return about

    def _record_now(self, trial: Any, params: dict, outcome: Outcome, started: Any, plan: Plan) -> None:
        """Records a trial that ends the search (KerasTuner will re-run it on resume)."""
        values = dict(trial.hyperparameters.values)
        record = TrialRecord.new(trial.trial_id, params, outcome, started, self._about(values, plan))
        self._report(add_record(self.study, record, self.distributions))

    def _report(self, frozen: Any) -> None:
        self.reporter.trial_finished(frozen, best_trial_or_none(self.study), count_finished(self.study))
        if frozen.state.name != FAIL:
            self._failures_in_a_row = 0
            return
        self._failures_in_a_row += 1
        if self._failures_in_a_row >= MAX_FAILURES_IN_A_ROW:
            reason = frozen.user_attrs.get(FAIL_REASON, "unknown")
            raise SearchError(f"{self._failures_in_a_row} trials in a row failed; the last because: {reason}")
