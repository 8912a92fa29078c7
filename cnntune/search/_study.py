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
from cnntune.errors import SearchError, SpaceError, StorageError
from cnntune.search._settings import SearchSettings
from cnntune.search._strategies import make_pruner, make_sampler
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


def open_study(
    storage: Any,
    name: str,
    *,
    fingerprint: str,
    data_dir: Path,
    space_file: Path | None,
    settings: SearchSettings,
    force: bool,
    sampler_seed_offset: int = 0,
    default_space: str = "default",
) -> OpenStudy:
    """Creates the study, or resumes it after checking data, space and settings.

    `default_space` names the packaged space a new study uses when `space_file` is None.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name=name, storage=storage, direction="maximize", load_if_exists=True)
    recorded = read_metadata(study)
    if recorded is None or space_file is not None:
        space = load_space(space_file, default=default_space)
    else:
        space = Space.from_dict(recorded.space, source=f"study {name!r}")
    check_space_names(space)
    if recorded is not None and not force:
        check_same_data(name, recorded, fingerprint)
        _check_same_space(name, Space.from_dict(recorded.space, source=f"study {name!r}"), space)
        _check_same_settings(name, recorded.settings, settings)
    if recorded is None or force:
        write_metadata(
            study,
            StudyMetadata(
                data_fingerprint=fingerprint,
                space=space.to_dict(),
                settings=settings.to_dict(),
                data_dir=str(data_dir.resolve()),
                version=__version__,
            ),
        )
    return _with_strategies(study, storage, space, settings, sampler_seed_offset)


def join_study(storage: Any, name: str, *, sampler_seed_offset: int = 0) -> OpenStudy:
    """Loads a study cnntune created, with the space and settings it recorded."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        raise StorageError(f"no study {name!r} in {mask_url(str(storage.engine.url))}") from None
    recorded = recorded_metadata(study)
    space = Space.from_dict(recorded.space, source=f"study {name!r}")
    settings = SearchSettings.from_dict(recorded.settings)
    return _with_strategies(study, storage, space, settings, sampler_seed_offset)


def recorded_metadata(study: Any) -> StudyMetadata:
    recorded = read_metadata(study)
    if recorded is None:
        raise StorageError(f"study {study.study_name!r} was not created by cnntune (no recorded data or space)")
    return recorded


def _with_strategies(study: Any, storage: Any, space: Space, settings: SearchSettings, offset: int) -> OpenStudy:
    """Attaches this process's sampler and pruner; each worker seeds its sampler differently."""
    seed = None if settings.seed is None else settings.seed + offset
    study.sampler = make_sampler(settings.sampler, seed)
    study.pruner = make_pruner(settings.pruner, settings.max_epochs)
    return OpenStudy(study, storage, space, settings)


def check_space_names(space: Space) -> None:
    """Every parameter of the space must be a hyperparameter the trainer knows."""
    from cnntune.model.hparams import known_names

    unknown = [name for name in space.names if name not in known_names()]
    if unknown:
        raise SpaceError(
            f"unknown hyperparameter {unknown[0]!r} in the space; known ones: {', '.join(sorted(known_names()))}"
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


def _check_same_settings(name: str, recorded: dict[str, Any], settings: SearchSettings) -> None:
    now = settings.to_dict()
    changed = [k for k in _RESUME_KEYS if k in recorded and recorded[k] != now[k]]
    if changed:
        diffs = ", ".join(f"{k}: study {recorded[k]!r}, now {now[k]!r}" for k in changed)
        raise SearchError(f"study {name!r} was created with other settings ({diffs}); use them, or --force")
