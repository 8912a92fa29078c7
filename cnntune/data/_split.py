"""One split, or a plain folder of PNGs, decoded on its own: what export checks and prediction read.

`load_dataset` needs train.csv and validation.csv (a study trains on both).
Exporting a kept model reads only the validation split, and predicting only
the images to label, so neither should demand the rest. The caller says the
channels and size the model takes; an image that differs is named in the error.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cnntune.data._dataset import Split
from cnntune.data._decode import common_size, decode_splits, first_with_alpha
from cnntune.data._pool import default_workers
from cnntune.data._tables import SplitTable, check_images_inside, read_table
from cnntune.errors import DataError

SPLIT_CHANNELS = ("rgb", "rgba")


def load_split(
    root: Path | str,
    name: str,
    *,
    channels: str,
    labeled: bool,
    size: tuple[int, int] | None = None,
    alpha_allowed: bool = True,
    size_source: str = "the size of most of the split's images",
) -> Split:
    """Reads `<root>/<name>.csv` and decodes `<root>/<name>/`, nothing else of the folder.

    Args:
        root: a folder in the competition layout (other splits may be absent).
        name: "train", "validation" or "test".
        channels: "rgb" (alpha dropped) or "rgba" (alpha kept, 255 where missing).
        labeled: read the label column.
        size: (width, height) every image must have; None = the size most of its images have.
        alpha_allowed: with channels="rgb", False makes an image with alpha an error
            (a model that never saw alpha must not silently lose it).
        size_source: where `size` came from, for the error message.

    Raises:
        DataError: naming the folder, the CSV line or the first image at fault.
    """
    root = Path(root).expanduser().absolute()
    if not root.is_dir():
        raise DataError(f"{root}: data folder does not exist")
    return _decoded(read_table(root, name, labeled=labeled), channels, size, alpha_allowed, size_source)


def load_image_folder(
    folder: Path | str,
    *,
    channels: str,
    size: tuple[int, int] | None = None,
    alpha_allowed: bool = True,
    size_source: str = "the size of most of the folder's images",
) -> Split:
    """Every `*.png` of a plain folder, in sorted file-name order; `image_id` is the file's stem.

    Arguments as `load_split`'s.
    """
    folder = Path(folder).expanduser().absolute()
    if not folder.is_dir():
        raise DataError(f"{folder}: image folder does not exist")
    ids = tuple(sorted(p.stem for p in folder.glob("*.png") if p.is_file()))
    if not ids:
        raise DataError(f"{folder}: no .png images in this folder")
    table = SplitTable("images", None, folder, b"", ids, tuple(range(1, len(ids) + 1)), None)
    check_images_inside(folder, table)
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
