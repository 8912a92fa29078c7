"""Class balance: images per class in each labeled split, and the size of the unlabeled ones."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from cnntune.data._dataset import Dataset


class ClassBalance(NamedTuple):
    counts: dict[str, tuple[int, ...]]  # labeled split -> images per class (index = class)
    unlabeled: dict[str, int]  # unlabeled split (test) -> images


def class_balance(dataset: Dataset) -> ClassBalance:
    """Counts per class and split, from the labels alone (no pixel is read)."""
    counts, unlabeled = {}, {}
    for split in dataset.splits:
        if split.labels is None:
            unlabeled[split.name] = len(split)
        else:
            counts[split.name] = tuple(int(n) for n in np.bincount(split.labels, minlength=dataset.num_classes))
    return ClassBalance(counts, unlabeled)
