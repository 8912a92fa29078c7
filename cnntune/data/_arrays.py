"""The arrays layout: `train.npz`, `validation.npz`, optional `test.npz`, each with `x`, `y`, optional `ids`.

For data that already lives in numpy (a Keras dataset, a notebook's arrays):
no images to decode, so no decode cache; `np.load` is the load. Files are
opened with `allow_pickle=False`: an .npz can carry pickled objects, and
unpickling a file runs whatever code it holds. The same checks serve the
files and `stage_arrays`' in-memory arguments; `where` names the file and key
("train.npz key 'x'") or the argument ("train x") in each message.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cnntune.data._tables import SplitTable, check_inside, synthetic_csv
from cnntune.errors import DataError

_MAX_LABEL = 2**31 - 1  # as for CSV labels: they index a softmax
_DEPTHS = (3, 4)

Where = Callable[[str], str]  # array key ("x", "y", "ids") -> how a message names it


@dataclass(frozen=True, eq=False)
class ArraySplit:
    """One split's arrays, checked: uint8 (N, H, W, 3|4) images, int64 (N,) labels or None, ids."""

    name: str
    images: np.ndarray
    labels: np.ndarray | None
    id_array: np.ndarray | None  # the ids as given (str array), None when defaulted to 0..N-1
    where: Where

    @property
    def ids(self) -> tuple[str, ...]:
        if self.id_array is None:
            return tuple(str(i) for i in range(len(self.images)))
        return tuple(self.id_array.tolist())


def file_where(path: Path) -> Where:
    return lambda key: f"{path} key {key!r}"


def argument_where(name: str) -> Where:
    return lambda key: f"{name} {key}"


def check_split(name: str, x: Any, y: Any, ids: Any, *, where: Where, labeled: bool) -> ArraySplit:
    """Check one split's arrays; `y` is required when `labeled`, ignored otherwise; `ids` may be None."""
    images = _check_images(name, x, where("x"))
    labels = None
    if labeled:
        if y is None:
            raise DataError(f"{where('y')}: missing, the {name} split needs its class labels")
        labels = _check_labels(y, len(images), where("y"), where("x"))
    id_array = None if ids is None else _check_ids(ids, len(images), where("ids"), where("x"))
    return ArraySplit(name, images, labels, id_array, where)


def check_shapes(splits: Sequence[ArraySplit]) -> None:
    """Every split's images have the train split's (H, W, C): one model input."""
    first = splits[0]
    for split in splits[1:]:
        if split.images.shape[1:] != first.images.shape[1:]:
            raise DataError(
                f"{split.where('x')}: images are {_hwc(split.images)} (HxWxC) but {first.name}'s are "
                f"{_hwc(first.images)}; every split must share one image shape"
            )


def read_npz(root: Path, name: str, *, labeled: bool) -> ArraySplit:
    """Read and check `<root>/<name>.npz`; nothing is unpickled."""
    path = root / f"{name}.npz"
    if not path.is_file():
        raise DataError(f"{path}: missing (the {name} split's arrays: x = uint8 images, y = labels)")
    check_inside(root, path)
    return read_npz_file(path, name, labeled=labeled)


def read_npz_file(path: Path, name: str, *, labeled: bool) -> ArraySplit:
    """Read and check one .npz of the `name` split, wherever it lies (`stage_npz_files` takes any path)."""
    try:
        archive = np.load(path, allow_pickle=False)
    except ValueError:  # numpy's answer to anything that is neither a zip nor a .npy
        raise DataError(
            f"{path}: not an .npz archive (neither a zip of arrays nor a .npy; a pickle is never loaded); "
            "write it with np.savez(path, x=images, y=labels)"
        ) from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path}: not a valid .npz archive ({type(exc).__name__}: {exc})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataError(
            f"{path}: holds one array (.npy format), not an .npz archive; "
            "write it with np.savez(path, x=images, y=labels)"
        )
    with archive:
        where = file_where(path)
        keys = list(archive.files)
        x = _member(archive, path, "x", keys, where)
        y = _member(archive, path, "y", keys, where) if labeled else None
        ids = _member(archive, path, "ids", keys, where) if "ids" in keys else None
    return check_split(name, x, y, ids, where=where, labeled=labeled)


def resolve_classes(train: ArraySplit, others: Sequence[ArraySplit], num_classes: int | None) -> int:
    """The class count (largest train label + 1 unless given); every label must fall below it."""
    if num_classes is None:
        resolved, origin = int(train.labels.max()) + 1, "largest train label + 1"
        if resolved < 2:
            raise DataError(
                f"{train.where('y')}: every label is 0, a classifier needs at least 2 classes "
                "(pass --classes N if other classes exist)"
            )
    else:
        if num_classes < 2:
            raise DataError(f"num_classes must be at least 2, got {num_classes=}")
        resolved, origin = num_classes, "num_classes given"
    for split in (train, *others):
        if split.labels is None:
            continue
        bad = np.flatnonzero(split.labels >= resolved)
        if bad.size:
            i = int(bad[0])
            raise DataError(
                f"{split.where('y')}: label {int(split.labels[i])} at index {i} outside [0, {resolved}) ({origin})"
            )
    return resolved


def with_channels(images: np.ndarray, channels: str) -> np.ndarray:
    """`images` as `channels` asks: "rgb" drops alpha, "rgba" adds alpha 255, "auto" keeps what is there."""
    depth = images.shape[-1]
    if channels == "rgb" and depth == 4:
        return np.ascontiguousarray(images[..., :3])
    if channels == "rgba" and depth == 3:
        alpha = np.full((*images.shape[:-1], 1), 255, dtype=np.uint8)
        return np.concatenate([images, alpha], axis=-1)
    return images


def array_table(split: ArraySplit, root: Path) -> SplitTable:
    """A `SplitTable` of the split's ids and labels, so the fingerprint hashes arrays as it hashes CSVs."""
    ids = split.ids
    lines = tuple(range(1, len(ids) + 1))
    return SplitTable(split.name, None, root, synthetic_csv(ids, split.labels), ids, lines, split.labels)


def _member(archive: Any, path: Path, key: str, keys: list[str], where: Where) -> np.ndarray:
    if key not in keys:
        found = ", ".join(repr(k) for k in keys) or "none"
        raise DataError(
            f"{path}: no {key!r} array (keys found: {found}); expected x (uint8 images (N, H, W, C)) "
            "and y (integer labels (N,)), ids optional"
        )
    try:
        return archive[key]
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise DataError(
                f"{where(key)}: holds Python objects (dtype object), which cnntune never unpickles; "
                "save it as a plain numpy array (np.array(ids, dtype=str) for ids)"
            ) from None
        raise DataError(f"{where(key)}: cannot read ({exc})") from None
    except Exception as exc:  # a damaged member: zlib, zip or header errors
        raise DataError(f"{where(key)}: cannot read ({type(exc).__name__}: {exc})") from None


def _check_images(name: str, x: Any, where: str) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype != np.uint8:
        raise DataError(
            f"{where}: dtype {x.dtype} (shape {x.shape}), expected uint8 images (0-255); {_convert_hint(x)}"
        )
    if x.ndim != 4:
        hint = "; for grayscale (N, H, W), repeat it into 3 channels: np.repeat(x[..., None], 3, axis=-1)"
        raise DataError(f"{where}: shape {x.shape}, expected (N, H, W, C) with C = 3 or 4{hint if x.ndim == 3 else ''}")
    if x.shape[-1] not in _DEPTHS:
        hint = "; for grayscale, repeat it into 3 channels: np.repeat(x, 3, axis=-1)"
        raise DataError(
            f"{where}: shape {x.shape} has {x.shape[-1]} channel(s), expected 3 (RGB) or 4 (RGBA)"
            f"{hint if x.shape[-1] == 1 else ''}"
        )
    if len(x) == 0:
        raise DataError(f"{where}: shape {x.shape} holds no images, the {name} split is empty")
    if 0 in x.shape[1:3]:
        raise DataError(f"{where}: shape {x.shape}, images of {x.shape[2]}x{x.shape[1]} (WxH) pixels hold nothing")
    return x


def _convert_hint(x: np.ndarray) -> str:
    if np.issubdtype(x.dtype, np.floating):
        return (
            "convert with np.clip(x * 255, 0, 255).round().astype(np.uint8) if the values are in [0, 1], "
            "or x.round().astype(np.uint8) if they are 0-255"
        )
    if np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_:
        return "convert with x.astype(np.uint8) if the values are 0-255"
    return "store the pixels as a numpy uint8 array"


def _check_labels(y: Any, count: int, where: str, where_x: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:  # Keras' own datasets (cifar10) give (N, 1)
        y = y[:, 0]
    if y.ndim != 1:
        hint = "; one-hot? take y.argmax(axis=1)" if y.ndim == 2 else ""
        raise DataError(f"{where}: shape {y.shape}, expected (N,) integer class labels{hint}")
    if not np.issubdtype(y.dtype, np.integer):
        hint = " (y.astype(np.int64) if they are whole numbers)" if np.issubdtype(y.dtype, np.floating) else ""
        raise DataError(f"{where}: dtype {y.dtype}, expected integer class labels{hint}")
    if len(y) != count:
        raise DataError(f"{where}: {len(y)} labels, but {where_x} holds {count} images")
    if y.size and y.min() < 0:
        i = int(np.flatnonzero(y < 0)[0])
        raise DataError(f"{where}: label {int(y[i])} at index {i} is negative")
    if y.size and int(y.max()) > _MAX_LABEL:
        i = int(np.flatnonzero(y > _MAX_LABEL)[0])
        raise DataError(f"{where}: label {int(y[i])} at index {i} is too large")
    return y.astype(np.int64)


def _check_ids(ids: Any, count: int, where: str, where_x: str) -> np.ndarray:
    ids = np.asarray(ids)
    if ids.dtype.kind != "U":
        raise DataError(f"{where}: dtype {ids.dtype}, expected strings (np.array(ids, dtype=str))")
    if ids.ndim != 1 or len(ids) != count:
        raise DataError(f"{where}: shape {ids.shape}, expected ({count},): one id per image of {where_x}")
    empty = np.flatnonzero(ids == "")
    if empty.size:
        raise DataError(f"{where}: id at index {int(empty[0])} is empty")
    values, first, counts = np.unique(ids, return_index=True, return_counts=True)
    if (counts > 1).any():
        twice = int(np.flatnonzero(counts > 1)[0])
        raise DataError(f"{where}: duplicate id {str(values[twice])!r} (first at index {int(first[twice])})")
    return ids


def _hwc(images: np.ndarray) -> str:
    return "x".join(str(n) for n in images.shape[1:])
