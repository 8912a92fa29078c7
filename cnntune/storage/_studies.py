"""Reading studies back: the list of studies and one study's trials, as plain rows."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from cnntune.errors import StorageError
from cnntune.storage._artifacts import kept_trials
from cnntune.storage._heartbeats import heartbeat_ages
from cnntune.storage._metadata import read_metadata
from cnntune.storage._url import HeartbeatSettings, mask_url, open_storage
from cnntune.storage.trial_record import (
    EPOCHS_RUN,
    EST_EPOCH_SECONDS,
    FAIL_REASON,
    MEASURED_EPOCH_SECONDS,
    SKIPPED,
    FinalFitRecord,
)

if TYPE_CHECKING:
    import optuna


@dataclasses.dataclass(frozen=True)
class StudyRow:
    name: str
    counts: dict[str, int]  # state name -> trials
    best_value: float | None
    best_number: int | None


@dataclasses.dataclass(frozen=True)
class TrialRow:
    number: int
    state: str
    value: float | None
    epochs: int | None
    seconds: float | None
    params: dict[str, Any]
    fail_reason: str | None
    est_epoch_seconds: float | None = None  # priced before the first step
    measured_epoch_seconds: float | None = None  # median epoch after the first
    skipped: bool = False  # too costly for the budget: never trained
    stale_seconds: float | None = None  # RUNNING with no heartbeat for longer than the grace period
    final_fit_of: int | None = None  # the final fit of a budget: the trial whose configuration it trained again


@dataclasses.dataclass(frozen=True)
class StudyStatus:
    name: str
    trials: list[TrialRow]
    best: TrialRow | None
    kept: tuple[int, ...] = ()  # trial numbers whose models the store keeps, best first
    artifacts: str = ""  # where they are


def list_studies(storage_url: str) -> list[StudyRow]:
    """Every study in the store with its trial counts by state and best value."""
    import optuna

    storage = open_storage(storage_url, heartbeat=None, must_exist=True)
    rows = []
    for summary in optuna.get_all_study_summaries(storage, include_best_trial=True):
        study = optuna.load_study(study_name=summary.study_name, storage=storage)
        counts: dict[str, int] = {}
        for trial in study.get_trials(deepcopy=False):
            counts[trial.state.name] = counts.get(trial.state.name, 0) + 1
        best = summary.best_trial
        rows.append(
            StudyRow(
                summary.study_name,
                counts,
                best.value if best else None,
                best.number if best else None,
            )
        )
    return rows


def study_status(storage_url: str, study_name: str | None) -> StudyStatus:
    """One study's trials (number, state, value, epochs, duration, main params) and its best.

    Args:
        storage_url: the study store's URL.
        study_name: the study; None = the store's only study.
    """
    study = load_existing_study(storage_url, study_name)
    trials = study.get_trials(deepcopy=False)
    running = any(t.state.name == "RUNNING" for t in trials)
    ages = heartbeat_ages(open_storage(storage_url, heartbeat=None, must_exist=True)) if running else {}
    grace = HeartbeatSettings().grace_period
    rows = [_trial_row(t, _stale(t, ages, grace)) for t in trials]
    best_trial = best_trial_or_none(study)
    best_number = best_trial.number if best_trial is not None else None
    best = next((r for r in rows if r.number == best_number), None)
    recorded = read_metadata(study)
    if recorded is None or not recorded.artifacts:
        return StudyStatus(study.study_name, rows, best)
    kept = tuple(t.number for t in kept_trials(study, recorded.keep_top))
    return StudyStatus(study.study_name, rows, best, kept, recorded.artifacts)


def best_trial_or_none(study: optuna.Study) -> optuna.trial.FrozenTrial | None:
    """The study's best trial, or None while no trial is COMPLETE.

    `study.best_trial` raises ValueError until a trial completes (a new study, or
    one whose trials all pruned or failed so far), which every reader of a live
    study meets; this is that check, once.
    """
    try:
        return study.best_trial
    except ValueError:
        return None


def load_existing_study(storage_url: str, study_name: str | None) -> Any:
    """Loads a study that must exist; with no name, the store's only study."""
    import optuna

    storage = open_storage(storage_url, heartbeat=None, must_exist=True)
    names = [s.study_name for s in optuna.get_all_study_summaries(storage, include_best_trial=False)]
    if study_name is None:
        if len(names) != 1:
            listing = ", ".join(names) if names else "none"
            raise StorageError(f"--study is needed: {mask_url(storage_url)} holds {len(names)} studies ({listing})")
        study_name = names[0]
    if study_name not in names:
        raise StorageError(
            f"no study {study_name!r} in {mask_url(storage_url)} (studies: {', '.join(names) or 'none'})"
        )
    return optuna.load_study(study_name=study_name, storage=storage)


def _stale(trial: Any, ages: dict[int, float], grace: float) -> float | None:
    """Seconds without a heartbeat of a RUNNING trial past `grace`, else None (`Trial._trial_id`: see _loop)."""
    age = ages.get(trial._trial_id) if trial.state.name == "RUNNING" else None
    return age if age is not None and age > grace else None


def _trial_row(trial: Any, stale_seconds: float | None = None) -> TrialRow:
    return TrialRow(
        number=trial.number,
        state=trial.state.name,
        value=trial.value,
        epochs=trial.user_attrs.get(EPOCHS_RUN),
        seconds=trial.duration.total_seconds() if trial.duration else None,
        params=dict(trial.params),
        fail_reason=trial.user_attrs.get(FAIL_REASON),
        est_epoch_seconds=trial.user_attrs.get(EST_EPOCH_SECONDS),
        measured_epoch_seconds=trial.user_attrs.get(MEASURED_EPOCH_SECONDS),
        skipped=bool(trial.user_attrs.get(SKIPPED)),
        stale_seconds=stale_seconds,
        final_fit_of=final.of if (final := FinalFitRecord.read(trial.user_attrs)) else None,
    )


@dataclasses.dataclass(frozen=True)
class BestConfiguration:
    """A study's best trial, as `tune best` prints it."""

    study: str
    number: int
    value: float
    params: dict[str, Any]


def best_configuration(storage_url: str, study_name: str | None) -> BestConfiguration:
    """The best trial's number, value and params.

    Raises:
        StorageError: no such study, or no completed trial yet.
    """
    study = load_existing_study(storage_url, study_name)
    best = best_trial_or_none(study)
    if best is None:
        raise StorageError(f"study {study.study_name!r} has no completed trial yet")
    return BestConfiguration(study.study_name, best.number, float(best.value), dict(best.params))
