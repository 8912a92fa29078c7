"""Put arrays where a path can name them: `<cache_dir>/arrays/<content hash>/` in the arrays layout.

A search over in-memory arrays runs trials in worker processes, and those
re-read the data from a path (and a study records a path). Staging checks the
arrays up front with the checks the arrays layout makes, writes them once
(np.savez, uncompressed: the load is then a plain read), and names the folder
by content, so staging the same arrays again, from any process, finds the same
folder and writes nothing. Folders appear whole (staged beside, then renamed).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cnntune.data._arrays import ArraySplit, argument_where, check_shapes, check_split, read_npz_file
from cnntune.data._staging import publish, staging_dir
from cnntune.errors import DataError

ARRAYS_FOLDER = "arrays"  # under the cache folder, beside the decoded-image entries
_VERSION = "cnntune-staged-arrays-v1"
_HASH_CHARS = 32
_CHUNK = 1 << 20  # bytes per hash update when hashing files


def stage_arrays(cache_dir: Path | str, train: Any, validation: Any, test: Any = None) -> Path:
    """Check and write in-memory arrays as an arrays-layout folder; return that folder.

    Args:
        cache_dir: the cache folder; the set goes to `<cache_dir>/arrays/<hash>/`.
        train: `(x, y)`: uint8 images (N, H, W, 3|4), integer labels (N,) (or (N, 1)).
        validation: `(x, y)` as train, with the same image shape.
        test: optional unlabeled images: `x`, or `(x, ids)` with one string id per image.

    Raises:
        DataError: naming the argument and array ("validation y") of the first problem;
            nothing is written then. The class range is checked when the folder is loaded,
            where `num_classes` is known.
    """
    splits = [_argument_split("train", train), _argument_split("validation", validation)]
    if test is not None:
        x, ids = test if isinstance(test, tuple) and len(test) == 2 else (test, None)
        splits.append(check_split("test", x, None, ids, where=argument_where("test"), labeled=False))
    check_shapes(splits)
    target = Path(cache_dir) / ARRAYS_FOLDER / _arrays_hash(splits)
    if not target.is_dir():

        def write(folder: Path) -> None:
            for split in splits:
                np.savez(folder / f"{split.name}.npz", **_payload(split))

        _publish(target, write)
    return target


def stage_npz_files(
    cache_dir: Path | str, train_npz: Path | str, validation_npz: Path | str, test_npz: Path | str | None = None
) -> Path:
    """Check .npz files (`--data train.npz --validation-data val.npz`) and stage them as one arrays folder.

    The files are hard-linked into `<cache_dir>/arrays/<hash of their bytes>/`
    as train.npz, validation.npz, test.npz, or copied where a link cannot be
    made (another file system). A hard link shares the file: rewriting a source
    file in place changes the staged one too, which the data fingerprint a study
    records then catches; writing a new file (np.savez to a temporary name, then
    a rename) leaves the staged one as it was.

    Raises:
        DataError: naming the file and key of the first problem; nothing is written then.
    """
    sources = {"train": train_npz, "validation": validation_npz, "test": test_npz}
    paths = {name: Path(p).expanduser().absolute() for name, p in sources.items() if p is not None}
    for name, path in paths.items():
        if not path.is_file():
            raise DataError(f"{path}: missing (the {name} split's .npz)")
    splits = [read_npz_file(path, name, labeled=name != "test") for name, path in paths.items()]
    check_shapes(splits)
    target = Path(cache_dir) / ARRAYS_FOLDER / _files_hash(paths)
    if not target.is_dir():

        def write(folder: Path) -> None:
            for name, path in paths.items():
                _link_or_copy(path, folder / f"{name}.npz")

        _publish(target, write)
    return target


def _argument_split(name: str, pair: Any) -> ArraySplit:
    if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
        raise DataError(f"{name}: expected an (x, y) pair of arrays, got {type(pair).__name__}")
    x, y = pair
    return check_split(name, x, y, None, where=argument_where(name), labeled=True)


def _arrays_hash(splits: Sequence[ArraySplit]) -> str:
    digest = hashlib.sha256(f"{_VERSION}\n".encode())
    for split in splits:
        for key, array in _payload(split).items():
            digest.update(f"{split.name} {key} {array.dtype.str} {array.shape}\n".encode())
            for start in range(0, len(array), 1024):  # a strided view is hashed without a whole copy
                digest.update(np.ascontiguousarray(array[start : start + 1024]).data)
    return digest.hexdigest()[:_HASH_CHARS]


def _files_hash(paths: dict[str, Path]) -> str:
    digest = hashlib.sha256(f"{_VERSION} files\n".encode())
    for name, path in paths.items():
        digest.update(f"{name} {path.stat().st_size}\n".encode())
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()[:_HASH_CHARS]


def _payload(split: ArraySplit) -> dict[str, np.ndarray]:
    """What a split's .npz holds: x, y when labeled, ids when given."""
    arrays = {"x": split.images}
    if split.labels is not None:
        arrays["y"] = split.labels
    if split.id_array is not None:
        arrays["ids"] = split.id_array
    return arrays


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed there: a copy holds the same bytes
        shutil.copyfile(source, target)


def _publish(target: Path, write: Callable[[Path], None]) -> None:
    try:
        with staging_dir(target) as folder:
            write(folder)
            publish(folder, target)  # lost a race: the winner's folder holds the same content
    except OSError as exc:
        raise DataError(
            f"cannot write the staged arrays {target} ({exc}); free space or pass another cache folder"
        ) from None
