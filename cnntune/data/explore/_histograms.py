"""Per-class channel histograms in RGB, HSV and LAB (and alpha): do colour spaces separate the classes?

Each channel ("plane") gets a fixed range, so histograms of different classes
share their bins and can be drawn on top of each other. A plane's separation
is the mean total-variation distance between the histograms of two classes:
0 when every class has the same distribution, 1 when no two classes share a
bin; a quick number to rank the planes by.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from cnntune.data._dataset import Split
from cnntune.data.explore._sampling import chunks, class_indices
from cnntune.data.explore.colour import rgb_to_hsv, rgb_to_lab


class Plane(NamedTuple):
    space: str  # "RGB", "HSV", "LAB" or "alpha"
    channel: str
    low: float
    high: float


RGB_PLANES = (Plane("RGB", "R", 0, 255), Plane("RGB", "G", 0, 255), Plane("RGB", "B", 0, 255))
HSV_PLANES = (Plane("HSV", "H", 0, 1), Plane("HSV", "S", 0, 1), Plane("HSV", "V", 0, 1))
LAB_PLANES = (Plane("LAB", "L", 0, 100), Plane("LAB", "a", -128, 128), Plane("LAB", "b", -128, 128))
ALPHA_PLANE = Plane("alpha", "A", 0, 255)
COLOUR_PLANES = RGB_PLANES + HSV_PLANES + LAB_PLANES
_SPACE_PLANES = {"RGB": RGB_PLANES, "HSV": HSV_PLANES, "LAB": LAB_PLANES, "alpha": (ALPHA_PLANE,)}


class ChannelHistograms(NamedTuple):
    planes: tuple[Plane, ...]
    bins: int
    density: np.ndarray  # float64 (classes, planes, bins): each row sums to 1 (0 for an empty class)
    separation: np.ndarray  # float64 (planes,): mean TV distance between two classes' histograms
    images_per_class: tuple[int, ...]  # images the histograms were computed on
    total_per_class: tuple[int, ...]  # images of the class in the split


def channel_histograms(
    split: Split, num_classes: int, *, per_class: int, bins: int, rng: np.random.Generator
) -> ChannelHistograms:
    """Histograms of every plane, per class, over at most `per_class` images of each class."""
    has_alpha = split.images.shape[-1] == 4
    planes = COLOUR_PLANES + ((ALPHA_PLANE,) if has_alpha else ())
    picked = class_indices(split.labels, num_classes, per_class, rng)
    counts = np.zeros((num_classes, len(planes), bins))
    for label, indices in enumerate(picked):
        for _, images in chunks(split.images, indices):
            counts[label] += _plane_counts(images, planes, bins)
    totals = counts.sum(axis=2, keepdims=True)
    density = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    return ChannelHistograms(
        planes=planes,
        bins=bins,
        density=density,
        separation=_separation(density, totals[:, 0, 0] > 0),
        images_per_class=tuple(len(i) for i in picked),
        total_per_class=tuple(int(n) for n in np.bincount(split.labels, minlength=num_classes)),
    )


def _plane_counts(images: np.ndarray, planes: tuple[Plane, ...], bins: int) -> np.ndarray:
    """(planes, bins) pixel counts of a chunk of uint8 images."""
    out = np.empty((len(planes), bins))
    for p, values in enumerate(plane_values(images, planes)):
        # values on the upper edge (V = 1, L = 100, 255) land in the last bin, as np.histogram does
        out[p] = np.histogram(values, bins=bins, range=(planes[p].low, planes[p].high))[0]
    return out


def plane_values(images: np.ndarray, planes: tuple[Plane, ...]) -> list[np.ndarray]:
    """Each plane's values (N, H, W) for a chunk of uint8 images, on the plane's own scale.

    Each colour space is converted once per call, however many of its planes are asked for.
    """
    rgb = images[..., :3].astype(np.float32) / 255
    converters = {
        "RGB": lambda: images[..., :3],
        "HSV": lambda: rgb_to_hsv(rgb),
        "LAB": lambda: rgb_to_lab(rgb),
        "alpha": lambda: images[..., 3:],
    }
    converted: dict[str, np.ndarray] = {}
    out = []
    for plane in planes:
        if plane.space not in converted:
            converted[plane.space] = converters[plane.space]()
        names = [p.channel for p in _SPACE_PLANES[plane.space]]
        out.append(converted[plane.space][..., names.index(plane.channel)])
    return out


def _separation(density: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Mean over pairs of non-empty classes of the total-variation distance of their histograms."""
    shown = density[present]
    if len(shown) < 2:
        return np.zeros(density.shape[1])
    first, second = np.triu_indices(len(shown), k=1)
    return 0.5 * np.abs(shown[first] - shown[second]).sum(axis=2).mean(axis=0)
