"""Where a study keeps its trained models: Optuna's artifact store, and which models stay.

Each COMPLETE trial uploads its best epoch's model through
`optuna.artifacts.upload_artifact` (the search does it, `cnntune.search.running._keeper`);
the trial's user attr `MODEL_ARTIFACT` names the artifact. Only the best
`keep_top` trials' models stay: the rest are removed from the store as better
trials arrive. Which models are kept is therefore a rule over the trials (the
best `keep_top` COMPLETE trials that uploaded one), not a list to maintain:
finished trials cannot be written to, and workers on several machines agree
on the rule without talking to each other.

Locations, recorded in the study's metadata so that workers and exports find them:
- a folder (`FileSystemArtifactStore`); by default `<sqlite file>.artifacts/`
  beside an SQLite store;
- `s3://bucket` (`Boto3ArtifactStore`; needs boto3, the `s3` extra), so workers
  on several machines share one store.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnntune.errors import StorageError

if TYPE_CHECKING:
    import optuna

MODEL_ARTIFACT = "model_artifact"  # trial user attr: the artifact id of its kept model
DEFAULT_KEEP_TOP = 5  # the models an ensemble of the best trials needs, at a few MB each
S3_SCHEME = "s3://"


def default_artifacts(storage_url: str) -> str:
    """The folder beside an SQLite file (`tune.db` -> `tune.db.artifacts`); "" for other stores.

    A server store (PostgreSQL) has no natural place on disk that every worker
    shares, so it keeps models only where `--artifacts` says.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(storage_url)
    except ArgumentError:
        return ""  # open_storage words this error
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return ""
    return str(Path(url.database).expanduser().absolute()) + ".artifacts"


def resolve_artifacts(storage_url: str, option: str | None) -> str:
    """The location a new study records: `--artifacts` checked and made absolute, or the default.

    Raises:
        StorageError: naming `--artifacts` and the bad value.
    """
    if option is None:
        return default_artifacts(storage_url)
    if not option.strip():
        raise StorageError("--artifacts: empty; pass a folder or s3://bucket")
    if option.startswith(S3_SCHEME):
        _s3_bucket(option)
        _boto3_or_error(option)
        return option
    if "://" in option:
        scheme = option.split("://", 1)[0]
        raise StorageError(f"--artifacts {option!r}: unknown scheme {scheme!r}; pass a folder or s3://bucket")
    folder = Path(option).expanduser().absolute()
    if folder.exists() and not folder.is_dir():
        raise StorageError(f"--artifacts {option!r}: {folder} exists and is not a folder")
    if not folder.exists() and not folder.parent.is_dir():
        raise StorageError(f"--artifacts {option!r}: the parent folder {folder.parent} does not exist")
    return str(folder)


def open_artifact_store(location: str, *, create: bool = False) -> Any:
    """The Optuna artifact store at `location` (a folder or s3://bucket).

    Args:
        location: as `resolve_artifacts` returned it.
        create: make the folder (its parent must exist); readers pass False, so a
            mistyped or deleted location is an error rather than an empty store.
    """
    import optuna

    if location.startswith(S3_SCHEME):
        _boto3_or_error(location)
        return optuna.artifacts.Boto3ArtifactStore(_s3_bucket(location))
    folder = Path(location)
    if create:
        try:
            folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the model store {folder}: {exc.strerror}") from None
    elif not folder.is_dir():
        raise StorageError(f"{folder}: the study's model store is missing")
    return optuna.artifacts.FileSystemArtifactStore(folder)


def kept_trials(study: optuna.Study, keep_top: int, trials: list[Any] | None = None) -> list[Any]:
    """The trials whose models the store keeps: the best `keep_top` COMPLETE ones that uploaded one.

    Best first; a tie goes to the earlier trial. `trials`: the study's COMPLETE trials, if
    the caller already read them (so one decision rests on one reading of the store).
    """
    from optuna.trial import TrialState

    if trials is None:
        trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    done = [t for t in trials if t.user_attrs.get(MODEL_ARTIFACT) and t.value is not None]
    done.sort(key=lambda t: (-t.value, t.number))
    return done[:keep_top]


def evict_models(study: optuna.Study, store: Any, keep_top: int) -> list[int]:
    """Removes the models of COMPLETE trials outside the best `keep_top`; returns their trial numbers.

    Idempotent (a model already gone is skipped), so every worker may run it
    after every trial. RUNNING trials are never touched: their value is not known yet.
    """
    import optuna
    from optuna.trial import TrialState

    # One reading of the trials for both the rule and the removals: a trial another worker
    # completes in between is simply not seen, rather than seen by one and not the other.
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    kept = {t.number for t in kept_trials(study, keep_top, complete)}
    removed = []
    for trial in complete:
        artifact = trial.user_attrs.get(MODEL_ARTIFACT)
        if not artifact or trial.number in kept:
            continue
        with contextlib.suppress(optuna.artifacts.exceptions.ArtifactNotFound):
            store.remove(artifact)
            removed.append(trial.number)
    return removed


def study_artifact_ids(study: optuna.Study, storage: Any) -> list[str]:
    """Every artifact id the study's trials uploaded (kept or not), for delete and copy."""
    import optuna

    return [
        meta.artifact_id
        for trial in study.get_trials(deepcopy=False)
        for meta in optuna.artifacts.get_all_artifact_meta(trial, storage=storage)
    ]


def remove_artifacts(store: Any, artifact_ids: list[str]) -> int:
    """Removes the given artifacts; returns how many were there."""
    import optuna

    removed = 0
    for artifact_id in artifact_ids:
        with contextlib.suppress(optuna.artifacts.exceptions.ArtifactNotFound, FileNotFoundError):
            store.remove(artifact_id)
            removed += 1
    return removed


def copy_artifacts(source: Any, target: Any, artifact_ids: list[str]) -> int:
    """Copies artifacts under the same ids (so the copied trials' records stay valid); returns how many."""
    import optuna

    copied = 0
    for artifact_id in artifact_ids:
        try:
            with source.open_reader(artifact_id) as reader:
                target.write(artifact_id, reader)
        except (optuna.artifacts.exceptions.ArtifactNotFound, FileNotFoundError):
            continue  # evicted: out of the top K, nothing to copy
        copied += 1
    return copied


def _s3_bucket(location: str) -> str:
    bucket = location[len(S3_SCHEME) :]
    if not bucket or "/" in bucket.rstrip("/"):
        raise StorageError(f"--artifacts {location!r}: pass s3://bucket (a bucket of its own; no key prefix)")
    return bucket.rstrip("/")


def _boto3_or_error(location: str) -> None:
    try:
        import boto3  # noqa: F401
    except ImportError:
        raise StorageError(f"--artifacts {location!r}: boto3 is not installed (pip install 'cnntune[s3]')") from None
