"""The study runner: create or resume a study, run trials until it has enough.

`--trials N` is a target for the study, not for this run: finished trials
(COMPLETE or PRUNED) already in the store count, so re-running the same command
after a crash or Ctrl-C resumes and stops at N.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from cnntune import __version__
from cnntune.errors import SearchError, TrialFailed
from cnntune.search._objective import FAIL_REASON, TrialObjective
from cnntune.search._reporter import Reporter, SilentReporter
from cnntune.search._settings import SearchSettings
from cnntune.search._strategies import make_pruner, make_sampler
from cnntune.spaces import Space, load_space
from cnntune.storage import (
    HeartbeatSettings,
    StudyMetadata,
    check_same_data,
    mask_url,
    open_storage,
    read_metadata,
    write_metadata,
)

MAX_FAILURES_IN_A_ROW = 5  # a study whose trials keep failing is broken, not unlucky
_RESUME_KEYS = ("max_epochs", "patience", "plateau_patience", "sampler", "pruner", "seed", "channels")


@dataclasses.dataclass(frozen=True)
class SearchSummary:
    """Where the study stands when the run ends."""

    study_name: str
    storage: str  # masked
    data_dir: Path
    target: int
    complete: int
    pruned: int
    failed: int
    best_number: int | None
    best_value: float | None
    best_params: dict[str, Any]
    ran_here: int  # trials this run started


def run_search(
    *,
    data_dir: Path | None,
    cache_dir: Path,
    storage_url: str,
    study_name: str | None,
    trials: int,
    timeout: float | None = None,
    space_file: Path | None = None,
    settings: SearchSettings = SearchSettings(),
    heartbeat: HeartbeatSettings = HeartbeatSettings(),
    force: bool = False,
    reporter: Reporter | None = None,
) -> SearchSummary:
    """Creates or resumes a study and runs trials until `trials` have finished.

    Args:
        data_dir: a folder in the competition layout; None = the demo set in `cache_dir`.
        cache_dir: decoded-image cache and demo data set.
        storage_url: SQLAlchemy URL of the study store.
        study_name: None = the data folder's name.
        trials: finished trials the study should reach.
        timeout: stop starting new trials after this many seconds.
        space_file: a TOML space; None = the study's recorded space, or the default.
        settings: sampling, pruning and training settings.
        heartbeat: worker-liveness settings of the store.
        force: resume even if data, space or settings differ from the study's record.
        reporter: receives progress events.
    """
    from cnntune.data import demo_data_dir, load_dataset

    if trials < 1:
        raise SearchError(f"--trials must be >= 1, but got {trials}")
    reporter = reporter or SilentReporter()
    data_dir = Path(data_dir) if data_dir is not None else demo_data_dir(cache_dir)
    study_name = study_name or data_dir.resolve().name
    dataset = load_dataset(data_dir, channels=settings.channels, cache_dir=cache_dir)
    storage = open_storage(storage_url, heartbeat)
    study, space, settings = _open_study(
        storage, study_name, dataset.fingerprint, data_dir, space_file, settings, force
    )
    objective = TrialObjective(dataset, space, settings, reporter)
    reporter.search_started(study_name, trials, _count_finished(study), mask_url(storage_url))
    ran_here = _run_until(study, objective, trials, timeout, reporter)
    reporter.search_ended()
    return summarize_study(study, data_dir=data_dir, storage_url=storage_url, target=trials, ran_here=ran_here)


def _open_study(
    storage: Any,
    name: str,
    fingerprint: str,
    data_dir: Path,
    space_file: Path | None,
    settings: SearchSettings,
    force: bool,
) -> tuple[Any, Space, SearchSettings]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name=name,
        storage=storage,
        direction="maximize",
        load_if_exists=True,
        sampler=make_sampler(settings.sampler, settings.seed),
        pruner=make_pruner(settings.pruner, settings.max_epochs),
    )
    recorded = read_metadata(study)
    space = load_space(space_file) if space_file is not None or recorded is None else Space.from_dict(recorded.space)
    if recorded is not None and not force:
        check_same_data(name, recorded, fingerprint)
        _check_same_space(name, Space.from_dict(recorded.space, source=f"study {name!r}"), space)
        _check_same_settings(name, recorded.settings, settings)
    _check_space_names(space)
    if recorded is None or force:
        write_metadata(
            study,
            StudyMetadata(
                data_fingerprint=fingerprint,
                space=space.to_dict(),
                settings=settings.to_dict(),
                data_dir=str(data_dir.resolve()),
                version=__version__,
            ),
        )
    return study, space, settings


def _check_space_names(space: Space) -> None:
    from cnntune.model.hparams import HParams

    defaults = HParams()
    HParams.from_params({name: getattr(defaults, name) for name in space.names})


def _check_same_space(name: str, recorded: Space, space: Space) -> None:
    if recorded != space:
        changed = sorted(set(recorded.names) ^ set(space.names)) or [
            a.name for a, b in zip(recorded, space, strict=False) if a != b
        ]
        raise SearchError(
            f"study {name!r} was created with another search space (differs in {', '.join(changed[:3])}); "
            "use another --study, the study's space, or --force"
        )


def _check_same_settings(name: str, recorded: dict[str, Any], settings: SearchSettings) -> None:
    now = settings.to_dict()
    changed = [k for k in _RESUME_KEYS if k in recorded and recorded[k] != now[k]]
    if changed:
        diffs = ", ".join(f"{k}: study {recorded[k]!r}, now {now[k]!r}" for k in changed)
        raise SearchError(f"study {name!r} was created with other settings ({diffs}); use them, or --force")


def _run_until(study: Any, objective: TrialObjective, target: int, timeout: float | None, reporter: Reporter) -> int:
    """Runs one trial at a time until the study has `target` finished trials."""
    started = time.monotonic()
    ran_here = 0
    failures_in_a_row = 0

    def after_trial(study: Any, trial: Any) -> None:
        reporter.trial_finished(trial, _best_trial(study), _count_finished(study))

    while _count_finished(study) < target:
        if timeout is not None and time.monotonic() - started >= timeout:
            break
        study.optimize(objective, n_trials=1, catch=(TrialFailed,), callbacks=[after_trial], gc_after_trial=False)
        ran_here += 1
        last = study.trials[-1]
        failures_in_a_row = failures_in_a_row + 1 if last.state.name == "FAIL" else 0
        if failures_in_a_row >= MAX_FAILURES_IN_A_ROW:
            reason = last.user_attrs.get(FAIL_REASON, "unknown")
            raise SearchError(f"{failures_in_a_row} trials in a row failed; the last because: {reason}")
    return ran_here


def _count_finished(study: Any) -> int:
    from optuna.trial import TrialState

    return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED)))


def _best_trial(study: Any) -> Any | None:
    try:
        return study.best_trial
    except ValueError:  # no COMPLETE trial yet
        return None


def summarize_study(study: Any, *, data_dir: Path, storage_url: str, target: int, ran_here: int) -> SearchSummary:
    from optuna.trial import TrialState

    def count(state: TrialState) -> int:
        return len(study.get_trials(deepcopy=False, states=(state,)))

    best = _best_trial(study)
    return SearchSummary(
        study_name=study.study_name,
        storage=mask_url(storage_url),
        data_dir=data_dir,
        target=target,
        complete=count(TrialState.COMPLETE),
        pruned=count(TrialState.PRUNED),
        failed=count(TrialState.FAIL),
        best_number=best.number if best else None,
        best_value=best.value if best else None,
        best_params=dict(best.params) if best else {},
        ran_here=ran_here,
    )
