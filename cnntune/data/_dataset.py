"""What `load_dataset` returns: the splits as uint8 arrays, and how they were obtained."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


# eq=False: fields are arrays, whose == is elementwise; identity is the useful equality here
@dataclass(frozen=True, eq=False)
class Split:
    """One split in CSV order (class folders: sorted per class, classes in order; arrays: array order).

    `images` is uint8 (N, H, W, C) with C = 3 or 4, read-only (a memory map on a
    cache hit); `labels` is int64 (N,), or None for the unlabeled test split.
    """

    name: str
    ids: tuple[str, ...]
    images: np.ndarray
    labels: np.ndarray | None

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class LoadReport:
    """How this load went: what was decoded or read from the cache, what was converted."""

    decoded: int  # images decoded in this call; 0 on a cache hit, and for arrays (nothing to decode)
    from_cache: bool
    converted: dict[str, int] = field(default_factory=dict)  # source image mode -> count
    alpha_dropped: bool = False  # channels="rgb" discarded alpha some images carried
    formats: dict[str, int] = field(default_factory=dict)  # file format -> count, for files named .png that are not


@dataclass(frozen=True, eq=False)
class Dataset:
    """A data folder in any layout, loaded and validated.

    `fingerprint` hashes the content (CSVs or id,label rows, pixels, channels,
    classes, class names), not paths or mtimes: a study records it and workers
    elsewhere compare it. `class_names` are the class folders' names, label i
    = the i-th (None where labels are plain integers: CSVs, arrays).
    """

    root: Path
    train: Split
    validation: Split
    test: Split | None
    num_classes: int
    channels: str  # resolved: "rgb" or "rgba"
    image_shape: tuple[int, int, int]  # (H, W, C)
    fingerprint: str
    load_report: LoadReport
    class_names: tuple[str, ...] | None = None
    layout: str = "competition"  # one of LAYOUTS but "auto": what the folder turned out to be

    @property
    def splits(self) -> tuple[Split, ...]:
        """The splits present, in the order train, validation, test."""
        return tuple(s for s in (self.train, self.validation, self.test) if s is not None)
