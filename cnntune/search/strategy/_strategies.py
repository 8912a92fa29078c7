"""Optuna samplers and pruners by name: the library's own, configured for CNN trials."""

from __future__ import annotations

import warnings
from typing import Any

from cnntune.errors import SearchError


def make_sampler(name: str, seed: int | None) -> Any:
    """The sampler for `--sampler`.

    TPE is multivariate with `group=True` so conditional parameters (momentum only
    for SGD) are modelled jointly, and uses the constant liar so parallel workers
    do not all propose the same point.
    """
    import optuna

    if name == "tpe":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # multivariate, group
            return optuna.samplers.TPESampler(
                seed=seed, multivariate=True, group=True, constant_liar=True, n_startup_trials=8
            )
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "cmaes":
        # CMA-ES models the numeric dimensions; categorical ones fall back to random.
        return optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    if name == "qmc":
        try:
            import scipy  # noqa: F401  (QMCSampler needs it)
        except ImportError:
            raise SearchError("--sampler qmc needs scipy: pip install scipy") from None
        return optuna.samplers.QMCSampler(seed=seed, warn_independent_sampling=False)
    raise SearchError(f"unknown sampler {name!r}")


def make_pruner(name: str, max_epochs: int) -> Any:
    """The pruner for `--pruner`; epochs are the resource every pruner counts."""
    import optuna

    if name == "hyperband":
        from cnntune.search.strategy._hyperband import StudyWideHyperband

        return StudyWideHyperband(max_epochs, reduction_factor=3)
    if name == "median":
        # No pruning in the first third of the epochs: validation accuracy of a young
        # CNN is noisy (near chance for the first epochs of many trials on the demo
        # set), and pruning on it cuts good trials as often as bad ones.
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=max(2, max_epochs // 3))
    if name == "halving":
        from cnntune.search.strategy._hyperband import first_rung

        return optuna.pruners.SuccessiveHalvingPruner(min_resource=first_rung(max_epochs), reduction_factor=3)
    if name == "none":
        return optuna.pruners.NopPruner()
    raise SearchError(f"unknown pruner {name!r}")
