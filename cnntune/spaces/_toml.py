"""Spaces as TOML files a user edits: load, validate, write back."""

from __future__ import annotations

import tomllib
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
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpaceError(f"{path}: cannot read the space file ({exc.strerror})") from None
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
