"""An arrays folder -> a `Dataset` (every split) or one `Split` (what export and predict read)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cnntune.data._arrays import ArraySplit, array_table, check_shapes, read_npz, resolve_classes, with_channels
from cnntune.data._dataset import Dataset, LoadReport, Split
from cnntune.data._fingerprint import content_fingerprint
from cnntune.errors import DataError


def load_arrays(root: Path, *, channels: str, num_classes: int | None) -> Dataset:
    """Read train.npz, validation.npz and test.npz (when present) of `root`; arguments as `load_dataset`'s."""
    splits = [read_npz(root, "train", labeled=True), read_npz(root, "validation", labeled=True)]
    if (root / "test.npz").exists():  # the test split is optional; its labels, if any, unused
        splits.append(read_npz(root, "test", labeled=False))
    check_shapes(splits)
    classes = resolve_classes(splits[0], splits[1:], num_classes)
    depth = splits[0].images.shape[-1]
    resolved = "rgba" if channels == "rgba" or (channels == "auto" and depth == 4) else "rgb"
    images = {s.name: _read_only(with_channels(s.images, resolved)) for s in splits}
    tables = [array_table(s, root) for s in splits]
    out = {s.name: _split(s, images[s.name]) for s in splits}
    return Dataset(
        root=root,
        train=out["train"],
        validation=out["validation"],
        test=out.get("test"),
        num_classes=classes,
        channels=resolved,
        image_shape=tuple(images["train"].shape[1:]),
        fingerprint=content_fingerprint(tables, images, channels=resolved, num_classes=classes),
        load_report=LoadReport(decoded=0, from_cache=False, alpha_dropped=channels == "rgb" and depth == 4),
        class_names=None,
        layout="arrays",
    )


def load_array_split(
    root: Path,
    name: str,
    *,
    channels: str,
    labeled: bool,
    size: tuple[int, int] | None,
    alpha_allowed: bool,
    size_source: str,
) -> Split:
    """Read `<root>/<name>.npz` alone, as `load_split` does for images: the caller's channels and size."""
    split = read_npz(root, name, labeled=labeled)
    height, width, depth = split.images.shape[1:]
    if size is not None and size != (width, height):
        raise DataError(
            f"{split.where('x')}: images are {width}x{height} (WxH) but the data set's images are "
            f"{size[0]}x{size[1]} ({size_source})"
        )
    if depth == 4 and channels == "rgb" and not alpha_allowed:
        raise DataError(
            f"{split.where('x')}: the images carry alpha (4 channels), but the model takes RGB images "
            "and its study saw none; remove the alpha channel first"
        )
    return _split(split, _read_only(with_channels(split.images, channels)))


def _read_only(images: np.ndarray) -> np.ndarray:
    images.flags.writeable = False  # as the image layouts give them: code that writes into a split fails
    return images


def _split(split: ArraySplit, images: np.ndarray) -> Split:
    if split.labels is not None:
        split.labels.flags.writeable = False
    return Split(split.name, split.ids, images, split.labels)
