"""The end of a budget spent on the winner: the best configuration so far, trained once more.

A search's trials stop improving on its best long before an hour on a CPU is
up, and what the best net still lacks is epochs on a schedule that ends at 0
(on the real data, the lean recipe gained from 0.886 at 20 plateau epochs to
0.894 at 40 cosine epochs). So `--budget` keeps `--final-share` of itself: the
search ends that much earlier (or sooner, when nothing more fits), and the
best trial's configuration trains for as many epochs as fit before the final
deadline, its schedule sized to them (a plateau configuration trains with
`FINAL_SCHEDULE` instead, so that it ends at 0). With `--final-from weights`
(the default) it starts from the best trial's kept model, so the search's
epochs of that net are not thrown away: the reserve adds a second decaying
cycle on top of them, as a warm restart does (SGDR); a study that kept no
model, or `--final-from scratch`, starts from a fresh initialization.

The final fit is a trial of the study like any other: enqueued with the best
trial's params and a final-fit attr (`cnntune.storage.trial_record.
FinalFitRecord`: its source, the budget's run id, its schedule, weights or
scratch and the source's kept model), trained by the same objective (`train_trial` reads the attr: no
pruner, its own allotment and deadline), kept, counted, reported. With
several workers the first to finish its search claims it under the study
lock; the others see this run's final fit and stop. Trials still WAITING when
the search phase ends (a recipe the deadline came before) are skipped as "no
time left", since `study.ask` would hand them out first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cnntune.interrupts import signals_deferred
from cnntune.search.cost import Budget
from cnntune.storage import MODEL_ARTIFACT, best_trial_or_none, study_lock
from cnntune.storage.trial_record import FAIL_REASON, FINAL_FIT, OUT_OF_TIME, SKIPPED, FinalFitRecord

if TYPE_CHECKING:
    import optuna

# A final fit needs time for a couple of epochs at least; below this the search keeps the budget.
MIN_FINAL_SECONDS = 1.0
# What a final fit of a plateau configuration trains with instead: the plateau schedule's cuts
# come from validation stalls and its early stopping ends it wherever they fall, not at the end
# of the time it was given (docs/benchmarks.md, "Schedules, the final fit, and the race against the oracle").
FINAL_SCHEDULE = "linear"


def claim_final_fit(
    study: optuna.Study, storage: Any, budget: Budget | None, asked: list[Any] | None = None
) -> Any | None:
    """This run's final-fit trial, asked and RUNNING, or None (no budget or share, no best, taken, no time).

    Args:
        study: the `optuna.Study`.
        storage: its storage (for the claim lock, which `--workers` share).
        budget: the run's budget; its `run_id` names this run's final fit.
        asked: receives the trial as soon as the store holds it RUNNING, so that a stop
            signal on the way out of here still finds it to mark FAIL.
    """
    import warnings

    from optuna.trial import TrialState

    if budget is None or budget.final_share <= 0 or budget.time_left(final=True) < MIN_FINAL_SECONDS:
        return None
    with study_lock(storage, study.study_name):
        trials = study.get_trials(deepcopy=False)
        if any((r := FinalFitRecord.read(t.user_attrs)) and r.run == budget.run_id for t in trials):
            return None  # another worker of this run has it
        best = best_trial_or_none(study)
        if best is None:
            return None
        attrs = {FINAL_FIT: final_fit_record(best, budget).to_attr()}
        study.enqueue_trial(dict(best.params), user_attrs=attrs)
        waiting = len(study.get_trials(deepcopy=False, states=(TrialState.WAITING,)))  # ours among them
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Heartbeat of storage")
            for _ in range(waiting):
                with signals_deferred():  # asked and held, or neither (as the trial loop claims)
                    trial = study.ask()  # the oldest WAITING trial first
                    ours = trial.user_attrs.get(FINAL_FIT) == attrs[FINAL_FIT]
                    if ours and asked is not None:
                        asked.append(trial)
                    if not ours:
                        trial.set_user_attr(SKIPPED, OUT_OF_TIME)
                        trial.set_user_attr(FAIL_REASON, "no time left: the search phase ended before it ran")
                        study.tell(trial, state=TrialState.PRUNED)
                if ours:
                    return trial
    return None  # a worker without a budget (`tune worker`) took it first: it trains it as a trial


def final_fit_record(best: Any, budget: Budget) -> FinalFitRecord:
    """The final fit of `best`: its source, run, schedule and starting point."""
    artifact = best.user_attrs.get(MODEL_ARTIFACT)
    from_weights = budget.final_from == "weights" and bool(artifact)
    return FinalFitRecord(
        of=best.number,
        run=budget.run_id,
        schedule=final_schedule(best.params),
        start="weights" if from_weights else "scratch",
        artifact=artifact if from_weights else None,
    )


def final_schedule(params: dict[str, Any]) -> str:
    """The learning-rate schedule a final fit of `params` trains with: theirs, unless it is the plateau."""
    from cnntune.model import HParams

    schedule = params.get("lr_schedule", HParams.lr_schedule)
    return FINAL_SCHEDULE if schedule == "plateau" else schedule
