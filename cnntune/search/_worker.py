"""`tune worker`: join an existing study from any machine and run its trials until its target."""

from __future__ import annotations

import os
from pathlib import Path

from cnntune.errors import SearchError
from cnntune.search._request import check_timeout
from cnntune.search._runner import run_trials_here
from cnntune.search._summary import SearchSummary, summarize_study
from cnntune.search.cost import (
    BudgetPlan,
)
from cnntune.search.running import (
    Reporter,
    SilentReporter,
    WorkerJob,
    check_logging,
    join_study,
    open_tracking_store,
    recorded_metadata,
)
from cnntune.storage import (
    HeartbeatSettings,
    check_same_data,
    mask_url,
    open_storage,
    read_target,
)
from cnntune.storage.trial_record import count_finished


def run_worker(
    *,
    storage_url: str,
    study_name: str,
    data_dir: Path | None,
    cache_dir: Path,
    trials: int | None = None,
    timeout: float | None = None,
    heartbeat: HeartbeatSettings = HeartbeatSettings(),
    isolate: bool = False,
    reporter: Reporter | None = None,
    calibrate: bool = True,
    tensorboard: str | Path | None = None,
    mlflow: str | None = None,
) -> SearchSummary:
    """Joins an existing study from any machine and runs its trials until its target.

    The space and settings come from the study; the data must have the study's
    fingerprint (the recorded data folder is used when `data_dir` is None). With
    `calibrate`, trials are priced as `run_search` prices them (no budget here:
    `--timeout` bounds a joining worker). `tensorboard` and `mlflow` are this worker's own,
    as in `run_search`.
    """
    from cnntune.data import load_dataset

    check_timeout(timeout)
    log_to = check_logging(tensorboard=tensorboard, mlflow=mlflow)
    reporter = reporter or SilentReporter()
    storage = open_storage(storage_url, heartbeat, must_exist=True)  # a mistyped path must not become a store
    opened = join_study(storage, study_name, sampler_seed_offset=_worker_seed_offset())
    if opened.training.model_function is not None:  # this machine must have the study's model function
        from cnntune.model import import_model_function

        import_model_function(opened.training.model_function)
    recorded = recorded_metadata(opened.study)
    data_dir = Path(data_dir) if data_dir is not None else Path(recorded.data_dir)
    dataset = load_dataset(
        data_dir, layout=opened.training.layout, channels=opened.training.channels, cache_dir=cache_dir
    )
    check_same_data(study_name, recorded, dataset.fingerprint, remedy="pass --data with the study's data")
    target = trials or read_target(opened.study)
    if target is None:
        raise SearchError(f"study {study_name!r} has no recorded --trials target; pass --trials")
    plan = BudgetPlan(None, calibrate=calibrate)
    open_tracking_store(log_to)
    job = WorkerJob(
        storage_url, study_name, str(data_dir), str(cache_dir), target, timeout, heartbeat, isolate, plan, log_to
    )
    reporter.search_started(study_name, target, count_finished(opened.study), mask_url(storage_url))
    try:
        ran = run_trials_here(opened, dataset, job, reporter)
    finally:
        reporter.search_ended()
    return summarize_study(opened.study, data_dir=data_dir, storage_url=storage_url, target=target, ran_here=ran)


def _worker_seed_offset() -> int:
    """Workers joining from other machines must not replay one another's sampler draws."""

    return 1 + int.from_bytes(os.urandom(2), "big")
