"""`predict`: an exported model's class for every image of a split, as the competition's CSV.

Only the SavedModel and cnntune.json are used: no study, no Keras model code.
The images are loaded as the study loaded them (its --channels option) and must
have the model's input shape; the CSV appears complete or not at all.
"""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

import numpy as np

from cnntune.data import Split, load_dataset
from cnntune.errors import DataError, ExportError
from cnntune.export._manifest import ModelManifest, read_manifest
from cnntune.export._savedmodel import load_savedmodel, serve

SPLITS = ("train", "validation", "test")


def predict(
    model_dir: Path,
    *,
    out: Path,
    data_dir: Path | None = None,
    split: str = "test",
    proba: bool = False,
    cache_dir: Path | None = None,
) -> Path:
    """Writes `image_id,label` (and `p0..pK-1` with `proba`) for every image of `split`, in CSV order.

    Args:
        model_dir: a folder written by `export_best`.
        out: the CSV to write (replaced if it exists).
        data_dir: a folder in the competition layout; None = the one recorded in cnntune.json.
        split: which split's images to classify.
        proba: add one probability column per class.
        cache_dir: decoded-image cache; None decodes the PNGs.

    Returns:
        `out`.

    Raises:
        ExportError: the model folder is not a usable export.
        DataError: the data is missing or its images do not fit the model.
    """
    if split not in SPLITS:
        raise DataError(f"--split must be one of {', '.join(SPLITS)}, but got {split!r}")
    manifest = read_manifest(model_dir)
    images = _split(manifest, data_dir, split, cache_dir)
    probs = serve(load_savedmodel(manifest.saved_model), images.images)
    if probs.shape != (len(images), manifest.num_classes):
        raise ExportError(
            f"{manifest.saved_model}: returned shape {probs.shape}, expected ({len(images)}, {manifest.num_classes})"
        )
    return _write_csv(Path(out), images.ids, probs, proba=proba)


def _split(manifest: ModelManifest, data_dir: Path | None, split: str, cache_dir: Path | None) -> Split:
    folder = Path(data_dir) if data_dir is not None else Path(manifest.data_dir)
    if not folder.is_dir():
        hint = "--data" if data_dir is not None else f"the data folder {manifest.path} records; pass --data"
        raise DataError(f"{folder}: data folder does not exist ({hint})")
    # the study's --channels option, not the resolved channels: "auto" must resolve as it did
    # in training, and a mismatch must show as a shape error below rather than be padded away
    dataset = load_dataset(folder, channels=manifest.channels_option, cache_dir=cache_dir)
    chosen = getattr(dataset, split)
    if chosen is None:
        raise DataError(f"{folder / (split + '.csv')}: missing, so there is no {split} split to predict")
    got = tuple(int(d) for d in chosen.images.shape[1:])
    if got != manifest.input_shape:
        raise DataError(
            f"{folder}: {split} images are {_shape(got)} ({dataset.channels}), but the model at "
            f"{manifest.path.parent} takes {_shape(manifest.input_shape)} ({manifest.channels})"
        )
    return chosen


def _shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape)


def _write_csv(out: Path, ids: tuple[str, ...], probs: np.ndarray, *, proba: bool) -> Path:
    """Writes beside `out` first, then renames: a crash never leaves half a submission."""
    out.parent.mkdir(parents=True, exist_ok=True)
    labels = np.argmax(probs, axis=1)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["image_id", "label", *(f"p{k}" for k in range(probs.shape[1]) if proba)])
            for image_id, label, row in zip(ids, labels, probs, strict=True):
                extra = [f"{p:.6f}" for p in row] if proba else []
                writer.writerow([image_id, int(label), *extra])
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
