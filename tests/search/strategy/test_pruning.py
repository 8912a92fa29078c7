"""The pruner is fed the best validation accuracy so far, as the trial's value is its best epoch."""

from __future__ import annotations

import math

import optuna
import pytest

from cnntune.search.strategy._pruning import BestSoFarPruning, running_best


def _epochs(callback, values):
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {"val_accuracy": value, "loss": 1.0})


def test_best_so_far_pruning_reports_the_running_maximum():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize")
    trial = study.ask()
    _epochs(BestSoFarPruning(trial, "val_accuracy"), [0.3, 0.7, 0.4, 0.8, 0.5])
    reported = study.trials[0].intermediate_values
    assert [reported[step] for step in sorted(reported)] == [0.3, 0.7, 0.7, 0.8, 0.8]


def test_a_dip_below_the_threshold_is_not_pruned_but_a_poor_best_is():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.ThresholdPruner(lower=0.5))
    _epochs(BestSoFarPruning(study.ask(), "val_accuracy"), [0.6, 0.2, 0.3])  # a dip after a good epoch
    with pytest.raises(optuna.TrialPruned):
        _epochs(BestSoFarPruning(study.ask(), "val_accuracy"), [0.4, 0.45])


def test_the_callback_leaves_keras_logs_unchanged():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize")
    callback = BestSoFarPruning(study.ask(), "val_accuracy")
    callback.on_epoch_end(0, {"val_accuracy": 0.9})
    dip = {"val_accuracy": 0.1}
    callback.on_epoch_end(1, dip)
    assert dip == {"val_accuracy": 0.1}  # EarlyStopping and the history read the raw value


def test_running_best_keeps_the_best_across_nan_epochs():
    assert running_best([0.2, 0.5, math.nan, 0.4, 0.6]) == [0.2, 0.5, 0.5, 0.5, 0.6]
    assert running_best([]) == []
