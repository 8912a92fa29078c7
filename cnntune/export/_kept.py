"""The kept models of a study's best trials, fetched from its model store and checked.

The search kept each COMPLETE trial's best-epoch model (`cnntune.search.running._keeper`),
so exporting needs no training: download, load, and check on the validation
split that each model still scores its trial's value (to `VALUE_TOLERANCE`).
That check is also the data check: only the validation split is read, so an
export runs where the training images are absent.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from cnntune.data import Split, check_labels, load_split
from cnntune.errors import DataError, ExportError, StorageError
from cnntune.export._members import Member
from cnntune.export._scores import accuracy
from cnntune.model.training import load_for_inference
from cnntune.storage import MODEL_ARTIFACT, StudyMetadata, default_artifacts, kept_trials, open_artifact_store
from cnntune.storage.trial_record import BEST_EPOCH, EPOCHS_RUN, MODEL_NOT_KEPT

if TYPE_CHECKING:
    import optuna

VALUE_TOLERANCE = 1e-4  # |kept model's validation accuracy - its trial's value|
RETRAIN_HINT = "pass --retrain to train it again"


def kept_members(
    study: optuna.Study, metadata: StudyMetadata, *, top: int | None, workdir: Path, storage_url: str = ""
) -> list[Member]:
    """The `top` best trials' kept models (None: every kept one), best first, loaded from the study's store.

    Raises:
        ExportError: the study keeps no models, fewer than `top`, or one is missing or corrupt.
    """
    name = study.study_name
    if not metadata.artifacts or metadata.keep_top < 1:
        raise ExportError(
            f"study {name!r} keeps no trained models (created without a model store, e.g. on PostgreSQL "
            f"without --artifacts, or with --keep-top 0); {RETRAIN_HINT}"
        )
    best = study.best_trial
    if not best.user_attrs.get(MODEL_ARTIFACT):
        why = best.user_attrs.get(MODEL_NOT_KEPT) or "it finished before models were kept"
        raise ExportError(f"study {name!r}: trial #{best.number} (the best) has no kept model ({why}); {RETRAIN_HINT}")
    kept = kept_trials(study, metadata.keep_top)
    top = len(kept) if top is None else top
    if top > len(kept):
        numbers = ", ".join(f"#{t.number}" for t in kept)
        raise ExportError(f"--top {top}: study {name!r} keeps {len(kept)} model(s) (trials {numbers})")
    location = _store_location(metadata.artifacts, storage_url)
    try:
        store = open_artifact_store(location)
    except StorageError as exc:
        raise ExportError(f"study {name!r}: {exc}; {RETRAIN_HINT}") from None
    return [_member(store, trial, k, workdir, location) for k, trial in enumerate(kept[:top])]


def load_best_model(study: optuna.Study, storage_url: str) -> Any:
    """The best trial's kept model, loaded for inference (the Python API's `best_model()`).

    Raises:
        ExportError: no trial is COMPLETE yet, or the study keeps no model of it.
    """
    import tempfile

    from cnntune.storage import read_metadata

    if not any(t.state.name == "COMPLETE" for t in study.get_trials(deepcopy=False)):
        raise ExportError(f"study {study.study_name!r} has no COMPLETE trial yet: no best model to load")
    metadata = read_metadata(study)
    if metadata is None:
        raise ExportError(f"study {study.study_name!r} was not created by cnntune: it keeps no models")
    with tempfile.TemporaryDirectory(prefix="cnntune-model-") as workdir:
        [member] = kept_members(study, metadata, top=1, workdir=Path(workdir), storage_url=storage_url)
    return member.model


def _store_location(recorded: str, storage_url: str) -> str:
    """The recorded store, or the folder beside the SQLite file when the two moved together."""
    if recorded.startswith("s3://") or Path(recorded).is_dir():
        return recorded
    beside = default_artifacts(storage_url) if storage_url else ""
    return beside if beside and Path(beside).is_dir() else recorded


def _member(store: Any, trial: Any, k: int, workdir: Path, location: str) -> Member:
    import optuna

    artifact = trial.user_attrs[MODEL_ARTIFACT]
    path = workdir / f"trial-{trial.number}.keras"
    where = f"trial #{trial.number}'s kept model (artifact {artifact} in {location})"
    try:
        optuna.artifacts.download_artifact(artifact_store=store, file_path=str(path), artifact_id=artifact)
    except (optuna.artifacts.exceptions.ArtifactNotFound, FileNotFoundError):
        raise ExportError(f"{where} is missing; {RETRAIN_HINT}") from None
    except OSError as exc:
        raise ExportError(f"{where} cannot be read ({exc.strerror or exc}); {RETRAIN_HINT}") from None
    try:
        model = load_for_inference(path)
    except Exception as exc:  # noqa: BLE001 - Keras raises anything from a damaged zip
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise ExportError(f"{where} is corrupt ({first}); {RETRAIN_HINT}") from None
    epochs = int(trial.user_attrs.get(BEST_EPOCH) or trial.user_attrs.get(EPOCHS_RUN) or 0)
    return Member(model, f"member-{k}.keras", trial.number, epochs, trial_value=trial.value)


def model_channels(model: Any) -> str:
    """The channels a model takes, as the data loader names them."""
    depth = int(model.input_shape[-1])
    if depth not in (3, 4):
        raise ExportError(f"the kept model takes {depth}-channel images; cnntune models take 3 (RGB) or 4 (RGBA)")
    return "rgb" if depth == 3 else "rgba"


def load_validation(folder: Path, model: Any, metadata: StudyMetadata, num_classes: int) -> Split:
    """The validation split of `folder`, decoded as the model takes it; no other split is read.

    Laid out as the study's data was, and labelled by the study's class names (a validation
    split lacking a class must not shift the others' labels).
    """
    height, width = int(model.input_shape[1]), int(model.input_shape[2])
    split = load_split(
        folder,
        "validation",
        channels=model_channels(model),
        labeled=True,
        layout=metadata.settings.get("layout", "auto"),
        class_names=tuple(metadata.class_names) or None,
        size=(width, height),
        alpha_allowed=metadata.settings.get("channels", "auto") == "rgb",
        size_source="the size the model takes",
    )
    check_labels(split, num_classes, folder / "validation")
    return split


def check_values(members: list[Member], plain: np.ndarray, labels: np.ndarray, folder: Path) -> list[float]:
    """Each kept member's validation accuracy, which must equal its trial's value."""
    scores = []
    for member, probs in zip(members, plain, strict=True):
        got = accuracy(probs, labels)
        if member.trial_value is not None and abs(got - member.trial_value) > VALUE_TOLERANCE:
            raise DataError(
                f"{folder}: trial #{member.trial}'s kept model scores {got:.4f} on this validation split, "
                f"but the trial scored {member.trial_value:.4f}: not the study's validation data (pass --data "
                f"with it), another device's numerics flipping an image, or not the trial's model; {RETRAIN_HINT}"
            )
        scores.append(got)
    return scores
