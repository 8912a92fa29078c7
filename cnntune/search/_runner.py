"""Entry points of a search: `tune start` (create or resume, N workers) and `tune worker`.

`--trials N` is a target for the study, not for this run: finished trials
(COMPLETE or PRUNED) already in the store count, so re-running the same command
after a crash or Ctrl-C resumes and stops at N.
"""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path
from typing import Any

from cnntune.errors import SearchError
from cnntune.model import TrainingSettings
from cnntune.search._settings import SearchSettings, check_engine
from cnntune.search.cost import (
    DEFAULT_FINAL_FROM,
    DEFAULT_FINAL_SHARE,
    DEFAULT_TRIAL_SHARE,
    BudgetPlan,
    check_final_from,
    check_final_share,
)
from cnntune.search.running import (
    ModelStore,
    OpenStudy,
    Reporter,
    SilentReporter,
    WorkerJob,
    check_logging,
    check_space_file,
    join_study,
    make_objective,
    open_study,
    open_tracking_store,
    recorded_metadata,
    run_final_fit,
    run_trials,
    run_worker_processes,
)
from cnntune.storage import (
    MODEL_ARTIFACT,
    HeartbeatSettings,
    best_trial_or_none,
    check_same_data,
    check_writable,
    default_artifacts,
    mask_url,
    open_storage,
    read_metadata,
    read_target,
    resolve_artifacts,
    write_target,
)
from cnntune.storage.trial_record import SKIPPED, count_finished

DEFAULT_TRIALS = 20  # finished trials a study reaches when --trials is not given and no budget is
MAX_STUDY_NAME = 512  # Optuna's RDB schema: studies.study_name is VARCHAR(512)
UNBOUNDED_TRIALS = 1_000_000  # the target of a budgeted search without --trials: the deadline ends it


@dataclasses.dataclass(frozen=True)
class SearchSummary:
    """Where the study stands when the run ends."""

    study_name: str
    storage: str  # masked
    data_dir: Path
    target: int
    complete: int
    pruned: int  # trained, then cut by the pruner
    failed: int
    skipped: int  # never trained: too costly for the budget (PRUNED in the store)
    best_number: int | None
    best_value: float | None
    best_params: dict[str, Any]
    ran_here: int  # trials this run started
    keeps_models: bool = False  # the study keeps its best trials' models
    best_kept: bool = False  # the best trial's model is kept: its export needs no retraining


def run_search(
    *,
    data_dir: Path | None,
    cache_dir: Path,
    storage_url: str,
    study_name: str | None,
    trials: int | None = None,
    timeout: float | None = None,
    space_file: Path | None = None,
    settings: SearchSettings = SearchSettings(),
    training: TrainingSettings = TrainingSettings(),
    heartbeat: HeartbeatSettings = HeartbeatSettings(),
    workers: int = 1,
    isolate: bool = False,
    force: bool = False,
    reporter: Reporter | None = None,
    engine: str = "optuna",
    kt_algorithm: str = "hyperband",
    budget: float | None = None,
    trial_share: float = DEFAULT_TRIAL_SHARE,
    final_share: float = DEFAULT_FINAL_SHARE,
    final_from: str = DEFAULT_FINAL_FROM,
    calibrate: bool = True,
    warm_start: bool = True,
    then_export: bool = False,
    started: float | None = None,
    artifacts: str | None = None,
    keep_top: int | None = None,
    more: int | None = None,
    validation_data: Path | None = None,
    tensorboard: str | Path | None = None,
    mlflow: str | None = None,
) -> SearchSummary:
    """Creates or resumes a study and runs trials until `trials` have finished, or the budget is spent.

    Args:
        data_dir: a data folder (competition layout, class per folder, or train.npz +
            validation.npz; `training.layout` says which, or "auto"), or with `validation_data`
            a train .npz file; None = the demo set in `cache_dir`.
        validation_data: the validation .npz file beside a train .npz `data_dir`; both are
            staged (linked or copied) into `cache_dir`, so workers read one folder.
        cache_dir: decoded-image cache and demo data set.
        storage_url: SQLAlchemy URL of the study store.
        study_name: None = the data folder's name.
        trials: finished trials the study should reach (its total, not this run's); None =
            `DEFAULT_TRIALS`, or no cap (`UNBOUNDED_TRIALS`) with a budget, which then ends it.
        more: instead of `trials`, this many finished trials more than the study has now.
        timeout: stop starting new trials after this many seconds.
        space_file: a TOML space; None = the study's recorded space, or the default.
        settings: how trials are sampled and pruned.
        training: how each trial trains (epochs, patience, seed, device options).
        heartbeat: worker-liveness settings of the store.
        workers: worker processes on this machine sharing the study.
        isolate: train each trial in a child process, so nothing a trial leaks outlives it.
        force: resume even if data, space or settings differ from the study's record.
        reporter: receives progress events.
        engine: "optuna", or "keras-tuner" to let a KerasTuner oracle pick the
            trials (recorded in the same study; see `cnntune.search.kerastuner`).
        kt_algorithm: the KerasTuner oracle: "hyperband", "bayesian" or "random".
        budget: seconds for the whole call (data loading and calibration included): no
            trial starts after it, the running one stops at it (see `cnntune.search.cost._budget`).
        trial_share: with a budget, a trial gets the epochs that fit this share of it (at most
            `training.max_epochs`); one for which fewer than `MIN_EPOCHS` (6) fit is skipped.
        final_share: with a budget, this share of it trains the best configuration once more at
            the end, its schedule sized to that time (`cnntune.search.running._final_fit`); 0 = none.
        final_from: where the final fit starts: "weights" (the best trial's kept model) or
            "scratch".
        calibrate: time reference models on this device (cached) so that every trial is
            priced before its first step; always on with a budget.
        warm_start: a new study's first trials are the known-good recipes its space can
            express (`cnntune.search.strategy._warm_start`); never re-enqueued on resume.
        then_export: the caller exports after the search: with a budget, the search ends
            early enough to leave the export a trial's share of it.
        started: the `time.monotonic()` instant the budget counts from (the CLI passes its
            own start, so the deadline is the whole command's); None = now.
        artifacts: where COMPLETE trials' models are kept (a folder or s3://bucket); None =
            the study's recorded store, or beside an SQLite file for a new study.
        keep_top: how many of the best trials' models stay kept; None = the study's, or
            `DEFAULT_KEEP_TOP`; 0 keeps none.
        tensorboard: a folder where each trial writes its per-epoch scalars, in trial-<n>/ (this
            run's option, not recorded in the study).
        mlflow: an MLflow tracking URI (the `mlflow` extra): one run per trial, with its params
            and val_accuracy, in the experiment named after the study.
    """
    from cnntune.data import data_warnings, demo_data_dir, load_dataset
    from cnntune.search.cost import recipe_pricing

    if trials is not None and more is not None:
        raise SearchError("--trials (the study's total) and --more (trials beyond it) exclude each other; pass one")
    if more is not None and more < 1:
        raise SearchError(f"--more must be >= 1, but got {more}")
    if trials is None and more is None:
        trials = DEFAULT_TRIALS if budget is None else UNBOUNDED_TRIALS
    if trials is not None and trials < 1:
        raise SearchError(f"--trials must be >= 1, but got {trials}")
    if workers < 1:
        raise SearchError(f"--workers must be >= 1, but got {workers}")
    cores = len(os.sched_getaffinity(0))
    if workers > cores and not force:
        raise SearchError(
            f"--workers {workers}: this machine gives this process {cores} CPU cores, and each worker is a "
            "TensorFlow process; pass at most that, or --force"
        )
    _check_timeout(timeout)
    _check_layout(training.layout)
    check_writable(storage_url)
    if study_name is not None and not study_name.strip():
        raise SearchError("--study must not be empty (leave it out for the data folder's name)")
    if study_name is not None and len(study_name) > MAX_STUDY_NAME:
        raise SearchError(f"--study is {len(study_name)} characters; a study name holds at most {MAX_STUDY_NAME}")
    if keep_top is not None and keep_top < 0:
        raise SearchError(f"--keep-top must be >= 0, but got {keep_top}")
    models = ModelStore(
        None if artifacts is None else resolve_artifacts(storage_url, artifacts),
        keep_top,
        default_artifacts(storage_url),
    )
    if engine != "optuna":  # KerasTuner keeps weights in its own project folder (see cnntune.search.kerastuner)
        if artifacts is not None:
            raise SearchError("--artifacts needs --engine optuna (KerasTuner keeps its weights in its project folder)")
        models = ModelStore(None, None, "")
    check_engine(engine, kt_algorithm, workers=workers, isolate=isolate)
    log_to = check_logging(tensorboard=tensorboard, mlflow=mlflow)
    if engine != "optuna" and (tensorboard is not None or mlflow is not None):
        raise SearchError("--tensorboard and --mlflow need --engine optuna")
    if budget is not None and engine != "optuna":
        raise SearchError("--budget needs --engine optuna (KerasTuner's oracle cannot skip a trial it sized)")
    check_final_share(final_share)
    check_final_from(final_from)
    plan = BudgetPlan.starting_now(
        budget,
        trial_share,
        final_share=final_share,
        final_from=final_from,
        calibrate=calibrate or budget is not None,
        then_export=then_export,
        export_retrains=not _keeps_models(models),
        started=started,
    )
    reporter = reporter or SilentReporter()
    packaged_space = "default" if data_dir is not None else "demo"  # the demo set gets a CPU-sized space
    if training.model_function is not None:
        _check_model_function(training, space_file, engine)
    if space_file is not None:  # a bad space fails before the cache, the store or a study exist
        check_space_file(space_file, packaged_space, model_params=training.model_function is not None)
    if validation_data is None and data_dir is not None and Path(data_dir).is_file():
        raise SearchError(
            f"--data {data_dir} is a file: a train .npz goes with --validation-data VAL.npz; "
            "otherwise pass the data folder"
        )
    if validation_data is not None:  # --data train.npz --validation-data val.npz: staged as one arrays folder
        study_name = study_name or Path(data_dir or ".").resolve().parent.name
        data_dir = _staged_npz(cache_dir, data_dir, validation_data)
    data_dir = Path(data_dir) if data_dir is not None else demo_data_dir(cache_dir)
    study_name = study_name or data_dir.resolve().name
    dataset = load_dataset(data_dir, layout=training.layout, channels=training.channels, cache_dir=cache_dir)
    reporter.data_warned(data_warnings(dataset))
    if training.model_function is not None and space_file is not None:
        _build_model_once(training.model_function, space_file, dataset, mixed_precision=training.mixed_precision)
    open_tracking_store(log_to)  # a bad --mlflow leaves no study behind
    storage = open_storage(storage_url, heartbeat)
    opened = open_study(
        storage,
        study_name,
        fingerprint=dataset.fingerprint,
        data_dir=data_dir,
        space_file=space_file,
        settings=settings,
        training=training,
        force=force,
        default_space=packaged_space,
        warm_start=warm_start and engine == "optuna",  # KerasTuner's oracle would leave them WAITING
        models=models,
        class_names=dataset.class_names,
        # Pricing builds models: only where this process trains anyway. A parent of spawned
        # workers or --isolate children must not start TensorFlow (on a GPU it would hold the memory).
        recipe_fits=recipe_pricing(dataset, training, plan, cache_dir) if workers == 1 and not isolate else None,
    )
    if more is not None:
        trials = count_finished(opened.study) + more
    write_target(opened.study, trials)
    job = WorkerJob(
        storage_url, study_name, str(data_dir), str(cache_dir), trials, timeout, heartbeat, isolate, plan, log_to
    )
    reporter.search_started(study_name, trials, count_finished(opened.study), mask_url(storage_url))
    reporter.budget_started(plan.budget)
    try:
        if engine == "keras-tuner":
            from cnntune.search.kerastuner import run_kerastuner

            ran = run_kerastuner(
                opened,
                dataset,
                cache_dir=cache_dir,
                target=trials,
                algorithm=kt_algorithm,
                reporter=reporter,
                timeout=timeout,
            )
        elif workers == 1:
            ran = _run_here(opened, dataset, job, reporter)
        else:
            ran = run_worker_processes(opened.study, job, workers, reporter, opened.training.max_epochs)
    finally:
        reporter.search_ended()
    return summarize_study(opened.study, data_dir=data_dir, storage_url=storage_url, target=trials, ran_here=ran)


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

    _check_timeout(timeout)
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
        ran = _run_here(opened, dataset, job, reporter)
    finally:
        reporter.search_ended()
    return summarize_study(opened.study, data_dir=data_dir, storage_url=storage_url, target=target, ran_here=ran)


def _run_here(opened: OpenStudy, dataset: Any, job: WorkerJob, reporter: Reporter) -> int:
    from cnntune.search.running import make_keeper

    keeper = make_keeper(opened.study)
    objective = make_objective(opened, dataset, job, reporter, keeper)
    callbacks = job.log_to.study_callbacks()
    ran = run_trials(
        opened.study,
        opened.storage,
        objective,
        target=job.target,
        reporter=reporter,
        timeout=job.timeout,
        deadline=job.plan.deadline,
        keeper=keeper,
        callbacks=callbacks,
    )
    return ran + run_final_fit(
        opened.study,
        opened.storage,
        objective,
        budget=job.plan.budget,
        reporter=reporter,
        keeper=keeper,
        callbacks=callbacks,
    )


def _check_model_function(training: TrainingSettings, space_file: Path | None, engine: str) -> None:
    """A model function of the user's imports, and has a space naming what to search."""
    from cnntune.model import import_model_function

    if engine != "optuna":
        raise SearchError("--model needs --engine optuna")
    if space_file is None:
        raise SearchError(
            "--model needs --space: a space naming the parameters to search (the model function's own, "
            "and any of cnntune's such as learning_rate)"
        )
    import_model_function(training.model_function)


def _build_model_once(model_function: str, space_file: Path, dataset: Any, *, mixed_precision: bool) -> None:
    """The user's function builds a model of the data's shape, before the store or a study exist."""
    from cnntune.model import HParams, check_model_function
    from cnntune.spaces import load_space

    params = HParams.from_params(load_space(space_file).first_values(), model_params=True).params_for_model()
    check_model_function(
        model_function, params, dataset.image_shape, dataset.num_classes, mixed_precision=mixed_precision
    )


def _staged_npz(cache_dir: Path, train: Path | None, validation: Path) -> Path:
    from cnntune.data import stage_npz_files

    if train is None or Path(train).suffix != ".npz":
        raise SearchError(f"--validation-data goes with --data TRAIN.npz, but --data is {train or 'not given'}")
    return stage_npz_files(cache_dir, Path(train), Path(validation))


def _check_layout(layout: str) -> None:
    from cnntune.data import LAYOUTS

    if layout not in LAYOUTS:
        raise SearchError(f"--layout must be one of {', '.join(LAYOUTS)}, but got {layout!r}")


def _check_timeout(timeout: float | None) -> None:
    """`--timeout nan` would compare false with everything and run nothing, silently."""
    if timeout is not None and not (math.isfinite(timeout) and timeout >= 0):
        raise SearchError(f"--timeout must be a finite number of seconds >= 0, but got {timeout}")


def _keeps_models(models: ModelStore) -> bool:
    """Whether this run's trials will keep their models (a resumed study's own store is not known yet)."""
    location = models.location if models.location is not None else models.default_location
    return bool(location) and (models.keep_top is None or models.keep_top > 0)


def _worker_seed_offset() -> int:
    """Workers joining from other machines must not replay one another's sampler draws."""
    import os

    return 1 + int.from_bytes(os.urandom(2), "big")


def summarize_study(study: Any, *, data_dir: Path, storage_url: str, target: int, ran_here: int) -> SearchSummary:
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False)

    def count(state: TrialState) -> int:
        return sum(t.state == state and not t.user_attrs.get(SKIPPED) for t in trials)

    best = best_trial_or_none(study)
    recorded = read_metadata(study)
    return SearchSummary(
        study_name=study.study_name,
        storage=mask_url(storage_url),
        data_dir=data_dir,
        target=target,
        complete=count(TrialState.COMPLETE),
        pruned=count(TrialState.PRUNED),
        failed=count(TrialState.FAIL),
        skipped=sum(bool(t.user_attrs.get(SKIPPED)) for t in trials),
        best_number=best.number if best else None,
        best_value=best.value if best else None,
        best_params=dict(best.params) if best else {},
        ran_here=ran_here,
        keeps_models=recorded is not None and bool(recorded.artifacts) and recorded.keep_top > 0,
        best_kept=best is not None and bool(best.user_attrs.get(MODEL_ARTIFACT)),
    )
