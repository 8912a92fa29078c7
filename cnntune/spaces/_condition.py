"""Conditions between parameters: `cutmix_alpha` only when `cutmix_p > 0`.

A condition is one comparison, `<name> <op> <literal>`, with a TOML literal on
the right (`'sgd'`, `0`, `true`, `[64, 128]` for `in`). Kept this small on
purpose: it covers the conditional spaces CNN searches need, and it can be
evaluated identically by every adapter.
"""

from __future__ import annotations

import dataclasses
import operator
import re
import tomllib
from collections.abc import Callable, Mapping
from typing import Any

from cnntune.errors import SpaceError

_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "in": lambda value, options: value in options,
}
_PATTERN = re.compile(r"^\s*([A-Za-z_]\w*)\s*(==|!=|>=|<=|>|<|in)\s*(.+?)\s*$")


@dataclasses.dataclass(frozen=True)
class Condition:
    """`name op value`: true when the named parameter is active and compares true."""

    name: str
    op: str
    value: Any

    @classmethod
    def parse(cls, text: str, *, where: str) -> Condition:
        match = _PATTERN.match(text)
        if not match:
            raise SpaceError(f'{where}: condition {text!r} is not of the form "<name> <op> <value>"')
        name, op, literal = match.groups()
        try:
            value = tomllib.loads(f"v = {literal}")["v"]
        except tomllib.TOMLDecodeError as exc:
            raise SpaceError(f"{where}: {literal!r} in condition {text!r} is not a TOML value") from exc
        if op == "in" and not isinstance(value, list):
            raise SpaceError(f"{where}: 'in' needs a list, e.g. \"{name} in [64, 128]\"")
        if isinstance(value, list):
            value = tuple(value)
        return cls(name, op, value)

    def holds(self, values: Mapping[str, Any]) -> bool:
        """False when the referenced parameter is inactive (absent from `values`)."""
        if self.name not in values:
            return False
        try:
            return bool(_OPERATORS[self.op](values[self.name], self.value))
        except TypeError:
            return False

    def __str__(self) -> str:
        value = self.value
        literal = "[" + ", ".join(map(_literal, value)) + "]" if isinstance(value, tuple) else _literal(value)
        return f"{self.name} {self.op} {literal}"


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value + "'"
    return repr(value)
