"""Creating, resuming and joining a study, with the checks that keep it consistent.

A study records its data fingerprint, space and settings when it is created.
Resuming (`tune start` again) or joining (`tune worker`) with other data, another
space or other training settings would mix incomparable trials, so it is
refused unless `--force`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from cnntune import __version__
from cnntune.errors import SearchError, StorageError
from cnntune.model import TrainingSettings, check_space
from cnntune.search._settings import SearchSettings, record_settings
from cnntune.search._strategies import make_pruner, make_sampler
from cnntune.search._warm_start import enqueue_recipes
from cnntune.spaces import Space, load_space
from cnntune.storage import StudyMetadata, check_same_data, mask_url, read_metadata, write_metadata

# Settings that change what a trial's value means; the rest (device options) may differ.
_RESUME_KEYS = ("max_epochs", "patience", "plateau_patience", "pruner", "channels")


@dataclasses.dataclass(frozen=True)
class OpenStudy:
    """A study ready to run trials, with the space and settings its trials use."""

    study: Any
    storage: Any
    space: Space
    settings: SearchSettings
    training: TrainingSettings


def open_study(
    storage: Any,
    name: str,
    *,
    fingerprint: str,
    data_dir: Path,
    space_file: Path | None,
    settings: SearchSettings,
    training: TrainingSettings,
    force: bool,
    sampler_seed_offset: int = 0,
    default_space: str = "default",
    warm_start: bool = True,
) -> OpenStudy:
    """Creates the study, or resumes it after checking data, space and settings.

    Everything is checked before the study is created, so a bad space leaves
    nothing in the store. `default_space` names the packaged space a new study
    uses when `space_file` is None. A new study with `warm_start` gets the
    recipes its space can express as its first trials (`_warm_start`).
    """
    import optuna

    space = _checked_space(space_file, default_space) if space_file is not None else None
    strategies = _strategies(settings, training, sampler_seed_offset)
    if name not in optuna.get_all_study_names(storage):
        space = space or _checked_space(None, default_space)
        study = optuna.create_study(study_name=name, storage=storage, direction="maximize", **strategies)
        _record(study, fingerprint, space, settings, training, data_dir)
        if warm_start:
            enqueue_recipes(study, space)
        return OpenStudy(study, storage, space, settings, training)
    study = optuna.load_study(study_name=name, storage=storage, **strategies)
    recorded = read_metadata(study)
    if recorded is None:  # created by hand, or by a run that died before recording
        space = space or _checked_space(None, default_space)
    else:
        space = space or Space.from_dict(recorded.space, source=f"study {name!r}")
        check_space(space, source=f"study {name!r}")
    if recorded is not None and not force:
        check_same_data(name, recorded, fingerprint)
        _check_same_space(name, Space.from_dict(recorded.space, source=f"study {name!r}"), space)
        _check_same_settings(name, recorded.settings, record_settings(settings, training))
    if recorded is None or force:
        _record(study, fingerprint, space, settings, training, data_dir)
    return OpenStudy(study, storage, space, settings, training)


def join_study(storage: Any, name: str, *, sampler_seed_offset: int = 0) -> OpenStudy:
    """Loads a study cnntune created, with the space and settings it recorded."""
    import optuna

    if name not in optuna.get_all_study_names(storage):
        raise StorageError(f"no study {name!r} in {mask_url(str(storage.engine.url))}")
    recorded = recorded_metadata(optuna.load_study(study_name=name, storage=storage))
    space = Space.from_dict(recorded.space, source=f"study {name!r}")
    settings = SearchSettings.from_dict(recorded.settings)
    training = TrainingSettings.from_dict(recorded.settings)
    study = optuna.load_study(study_name=name, storage=storage, **_strategies(settings, training, sampler_seed_offset))
    return OpenStudy(study, storage, space, settings, training)


def recorded_metadata(study: Any) -> StudyMetadata:
    recorded = read_metadata(study)
    if recorded is None:
        raise StorageError(f"study {study.study_name!r} was not created by cnntune (no recorded data or space)")
    return recorded


def _checked_space(space_file: Path | None, default_space: str) -> Space:
    space = load_space(space_file, default=default_space)
    check_space(space, source=str(space_file) if space_file is not None else f"the {default_space} space")
    return space


def _strategies(settings: SearchSettings, training: TrainingSettings, offset: int) -> dict[str, Any]:
    """This process's sampler and pruner; each worker seeds its sampler differently."""
    seed = None if training.seed is None else training.seed + offset
    return {
        "sampler": make_sampler(settings.sampler, seed),
        "pruner": make_pruner(settings.pruner, training.max_epochs),
    }


def _record(
    study: Any, fingerprint: str, space: Space, settings: SearchSettings, training: TrainingSettings, data_dir: Path
) -> None:
    write_metadata(
        study,
        StudyMetadata(
            data_fingerprint=fingerprint,
            space=space.to_dict(),
            settings=record_settings(settings, training),
            data_dir=str(data_dir.resolve()),
            version=__version__,
        ),
    )


def _check_same_space(name: str, recorded: Space, space: Space) -> None:
    if recorded == space:
        return
    changed = sorted(set(recorded.names) ^ set(space.names)) or [
        a.name for a, b in zip(recorded, space, strict=False) if a != b
    ]
    raise SearchError(
        f"study {name!r} was created with another search space (differs in {', '.join(changed[:3])}); "
        "use another --study, the study's space, or --force"
    )


def _check_same_settings(name: str, recorded: dict[str, Any], now: dict[str, Any]) -> None:
    changed = [k for k in _RESUME_KEYS if k in recorded and recorded[k] != now[k]]
    if changed:
        diffs = ", ".join(f"{k}: study {recorded[k]!r}, now {now[k]!r}" for k in changed)
        raise SearchError(f"study {name!r} was created with other settings ({diffs}); use them, or --force")
