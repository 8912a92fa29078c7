"""Turns a `Space` into Optuna suggestions and distributions; the only place spaces meet Optuna."""

from __future__ import annotations

from typing import Any

from cnntune.spaces._param import Param
from cnntune.spaces._space import Space


def suggest_params(trial: Any, space: Space) -> dict[str, Any]:
    """Samples one point of `space` through `trial` (an `optuna.trial.Trial`).

    Inactive parameters (condition false) are not suggested at all, so Optuna's
    samplers see the conditional structure instead of dead dimensions.
    """
    values: dict[str, Any] = {}
    for param in space.active_params(values):
        values[param.name] = _suggest(trial, param)
    return values


def _suggest(trial: Any, param: Param) -> Any:
    if param.kind == "bool":
        return trial.suggest_categorical(param.name, [False, True])
    if param.kind == "categorical":
        return trial.suggest_categorical(param.name, list(param.choices))
    if param.kind == "int":
        return trial.suggest_int(param.name, int(param.low), int(param.high), step=int(param.step or 1), log=param.log)
    return trial.suggest_float(param.name, float(param.low), float(param.high), step=param.step, log=param.log)


def to_distributions(space: Space) -> dict[str, Any]:
    """`{name: optuna distribution}` of every parameter, as `suggest_params` samples it.

    For trials sampled elsewhere (the KerasTuner engine) and added to a study with
    `optuna.trial.create_trial`: they must carry the very distributions Optuna's
    own trials of the study use, or the storage refuses them.
    """
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    distributions: dict[str, Any] = {}
    for param in space:
        if param.kind == "bool":
            distributions[param.name] = CategoricalDistribution([False, True])
        elif param.kind == "categorical":
            distributions[param.name] = CategoricalDistribution(list(param.choices))
        elif param.kind == "int":
            distributions[param.name] = IntDistribution(
                int(param.low), int(param.high), log=param.log, step=int(param.step or 1)
            )
        else:
            distributions[param.name] = FloatDistribution(
                float(param.low), float(param.high), log=param.log, step=param.step
            )
    return distributions
