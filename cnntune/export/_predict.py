"""`predict`: an exported model's class for every image of a split, as the competition's CSV.

Only the SavedModel and cnntune.json are used: no study, no Keras model code.
Only the images to label are read (one split's CSV and folder, or a plain
folder of PNGs), decoded to the model's channels; an image of another size is
named in the error. The CSV appears complete or not at all.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from cnntune.atomic_files import replaced_atomically
from cnntune.data import Split, load_image_folder, load_split
from cnntune.errors import DataError, ExportError
from cnntune.export._folder import check_parent, user_mode
from cnntune.export._manifest import ModelManifest, read_manifest
from cnntune.export._savedmodel import load_savedmodel, serve

SPLITS = ("train", "validation", "test")


def predict(
    model_dir: Path,
    *,
    out: Path,
    data_dir: Path | None = None,
    images_dir: Path | None = None,
    split: str = "test",
    proba: bool = False,
    force: bool = False,
) -> Path:
    """Writes `image_id,label` (and `p0..pK-1` with `proba`) for every image to label, in order.

    Args:
        model_dir: a folder written by `export_best`.
        out: the CSV to write (replaced if it exists).
        data_dir: a folder in the competition layout; only `<split>.csv` and `<split>/`
            are read. None (and no `images_dir`) = the folder recorded in cnntune.json.
        images_dir: instead, a plain folder: every `*.png`, `*.jpg`, `*.jpeg`, `image_id` = its stem, sorted.
        split: which split's images to classify (with the competition layout).
        proba: add one probability column per class.
        force: replace an existing `out`.

    Returns:
        `out`.

    Raises:
        ExportError: the model folder is not a usable export.
        DataError: the data is missing, or an image does not fit the model (named).
    """
    if split not in SPLITS:
        raise DataError(f"--split must be one of {', '.join(SPLITS)}, but got {split!r}")
    if images_dir is not None and data_dir is not None:
        raise DataError("--data and --images name two sources of images; pass one")
    out = Path(out)
    check_parent(out, "--out")
    if out.is_dir():
        raise ExportError(f"--out {out} is a folder; name the CSV file to write")
    if out.exists() and not force:
        raise ExportError(f"--out {out} already exists; pass --force to replace it")
    manifest = read_manifest(model_dir)
    images = _images(manifest, data_dir, images_dir, split)
    probs = serve(load_savedmodel(manifest.saved_model), images.images)
    if probs.shape != (len(images), manifest.num_classes):
        raise ExportError(
            f"{manifest.saved_model}: returned shape {probs.shape}, expected ({len(images)}, {manifest.num_classes})"
        )
    return _write_csv(out, images.ids, probs, proba=proba, class_names=manifest.class_names)


def _images(manifest: ModelManifest, data_dir: Path | None, images_dir: Path | None, split: str) -> Split:
    """The images to label, decoded as the model takes them: its size, its channels.

    A model that takes RGB from a study that kept alpha when present ("auto")
    saw no alpha: an image with alpha is named in an error instead of silently
    losing it. With `--channels rgb` the study dropped alpha knowingly, and so does this.
    """
    height, width, depth = manifest.input_shape
    if depth not in (3, 4):
        raise ExportError(f"{manifest.path}: input_shape has {depth} channels; cnntune models take 3 or 4")
    options = {
        "channels": "rgb" if depth == 3 else "rgba",
        "size": (width, height),
        "alpha_allowed": manifest.channels_option == "rgb",
        "size_source": f"the size the model at {manifest.path.parent} takes",
    }
    if images_dir is not None:
        return load_image_folder(images_dir, **options)
    folder = Path(data_dir) if data_dir is not None else Path(manifest.data_dir)
    if not folder.is_dir():
        hint = "--data" if data_dir is not None else f"the data folder {manifest.path} records; pass --data or --images"
        raise DataError(f"{folder}: data folder does not exist ({hint})")
    return load_split(folder, split, labeled=False, layout=manifest.layout, **options)


def _write_csv(
    out: Path, ids: tuple[str, ...], probs: np.ndarray, *, proba: bool, class_names: tuple[str, ...] | None = None
) -> Path:
    """Writes beside `out` first, then renames: a crash never leaves half a submission.

    With `class_names` (class-per-folder data) the label column holds the class's name.
    """
    labels = np.argmax(probs, axis=1)
    with replaced_atomically(out, mode=user_mode(0o666), newline="") as file:
        writer = csv.writer(file, lineterminator="\n")  # Kaggle's own files end lines with \n
        writer.writerow(["image_id", "label", *(f"p{k}" for k in range(probs.shape[1]) if proba)])
        for image_id, label, row in zip(ids, labels, probs, strict=True):
            extra = [f"{p:.6f}" for p in row] if proba else []
            writer.writerow([image_id, int(label) if class_names is None else class_names[label], *extra])
    return out
