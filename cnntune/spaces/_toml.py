"""Spaces as TOML files a user edits: load, validate, write back."""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from cnntune.errors import SpaceError
from cnntune.spaces._space import Space

PACKAGED_SPACES = ("default", "demo")  # demo: sized for 2 CPU cores and the 32x32 demo set


def default_space_text(name: str = "default") -> str:
    """A packaged space file, comments included (what `tune space show` prints)."""
    if name not in PACKAGED_SPACES:
        raise SpaceError(f"no packaged space {name!r} (packaged: {', '.join(PACKAGED_SPACES)})")
    return resources.files("cnntune.spaces").joinpath(f"{name}.toml").read_text(encoding="utf-8")


def default_space(name: str = "default") -> Space:
    return parse_space(default_space_text(name), source=f"{name}.toml")


def load_space(path: Path | str | None, *, default: str = "default") -> Space:
    """Reads a space file; `None` means the packaged space named `default`."""
    if path is None:
        return default_space(default)
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # an editor's byte-order mark is not TOML's business
    except IsADirectoryError:
        raise SpaceError(f"{path}: is a folder, not a space file") from None
    except OSError as exc:
        raise SpaceError(f"{path}: cannot read the space file ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        bad = exc.object[exc.start]
        raise SpaceError(f"{path}: not UTF-8 text (byte {exc.start}: {bad:#04x}); save it as UTF-8") from None
    return parse_space(text, source=str(path))


def parse_space(text: str, *, source: str) -> Space:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpaceError(f"{source}: not valid TOML: {exc}") from None
    return Space.from_dict(data, source=source)


def write_default_space(path: Path | str, *, force: bool = False, name: str = "default") -> Path:
    """Writes a packaged space file for editing (`tune space init`)."""
    path = Path(path)
    if path.exists() and not force:
        raise SpaceError(f"{path}: already exists (use --force to overwrite)")
    try:
        path.write_text(default_space_text(name), encoding="utf-8")
    except OSError as exc:
        raise SpaceError(f"{path}: cannot write the space file ({exc.strerror})") from None
    return path


def fixed_space_toml(params: Mapping[str, object], comment: str = "") -> str:
    """A space file in which every parameter of `params` has one choice: it trains exactly that configuration.

    `tune start --space FILE` re-trains it (parameters left out keep their
    defaults, as in any space), and `tune enqueue FILE` reads its values back.
    """
    lines = [f"# {line}" if line else "#" for line in comment.splitlines()]
    for name, value in params.items():
        lines += ["", f"[params.{name}]", 'kind = "categorical"', f"choices = [{_toml_value(value, name)}]"]
    return "\n".join(lines).lstrip("\n") + "\n"


def fixed_values(data: Mapping[str, object]) -> dict[str, object] | None:
    """The values of a space table that fixes every parameter (one choice each), else None."""
    values = {}
    for name, table in data.items():
        if not isinstance(table, Mapping) or table.get("kind") != "categorical":
            return None
        choices = table.get("choices")
        if not isinstance(choices, list) or len(choices) != 1:
            return None
        values[name] = choices[0]
    return values


def _toml_value(value: object, name: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SpaceError(f"parameter {name!r}: {value!r} cannot be written to TOML")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string is a JSON string
    raise SpaceError(f"parameter {name!r}: a {type(value).__name__} cannot be written to TOML")
