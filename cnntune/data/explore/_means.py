"""Per-class mean images and their difference to the overall mean: where, and in which channel, classes differ.

Every train image is read, a chunk at a time into float64 sums, so the means
are exact and memory stays at one chunk plus (classes + 1) images of sums.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from cnntune.data._dataset import Split
from cnntune.data.explore._sampling import chunks


class MeanImages(NamedTuple):
    per_class: np.ndarray  # float32 (classes, H, W, C), 0-255 scale; zeros for an empty class
    overall: np.ndarray  # float32 (H, W, C): mean of every image of the split
    difference: np.ndarray  # float32 (classes, H, W, C): per_class - overall (zeros for an empty class)
    counts: tuple[int, ...]  # images per class


def mean_images(split: Split, num_classes: int) -> MeanImages:
    """Mean image of each class of `split` and of the whole split, over every image."""
    sums = np.zeros((num_classes, *split.images.shape[1:]))
    labels = np.asarray(split.labels)
    for positions, images in chunks(split.images, np.arange(len(split))):
        chunk_labels = labels[positions]
        for label in np.unique(chunk_labels):
            sums[label] += images[chunk_labels == label].sum(axis=0, dtype=np.float64)
    counts = np.bincount(labels, minlength=num_classes)
    per_class = sums / np.maximum(counts, 1)[:, None, None, None]
    overall = sums.sum(axis=0) / max(len(split), 1)
    difference = np.where(counts[:, None, None, None] > 0, per_class - overall, 0)
    return MeanImages(
        per_class.astype(np.float32),
        overall.astype(np.float32),
        difference.astype(np.float32),
        tuple(int(n) for n in counts),
    )
