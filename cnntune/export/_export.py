"""`export_best`: the best trial of a study, retrained, wrapped, exported and checked.

The order is cheapest failure first: options, `--out`, the study and its best
trial, the data and its fingerprint; only then minutes of training. The folder
appears at `--out` complete, or not at all.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from cnntune.data import Dataset, load_dataset
from cnntune.errors import DataError, ExportError, StorageError
from cnntune.export._folder import check_out, staged_folder
from cnntune.export._manifest import versions, write_manifest
from cnntune.export._retrain import (
    Member,
    Printer,
    RetrainPlan,
    check_retrain_options,
    plan_retrain,
    retrain_members,
    silent,
)
from cnntune.export._savedmodel import INPUT_NAME, SAVEDMODEL_DIR, SIGNATURE, check_reload, export_savedmodel
from cnntune.export._scores import ValidationScores, score_members, validation_record
from cnntune.export._wrapper import TTA_MODES, build_export_model, member_probabilities
from cnntune.model import HParams
from cnntune.storage import best_trial_or_none, load_existing_study, mask_url, read_metadata


@dataclasses.dataclass(frozen=True)
class ExportResult:
    """What `export_best` wrote and measured."""

    out: Path
    study_name: str
    trial_number: int
    plan: RetrainPlan
    tta: str
    scores: ValidationScores
    validation: dict[str, Any]  # the exported model's: accuracy, confusion_matrix, per_class_accuracy
    reload_max_diff: float  # largest probability difference, reloaded SavedModel vs trained model


def export_best(
    *,
    storage_url: str,
    out: Path,
    study_name: str | None = None,
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
    epochs: int | None = None,
    seeds: int = 1,
    fit_on: str = "train",
    tta: str = "none",
    force: bool = False,
    printer: Printer = silent,
) -> ExportResult:
    """Retrains the study's best trial and exports it as one SavedModel to `out`.

    Args:
        storage_url: the study store.
        out: folder to write: saved_model/, member-<k>.keras, cnntune.json.
        study_name: None = the store's only study.
        data_dir: the study's data on this machine; None = the folder the study recorded.
        cache_dir: decoded-image cache; None decodes the PNGs.
        epochs: None = the trial's best epoch (scaled up on train+validation).
        seeds: members of the ensemble, each trained with its own seed.
        fit_on: "train" (validation scores stay honest) or "train+validation".
        tta: "none" or "flip" (average over the image and its mirror, inside the model).
        force: replace an existing export at `out`.
        printer: receives progress lines; silent by default.

    Raises:
        ExportError, StorageError, DataError: naming the option or file at fault.
    """
    out = Path(out)
    if tta not in TTA_MODES:
        raise ExportError(f"--tta must be one of {', '.join(TTA_MODES)}, but got {tta!r}")
    check_retrain_options(epochs=epochs, seeds=seeds, fit_on=fit_on)
    check_out(out, force=force)
    study = load_existing_study(storage_url, study_name)
    metadata = read_metadata(study)
    if metadata is None:
        raise StorageError(f"study {study.study_name!r} was not created by cnntune (no recorded data or settings)")
    trial = _best_trial(study)
    dataset = _study_data(study.study_name, metadata, data_dir, cache_dir)
    plan = plan_retrain(
        trial,
        metadata.settings,
        n_train=len(dataset.train),
        n_validation=len(dataset.validation),
        epochs=epochs,
        seeds=seeds,
        fit_on=fit_on,
    )
    members = retrain_members(plan, dataset, printer=printer)
    model = build_export_model([m.model for m in members], tta=tta)
    val = dataset.validation
    plain, mirrored = member_probabilities([m.model for m in members], val.images, flipped=tta == "flip")
    probs = model.predict(val.images, batch_size=256, verbose=0)
    scores = score_members(
        plain,
        mirrored,
        probs,
        val.labels,
        trial_value=trial.value,
        seen_in_training=fit_on != "train",
    )
    validation = validation_record(probs, val.labels, dataset.num_classes)
    printer(f"exporting to {out}")
    with staged_folder(out, force=force) as stage:
        export_savedmodel(model, stage / SAVEDMODEL_DIR, dataset.image_shape)
        for member in members:
            member.model.save(stage / member.file)
        diff = check_reload(stage / SAVEDMODEL_DIR, probs, val.images)
        record = _record(study.study_name, storage_url, trial, plan, members, dataset, metadata, tta, scores, diff)
        write_manifest(stage, {**record, "validation": validation})
    return ExportResult(out, study.study_name, trial.number, plan, tta, scores, validation, diff)


def _best_trial(study: Any) -> Any:
    best = best_trial_or_none(study)
    if best is None:
        raise ExportError(
            f"study {study.study_name!r} has no completed trial to export; run `tune start` or `tune worker` first"
        )
    return best


def _study_data(study_name: str, metadata: Any, data_dir: Path | None, cache_dir: Path | None) -> Dataset:
    """The study's data set, loaded with its channels setting and checked against its fingerprint."""
    source = "--data" if data_dir is not None else f"the data folder study {study_name!r} recorded; pass --data"
    folder = Path(data_dir) if data_dir is not None else Path(metadata.data_dir) if metadata.data_dir else None
    if folder is None:
        raise DataError(f"study {study_name!r} records no data folder; pass --data")
    if not folder.is_dir():
        raise DataError(f"{folder}: data folder does not exist ({source})")
    dataset = load_dataset(folder, channels=metadata.settings.get("channels", "auto"), cache_dir=cache_dir)
    if dataset.fingerprint != metadata.data_fingerprint:
        raise DataError(
            f"{folder}: not the data study {study_name!r} was run on (fingerprint {dataset.fingerprint[:12]}, "
            f"the study's {metadata.data_fingerprint[:12]}); pass --data with the study's data"
        )
    return dataset


def _record(
    study_name: str,
    storage_url: str,
    trial: Any,
    plan: RetrainPlan,
    members: list[Member],
    dataset: Dataset,
    metadata: Any,
    tta: str,
    scores: ValidationScores,
    reload_diff: float,
) -> dict[str, Any]:
    """Everything of cnntune.json but its "validation" block."""
    height, width, depth = (int(d) for d in dataset.image_shape)
    return {
        "study": study_name,
        "storage": mask_url(storage_url),
        "trial": trial.number,
        "params": plan.params,
        "hparams": HParams.from_params(plan.params).to_dict(),
        "data_fingerprint": dataset.fingerprint,
        "data_dir": str(dataset.root),
        "num_classes": dataset.num_classes,
        "input_shape": [height, width, depth],
        "channels": dataset.channels,
        "channels_option": metadata.settings.get("channels", "auto"),
        "epochs": plan.epochs,
        "seeds": list(plan.seeds),
        "fit_on": plan.fit_on,
        "tta": tta,
        "members": [{"file": m.file, "seed": m.seed, "epochs_run": m.epochs_run} for m in members],
        "saved_model": {
            "path": SAVEDMODEL_DIR,
            "signature": SIGNATURE,
            "input": {"name": INPUT_NAME, "dtype": "uint8", "shape": [None, height, width, depth]},
            "output": f"float32 [batch, {dataset.num_classes}] class probabilities",
            "reload_max_abs_diff": reload_diff,
        },
        "validation_accuracy": scores.to_dict(),
        "n_train": len(dataset.train),
        "n_validation": len(dataset.validation),
        "versions": versions(),
    }
