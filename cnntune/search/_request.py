"""What a search is asked to do, as one frozen value checked once, when it is built.

`tune start` and `cnntune.tune` each build a `SearchRequest` from what their
user typed and hand it to `run_search`; every default lives here (or in the
settings it holds: `SearchSettings`, `TrainingSettings`, `HeartbeatSettings`),
and an option that cannot work is refused before anything is read or written.
Checks that need the file system or an installed extra (a writable store, a
space file, `--mlflow`) stay with `run_search`, which does them before it
touches the store.
"""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path

from cnntune.errors import SearchError
from cnntune.model import TrainingSettings
from cnntune.search._settings import SearchSettings, check_engine
from cnntune.search.cost import (
    DEFAULT_FINAL_FROM,
    DEFAULT_FINAL_SHARE,
    DEFAULT_TRIAL_SHARE,
    check_final_from,
    check_final_share,
)
from cnntune.storage import DEFAULT_STORAGE, HeartbeatSettings

__all__ = ["DEFAULT_TRIALS", "MAX_STUDY_NAME", "UNBOUNDED_TRIALS", "SearchRequest", "check_timeout"]

DEFAULT_TRIALS = 20  # finished trials a study reaches when --trials is not given and no budget is
MAX_STUDY_NAME = 512  # Optuna's RDB schema: studies.study_name is VARCHAR(512)
UNBOUNDED_TRIALS = 1_000_000  # the target of a budgeted search without --trials: the deadline ends it


@dataclasses.dataclass(frozen=True)
class SearchRequest:
    """A search to create or resume: the data, the store, how long, how to choose and train trials.

    Attributes:
        cache_dir: decoded-image cache and demo data set.
        data_dir: a data folder (competition layout, class per folder, or train.npz +
            validation.npz; `training.layout` says which, or "auto"), or with `validation_data`
            a train .npz file; None = the demo set in `cache_dir`.
        validation_data: the validation .npz file beside a train .npz `data_dir`; both are
            staged (linked or copied) into `cache_dir`, so workers read one folder.
        storage_url: SQLAlchemy URL of the study store.
        study_name: None = the data folder's name.
        trials: finished trials the study should reach (its total, not this run's); None =
            `DEFAULT_TRIALS`, or no cap (`UNBOUNDED_TRIALS`) with a budget, which then ends it.
        more: instead of `trials`, this many finished trials more than the study has now.
        timeout: stop starting new trials after this many seconds.
        budget: seconds for the whole call (data loading and calibration included): no
            trial starts after it, the running one stops at it (`cnntune.search.cost`).
        trial_share: with a budget, a trial gets the epochs that fit this share of it (at most
            `training.max_epochs`); one for which fewer than the floor fit is skipped.
        final_share: with a budget, this share of it trains the best configuration once more at
            the end, its schedule sized to that time (`running._final_fit`); 0 = none.
        final_from: where the final fit starts: "weights" (the best trial's kept model) or "scratch".
        started: the `time.monotonic()` instant the budget counts from (the CLI passes its
            own start, so the deadline is the whole command's); None = when the search starts.
        then_export: the caller exports after the search: with a budget, the search ends
            early enough to leave the export a trial's share of it.
        space_file: a TOML space; None = the study's recorded space, or the default.
        settings: how trials are sampled and pruned.
        training: how each trial trains (epochs, patience, seed, device options).
        engine: "optuna", or "keras-tuner" to let a KerasTuner oracle pick the trials.
        kt_algorithm: the KerasTuner oracle: "hyperband", "bayesian" or "random".
        warm_start: a new study's first trials are the known-good recipes its space can
            express (`strategy._warm_start`); never re-enqueued on resume.
        calibrate: time reference models on this device (cached) so that every trial is
            priced before its first step; always on with a budget.
        workers: worker processes on this machine sharing the study.
        isolate: train each trial in a child process, so nothing a trial leaks outlives it.
        heartbeat: worker-liveness settings of the store.
        artifacts: where COMPLETE trials' models are kept (a folder or s3://bucket); None =
            the study's recorded store, or beside an SQLite file for a new study.
        keep_top: how many of the best trials' models stay kept; None = the study's, or
            `DEFAULT_KEEP_TOP`; 0 keeps none.
        force: resume even if data, space or settings differ from the study's record (and
            allow more workers than cores).
        tensorboard: a folder where each trial writes its per-epoch scalars, in trial-<n>/
            (this run's option, not recorded in the study).
        mlflow: an MLflow tracking URI (the `mlflow` extra): one run per trial.

    Raises:
        SearchError: an option out of range, or options that exclude each other, with the
            option's name and the bad value.
    """

    cache_dir: Path
    data_dir: Path | None = None
    validation_data: Path | None = None
    storage_url: str = DEFAULT_STORAGE
    study_name: str | None = None
    trials: int | None = None
    more: int | None = None
    timeout: float | None = None
    budget: float | None = None
    trial_share: float = DEFAULT_TRIAL_SHARE
    final_share: float = DEFAULT_FINAL_SHARE
    final_from: str = DEFAULT_FINAL_FROM
    started: float | None = None
    then_export: bool = False
    space_file: Path | None = None
    settings: SearchSettings = SearchSettings()
    training: TrainingSettings = TrainingSettings()
    engine: str = "optuna"
    kt_algorithm: str = "hyperband"
    warm_start: bool = True
    calibrate: bool = True
    workers: int = 1
    isolate: bool = False
    heartbeat: HeartbeatSettings = HeartbeatSettings()
    artifacts: str | None = None
    keep_top: int | None = None
    force: bool = False
    tensorboard: str | Path | None = None
    mlflow: str | None = None

    def __post_init__(self) -> None:
        self._check_target()
        self._check_workers()
        check_timeout(self.timeout)
        _check_layout(self.training.layout)
        self._check_study_name()
        if self.keep_top is not None and self.keep_top < 0:
            raise SearchError(f"--keep-top must be >= 0, but got {self.keep_top}")
        check_engine(self.engine, self.kt_algorithm, workers=self.workers, isolate=self.isolate)
        self._check_engine_options()
        check_final_share(self.final_share)
        check_final_from(self.final_from)

    @property
    def target(self) -> int | None:
        """The study's --trials target, or None with --more (it counts from the study's trials)."""
        if self.more is not None:
            return None
        if self.trials is not None:
            return self.trials
        return DEFAULT_TRIALS if self.budget is None else UNBOUNDED_TRIALS

    @property
    def packaged_space(self) -> str:
        """The space a new study gets without --space: the demo set gets one sized for a CPU."""
        return "default" if self.data_dir is not None else "demo"

    def _check_target(self) -> None:
        if self.trials is not None and self.more is not None:
            raise SearchError("--trials (the study's total) and --more (trials beyond it) exclude each other; pass one")
        if self.more is not None and self.more < 1:
            raise SearchError(f"--more must be >= 1, but got {self.more}")
        if self.trials is not None and self.trials < 1:
            raise SearchError(f"--trials must be >= 1, but got {self.trials}")

    def _check_workers(self) -> None:
        if self.workers < 1:
            raise SearchError(f"--workers must be >= 1, but got {self.workers}")
        cores = len(os.sched_getaffinity(0))
        if self.workers > cores and not self.force:
            raise SearchError(
                f"--workers {self.workers}: this machine gives this process {cores} CPU cores, and each worker "
                "is a TensorFlow process; pass at most that, or --force"
            )

    def _check_study_name(self) -> None:
        if self.study_name is not None and not self.study_name.strip():
            raise SearchError("--study must not be empty (leave it out for the data folder's name)")
        if self.study_name is not None and len(self.study_name) > MAX_STUDY_NAME:
            raise SearchError(
                f"--study is {len(self.study_name)} characters; a study name holds at most {MAX_STUDY_NAME}"
            )

    def _check_engine_options(self) -> None:
        if self.engine == "optuna":
            return
        if self.artifacts is not None:
            raise SearchError("--artifacts needs --engine optuna (KerasTuner keeps its weights in its project folder)")
        if self.tensorboard is not None or self.mlflow is not None:
            raise SearchError("--tensorboard and --mlflow need --engine optuna")
        if self.budget is not None:
            raise SearchError("--budget needs --engine optuna (KerasTuner's oracle cannot skip a trial it sized)")


def check_timeout(timeout: float | None) -> None:
    """`--timeout nan` would compare false with everything and run nothing, silently."""
    if timeout is not None and not (math.isfinite(timeout) and timeout >= 0):
        raise SearchError(f"--timeout must be a finite number of seconds >= 0, but got {timeout}")


def _check_layout(layout: str) -> None:
    from cnntune.data import LAYOUTS

    if layout not in LAYOUTS:
        raise SearchError(f"--layout must be one of {', '.join(LAYOUTS)}, but got {layout!r}")
