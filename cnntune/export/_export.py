"""`export_best`: a study's best trial (or its best K), wrapped, exported and checked.

By default the models are the ones the search kept (`_kept`): no training, only
the validation split read, seconds on a CPU. `retrain=True` trains the best
trial again (`_retrain`: seeds, train+validation). Either way the order is
cheapest failure first: options, `--out`, the study and its best trial, the
models and data; the folder appears at `--out` complete, or not at all.
Kept in one module (~340 lines) because its steps are one sequence a reader
follows top to bottom; what each step needs lives in its own module.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnntune.data import Split
from cnntune.errors import ExportError, StorageError
from cnntune.export._folder import check_out, staged_folder
from cnntune.export._kept import check_values, kept_members, load_validation, model_channels
from cnntune.export._manifest import versions, write_manifest
from cnntune.export._members import Member
from cnntune.export._retrain import (
    Printer,
    RetrainPlan,
    check_retrain_options,
    plan_retrain,
    retrain_members,
    silent,
)
from cnntune.export._savedmodel import INPUT_NAME, SAVEDMODEL_DIR, SIGNATURE, check_reload, export_savedmodel
from cnntune.export._scores import ValidationScores, score_members, validation_record
from cnntune.export._selection import AUTO, Selection, select_combination
from cnntune.export._study_data import data_folder, study_data
from cnntune.export._wrapper import TTA_MODES, build_export_model, exported_probabilities, member_probabilities
from cnntune.model import HParams
from cnntune.model.training import needs_cnntune, save_for_inference
from cnntune.storage import best_trial_or_none, load_existing_study, mask_url, read_metadata

if TYPE_CHECKING:
    import optuna

KEPT, RETRAINED = "kept", "retrained"
# The reload check runs the written SavedModel on this many validation images: enough to catch an
# export that computes something else, a fifth of a pass over the competition's 1,250.
RELOAD_CHECK_IMAGES = 256


@dataclasses.dataclass(frozen=True)
class ExportResult:
    """What `export_best` wrote and measured."""

    out: Path
    study_name: str
    trial_number: int  # the best trial
    source: str  # KEPT or RETRAINED
    members: list[Member]
    plan: RetrainPlan | None  # RETRAINED only
    tta: str
    scores: ValidationScores
    selection: Selection  # the combinations scored on validation, and the one exported
    validation: dict[str, Any]  # the exported model's: accuracy, confusion_matrix, per_class_accuracy
    reload_max_diff: float  # largest probability difference, reloaded SavedModel vs in-memory model
    seconds: float  # the whole export, loading and checks included


@dataclasses.dataclass(frozen=True)
class _Source:
    """The members and the validation split they are scored on, from either path."""

    members: list[Member]
    validation: Split
    num_classes: int
    data_dir: Path
    fingerprint: str
    channels: str
    plan: RetrainPlan | None = None
    n_train: int | None = None
    # the members' validation probabilities [K, N, C], on the images and (for flip TTA) their mirrors
    plain: Any = None
    mirrored: Any = None


def export_best(
    *,
    storage_url: str,
    out: Path,
    study_name: str | None = None,
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
    retrain: bool = False,
    top: int | None = None,
    epochs: int | None = None,
    seeds: int = 1,
    fit_on: str = "train",
    tta: str = AUTO,
    force: bool = False,
    printer: Printer = silent,
) -> ExportResult:
    """Exports the study's best model, or the best combination of its kept models, as one SavedModel at `out`.

    By default the combination is chosen by validation accuracy
    (`cnntune.export._selection`): the best trial's kept model alone, the
    greedy ensemble of the kept models, each with and without flip TTA.

    Args:
        storage_url: the study store.
        out: folder to write: saved_model/, member-<k>.keras, cnntune.json.
        study_name: None = the store's only study.
        data_dir: the study's data on this machine; None = the folder the study recorded.
        cache_dir: decoded-image cache (retraining only; a kept model reads only validation).
        retrain: train the best trial again instead of exporting the model the search kept.
        top: average the kept models of the best `top` trials (not with `retrain`); None = chosen.
        epochs: retrain: None = the trial's best epoch (scaled up on train+validation).
        seeds: retrain: members of the ensemble, each trained with its own seed.
        fit_on: retrain: "train" (validation scores stay honest) or "train+validation".
        tta: "none", "flip" (average over the image and its mirror, inside the model), or "auto":
            chosen on validation (with `retrain` on train+validation, which the models saw: "none").
        force: replace an existing export at `out`.
        printer: receives progress lines; silent by default.

    Raises:
        ExportError, StorageError, DataError: naming the option, file or trial at fault.
    """
    started = time.perf_counter()
    out = Path(out)
    _check_options(retrain=retrain, top=top, epochs=epochs, seeds=seeds, fit_on=fit_on, tta=tta)
    check_out(out, force=force)
    study = load_existing_study(storage_url, study_name)
    metadata = read_metadata(study)
    if metadata is None:
        raise StorageError(f"study {study.study_name!r} was not created by cnntune (no recorded data or settings)")
    trial = _best_trial(study)
    with tempfile.TemporaryDirectory(prefix="cnntune-export-") as workdir:
        if retrain:
            source = _retrained(study.study_name, trial, metadata, data_dir, cache_dir, epochs, seeds, fit_on, printer)
            top = len(source.members)  # the seeds' ensemble as a whole
            tta = "none" if tta == AUTO and fit_on != "train" else tta
        else:
            source = _kept(study, metadata, data_dir, top, Path(workdir), printer, storage_url)
        source, selection = _select(source, top, tta, printer)
        result = _write(source, out, force, selection, study.study_name, storage_url, trial, metadata, printer)
    return dataclasses.replace(result, seconds=time.perf_counter() - started)


def _check_options(*, retrain: bool, top: int | None, epochs: int | None, seeds: int, fit_on: str, tta: str) -> None:
    if tta not in (*TTA_MODES, AUTO):
        raise ExportError(f"--tta must be one of {', '.join((*TTA_MODES, AUTO))}, but got {tta!r}")
    if top is not None and top < 1:
        raise ExportError(f"--top must be >= 1, but got {top}")
    check_retrain_options(epochs=epochs, seeds=seeds, fit_on=fit_on)
    if retrain and top not in (None, 1):
        raise ExportError("--top averages kept models and needs no training; with --retrain use --seeds K")
    if not retrain:
        given = [
            name
            for name, on in (("--epochs", epochs is not None), ("--seeds", seeds != 1), ("--fit-on", fit_on != "train"))
            if on
        ]
        if given:
            raise ExportError(
                f"{', '.join(given)} retrain the trial: add --retrain (the default exports the kept model)"
            )


def _kept(
    study: optuna.Study,
    metadata: Any,
    data_dir: Path | None,
    top: int | None,
    workdir: Path,
    printer: Printer,
    storage_url: str,
) -> _Source:
    members = kept_members(study, metadata, top=top, workdir=workdir, storage_url=storage_url)
    printer(f"loaded {len(members)} kept model(s): " + ", ".join(f"trial #{m.trial}" for m in members))
    folder = data_folder(study.study_name, metadata, data_dir)
    num_classes = int(members[0].model.output_shape[-1])
    validation = load_validation(folder, members[0].model, metadata, num_classes)
    return _Source(
        members, validation, num_classes, folder, metadata.data_fingerprint, model_channels(members[0].model)
    )


def _retrained(
    study_name: str,
    trial: Any,
    metadata: Any,
    data_dir: Path | None,
    cache_dir: Path | None,
    epochs: int | None,
    seeds: int,
    fit_on: str,
    printer: Printer,
) -> _Source:
    dataset = study_data(study_name, metadata, data_dir, cache_dir)
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
    return _Source(
        members,
        dataset.validation,
        dataset.num_classes,
        dataset.root,
        dataset.fingerprint,
        dataset.channels,
        plan=plan,
        n_train=len(dataset.train),
    )


def _select(source: _Source, top: int | None, tta: str, printer: Printer) -> tuple[_Source, Selection]:
    """The members and TTA mode to export: as forced, or the best candidate on validation."""
    models = [m.model for m in source.members]
    val = source.validation
    plain, mirrored = member_probabilities(models, val.images, flipped=tta != "none")
    selection = select_combination(plain, mirrored, val.labels, top=top, tta=tta)
    selection = dataclasses.replace(selection, labels=tuple(m.label() for m in source.members))
    if not selection.forced:
        chosen = selection.chosen
        printer(
            f"chose on validation among {len(selection.candidates)} candidates: {selection.describe(chosen)} "
            f"({chosen.accuracy:.4f})"
        )
    picked = list(selection.chosen.members)
    members = [dataclasses.replace(source.members[i], file=f"member-{k}.keras") for k, i in enumerate(picked)]
    flipped = selection.chosen.tta == "flip"
    return dataclasses.replace(
        source, members=members, plain=plain[picked], mirrored=mirrored[picked] if flipped else None
    ), selection


def _write(
    source: _Source,
    out: Path,
    force: bool,
    selection: Selection,
    study_name: str,
    storage_url: str,
    trial: Any,
    metadata: Any,
    printer: Printer,
) -> ExportResult:
    """Scores the members and the wrapped model, writes and reload-checks the folder."""
    tta = selection.chosen.tta
    models = [m.model for m in source.members]
    model = build_export_model(models, tta=tta)
    val = source.validation
    plain, mirrored = source.plain, source.mirrored  # computed once, when the members were chosen
    if source.plan is None:
        check_values(source.members, plain, val.labels, source.data_dir)
    probs = exported_probabilities(plain, mirrored)
    seen = source.plan is not None and source.plan.fit_on != "train"
    scores = score_members(plain, mirrored, probs, val.labels, trial_value=trial.value, seen_in_training=seen)
    validation = validation_record(probs, val.labels, source.num_classes)
    printer(f"exporting to {out}")
    shape = tuple(int(d) for d in val.images.shape[1:])
    with staged_folder(out, force=force) as stage:
        export_savedmodel(model, stage / SAVEDMODEL_DIR, shape)
        for member in source.members:
            save_for_inference(member.model, stage / member.file)
        checked = slice(0, RELOAD_CHECK_IMAGES)
        diff = check_reload(stage / SAVEDMODEL_DIR, probs[checked], val.images[checked])
        record = _record(source, study_name, storage_url, trial, metadata, shape, tta, scores, diff)
        write_manifest(stage, {**record, "selection": selection.to_dict(), "validation": validation})
    source_name = RETRAINED if source.plan is not None else KEPT
    return ExportResult(
        out,
        study_name,
        trial.number,
        source_name,
        source.members,
        source.plan,
        tta,
        scores,
        selection,
        validation,
        diff,
        0.0,
    )


def _best_trial(study: optuna.Study) -> Any:
    best = best_trial_or_none(study)
    if best is None:
        raise ExportError(
            f"study {study.study_name!r} has no completed trial to export; run `tune start` or `tune worker` first"
        )
    return best


def _record(
    source: _Source,
    study_name: str,
    storage_url: str,
    trial: Any,
    metadata: Any,
    shape: tuple[int, ...],
    tta: str,
    scores: ValidationScores,
    reload_diff: float,
) -> dict[str, Any]:
    """Everything of cnntune.json but its "validation" block."""
    height, width, depth = shape
    plan = source.plan
    model_function = metadata.settings.get("model_function")
    return {
        "study": study_name,
        "storage": mask_url(storage_url),
        "trial": trial.number,
        "source": KEPT if plan is None else RETRAINED,
        "params": dict(trial.params),
        "hparams": HParams.from_params(dict(trial.params), model_params=model_function is not None).to_dict(),
        "model_function": model_function,  # "module:function" of the user's model; None = cnntune's CNN
        "data_fingerprint": source.fingerprint,
        "data_dir": str(Path(source.data_dir).absolute()),
        "num_classes": source.num_classes,
        "class_names": list(metadata.class_names) or None,  # the label of class k; None = k itself
        "layout": metadata.settings.get("layout", "auto"),
        "input_shape": [height, width, depth],
        "channels": source.channels,
        "channels_option": metadata.settings.get("channels", "auto"),
        "epochs": None if plan is None else plan.epochs,
        "seeds": None if plan is None else list(plan.seeds),
        "fit_on": "train" if plan is None else plan.fit_on,
        "tta": tta,
        "members": [m.to_dict() for m in source.members],
        "members_need_cnntune": any(needs_cnntune(m.model) for m in source.members),
        "saved_model": {
            "path": SAVEDMODEL_DIR,
            "signature": SIGNATURE,
            "input": {"name": INPUT_NAME, "dtype": "uint8", "shape": [None, height, width, depth]},
            "output": f"float32 [batch, {source.num_classes}] class probabilities",
            "reload_max_abs_diff": reload_diff,
        },
        "validation_accuracy": scores.to_dict(),
        "n_train": source.n_train,
        "n_validation": len(source.validation),
        "versions": versions(),
    }
