"""Entry points of a search: `tune start` (create or resume, N workers) and `tune worker`.

`--trials N` is a target for the study, not for this run: finished trials
(COMPLETE or PRUNED) already in the store count, so re-running the same command
after a crash or Ctrl-C resumes and stops at N.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cnntune.errors import SearchError
from cnntune.model import TrainingSettings
from cnntune.search._request import SearchRequest
from cnntune.search._summary import SearchSummary, summarize_study
from cnntune.search.cost import (
    BudgetPlan,
)
from cnntune.search.running import (
    ModelStore,
    OpenStudy,
    Reporter,
    SilentReporter,
    WorkerJob,
    check_logging,
    check_space_file,
    make_objective,
    open_study,
    open_tracking_store,
    run_final_fit,
    run_trials,
    run_worker_processes,
)
from cnntune.storage import (
    check_writable,
    default_artifacts,
    mask_url,
    open_storage,
    resolve_artifacts,
    write_target,
)
from cnntune.storage.trial_record import count_finished


def run_search(request: SearchRequest, *, reporter: Reporter | None = None) -> SearchSummary:
    """Creates or resumes a study and runs trials until its target have finished, or the budget is spent.

    Args:
        request: what to search (`SearchRequest`, already checked); here the checks that need
            the file system or an extra come first (a writable store, the space file, the
            model function, `--mlflow`), before the store or a study exist.
        reporter: receives progress events.
    """
    from cnntune.data import data_warnings, load_dataset
    from cnntune.search.cost import recipe_pricing

    r = request
    check_writable(r.storage_url)
    models = _model_store(r)
    log_to = check_logging(tensorboard=r.tensorboard, mlflow=r.mlflow)
    plan = BudgetPlan.starting_now(
        r.budget,
        r.trial_share,
        final_share=r.final_share,
        final_from=r.final_from,
        calibrate=r.calibrate or r.budget is not None,
        then_export=r.then_export,
        export_retrains=not _keeps_models(models),
        started=r.started,
    )
    reporter = reporter or SilentReporter()
    training = r.training
    if training.model_function is not None:
        _check_model_function(training, r.space_file, r.engine)
    if r.space_file is not None:  # a bad space fails before the cache, the store or a study exist
        check_space_file(r.space_file, r.packaged_space, model_params=training.model_function is not None)
    data_dir, study_name = _data_and_name(r)
    dataset = load_dataset(data_dir, layout=training.layout, channels=training.channels, cache_dir=r.cache_dir)
    reporter.data_warned(data_warnings(dataset))
    if training.model_function is not None and r.space_file is not None:
        _build_model_once(training.model_function, r.space_file, dataset, mixed_precision=training.mixed_precision)
    open_tracking_store(log_to)  # a bad --mlflow leaves no study behind
    storage = open_storage(r.storage_url, r.heartbeat)
    opened = open_study(
        storage,
        study_name,
        fingerprint=dataset.fingerprint,
        data_dir=data_dir,
        space_file=r.space_file,
        settings=r.settings,
        training=training,
        force=r.force,
        default_space=r.packaged_space,
        warm_start=r.warm_start and r.engine == "optuna",  # KerasTuner's oracle would leave them WAITING
        models=models,
        class_names=dataset.class_names,
        # Pricing builds models: only where this process trains anyway. A parent of spawned
        # workers or --isolate children must not start TensorFlow (on a GPU it would hold the memory).
        recipe_fits=recipe_pricing(dataset, training, plan, r.cache_dir) if r.workers == 1 and not r.isolate else None,
    )
    trials = r.target if r.target is not None else count_finished(opened.study) + r.more
    write_target(opened.study, trials)
    job = WorkerJob(
        r.storage_url,
        study_name,
        str(data_dir),
        str(r.cache_dir),
        trials,
        r.timeout,
        r.heartbeat,
        r.isolate,
        plan,
        log_to,
    )
    reporter.search_started(study_name, trials, count_finished(opened.study), mask_url(r.storage_url))
    reporter.budget_started(plan.budget)
    try:
        if r.engine == "keras-tuner":
            from cnntune.search.kerastuner import run_kerastuner

            ran = run_kerastuner(
                opened,
                dataset,
                cache_dir=r.cache_dir,
                target=trials,
                algorithm=r.kt_algorithm,
                reporter=reporter,
                timeout=r.timeout,
            )
        elif r.workers == 1:
            ran = run_trials_here(opened, dataset, job, reporter)
        else:
            ran = run_worker_processes(opened.study, job, r.workers, reporter, opened.training.max_epochs)
    finally:
        reporter.search_ended()
    return summarize_study(opened.study, data_dir=data_dir, storage_url=r.storage_url, target=trials, ran_here=ran)


def _model_store(request: SearchRequest) -> ModelStore:
    """Where this run keeps its trials' models; KerasTuner keeps weights in its own project folder."""
    if request.engine != "optuna":
        return ModelStore(None, None, "")
    location = None if request.artifacts is None else resolve_artifacts(request.storage_url, request.artifacts)
    return ModelStore(location, request.keep_top, default_artifacts(request.storage_url))


def _data_and_name(request: SearchRequest) -> tuple[Path, str]:
    """The folder the trials read (the demo set's, or staged .npz files) and the study's name."""
    from cnntune.data import demo_data_dir

    data_dir, study_name = request.data_dir, request.study_name
    if request.validation_data is None and data_dir is not None and Path(data_dir).is_file():
        raise SearchError(
            f"--data {data_dir} is a file: a train .npz goes with --validation-data VAL.npz; "
            "otherwise pass the data folder"
        )
    if request.validation_data is not None:  # --data train.npz --validation-data val.npz: one arrays folder
        study_name = study_name or Path(data_dir or ".").resolve().parent.name
        data_dir = _staged_npz(request.cache_dir, data_dir, request.validation_data)
    data_dir = Path(data_dir) if data_dir is not None else demo_data_dir(request.cache_dir)
    return data_dir, study_name or data_dir.resolve().name


def run_trials_here(opened: OpenStudy, dataset: Any, job: WorkerJob, reporter: Reporter) -> int:
    """Trials in this process until the target or deadline, then this run's final fit: trials run here."""
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


def _keeps_models(models: ModelStore) -> bool:
    """Whether this run's trials will keep their models (a resumed study's own store is not known yet)."""
    location = models.location if models.location is not None else models.default_location
    return bool(location) and (models.keep_top is None or models.keep_top > 0)
