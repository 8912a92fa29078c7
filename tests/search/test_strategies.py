"""Samplers and pruners by name."""

from __future__ import annotations

import optuna
import pytest

from cnntune.errors import SearchError
from cnntune.search._strategies import make_pruner, make_sampler


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


def test_unknown_sampler_or_pruner_is_a_search_error():
    with pytest.raises(SearchError, match="unknown sampler 'nope'"):
        make_sampler("nope", seed=0)
    with pytest.raises(SearchError, match="unknown pruner 'nope'"):
        make_pruner("nope", 10)
