"""`tune enqueue`: a user's own configuration as the study's next trial, checked against its space."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from cnntune.errors import SearchError, SpaceError
from cnntune.model import HParams
from cnntune.search.strategy import RECIPE_ATTR
from cnntune.spaces import Space, fixed_values


def read_params(file: Path) -> dict[str, Any]:
    """A flat table of params from a .toml or .json file.

    TOML may nest them under [params], as values (`depth = 4`) or as a space that
    fixes each to one choice (what `tune best --format toml` writes).
    """
    try:
        text = Path(file).read_text(encoding="utf-8")
    except OSError as exc:
        raise SearchError(f"{file}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise SearchError(f"{file}: not UTF-8 text") from None
    kind = "JSON" if Path(file).suffix.lower() == ".json" else "TOML"
    try:
        data = json.loads(text) if kind == "JSON" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SearchError(f"{file}: not valid {kind}: {exc}") from None
    if isinstance(data, dict) and set(data) == {"params"}:
        data = data["params"]
        data = fixed_values(data) or data  # a space that fixes every param (`tune best --format toml`)
    if not isinstance(data, dict) or not data:
        raise SearchError(f"{file}: expected a table of params, e.g. depth = 4")
    return data


def check_enqueued(params: dict[str, Any], space: Space, *, source: str) -> dict[str, Any]:
    """Every param must be a searched parameter of the study, active and in its range."""
    by_name = {p.name: p for p in space}
    for name, value in params.items():
        if name not in by_name:
            raise SpaceError(f"{source}: {name!r} is not a parameter of the study's space ({', '.join(by_name)})")
        if not by_name[name].contains(value):
            raise SpaceError(f"{source}: parameter {name!r}: {value!r} is outside the study's space")
    active = {p.name for p in space.active_params(params)}
    inactive = sorted(set(params) - active)
    if inactive:
        raise SpaceError(f"{source}: parameter {inactive[0]!r} is not active with the other values given")
    try:
        HParams.from_params(params, model_params=True)  # names outside cnntune's passed the space check above
    except SpaceError as exc:
        raise SpaceError(f"{source}: {exc}") from None
    return params


def enqueue_file(storage_url: str, study_name: str | None, file: Path) -> tuple[str, dict[str, Any]]:
    """Adds FILE's params to the study as a WAITING trial; returns the study name and the params."""
    from cnntune.search.running._study import recorded_metadata
    from cnntune.storage import load_existing_study

    params = read_params(file)
    study = load_existing_study(storage_url, study_name)
    space = Space.from_dict(recorded_metadata(study).space, source=f"study {study.study_name!r}")
    check_enqueued(params, space, source=str(file))
    study.enqueue_trial(params, user_attrs={RECIPE_ATTR: f"enqueued from {Path(file).name}"})
    return study.study_name, params
