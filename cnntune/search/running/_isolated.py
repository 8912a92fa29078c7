"""`--isolate`: each trial trains in a fresh child process.

Nothing a trial leaks (TensorFlow graphs, allocator pools, a wedged GPU
context) can outlive it. The parent keeps the Optuna side — it samples the
params and holds the trial's heartbeat — while the child opens the same study
from the store and reports epochs and attrs straight into the trial.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import signal
from pathlib import Path
from typing import Any

from cnntune.errors import TrialFailed
from cnntune.interrupts import stop_signals
from cnntune.model import HParams, TrainingSettings
from cnntune.search._settings import SearchSettings, record_settings
from cnntune.search.cost import BudgetPlan
from cnntune.search.running._logging import NO_LOGGING, LoggingSettings
from cnntune.search.running._reporter import Reporter, SilentReporter
from cnntune.search.running.trial import interruption_reason
from cnntune.spaces import Space, suggest_params
from cnntune.storage.trial_record import FAIL_REASON

STOP_GRACE_SECONDS = 60  # for an interrupted child to mark its trial FAIL before it is killed


@dataclasses.dataclass(frozen=True)
class _Job:
    """Everything the child needs, picklable."""

    storage_url: str
    study_name: str
    trial_id: int
    params: dict[str, Any]
    data_dir: str
    cache_dir: str
    settings: dict[str, Any]  # search and training settings, as the study records them
    plan: BudgetPlan  # the parent's budget and deadline (one monotonic clock per machine)
    log_to: LoggingSettings  # the run's --tensorboard: the child trains, so the child writes


class IsolatedObjective:
    """Like `TrialObjective`, but trains in a spawned child process."""

    def __init__(
        self,
        *,
        storage_url: str,
        data_dir: Path,
        cache_dir: Path,
        space: Space,
        settings: SearchSettings,
        training: TrainingSettings,
        reporter: Reporter | None = None,
        plan: BudgetPlan = BudgetPlan(None, calibrate=False),
        log_to: LoggingSettings = NO_LOGGING,
    ) -> None:
        self.storage_url = storage_url
        self.data_dir = data_dir
        self.cache_dir = cache_dir
        self.space = space
        self.settings = settings
        self.training = training
        self.plan = plan
        self.log_to = log_to
        self.reporter = reporter or SilentReporter()

    def __call__(self, trial: Any) -> float:
        import optuna

        params = suggest_params(trial, self.space)
        # a bad space fails here, not in the child
        HParams.from_params(params, model_params=self.training.model_function is not None)
        self.reporter.trial_started(trial.number, self.training.max_epochs)
        job = _Job(
            storage_url=self.storage_url,
            study_name=trial.study.study_name,
            trial_id=trial._trial_id,
            params=params,
            data_dir=str(self.data_dir),
            cache_dir=str(self.cache_dir),
            settings=record_settings(self.settings, self.training),
            plan=self.plan,
            log_to=self.log_to,
        )
        context = multiprocessing.get_context("spawn")
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(target=_child_main, args=(job, sender), name=f"trial-{trial.number}")
        child.start()
        sender.close()
        try:
            outcome = _outcome(receiver)
        except KeyboardInterrupt as exc:
            _stop(child, exc)
            # Recorded here too: a child interrupted before its handler was installed says nothing.
            with contextlib.suppress(Exception):
                trial.set_user_attr(FAIL_REASON, interruption_reason(exc))
            raise  # the loop marks the trial FAIL and the search stops
        child.join()
        if outcome is None:
            reason = f"trial process died (exit code {child.exitcode})"
            trial.set_user_attr(FAIL_REASON, reason)
            raise TrialFailed(reason)
        kind, detail = outcome
        if kind == "complete":
            return float(detail)
        if kind == "pruned":
            raise optuna.TrialPruned(detail)
        raise TrialFailed(detail)


def _outcome(receiver: Any) -> tuple[str, Any] | None:
    """What the child sent, or None if it died without a word."""
    try:
        return receiver.recv() if receiver.poll(None) else None
    except EOFError:
        return None


def _stop(child: Any, interrupt: KeyboardInterrupt) -> None:
    """Passes the interrupt on (same signal), lets the child record it, then makes sure it is gone."""
    if child.is_alive():
        os.kill(child.pid, signal.SIGTERM if interrupt.args == ("SIGTERM",) else signal.SIGINT)
    child.join(timeout=STOP_GRACE_SECONDS)
    if child.is_alive():
        child.kill()
        child.join()


def _child_main(job: _Job, sender: Any) -> None:
    """Runs in the child: rebuild the trial from the store and train it."""
    with stop_signals():
        _train_in_child(job, sender)


def _train_in_child(job: _Job, sender: Any) -> None:
    import optuna

    from cnntune.data import load_dataset
    from cnntune.model import import_tensorflow_quietly
    from cnntune.search.cost import make_pricer
    from cnntune.search.running._keeper import make_keeper
    from cnntune.search.running.trial import train_trial
    from cnntune.search.strategy import make_pruner
    from cnntune.storage import open_storage

    import_tensorflow_quietly()
    settings = SearchSettings.from_dict(job.settings)
    training = TrainingSettings.from_dict(job.settings)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(
        study_name=job.study_name,
        storage=open_storage(job.storage_url, heartbeat=None),
        sampler=optuna.samplers.RandomSampler(),  # the parent sampled; nothing to sample here
        pruner=make_pruner(settings.pruner, training.max_epochs),
    )
    trial = optuna.trial.Trial(study, job.trial_id)  # public constructor; the id is `_trial_id` (see _loop)
    dataset = load_dataset(job.data_dir, layout=training.layout, channels=training.channels, cache_dir=job.cache_dir)
    pricer = make_pricer(dataset, training, job.plan, Path(job.cache_dir), study)
    try:
        value = train_trial(
            trial,
            HParams.from_params(job.params, model_params=training.model_function is not None),
            dataset,
            training,
            SilentReporter(),
            pricer=pricer,
            budget=job.plan.budget,
            keeper=make_keeper(study),
            callbacks=job.log_to.keras_callbacks(trial.number),
        )
        sender.send(("complete", value))
    except optuna.TrialPruned as exc:
        sender.send(("pruned", str(exc)))
    except TrialFailed as exc:
        sender.send(("failed", str(exc)))
    except KeyboardInterrupt as exc:
        sender.send(("failed", interruption_reason(exc)))
