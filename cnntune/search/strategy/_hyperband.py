"""Hyperband whose brackets prune, while the sampler learns from every trial.

Optuna's `HyperbandPruner` also splits the sampler's history: a sampler asked
for a trial in bracket `b` only sees the trials of bracket `b`
(`optuna.pruners._filter_study` checks `isinstance(study.pruner,
HyperbandPruner)`). With 3-4 brackets and 8 random start-up trials each, a
search of a few dozen trials never leaves random sampling, and its gain over
random search is the pruner's alone. `StudyWideHyperband` delegates every
pruning decision to a `HyperbandPruner` but is not one, so TPE models the
whole study: pruned trials rank by the epoch they reached and their value
there, as BOHB pools observations across brackets.
With the first rung below and best-so-far reports, bench/search_efficiency.py
measured it 0.015 ahead of the plain pruner on the mean best of 5 seeds (within
the bench's noise): see docs/benchmarks.md, "Search efficiency".
"""

from __future__ import annotations

from typing import Any

import optuna


def first_rung(max_epochs: int) -> int:
    """The epoch index of the lowest rung: a ninth of the epochs, at least 1.

    A young CNN's validation accuracy is close to chance and swings by 0.2
    between epochs for its first few epochs (read off the bench's kept
    studies), so a rung there prunes good and bad trials alike. A ninth of
    the epochs keeps three rungs at 27 epochs (4, 10, 28 epochs trained) and
    leaves short searches (`--max-epochs 8`) pruning from epoch 2.
    """
    return max(1, max_epochs // 9)


class StudyWideHyperband(optuna.pruners.BasePruner):
    """Hyperband pruning over epochs, without hiding other brackets' trials from the sampler."""

    def __init__(self, max_epochs: int, reduction_factor: int = 3) -> None:
        if max_epochs < 1:
            raise ValueError(f"max_epochs must be >= 1, but got {max_epochs=}")
        self.max_epochs = max_epochs
        self.min_epochs = first_rung(max_epochs)
        self._hyperband = optuna.pruners.HyperbandPruner(
            min_resource=self.min_epochs, max_resource=max_epochs, reduction_factor=reduction_factor
        )

    def prune(self, study: optuna.Study, trial: Any) -> bool:
        return self._hyperband.prune(study, trial)
