"""Deleting and copying studies, with the trained models they keep.

A study's kept models live outside the database (`_artifacts`), so deleting a
study removes them too, and copying one copies them into the target's model
store when it has one. A target without one (a server store and no
`--artifacts`) keeps pointing at the source's store, and the result says so.
"""

from __future__ import annotations

import dataclasses

from cnntune.errors import StorageError
from cnntune.storage._artifacts import (
    copy_artifacts,
    default_artifacts,
    open_artifact_store,
    remove_artifacts,
    resolve_artifacts,
    study_artifact_ids,
)
from cnntune.storage._metadata import PREFIX, read_metadata
from cnntune.storage._studies import load_existing_study
from cnntune.storage._url import mask_url, open_storage


@dataclasses.dataclass(frozen=True)
class Deleted:
    trials: int
    models: int  # kept models removed from the study's model store


@dataclasses.dataclass(frozen=True)
class Copied:
    trials: int
    models: int  # kept models copied into the target's store
    artifacts: str  # where the copy's models live ("" when the source kept none)
    shared: bool  # the copy still reads the source's store (nothing copied)


def delete_study(storage_url: str, study_name: str) -> Deleted:
    """Deletes a study, its trials and its kept models."""
    import optuna
    import sqlalchemy.exc

    study = load_existing_study(storage_url, study_name)
    storage = study._storage  # the storage load_existing_study opened; Study exposes no public handle
    n_trials = len(study.get_trials(deepcopy=False))
    recorded = read_metadata(study)
    ids = study_artifact_ids(study, storage) if recorded is not None and recorded.artifacts else []
    try:  # the study first: if it cannot go, its models must stay; orphaned model files harm nobody
        optuna.delete_study(study_name=study_name, storage=storage)
    except sqlalchemy.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StorageError(f"cannot delete study {study_name!r} from {mask_url(storage_url)}: {reason}") from None
    models = 0
    if ids:
        try:
            models = remove_artifacts(open_artifact_store(recorded.artifacts), ids)
        except (StorageError, OSError):
            models = 0  # the store is gone or unreachable: the files stay where they are
    return Deleted(n_trials, models)


def copy_study(
    from_url: str,
    to_url: str,
    study_name: str,
    to_study_name: str | None = None,
    *,
    artifacts: str | None = None,
) -> Copied:
    """Copies a study with its trials, attrs and kept models to another store (e.g. SQLite to PostgreSQL).

    Args:
        artifacts: the target's model store; None = beside the target's SQLite file, if it is one.
    """
    import optuna

    source = load_existing_study(from_url, study_name)
    target_name = to_study_name or study_name
    location = resolve_artifacts(to_url, artifacts) if artifacts is not None else default_artifacts(to_url)
    target_storage = open_storage(to_url, heartbeat=None)
    existing = [s.study_name for s in optuna.get_all_study_summaries(target_storage, include_best_trial=False)]
    if target_name in existing:
        raise StorageError(f"{mask_url(to_url)} already holds a study {target_name!r}; delete it or pick --to-study")
    recorded = read_metadata(source)
    keeps = recorded is not None and bool(recorded.artifacts)
    moves = keeps and bool(location) and location != recorded.artifacts
    # Both stores open before anything is copied: a missing or unwritable one fails with nothing written.
    from_store = open_artifact_store(recorded.artifacts) if moves else None
    to_store = open_artifact_store(location, create=True) if moves else None
    optuna.copy_study(
        from_study_name=study_name,
        from_storage=source._storage,
        to_storage=target_storage,
        to_study_name=target_name,
    )
    n_trials = len(source.get_trials(deepcopy=False))
    if not keeps:
        return Copied(n_trials, 0, "", False)
    if not moves:
        return Copied(n_trials, 0, recorded.artifacts, True)
    ids = study_artifact_ids(source, source._storage)
    try:
        copied = copy_artifacts(from_store, to_store, ids)
    except OSError as exc:  # disk full: no half-copied study is left pointing at the source's store
        optuna.delete_study(study_name=target_name, storage=target_storage)
        raise StorageError(f"cannot copy the kept models to {location}: {exc.strerror or exc}") from None
    target = optuna.load_study(study_name=target_name, storage=target_storage)
    target.set_user_attr(PREFIX + "artifacts", location)
    return Copied(n_trials, copied, location, False)
