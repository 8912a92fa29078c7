"""The tiny data set in the other layouts, for the tests that search them end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

CLASS_NAMES = ("daisy", "rose", "tulip")


def write_flowers(root: Path, dataset) -> None:
    """The tiny data set as a class-per-folder tree with named classes, and a flat test folder."""
    for split in (dataset.train, dataset.validation):
        for image_id, image, label in zip(split.ids, split.images, split.labels, strict=True):
            path = root / split.name / CLASS_NAMES[label] / f"{image_id}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(np.asarray(image)).save(path, quality=95)
    (root / "test").mkdir()
    for image_id, image in zip(dataset.test.ids, dataset.test.images, strict=True):
        Image.fromarray(np.asarray(image)).save(root / "test" / f"img_{image_id}.png")
