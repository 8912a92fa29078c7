"""A few images of each class, as stored (uint8, alpha kept), for the report's grid."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from cnntune.data._dataset import Split
from cnntune.data.explore._sampling import class_indices


class SampleImages(NamedTuple):
    images: tuple[np.ndarray, ...]  # per class: uint8 (k, H, W, C), k <= the cap (fewer in a small class)
    ids: tuple[tuple[str, ...], ...]  # per class: the image ids shown


def sample_images(split: Split, num_classes: int, per_class: int, rng: np.random.Generator) -> SampleImages:
    """Up to `per_class` random images of each class of `split`."""
    picked = class_indices(split.labels, num_classes, per_class, rng)
    return SampleImages(
        images=tuple(np.asarray(split.images[i]) for i in picked),
        ids=tuple(tuple(split.ids[j] for j in i) for i in picked),
    )
