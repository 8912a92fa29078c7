"""A search-space parameter as plain data: name, kind, bounds or choices, condition.

Nothing here knows Optuna or KerasTuner; the adapters translate. Each `Param`
checks itself on construction so that a bad space file fails with the
parameter's name and the bad value before any trial runs.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from cnntune.errors import SpaceError
from cnntune.spaces._condition import Condition

KINDS = ("int", "float", "categorical", "bool")
Choice = bool | int | float | str


@dataclasses.dataclass(frozen=True)
class Param:
    """One dimension of the search.

    Attributes:
        name: the hyperparameter it sets.
        kind: "int", "float", "categorical" or "bool".
        low, high: inclusive bounds (int and float).
        log: sample on a log scale (bounds must be > 0).
        step: quantization step (not with log).
        choices: the values of a categorical parameter.
        when: sampled only while this condition on an earlier parameter holds.
        help: one line for humans.
    """

    name: str
    kind: str
    low: float | int | None = None
    high: float | int | None = None
    log: bool = False
    step: float | int | None = None
    choices: tuple[Choice, ...] = ()
    when: Condition | None = None
    help: str = ""

    def __post_init__(self) -> None:
        where = f"parameter {self.name!r}"
        if self.kind not in KINDS:
            raise SpaceError(f"{where}: unknown kind {self.kind!r} (expected one of {', '.join(KINDS)})")
        if self.kind in ("int", "float"):
            self._check_range(where)
        elif self.low is not None or self.high is not None or self.log or self.step is not None:
            raise SpaceError(f"{where}: low/high/log/step only apply to int and float parameters")
        if self.kind == "categorical":
            self._check_choices(where)
        elif self.choices:
            raise SpaceError(f"{where}: choices only apply to categorical parameters")
        if self.when is not None and self.when.name == self.name:
            raise SpaceError(f"{where}: its condition refers to itself")

    def _check_range(self, where: str) -> None:
        if self.low is None or self.high is None:
            raise SpaceError(f"{where}: a {self.kind} parameter needs low and high")
        for key in ("low", "high", "step"):
            value = getattr(self, key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise SpaceError(f"{where}: {key} must be a finite number, but got {value!r}")
            if self.kind == "int" and not float(value).is_integer():
                raise SpaceError(f"{where}: {key} of an int parameter must be whole, but got {value!r}")
        if self.low > self.high:
            raise SpaceError(f"{where}: low > high ({self.low} > {self.high})")
        if not isinstance(self.log, bool):
            raise SpaceError(f"{where}: log must be true or false, but got {self.log!r}")
        if self.log and self.low <= 0:
            raise SpaceError(f"{where}: a log scale needs low > 0, but got low={self.low}")
        if self.step is not None and self.step <= 0:
            raise SpaceError(f"{where}: step must be > 0, but got {self.step}")
        if self.step is not None and self.high > self.low and self.step > self.high - self.low:
            raise SpaceError(
                f"{where}: step {self.step} is larger than the range {self.low}..{self.high}: "
                f"only {self.low} is ever sampled"
            )
        if self.log and self.step is not None:
            raise SpaceError(f"{where}: log and step cannot be combined")

    def _check_choices(self, where: str) -> None:
        if not self.choices:
            raise SpaceError(f"{where}: a categorical parameter needs a non-empty choices list")
        for choice in self.choices:
            if not isinstance(choice, Choice):
                raise SpaceError(f"{where}: choice {choice!r} is not a bool, number or string")
        if len(set(map(repr, self.choices))) != len(self.choices):
            raise SpaceError(f"{where}: duplicate choices in {list(self.choices)!r}")

    def contains(self, value: Any) -> bool:
        """Whether `value` lies in this parameter's domain (for enqueued or recorded params)."""
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "categorical":
            return any(value == c and type(value) is type(c) for c in self.choices)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.kind == "int" and not float(value).is_integer():
            return False
        if not self.low <= value <= self.high:
            return False
        # On the step grid from low, as Optuna samples it (a float step within rounding).
        return self.step is None or math.isclose((value - self.low) / self.step, round((value - self.low) / self.step))

    def to_dict(self) -> dict[str, Any]:
        """The TOML table of this parameter, with defaults left out."""
        table: dict[str, Any] = {"kind": self.kind}
        if self.kind in ("int", "float"):
            table.update(low=self.low, high=self.high)
            if self.log:
                table["log"] = True
            if self.step is not None:
                table["step"] = self.step
        if self.choices:
            table["choices"] = list(self.choices)
        if self.when is not None:
            table["when"] = str(self.when)
        if self.help:
            table["help"] = self.help
        return table
