"""Turns a `Space` into KerasTuner hyperparameters; the only place spaces meet KerasTuner.

KerasTuner knows one kind of condition: "parent in values" (`hp.conditional_scope`).
A space condition becomes one when it can be listed:

- on a parent with a finite grid (bool, categorical, int, float with a step; at
  most `MAX_GRID` values) every operator is translated into the grid values for
  which it holds, e.g. `cutout_p > 0` with step 0.25 becomes
  `cutout_p in [0.25, 0.5, 0.75, 1.0]`;
- on any other parent (a float without step, a huge int range) `==` and `in`
  with numbers are translated directly into their literal values.

Anything else (`learning_rate > 1e-3` on a continuous float) cannot be expressed:
the parameter is then defined unconditionally for KerasTuner, which samples it
in every trial, and `define_hyperparameters` drops it from the returned values
whenever its condition is false. The recorded params are therefore the same as
the Optuna engine's (only active ones); the cost is a dead dimension that the
KerasTuner oracle sees in trials where the parameter does not matter.

A condition on a conditional parent is nested inside the parent's own scopes,
so a parameter is active for KerasTuner exactly when it is active for the space
(or, after a fallback, in more trials, never fewer).

Nothing here imports KerasTuner: `hp` is passed in.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from typing import Any

from cnntune.spaces._param import Param
from cnntune.spaces._space import Space

MAX_GRID = 1000  # a parent with more values than this counts as continuous
_SIGNIFICANT = 12  # digits kept of a stepped float: 0.1 * 3 is recorded as 0.3


@dataclasses.dataclass(frozen=True)
class Scope:
    """One KerasTuner condition: active when `parent`'s KerasTuner value is in `values`."""

    parent: str
    values: tuple[Any, ...]


def condition_scopes(space: Space) -> dict[str, tuple[Scope, ...]]:
    """The KerasTuner conditional scopes each parameter is defined under, outermost first.

    A parameter whose own condition cannot be expressed gets only its parent's
    scopes (see the module docstring).
    """
    params = {p.name: p for p in space}
    scopes: dict[str, tuple[Scope, ...]] = {}
    for param in space:
        if param.when is None:
            scopes[param.name] = ()
            continue
        parent = params[param.when.name]
        own = _scope(param, parent)
        scopes[param.name] = scopes[parent.name] + ((own,) if own is not None else ())
    return scopes


def define_hyperparameters(hp: Any, space: Space) -> dict[str, Any]:
    """Registers every parameter of `space` on `hp` and returns the active values.

    Args:
        hp: a `keras_tuner.HyperParameters` (a trial's, or the oracle's space
            being declared).
        space: the search space.

    Returns:
        `{name: value}` of the parameters active under the space's own
        conditions, decoded to the space's types (a mixed-type categorical is
        offered to KerasTuner as choice indices).
    """
    for param, scopes in zip(space, condition_scopes(space).values(), strict=True):
        with contextlib.ExitStack() as stack:
            for scope in scopes:
                stack.enter_context(hp.conditional_scope(scope.parent, list(scope.values)))
            _define(hp, param)
    values: dict[str, Any] = {}
    for param in space.active_params(values):
        # Active for the space implies active for KerasTuner, so the value is there.
        values[param.name] = decode(param, hp.values[param.name])
    return values


def decode(param: Param, raw: Any) -> Any:
    """A KerasTuner value of `param` as the space's value."""
    if param.kind == "bool":
        return bool(raw)
    if param.kind == "categorical":
        return param.choices[int(raw)] if _indexed(param) else raw
    if param.kind == "int":
        return int(raw)
    if param.step is None:
        return float(raw)
    k = round((float(raw) - param.low) / param.step)
    snapped = min(max(param.low + k * param.step, param.low), param.high)
    return float(f"{snapped:.{_SIGNIFICANT}g}")


def _define(hp: Any, param: Param) -> Any:
    if param.kind == "bool":
        return hp.Boolean(param.name)
    if param.kind == "categorical":
        return hp.Choice(param.name, _choice_values(param))
    sampling = "log" if param.log else "linear"
    if param.kind == "int":
        step = int(param.step) if param.step is not None else None
        return hp.Int(param.name, int(param.low), int(param.high), step=step, sampling=sampling)
    return hp.Float(param.name, float(param.low), float(param.high), step=param.step, sampling=sampling)


def _choice_values(param: Param) -> list[Any]:
    """KerasTuner's Choice takes one type of str, int or float (bools turn into ints): else indices."""
    if _indexed(param):
        return list(range(len(param.choices)))
    return list(param.choices)


def _indexed(param: Param) -> bool:
    kinds = {type(c) for c in param.choices}
    return len(kinds) != 1 or kinds.pop() not in (str, int, float)


def _scope(param: Param, parent: Param) -> Scope | None:
    """`param.when` as a KerasTuner scope on `parent`, or None when it cannot be one."""
    condition = param.when
    grid = _grid(parent)
    if grid is not None:
        # Decide with the space's own rule on each decoded value, so that both
        # sides agree on every value KerasTuner can produce.
        values = tuple(raw for raw in grid if condition.holds({parent.name: decode(parent, raw)}))
        return Scope(parent.name, values) if values else None
    if condition.op not in ("==", "in"):
        return None
    literals = condition.value if condition.op == "in" else (condition.value,)
    cast = float if parent.kind == "float" else int
    values = tuple(cast(v) for v in literals if _is_number(v) and cast(v) == v)
    return Scope(parent.name, values) if values else None


def _grid(param: Param) -> tuple[Any, ...] | None:
    """Every KerasTuner value of `param` (its raw, encoded form), or None if too many."""
    if param.kind == "bool":
        return (False, True)
    if param.kind == "categorical":
        return tuple(_choice_values(param))
    if param.kind == "float" and param.step is None:
        return None
    step = param.step if param.step is not None else 1
    # KerasTuner's own count and values (Numerical._get_n_values / _get_value_by_index).
    n = int((param.high - param.low) // step + 1)
    if n > MAX_GRID:
        return None
    if param.kind == "int":
        return tuple(int(param.low) + i * int(step) for i in range(n))
    return tuple(float(param.low) + i * float(step) for i in range(n))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
