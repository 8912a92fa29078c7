"""A worker's trial loop: claim a trial under the study lock, run it, tell the study.

This replaces `study.optimize` for one reason: the target. `--trials N` must
end with exactly N finished trials across any number of workers, including
trials re-queued after a worker died. So a trial is claimed (counted and
asked) under `study_lock`, and a worker that finds the remaining trials all
running elsewhere waits instead of leaving: if one of those workers dies, its
trial goes stale, is re-queued as WAITING, and someone must run it. The rest
is Optuna's public API: `fail_stale_trials` with the storage's retry callback,
`study.ask` / `study.tell` (whose FrozenTrial the reporter gets).

Optuna internals still used, because Optuna has no public equivalent (checked
against Optuna 5.0.0; `tests/search/test_optuna_internals.py` fails loudly if
either changes):
- `optuna.storages._heartbeat.get_heartbeat_thread`: the heartbeat thread
  `study.optimize` runs around each trial; a loop of our own cannot start it
  otherwise, and without it a dead worker's trial is never re-queued.
- `Trial._trial_id`: the storage id the heartbeat thread (and `--isolate`'s
  child, which reopens the trial) needs; Optuna exposes only `number`.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from cnntune.errors import CnnTuneError, SearchError, TrialFailed
from cnntune.interrupts import interruption_reason, raise_if_stop_requested, signals_deferred
from cnntune.search.running._keeper import NO_KEEPER, ModelKeeper, NoKeeper
from cnntune.search.running._reporter import Reporter
from cnntune.search.running.trial import MAX_FAILURES_IN_A_ROW
from cnntune.storage import best_trial_or_none, study_lock
from cnntune.storage.trial_record import (
    FAIL_REASON,
    OUT_OF_TIME,
    SKIPPED,
    TOO_COSTLY,
    count_finished,
    counts_toward_target,
    describe_failure,
)

if TYPE_CHECKING:
    import optuna

WAIT_SECONDS = 2.0  # poll interval while the last trials run on other workers
# The sampler drew the same too-costly configuration this often in a row: it has no other (a space
# that fixes every parameter), and would spend the whole budget pricing it again.
SAME_TOO_COSTLY_LIMIT = 3


def run_trials(
    study: optuna.Study,
    storage: Any,
    objective: Callable[[Any], float],
    *,
    target: int,
    reporter: Reporter,
    timeout: float | None = None,
    deadline: float | None = None,
    keeper: ModelKeeper | NoKeeper = NO_KEEPER,
    callbacks: Sequence[Callable[[Any, Any], None]] = (),
) -> int:
    """Runs trials until the study has `target` finished (COMPLETE or PRUNED, not skipped) trials.

    Args:
        study: the `optuna.Study`.
        storage: its `RDBStorage` (for the claim lock).
        objective: trains one trial, returns its value.
        target: finished trials the study should reach.
        reporter: told about every trial this worker finishes.
        timeout: stop claiming new trials after this many seconds.
        deadline: a `time.monotonic()` instant after which no trial is claimed
            (`--budget`; the running trial itself stops there through its callbacks).
        keeper: after each COMPLETE trial, evicts the kept models that fell out of its top K.
        callbacks: called as `study.optimize` calls its own, `(study, frozen_trial)`, for each
            trial this worker tells the study (COMPLETE, PRUNED or FAIL); `--mlflow` is one.

    Returns:
        The number of trials this worker ran.
    """
    started = time.monotonic()
    ran = 0
    failures_in_a_row = 0
    too_costly: list[dict[str, Any]] = []  # the params of the last too-costly trials in a row
    while _time_left(started, timeout, deadline):
        raise_if_stop_requested()
        asked: list[Any] = []  # the trial `_claim` asked for, as soon as the store holds it
        try:
            claim = _claim(study, storage, target, asked)
            if claim is _DONE:
                break
            if claim is None:
                time.sleep(WAIT_SECONDS)
                continue
            frozen = _run_one(study, storage, claim, objective, reporter)
        except KeyboardInterrupt as exc:
            if asked:
                _fail_interrupted(study, asked[0], exc, reporter, only_if_running=True)
            raise
        ran += 1
        _finished(study, frozen, reporter, keeper, callbacks)
        if frozen.user_attrs.get(SKIPPED) == OUT_OF_TIME:
            break  # nothing more can start inside the budget
        skipped = frozen.user_attrs.get(SKIPPED) == TOO_COSTLY
        too_costly = [*too_costly[1 - SAME_TOO_COSTLY_LIMIT :], frozen.params] if skipped else []
        if len(too_costly) == SAME_TOO_COSTLY_LIMIT and all(p == too_costly[0] for p in too_costly):
            raise SearchError(
                f"trial {frozen.number}: the sampler drew the same too-costly configuration {SAME_TOO_COSTLY_LIMIT} "
                f"times in a row ({frozen.user_attrs.get(FAIL_REASON)}); a space fixing every parameter needs a "
                "bigger --budget or --trial-share, or a cheaper configuration"
            )
        failures_in_a_row = failures_in_a_row + 1 if frozen.state.name == "FAIL" else 0
        if failures_in_a_row >= MAX_FAILURES_IN_A_ROW:
            reason = frozen.user_attrs.get(FAIL_REASON, "unknown")
            raise SearchError(f"{failures_in_a_row} trials in a row failed; the last because: {reason}")
    return ran


def run_final_fit(
    study: optuna.Study,
    storage: Any,
    objective: Callable[[Any], float],
    *,
    budget: Any,
    reporter: Reporter,
    keeper: ModelKeeper | NoKeeper = NO_KEEPER,
    callbacks: Sequence[Callable[[Any, Any], None]] = (),
) -> int:
    """After `run_trials`: this run's final fit (`cnntune.search.running._final_fit`), if it has one; returns 1 or 0."""
    from cnntune.search.running._final_fit import claim_final_fit

    raise_if_stop_requested()
    asked: list[Any] = []
    try:
        trial = claim_final_fit(study, storage, budget, asked)
        if trial is None:
            return 0
        frozen = _run_one(study, storage, trial, objective, reporter)
    except KeyboardInterrupt as exc:
        if asked:
            _fail_interrupted(study, asked[0], exc, reporter, only_if_running=True)
        raise
    _finished(study, frozen, reporter, keeper, callbacks)
    return 1


def _finished(
    study: optuna.Study,
    frozen: Any,
    reporter: Reporter,
    keeper: ModelKeeper | NoKeeper,
    callbacks: Sequence[Callable[[Any, Any], None]],
) -> None:
    """What follows every trial this worker told the study: eviction, the report, the study callbacks."""
    if frozen.state.name == "COMPLETE":
        keeper.evict(study)
    reporter.trial_finished(frozen, best_trial_or_none(study), count_finished(study))
    for callback in callbacks:
        callback(study, frozen)


def _fail_interrupted(
    study: optuna.Study, trial: Any, exc: KeyboardInterrupt, reporter: Reporter, *, only_if_running: bool = False
) -> None:
    """Marks an interrupted trial FAIL with its reason, and tells the reporter what the store holds.

    Nothing here may stop the interrupt: if the store cannot take the FAIL now, the
    trial's heartbeat goes stale and the next worker fails it. A second stop signal
    waits until the marking is done (then it is raised: the interrupt goes on either way).
    """
    with signals_deferred():
        _mark_interrupted(study, trial, exc, reporter, only_if_running)


def _mark_interrupted(
    study: optuna.Study, trial: Any, exc: KeyboardInterrupt, reporter: Reporter, only_if_running: bool
) -> None:
    from optuna.trial import TrialState

    def state() -> Any:
        return study.get_trials(deepcopy=False)[trial.number].state

    with contextlib.suppress(Exception):
        if only_if_running and state() != TrialState.RUNNING:
            return  # the objective's handler told the study already
    with contextlib.suppress(Exception):
        if FAIL_REASON not in trial.user_attrs:
            trial.set_user_attr(FAIL_REASON, interruption_reason(exc))
    marked = False
    with contextlib.suppress(Exception):
        study.tell(trial, state=TrialState.FAIL)
        marked = state() == TrialState.FAIL
    with contextlib.suppress(Exception):  # what the user is told must be what the store holds
        reporter.trial_interrupted(trial.number, marked)


def _time_left(started: float, timeout: float | None, deadline: float | None) -> bool:
    now = time.monotonic()
    return (timeout is None or now - started < timeout) and (deadline is None or now < deadline)


_DONE = object()


def _claim(study: optuna.Study, storage: Any, target: int, asked: list[Any]) -> Any:
    """A new or re-queued trial to run (also put in `asked`), None to wait, or _DONE.

    A stop signal between `study.ask` and `asked` holding its trial would leave the trial
    RUNNING with nobody to fail it (seen once in 34 stress runs): it is held for those
    two steps only, not while the lock is awaited (a stopped holder must not make Ctrl-C wait).
    """
    import optuna
    from optuna.trial import TrialState

    with study_lock(storage, study.study_name):
        with warnings.catch_warnings():
            # Both warn that heartbeats are meant for study.optimize; this loop runs them the same way.
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            warnings.filterwarnings("ignore", message="Heartbeat of storage")
            optuna.storages.fail_stale_trials(study)
        trials = study.get_trials(deepcopy=False)
        finished = sum(counts_toward_target(t) for t in trials)
        running = sum(t.state == TrialState.RUNNING for t in trials)
        if finished >= target:
            return _DONE
        if finished + running < target:  # a re-queued (WAITING) trial replaces a FAIL: it fits too
            with warnings.catch_warnings(), signals_deferred():
                warnings.filterwarnings("ignore", message="Heartbeat of storage")
                asked.append(study.ask())  # pops a WAITING trial first
            return asked[0]
        return None


def _run_one(
    study: optuna.Study, storage: Any, trial: Any, objective: Callable[[Any], float], reporter: Reporter
) -> Any:
    """Runs the objective under the trial's heartbeat, tells the study how it ended, returns the FrozenTrial."""
    import optuna
    from optuna.storages._heartbeat import get_heartbeat_thread  # see the module docstring
    from optuna.trial import TrialState

    value = None
    state = TrialState.COMPLETE
    try:
        with get_heartbeat_thread(trial._trial_id, storage):
            value = objective(trial)
    except optuna.TrialPruned:
        state = TrialState.PRUNED
    except TrialFailed:
        state = TrialState.FAIL
    except KeyboardInterrupt as exc:  # also when it came before training began (sampling, pricing)
        _fail_interrupted(study, trial, exc, reporter)
        raise
    except CnnTuneError as exc:  # stops the search (a model function this machine cannot import, say)
        with contextlib.suppress(Exception):
            trial.set_user_attr(FAIL_REASON, describe_failure(exc))
            study.tell(trial, state=TrialState.FAIL)
        raise
    except Exception as exc:  # an unforeseen error fails this trial, not the search
        trial.set_user_attr(FAIL_REASON, describe_failure(exc))
        state = TrialState.FAIL
    if state == TrialState.COMPLETE:
        return study.tell(trial, value)
    return study.tell(trial, state=state)
