"""Tiny data sets in the class-folders and arrays layouts, written by the tests that read them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from PIL import Image

SIZE = 8  # pixels a side: enough for a JPEG block, small enough to write hundreds per second


def pixels(seed: int, size: int = SIZE, depth: int = 3) -> np.ndarray:
    """One image's uint8 pixels, different for every seed."""
    return np.random.default_rng(seed).integers(0, 256, (size, size, depth), dtype=np.uint8)


def write_image(path: Path, seed: int, size: int = SIZE) -> Path:
    """An RGB image at `path`; JPEG or PNG as its suffix says."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels(seed, size)).save(path)
    return path


def write_class_folders(
    root: Path,
    train: Mapping[str, int] | None = None,
    validation: Mapping[str, int] | None = None,
    test: int = 0,
    suffix: str = ".png",
) -> Path:
    """`root/train/<class>/img<k><suffix>` (and validation/, flat test/) with the given image counts."""
    train = {"cat": 3, "dog": 2, "fox": 2} if train is None else train
    validation = {"cat": 1, "dog": 2, "fox": 1} if validation is None else validation
    seed = 0
    for split, classes in (("train", train), ("validation", validation)):
        for name, count in classes.items():
            (root / split / name).mkdir(parents=True, exist_ok=True)
            for k in range(count):
                seed += 1
                write_image(root / split / name / f"img{k}{suffix}", seed)
    for k in range(test):
        seed += 1
        write_image(root / "test" / f"t{k}{suffix}", seed)
    return root


def arrays(
    n: int, *, depth: int = 3, classes: int = 3, seed: int = 0, size: int = SIZE
) -> tuple[np.ndarray, np.ndarray]:
    """`n` random uint8 images and labels cycling through `classes` (every class present when n >= classes)."""
    x = np.random.default_rng(seed).integers(0, 256, (n, size, size, depth), dtype=np.uint8)
    return x, np.arange(n, dtype=np.int64) % classes


def write_arrays(root: Path, *, train: int = 9, validation: int = 6, test: int = 4, depth: int = 3) -> Path:
    """`root/train.npz`, `validation.npz` and (test > 0) `test.npz` holding x, y (test: x only)."""
    root.mkdir(parents=True, exist_ok=True)
    for seed, (name, n) in enumerate((("train", train), ("validation", validation))):
        x, y = arrays(n, depth=depth, seed=seed)
        np.savez(root / f"{name}.npz", x=x, y=y)
    if test:
        np.savez(root / "test.npz", x=arrays(test, depth=depth, seed=9)[0])
    return root
