"""One split, or a plain folder of images, decoded on its own: what export checks and prediction read.

`load_dataset` needs a train and a validation split (a study trains on both).
Exporting a kept model reads only the validation split, and predicting only
the images to label, so neither should demand the rest, in any layout. The
caller says the channels and size the model takes; an image that differs is
named in the error.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from cnntune.data._array_load import load_array_split
from cnntune.data._dataset import Split
from cnntune.data._decode import common_size, decode_splits, first_with_alpha
from cnntune.data._folders import class_folders, read_class_split, read_flat_split
from cnntune.data._layout import check_layout, detect_split_layout
from cnntune.data._pool import default_workers
from cnntune.data._scan import scan_folder
from cnntune.data._tables import SplitTable, read_table
from cnntune.errors import DataError

SPLIT_CHANNELS = ("rgb", "rgba")


def load_split(
    root: Path | str,
    name: str,
    *,
    channels: str,
    labeled: bool,
    layout: str = "auto",
    class_names: Sequence[str] | None = None,
    size: tuple[int, int] | None = None,
    alpha_allowed: bool = True,
    size_source: str = "the size of most of the split's images",
) -> Split:
    """Reads split `name` of `root` and nothing else of the folder; its ids are those `load_dataset` gives.

    Args:
        root: a data folder in any layout (other splits may be absent).
        name: "train", "validation" or "test".
        channels: "rgb" (alpha dropped) or "rgba" (alpha kept, 255 where missing).
        labeled: read the labels.
        layout: one of `LAYOUTS`; "auto" tells from the files present (see `detect_split_layout`).
        class_names: class folders only: the classes in label order, as the
            study recorded them. None = the split's own sorted class folders,
            which give other labels when the split lacks a class.
        size: (width, height) every image must have; None = the size most of its images have.
        alpha_allowed: with channels="rgb", False makes an image with alpha an error
            (a model that never saw alpha must not silently lose it).
        size_source: where `size` came from, for the error message.

    In the class-folders layout an unlabeled test split is the flat folder
    test/*.png; any split read with labels is `<name>/<class>/*`.

    Raises:
        DataError: naming the folder, the CSV line (array key) or the first image at fault.
    """
    if channels not in SPLIT_CHANNELS:
        raise ValueError(f"channels must be one of {SPLIT_CHANNELS}, but got {channels=}")
    check_layout(layout)
    root = Path(root).expanduser().absolute()
    if not root.is_dir():
        raise DataError(f"{root}: data folder does not exist")
    if layout == "auto":
        layout = detect_split_layout(root, name)
    if layout == "arrays":
        return load_array_split(
            root,
            name,
            channels=channels,
            labeled=labeled,
            size=size,
            alpha_allowed=alpha_allowed,
            size_source=size_source,
        )
    if layout == "competition":
        table = read_table(root, name, labeled=labeled)
    elif name == "test" and not labeled:
        table = read_flat_split(root, name)
    else:
        table = read_class_split(root, name, class_names=class_names, labeled=labeled)
    return _decoded(table, channels, size, alpha_allowed, size_source)


def class_names_of(root: Path | str, layout: str = "auto") -> tuple[str, ...] | None:
    """The class names of a class-folders data set (train's folders, else validation's); None in other layouts.

    Only folder names are listed: what a study records, so a later
    `load_split(..., class_names=...)` labels a lone validation split as training did.
    """
    check_layout(layout)
    root = Path(root).expanduser().absolute()
    if not root.is_dir():
        raise DataError(f"{root}: data folder does not exist")
    if layout == "auto":
        layout = detect_split_layout(root, "validation")
    if layout != "folders":
        return None
    return class_folders(root, "train" if (root / "train").is_dir() else "validation")


def load_image_folder(
    folder: Path | str,
    *,
    channels: str,
    size: tuple[int, int] | None = None,
    alpha_allowed: bool = True,
    size_source: str = "the size of most of the folder's images",
) -> Split:
    """Every `*.png`, `*.jpg`, `*.jpeg` of a plain folder, sorted by id; `image_id` is the file's stem.

    Hidden files and subfolders are skipped. Arguments as `load_split`'s.
    """
    folder = Path(folder).expanduser().absolute()
    if not folder.is_dir():
        raise DataError(f"{folder}: image folder does not exist")
    if not scan_folder(folder).images:
        raise DataError(f"{folder}: no .png images in this folder (nor .jpg, .jpeg)")
    table = read_flat_split(folder, "images", folder=folder)
    return _decoded(table, channels, size, alpha_allowed, size_source)


def _decoded(
    table: SplitTable, channels: str, size: tuple[int, int] | None, alpha_allowed: bool, size_source: str
) -> Split:
    if channels not in SPLIT_CHANNELS:
        raise ValueError(f"channels must be one of {SPLIT_CHANNELS}, but got {channels=}")
    size = size or common_size(table)
    [decoded] = decode_splits(
        [table], size=size, channels=3 if channels == "rgb" else 4, workers=default_workers(), size_source=size_source
    )
    if decoded.alpha and channels == "rgb" and not alpha_allowed:
        first = first_with_alpha(table)
        where = table.where(first) if first is not None else str(table.folder)
        raise DataError(
            f"{where}: the image carries alpha (transparency), but the model takes RGB images "
            "and its study saw none; remove the alpha channel first"
        )
    images = decoded.images
    images.flags.writeable = False
    labels = table.labels
    if labels is not None:
        labels.flags.writeable = False
    return Split(table.name, table.ids, images, labels)


def check_labels(split: Split, num_classes: int, csv_path: Path) -> np.ndarray:
    """The split's labels, each checked to be a class of the model."""
    labels = split.labels
    if labels is None:
        raise DataError(f"{csv_path}: no label column")
    bad = np.flatnonzero(labels >= num_classes)
    if bad.size:
        raise DataError(
            f"{csv_path}: label {int(labels[bad[0]])} of image {split.ids[bad[0]]!r} is not a class of the model "
            f"(it has {num_classes})"
        )
    return labels
