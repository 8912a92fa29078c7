"""`--workers N`: N processes on this machine sharing one study through the store.

Each worker is a spawned process with its share of the CPU threads (and GPU
memory growth, so workers can share a GPU), its own sampler seed, and the same
trial loop `tune worker` runs on other machines. The parent only watches the
store and prints the trials as they finish.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnntune.errors import CnnTuneError, SearchError
from cnntune.interrupts import stop_signals
from cnntune.search.cost import BudgetPlan
from cnntune.search.running._logging import NO_LOGGING, LoggingSettings
from cnntune.search.running._reporter import Reporter, SilentReporter
from cnntune.storage import HeartbeatSettings, best_trial_or_none

if TYPE_CHECKING:
    import optuna

WATCH_SECONDS = 1.0


@dataclasses.dataclass(frozen=True)
class WorkerJob:
    """What a worker process needs to join the study; picklable."""

    storage_url: str
    study_name: str
    data_dir: str
    cache_dir: str
    target: int
    timeout: float | None
    heartbeat: HeartbeatSettings
    isolate: bool
    plan: BudgetPlan = BudgetPlan(None, calibrate=False)
    log_to: LoggingSettings = NO_LOGGING  # this run's --tensorboard / --mlflow (not the study's)


def make_objective(opened: Any, dataset: Any, job: WorkerJob, reporter: Reporter, keeper: Any) -> Any:
    """In-process or isolated trial objective, as the job asks (priced when the plan says so).

    An isolated trial's child makes its own keeper from the study (it holds the trial).
    """
    from cnntune.search.running._isolated import IsolatedObjective
    from cnntune.search.running._objective import TrialObjective

    if job.isolate:
        return IsolatedObjective(
            storage_url=job.storage_url,
            data_dir=job.data_dir,
            cache_dir=job.cache_dir,
            space=opened.space,
            settings=opened.settings,
            training=opened.training,
            reporter=reporter,
            plan=job.plan,
            log_to=job.log_to,
        )
    from cnntune.search.cost import make_pricer

    pricer = make_pricer(dataset, opened.training, job.plan, Path(job.cache_dir), opened.study)
    return TrialObjective(
        dataset,
        opened.space,
        opened.training,
        reporter,
        pricer=pricer,
        budget=job.plan.budget,
        keeper=keeper,
        log_to=job.log_to,
    )


def run_worker_processes(study: optuna.Study, job: WorkerJob, workers: int, reporter: Reporter, max_epochs: int) -> int:
    """Starts `workers` processes on the study and reports trials until all have exited.

    Returns:
        The number of trials the workers finished.
    """
    context = multiprocessing.get_context("spawn")
    threads = max(1, (os.cpu_count() or 1) // workers)
    processes = [
        context.Process(target=_worker_main, args=(job, index, threads), name=f"tune-worker-{index}")
        for index in range(workers)
    ]
    seen = {t.number for t in study.get_trials(deepcopy=False) if t.state.is_finished()}
    already = len(seen)
    for process in processes:
        process.start()
    try:
        while any(p.is_alive() for p in processes):
            _report_new_trials(study, seen, reporter)
            reporter.trials_running(_running_progress(study, max_epochs))
            time.sleep(WATCH_SECONDS)
    except KeyboardInterrupt:
        running = {t.number for t in study.get_trials(deepcopy=False) if t.state.name == "RUNNING"}
        _interrupt(processes)
        for trial in study.get_trials(deepcopy=False):  # what the workers left, as the store holds it
            if trial.number in running:
                reporter.trial_interrupted(trial.number, trial.state.name == "FAIL")
        raise
    _report_new_trials(study, seen, reporter)
    failed = [p for p in processes if p.exitcode != 0]
    if failed:
        codes = ", ".join(f"{p.name}: {p.exitcode}" for p in failed)
        raise SearchError(f"{len(failed)} of {workers} workers failed ({codes}); see their errors above")
    return len(seen) - already


def _report_new_trials(study: optuna.Study, seen: set[int], reporter: Reporter) -> None:
    from cnntune.storage.trial_record import count_finished

    new = [t for t in study.get_trials(deepcopy=False) if t.state.is_finished() and t.number not in seen]
    if not new:
        return
    best = best_trial_or_none(study)
    finished = count_finished(study)
    for trial in sorted(new, key=lambda t: t.datetime_complete or t.datetime_start):
        seen.add(trial.number)
        reporter.trial_finished(trial, best, finished)


def _running_progress(study: optuna.Study, max_epochs: int) -> list[tuple[int, int, int]]:
    from optuna.trial import TrialState

    from cnntune.storage.trial_record import ALLOTTED_EPOCHS

    running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    return [(t.number, len(t.intermediate_values), t.user_attrs.get(ALLOTTED_EPOCHS, max_epochs)) for t in running]


def _interrupt(processes: list[Any]) -> None:
    """Lets every worker mark its running trial FAIL, then waits for it."""
    for process in processes:
        if process.is_alive():
            os.kill(process.pid, signal.SIGINT)
    for process in processes:
        process.join(timeout=60)
        if process.is_alive():
            process.kill()


def _worker_main(job: WorkerJob, index: int, threads: int) -> None:
    """A worker process: its own TF threads and sampler seed, the shared trial loop."""
    from cnntune.data import load_dataset
    from cnntune.model import configure_tensorflow, import_tensorflow_quietly
    from cnntune.search.running._keeper import make_keeper
    from cnntune.search.running._loop import run_final_fit, run_trials
    from cnntune.search.running._study import join_study
    from cnntune.storage import open_storage

    with stop_signals():
        try:
            import_tensorflow_quietly()
            configure_tensorflow(threads=threads, memory_growth=True)
            storage = open_storage(job.storage_url, job.heartbeat)
            opened = join_study(storage, job.study_name, sampler_seed_offset=1000 * (index + 1))
            training = opened.training
            dataset = load_dataset(
                job.data_dir, layout=training.layout, channels=training.channels, cache_dir=job.cache_dir
            )
            keeper = make_keeper(opened.study)
            objective = make_objective(opened, dataset, job, SilentReporter(), keeper)
            callbacks = job.log_to.study_callbacks()
            run_trials(
                opened.study,
                storage,
                objective,
                target=job.target,
                reporter=SilentReporter(),
                timeout=job.timeout,
                deadline=job.plan.deadline,
                keeper=keeper,
                callbacks=callbacks,
            )
            run_final_fit(
                opened.study,
                storage,
                objective,
                budget=job.plan.budget,
                reporter=SilentReporter(),
                keeper=keeper,
                callbacks=callbacks,
            )
        except CnnTuneError as exc:
            print(f"error: worker {index}: {exc}", file=sys.stderr)
            sys.exit(2)
        except KeyboardInterrupt:
            sys.exit(130)
