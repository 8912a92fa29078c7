"""Samplers and pruners by name."""

from __future__ import annotations

import optuna
import pytest

from cnntune.errors import SearchError
from cnntune.search.strategy._strategies import make_pruner, make_sampler


def _study_with_finished_curves(pruner, curves):
    study = optuna.create_study(direction="maximize", pruner=pruner)
    for curve in curves:
        trial = study.ask()
        for step, value in enumerate(curve):
            trial.report(value, step)
        study.tell(trial, curve[-1])
    return study


def test_median_pruner_waits_a_third_of_the_epochs_then_prunes_below_the_median():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    max_epochs = 27
    study = _study_with_finished_curves(make_pruner("median", max_epochs), [[0.8] * max_epochs] * 5)
    trial = study.ask()
    for step in range(max_epochs // 3):  # epochs 1-9: a young CNN's accuracy is too noisy to judge
        trial.report(0.1, step)
        assert not trial.should_prune(), f"pruned at step {step}, inside the warm-up"
    trial.report(0.1, max_epochs // 3)
    assert trial.should_prune()


class _HistorySpy(optuna.samplers.RandomSampler):
    """A sampler that records how many finished trials it was shown for each new trial."""

    def __init__(self) -> None:
        super().__init__(seed=0)
        self.seen: list[int] = []

    def before_trial(self, study, trial):
        self.seen.append(len(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))))


def _seen_by_sampler(pruner, finished: int) -> int:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    spy = _HistorySpy()
    study = optuna.create_study(direction="maximize", pruner=pruner, sampler=spy, study_name="spy")
    for number in range(finished):
        trial = study.ask()
        trial.report(number / finished, 26)
        trial.should_prune()  # as every epoch of a trial does; Hyperband sets up its brackets here
        study.tell(trial, number / finished)
    study.ask()
    return spy.seen[-1]


def test_hyperband_sampler_sees_every_trial_not_only_its_bracket():
    assert _seen_by_sampler(make_pruner("hyperband", 27), finished=30) == 30
    # Optuna's own HyperbandPruner shows the sampler one bracket's share; this is what we avoid.
    plain = optuna.pruners.HyperbandPruner(min_resource=3, max_resource=27, reduction_factor=3)
    assert _seen_by_sampler(plain, finished=30) < 30


def _pruned_at(pruner, curves: list[list[float]]) -> list[int | None]:
    """Runs every curve as a trial in turn, asking the pruner each epoch; the step each was pruned at."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", pruner=pruner, study_name="rungs")
    pruned_at = []
    for curve in curves:
        trial = study.ask()
        step_pruned = None
        for step, value in enumerate(curve):
            trial.report(value, step)
            if trial.should_prune():
                step_pruned = step
                break
        if step_pruned is None:
            study.tell(trial, curve[-1])
        else:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        pruned_at.append(step_pruned)
    return pruned_at


@pytest.mark.parametrize(("max_epochs", "first"), [(27, 3), (20, 2), (8, 1)])
def test_hyperband_prunes_at_rungs_from_a_ninth_of_the_epochs(max_epochs, first):
    good, bad = [0.9] * max_epochs, [0.1] * max_epochs
    pruned_at = _pruned_at(make_pruner("hyperband", max_epochs), [good] * 30 + [bad] * 60)
    assert pruned_at[:30] == [None] * 30
    bad_steps = [s for s in pruned_at[30:] if s is not None]
    assert min(bad_steps) == first  # nothing judged on the noisiest first epochs
    assert set(bad_steps) <= {first * 3**k for k in range(4)}  # only at Hyperband's rungs
    assert len(bad_steps) > 30  # and most bad trials are stopped there


def test_unknown_sampler_or_pruner_is_a_search_error():
    with pytest.raises(SearchError, match="unknown sampler 'nope'"):
        make_sampler("nope", seed=0)
    with pytest.raises(SearchError, match="unknown pruner 'nope'"):
        make_pruner("nope", 10)
