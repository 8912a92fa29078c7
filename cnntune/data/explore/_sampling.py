"""Which images a figure looks at: every one when affordable, else a seeded random subset.

Indices come back sorted so reading them from a memory-mapped split walks the
file forwards; images are read a chunk at a time, so memory stays bounded by
the chunk whatever the data set's size.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

CHUNK = 256  # images per read: ~10 MB of uint8 at 100x100x4, ~40 MB once in float32


def class_indices(labels: np.ndarray, num_classes: int, cap: int, rng: np.random.Generator) -> list[np.ndarray]:
    """For each class, the indices of at most `cap` of its images (all of them when fewer)."""
    picked = []
    for label in range(num_classes):
        members = np.flatnonzero(labels == label)
        if len(members) > cap:
            members = np.sort(rng.choice(members, cap, replace=False))
        picked.append(members)
    return picked


def random_indices(total: int, cap: int, rng: np.random.Generator) -> np.ndarray:
    """At most `cap` indices out of `total`, uniformly (so classes keep their proportions)."""
    if total <= cap:
        return np.arange(total)
    return np.sort(rng.choice(total, cap, replace=False))


def chunks(images: np.ndarray, indices: np.ndarray, size: int = CHUNK) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(positions in `indices`, the uint8 images there) a chunk at a time."""
    for start in range(0, len(indices), size):
        part = indices[start : start + size]
        yield np.arange(start, start + len(part)), np.asarray(images[part])
