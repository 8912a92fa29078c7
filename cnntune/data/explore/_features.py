"""Images as feature vectors: their pixels block-averaged to a small side (every channel kept).

The explore report's embedding and the pixel baselines read images through
this, a chunk at a time, so 12,500 images of 100x100x4 never need a float copy.
"""

from __future__ import annotations

import numpy as np

from cnntune.data.explore._sampling import chunks


def pixel_features(images: np.ndarray, indices: np.ndarray, side: int) -> tuple[np.ndarray, tuple[int, int, int]]:
    """(n, h * w * c) float32 in [0, 1]: images[indices] averaged to at most `side` x `side`, and (h, w, c).

    An image smaller than `side` keeps its size; a side that does not divide the
    image averages bins of nearly equal size (e.g. 100 px into 16 bins of 6 or 7).
    """
    if side < 1:
        raise ValueError(f"side must be at least 1, but got {side=}")
    _, height, width, channels = images.shape
    rows, cols = _averaging(height, side), _averaging(width, side)
    out = np.empty((len(indices), len(rows) * len(cols) * channels), dtype=np.float32)
    for positions, chunk in chunks(images, indices):
        small = np.einsum("ph,nhwc,qw->npqc", rows, chunk.astype(np.float32) / 255, cols, optimize=True)
        out[positions] = small.reshape(len(chunk), -1)
    return out, (len(rows), len(cols), channels)


def _averaging(source: int, side: int) -> np.ndarray:
    """(target, source) matrix averaging `source` pixels into min(source, side) bins."""
    target = min(source, side)
    bins = np.arange(source) * target // source
    matrix = np.zeros((target, source), dtype=np.float32)
    matrix[bins, np.arange(source)] = 1
    return matrix / matrix.sum(axis=1, keepdims=True)
