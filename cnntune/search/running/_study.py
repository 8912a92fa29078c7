"""Creating, resuming and joining a study, with the checks that keep it consistent.

A study records its data fingerprint, space and settings when it is created.
Resuming (`tune start` again) or joining (`tune worker`) with other data, another
space or other training settings would mix incomparable trials, so it is
refused unless `--force`.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnntune._version import __version__
from cnntune.errors import SearchError, StorageError
from cnntune.model import TrainingSettings, check_space
from cnntune.search._settings import SearchSettings, record_settings
from cnntune.search.strategy import enqueue_recipes, make_pruner, make_sampler, plan_recipes
from cnntune.spaces import Space, load_space
from cnntune.storage import (
    DEFAULT_KEEP_TOP,
    StudyMetadata,
    check_same_data,
    mask_url,
    read_metadata,
    write_metadata,
    write_model_store,
)

if TYPE_CHECKING:
    import optuna

# Settings that change what a trial's value means; the rest (device options) may differ.
_RESUME_KEYS = ("max_epochs", "patience", "plateau_patience", "pruner", "channels")
# Compared even when a study recorded before them lacks them: absent means the value it then had.
_RESUME_KEYS_SINCE = {"model_function": None, "layout": "auto"}


@dataclasses.dataclass(frozen=True)
class ModelStore:
    """Where a study keeps its trials' models and how many (`cnntune.storage._artifacts`).

    On a new study, None means the default (beside an SQLite file; the best
    `DEFAULT_KEEP_TOP`); on a resumed one, what the study recorded.
    """

    location: str | None = None  # a folder or s3://bucket, already checked (`resolve_artifacts`)
    keep_top: int | None = None
    default_location: str = ""  # the store's default, for a new study or one that recorded none


@dataclasses.dataclass(frozen=True)
class OpenStudy:
    """A study ready to run trials, with the space and settings its trials use."""

    study: optuna.Study
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
    models: ModelStore = ModelStore(),
    class_names: tuple[str, ...] | None = None,
    recipe_fits: Callable[[dict], bool] | None = None,
) -> OpenStudy:
    """Creates the study, or resumes it after checking data, space and settings.

    Everything is checked before the study is created, so a bad space leaves
    nothing in the store. `default_space` names the packaged space a new study
    uses when `space_file` is None. A new study with `warm_start` gets the
    recipes its space can express as its first trials (`_warm_start`). `models` says
    where trained models are kept; a resumed study keeps its own unless `force`.
    `class_names` (class-per-folder data) are recorded for export and prediction.
    `recipe_fits` (with a budget) scales each recipe until a trial of it fits its share.
    """
    import optuna

    own = training.model_function is not None  # the space may name the model function's parameters
    space = _checked_space(space_file, default_space, own) if space_file is not None else None
    strategies = _strategies(settings, training, sampler_seed_offset)
    if name not in optuna.get_all_study_names(storage):
        space = space or _checked_space(None, default_space, own)
        recipes = plan_recipes(space, recipe_fits) if warm_start else None  # priced before the study exists
        study = optuna.create_study(study_name=name, storage=storage, direction="maximize", **strategies)
        name_metric(study)
        _record(study, fingerprint, space, settings, training, data_dir, _new_models(models), class_names)
        if recipes is not None:
            enqueue_recipes(study, recipes)
        return OpenStudy(study, storage, space, settings, training)
    study = optuna.load_study(study_name=name, storage=storage, **strategies)
    name_metric(study)  # studies created before it was named, too
    recorded = read_metadata(study)
    if recorded is None:  # created by hand, or by a run that died before recording
        space = space or _checked_space(None, default_space, own)
    else:
        space = space or Space.from_dict(recorded.space, source=f"study {name!r}")
        check_space(space, source=f"study {name!r}", model_params=own)
    if recorded is not None and not force:
        check_same_data(name, recorded, fingerprint)
        _check_same_space(name, Space.from_dict(recorded.space, source=f"study {name!r}"), space)
        _check_same_settings(name, recorded.settings, record_settings(settings, training))
        _check_same_models(name, recorded, models)
    if recorded is None or force:
        _record(study, fingerprint, space, settings, training, data_dir, _resumed_models(recorded, models), class_names)
    elif not recorded.artifacts and (models.location or models.default_location):  # none kept so far
        write_model_store(study, *_resumed_models(recorded, models))  # the rest of its record stays as it was
    return OpenStudy(study, storage, space, settings, training)


METRIC = "val_accuracy"  # the one objective value every trial reports


def name_metric(study: optuna.Study) -> None:
    """Names the objective, so optuna-dashboard labels its charts val_accuracy, not "Objective 0"."""
    import optuna

    if study.metric_names != [METRIC]:
        with warnings.catch_warnings():  # experimental since Optuna 3.2, and still so in 5.0
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            study.set_metric_names([METRIC])


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


def recorded_metadata(study: optuna.Study) -> StudyMetadata:
    recorded = read_metadata(study)
    if recorded is None:
        raise StorageError(f"study {study.study_name!r} was not created by cnntune (no recorded data or space)")
    return recorded


def check_space_file(space_file: Path, default_space: str, *, model_params: bool = False) -> None:
    """Reads and checks a space file (it is read again when the study opens: it is small)."""
    _checked_space(space_file, default_space, model_params)


def _checked_space(space_file: Path | None, default_space: str, model_params: bool = False) -> Space:
    space = load_space(space_file, default=default_space)
    source = str(space_file) if space_file is not None else f"the {default_space} space"
    check_space(space, source=source, model_params=model_params)
    return space


def _strategies(settings: SearchSettings, training: TrainingSettings, offset: int) -> dict[str, Any]:
    """This process's sampler and pruner; each worker seeds its sampler differently."""
    seed = None if training.seed is None else training.seed + offset
    return {
        "sampler": make_sampler(settings.sampler, seed),
        "pruner": make_pruner(settings.pruner, training.max_epochs),
    }


def _new_models(models: ModelStore) -> tuple[str, int]:
    location = models.location if models.location is not None else models.default_location
    return location, DEFAULT_KEEP_TOP if models.keep_top is None else models.keep_top


def _resumed_models(recorded: StudyMetadata | None, models: ModelStore) -> tuple[str, int]:
    """The options given win; else what the study recorded; else the defaults."""
    if recorded is None:
        return _new_models(models)
    location = models.location if models.location is not None else recorded.artifacts or models.default_location
    return location, recorded.keep_top if models.keep_top is None else models.keep_top


def _check_same_models(name: str, recorded: StudyMetadata, models: ModelStore) -> None:
    """Moving a study's kept models elsewhere would orphan the ones already kept: only with --force."""
    if models.location is not None and recorded.artifacts and models.location != recorded.artifacts:
        raise SearchError(
            f"study {name!r} keeps its models in {recorded.artifacts}, not {models.location}; "
            "drop --artifacts, or --force"
        )
    if recorded.artifacts and models.keep_top is not None and models.keep_top != recorded.keep_top:
        raise SearchError(
            f"study {name!r} keeps its best {recorded.keep_top} models, not {models.keep_top}; "
            "drop --keep-top, or --force"
        )


def _record(
    study: optuna.Study,
    fingerprint: str,
    space: Space,
    settings: SearchSettings,
    training: TrainingSettings,
    data_dir: Path,
    models: tuple[str, int],
    class_names: tuple[str, ...] | None,
) -> None:
    location, keep_top = models
    write_metadata(
        study,
        StudyMetadata(
            data_fingerprint=fingerprint,
            space=space.to_dict(),
            settings=record_settings(settings, training),
            data_dir=str(data_dir.resolve()),
            version=__version__,
            artifacts=location,
            keep_top=keep_top,
            class_names=list(class_names or ()),
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
    recorded = {**_RESUME_KEYS_SINCE, **recorded}
    keys = (*_RESUME_KEYS, *_RESUME_KEYS_SINCE)
    changed = [k for k in keys if k in recorded and recorded[k] != now.get(k, _RESUME_KEYS_SINCE.get(k))]
    if changed:
        diffs = ", ".join(f"{k}: study {recorded[k]!r}, now {now.get(k)!r}" for k in changed)
        raise SearchError(f"study {name!r} was created with other settings ({diffs}); use them, or --force")
