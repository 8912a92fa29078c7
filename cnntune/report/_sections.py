"""The study sections of the HTML report: each section's data, then its figure.

Following optuna's `visualization/`, a section's data is computed by one
function (a NamedTuple, what tests check) and drawn by another. Where
`optuna.visualization` already draws the figure well (optimization history,
slices), it is used as is; importances and parallel coordinates have modules
of their own (`_importance`, `_parallel`).
"""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING, Any, NamedTuple

from cnntune.baselines import BaselineResult, read_baselines
from cnntune.storage import best_trial_or_none, read_settings
from cnntune.storage.trial_record import (
    ALLOTTED_EPOCHS,
    BEST_EPOCH,
    EPOCHS_RUN,
    EST_EPOCH_SECONDS,
    IMAGES_PER_SECOND,
    PARAM_COUNT,
    SKIPPED,
    STARTED_FROM,
    TRAIN_SECONDS,
    FinalFitRecord,
    estimate_error,
)

if TYPE_CHECKING:
    import optuna

KNOBS = ("depth", "base_width", "learning_rate", "cutout_p", "cutmix_p")  # the knobs worth a plot each
STATES = ("COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING")


class BestTrial(NamedTuple):
    number: int
    value: float
    params: dict[str, Any]
    epochs_run: int | None
    best_epoch: int | None  # 1-based, as stored (`trial_record.BEST_EPOCH`) and as Keras prints
    seconds: float | None  # wall time of the trial, data loading included
    train_seconds: float | None
    param_count: int | None
    images_per_second: float | None


class Timing(NamedTuple):
    """How well trials were priced before training: estimated against measured seconds per epoch."""

    priced: int  # trials with an estimate
    measured: int  # of those, trials that ran 2+ epochs (a steady epoch time)
    median_error: float | None  # median |est - measured| / measured
    within_30: int  # trials whose estimate was within 30 % of the measurement
    skipped: int  # trials never trained: too costly, or no time left


def timing(study: optuna.Study) -> Timing:
    """The estimate-vs-measurement figures of a study's priced trials (`--budget` studies and every priced one)."""
    priced = measured = within = skipped = 0
    errors = []
    for trial in study.get_trials(deepcopy=False):
        attrs = trial.user_attrs
        skipped += bool(attrs.get(SKIPPED))
        if attrs.get(EST_EPOCH_SECONDS) is None:
            continue
        priced += 1
        error = estimate_error(attrs)
        if error is not None:
            measured += 1
            errors.append(error)
            within += error <= 0.3
    return Timing(priced, measured, statistics.median(errors) if errors else None, within, skipped)


class FinalFit(NamedTuple):
    """A budget's final fit (`cnntune.search.running._final_fit`) against the trial whose configuration it trained."""

    number: int
    state: str
    value: float | None
    source: int
    source_value: float | None
    epochs_run: int | None
    allotted_epochs: int | None
    schedule: str | None
    started_from: str | None = None  # "weights of trial N", "scratch" (and why)


def final_fits(study: optuna.Study) -> list[FinalFit]:
    """Every final fit of the study (one per budgeted run that reached it), oldest first."""
    trials = study.get_trials(deepcopy=False)
    by_number = {t.number: t for t in trials}
    fits = []
    for trial in trials:
        final = FinalFitRecord.read(trial.user_attrs)
        if final is None:
            continue
        source = by_number.get(final.of)
        fits.append(
            FinalFit(
                number=trial.number,
                state=trial.state.name,
                value=trial.value,
                source=final.of,
                source_value=None if source is None else source.value,
                epochs_run=trial.user_attrs.get(EPOCHS_RUN),
                allotted_epochs=trial.user_attrs.get(ALLOTTED_EPOCHS),
                schedule=final.schedule,
                started_from=trial.user_attrs.get(STARTED_FROM),
            )
        )
    return fits


class Summary(NamedTuple):
    study_name: str
    direction: str
    counts: dict[str, int]  # every state in STATES, zeros included
    best: BestTrial | None
    compute_seconds: float  # sum of finished trials' durations, across all workers
    wall_seconds: float | None  # first start to last finish: less than compute with workers
    settings: dict[str, Any]
    baselines: BaselineResult | None = None  # pixel baselines `tune baseline --study` recorded
    timing: Timing | None = None  # estimated vs measured epoch times of the priced trials
    final_fits: tuple[FinalFit, ...] = ()  # the budget's final fits, oldest first


def summary(study: optuna.Study) -> Summary:
    """Counts by state, the best trial with its epochs and time, total compute time."""
    trials = study.get_trials(deepcopy=False)
    counts = dict.fromkeys(STATES, 0)
    for trial in trials:
        counts[trial.state.name] = counts.get(trial.state.name, 0) + 1
    finished = [t for t in trials if t.datetime_start is not None and t.datetime_complete is not None]
    compute = sum((t.duration.total_seconds() for t in finished), 0.0)
    wall = None
    if finished:
        span = max(t.datetime_complete for t in finished) - min(t.datetime_start for t in finished)
        wall = span.total_seconds()
    return Summary(
        study_name=study.study_name,
        direction=study.direction.name.lower(),
        counts=counts,
        best=_best_trial(study),
        compute_seconds=compute,
        wall_seconds=wall,
        settings=read_settings(study),
        baselines=read_baselines(study.user_attrs),
        timing=timing(study),
        final_fits=tuple(final_fits(study)),
    )


def _best_trial(study: optuna.Study) -> BestTrial | None:
    best = best_trial_or_none(study)
    if best is None:
        return None
    attrs = best.user_attrs
    return BestTrial(
        number=best.number,
        value=best.value,
        params=dict(best.params),
        epochs_run=attrs.get(EPOCHS_RUN),
        best_epoch=attrs.get(BEST_EPOCH),
        seconds=best.duration.total_seconds() if best.duration else None,
        train_seconds=attrs.get(TRAIN_SECONDS),
        param_count=attrs.get(PARAM_COUNT),
        images_per_second=attrs.get(IMAGES_PER_SECOND),
    )


def knobs_present(study: optuna.Study) -> list[str]:
    """The main knobs (`KNOBS`) that completed trials actually sampled, in `KNOBS` order."""
    from optuna.trial import TrialState

    seen: set[str] = set()
    for trial in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        seen.update(trial.params)
    return [k for k in KNOBS if k in seen]


def history_figure(study: optuna.Study) -> Any:
    """Every completed trial's value with the best-so-far line (optuna's plot)."""
    from optuna.visualization import plot_optimization_history

    fig = plot_optimization_history(study, target_name="val_accuracy")
    return fig.update_layout(title="Optimization history: val_accuracy per trial, best so far")


def slice_figure(study: optuna.Study, knobs: list[str]) -> Any:
    from optuna.visualization import plot_slice

    fig = plot_slice(study, params=knobs, target_name="val_accuracy")
    fig.layout.width = None  # optuna's 300 px per knob overflows the page; fit its width instead
    return fig.update_layout(title="Slices: val_accuracy against each main knob", height=420)
