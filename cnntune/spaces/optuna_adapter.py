"""Turns a `Space` into Optuna suggestions; the only place spaces meet Optuna."""

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
        return trial.suggest_int(
            param.name, int(param.low), int(param.high), step=int(param.step or 1), log=param.log
        )
    return trial.suggest_float(
        param.name, float(param.low), float(param.high), step=param.step, log=param.log
    )
