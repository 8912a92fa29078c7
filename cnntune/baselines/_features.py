"""What the pixel baselines see: downsampled pixels, or per-image colour histograms.

Both read the images a chunk at a time (see `cnntune.data.explore`), so the
competition's 12,500 images of 100x100x4 need no float copy in memory.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from cnntune.data.explore import ALPHA_PLANE, COLOUR_PLANES, chunks, pixel_features, plane_values

PIXEL_SIDE = 16  # 16x16 keeps layout and colour; 1,024 features at 4 channels
HISTOGRAM_BINS = 16  # per channel; 160 features with alpha
# Pixels per image a histogram reads at most (larger images on a grid stride): the LAB conversion
# dominates the cost, but every 2nd pixel of the competition's 100x100 cost 0.03 of gradient
# boosting's accuracy (0.487 vs 0.515), so up to 100x100 every pixel counts.
HISTOGRAM_PIXELS = 10_000


class Features(NamedTuple):
    values: np.ndarray  # float32 (n, features)
    description: str  # for the printed table: what a row of `values` is


def pixels(images: np.ndarray, indices: np.ndarray, side: int = PIXEL_SIDE) -> Features:
    """Each image averaged to at most side x side, every channel, flattened."""
    values, (height, width, channels) = pixel_features(images, indices, side)
    return Features(values, f"pixels {height}x{width}x{channels} ({values.shape[1]})")


def colour_histograms(images: np.ndarray, indices: np.ndarray, bins: int = HISTOGRAM_BINS) -> Features:
    """Each image's normalized histogram of every RGB, HSV and LAB channel (and alpha), concatenated.

    Images of more than `HISTOGRAM_PIXELS` pixels are read on a regular grid of about that many.
    """
    planes = COLOUR_PLANES + ((ALPHA_PLANE,) if images.shape[-1] == 4 else ())
    stride = max(1, math.ceil(math.sqrt(images.shape[1] * images.shape[2] / HISTOGRAM_PIXELS)))
    values = np.empty((len(indices), len(planes) * bins), dtype=np.float32)
    for positions, chunk in chunks(images, indices):
        grid = chunk[:, ::stride, ::stride]
        for p, (plane, plane_pixels) in enumerate(zip(planes, plane_values(grid, planes), strict=True)):
            values[positions, p * bins : (p + 1) * bins] = _per_image_histogram(plane_pixels, plane, bins)
    spaces = "+".join(dict.fromkeys(p.space for p in planes))
    return Features(values, f"colour histograms {spaces}, {bins} bins ({values.shape[1]})")


def _per_image_histogram(values: np.ndarray, plane, bins: int) -> np.ndarray:
    """(N, bins) fraction of each image's pixels per bin, by one bincount over the whole chunk."""
    n = len(values)
    scaled = (values.reshape(n, -1).astype(np.float32) - plane.low) / (plane.high - plane.low)
    index = np.clip((scaled * bins).astype(np.int64), 0, bins - 1)
    index += np.arange(n)[:, None] * bins
    counts = np.bincount(index.ravel(), minlength=n * bins).reshape(n, bins)
    return counts / counts.sum(axis=1, keepdims=True)
