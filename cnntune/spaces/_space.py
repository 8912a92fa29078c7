"""A search space: an ordered set of parameters, conditions pointing backwards."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

from cnntune.errors import SpaceError
from cnntune.spaces._condition import Condition
from cnntune.spaces._param import Param

_PARAM_KEYS = {f.name for f in dataclasses.fields(Param)} - {"name"}


@dataclasses.dataclass(frozen=True)
class Space:
    """Parameters in sampling order; a condition may only name an earlier parameter.

    That order rule makes every adapter a single forward pass and rules out cycles.
    """

    params: tuple[Param, ...]

    def __post_init__(self) -> None:
        if not self.params:
            raise SpaceError("the search space has no parameters")
        seen: set[str] = set()
        for param in self.params:
            if param.name in seen:
                raise SpaceError(f"parameter {param.name!r} is defined twice")
            if param.when is not None and param.when.name not in seen:
                raise SpaceError(
                    f"parameter {param.name!r}: its condition names {param.when.name!r}, "
                    "which is not a parameter defined before it"
                )
            if param.when is not None:
                _check_condition(param, next(p for p in self.params if p.name == param.when.name))
            seen.add(param.name)

    def __iter__(self) -> Iterator[Param]:
        return iter(self.params)

    def __len__(self) -> int:
        return len(self.params)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def active_params(self, values: Mapping[str, Any]) -> Iterator[Param]:
        """The parameters whose condition holds, given the values chosen so far.

        Adapters call this lazily while they fill `values`, so a condition sees
        exactly the earlier parameters that were sampled.
        """
        for param in self.params:
            if param.when is None or param.when.holds(values):
                yield param

    def first_values(self) -> dict[str, Any]:
        """One configuration the space holds: each active parameter at its low bound or first choice.

        A user's model function is built once with it before a study exists, so that a
        function that cannot build at all fails `tune start`, not trial after trial.
        """
        values: dict[str, Any] = {}
        for param in self.active_params(values):  # lazily: a condition sees the values set before it
            if param.kind == "categorical":
                values[param.name] = param.choices[0]
            elif param.kind == "bool":
                values[param.name] = False
            else:
                values[param.name] = param.low
        return values

    def to_dict(self) -> dict[str, Any]:
        """JSON/TOML-ready form; `Space.from_dict` inverts it."""
        return {"params": {p.name: p.to_dict() for p in self.params}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "space") -> Space:
        unknown = sorted(set(data) - {"params"})
        if unknown:
            raise SpaceError(f"{source}: unknown top-level key {unknown[0]!r} (expected [params.<name>] tables)")
        tables = data.get("params")
        if not isinstance(tables, Mapping) or not tables:
            raise SpaceError(f"{source}: no [params.<name>] tables")
        params = tuple(_param_from_table(name, table, source) for name, table in tables.items())
        try:
            return cls(params)
        except SpaceError as exc:
            raise SpaceError(f"{source}: {exc}") from None


def _param_from_table(name: str, table: Any, source: str) -> Param:
    where = f"{source}: parameter {name!r}"
    if not isinstance(table, Mapping):
        raise SpaceError(f"{where}: expected a table, but got {table!r}")
    unknown = sorted(set(table) - _PARAM_KEYS)
    if unknown:
        raise SpaceError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_PARAM_KEYS))})")
    if "kind" not in table:
        raise SpaceError(f"{where}: missing 'kind'")
    fields = dict(table)
    if "choices" in fields:
        if not isinstance(fields["choices"], list):
            raise SpaceError(f"{where}: choices must be a list, but got {fields['choices']!r}")
        fields["choices"] = tuple(fields["choices"])
    if "when" in fields:
        fields["when"] = Condition.parse(str(fields["when"]), where=where)
    try:
        return Param(name=name, **fields)
    except SpaceError as exc:
        raise SpaceError(f"{source}: {exc}") from None


_ORDERING = (">", ">=", "<", "<=")


def _check_condition(param: Param, parent: Param) -> None:
    """A condition must be able to hold: it compares like with like, and names values the parent can take."""
    when = param.when
    where = f"parameter {param.name!r}: condition {str(when)!r}"
    if parent.kind in ("categorical", "bool"):
        values = list(parent.choices) if parent.kind == "categorical" else [False, True]
        if when.op in _ORDERING:
            if not all(_is_number(v) for v in values) or not _is_number(when.value):
                shown = ", ".join(repr(v) for v in values)
                raise SpaceError(f"{where} orders {parent.name!r} ({shown}) against {when.value!r}: not numbers")
            return
        options = when.value if when.op == "in" else [when.value]
        if when.op != "!=" and not any(o in values for o in options):
            shown = ", ".join(repr(v) for v in values)
            raise SpaceError(f"{where} never holds: {parent.name!r} takes only {shown}")
    elif not all(_is_number(v) for v in (when.value if when.op == "in" else [when.value])):
        raise SpaceError(f"{where} compares the number {parent.name!r} with {when.value!r}")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
