"""Mean log-amplitude spectrum per class: where generator artifacts show.

Gratings, upsampling and block traces are faint in pixels but concentrate at
a few frequencies (2x2 patterns at the Nyquist corners, 8x8 blocks at
multiples of 1/8), so the class's mean spectrum minus the mean over all
classes shows them as bright spots. Computed on the luminance with each
image's mean removed (the zero frequency would dwarf the rest), zero
frequency centred. With the mean removed, the zero frequency's amplitude is 0
by construction, the darkest pixel of every spectrum though it says nothing
about the images: `zero_frequency` says where it is, so figures mask it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from cnntune.data._dataset import Split
from cnntune.data.explore._sampling import chunks, class_indices

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R BT.601 weights


class Spectra(NamedTuple):
    per_class: np.ndarray  # float32 (classes, H, W): mean log(1 + |FFT|) of the luminance, shifted
    overall: np.ndarray  # float32 (H, W): mean over every image used, all classes
    difference: np.ndarray  # float32 (classes, H, W): per_class - overall
    images_per_class: tuple[int, ...]
    total_per_class: tuple[int, ...]
    zero_frequency: tuple[int, int]  # (row, column) of the zero frequency after the shift: 0 by construction


def spectra(split: Split, num_classes: int, *, per_class: int, rng: np.random.Generator) -> Spectra:
    """Mean log-amplitude spectrum of at most `per_class` images of each class."""
    picked = class_indices(split.labels, num_classes, per_class, rng)
    sums = np.zeros((num_classes, *split.images.shape[1:3]))
    for label, indices in enumerate(picked):
        for _, images in chunks(split.images, indices):
            sums[label] += log_amplitude(images).sum(axis=0)
    used = np.array([len(i) for i in picked])
    per_class_mean = sums / np.maximum(used, 1)[:, None, None]
    overall = sums.sum(axis=0) / max(int(used.sum()), 1)
    difference = np.where(used[:, None, None] > 0, per_class_mean - overall, 0)
    return Spectra(
        per_class_mean.astype(np.float32),
        overall.astype(np.float32),
        difference.astype(np.float32),
        tuple(int(n) for n in used),
        tuple(int(n) for n in np.bincount(split.labels, minlength=num_classes)),
        zero_frequency(sums.shape[1:]),
    )


def zero_frequency(shape: tuple[int, ...]) -> tuple[int, int]:
    """Where `np.fft.fftshift` puts the zero frequency of an (H, W) spectrum: (H // 2, W // 2)."""
    height, width = shape
    return height // 2, width // 2


def log_amplitude(images: np.ndarray) -> np.ndarray:
    """log(1 + |2-D FFT|) of each uint8 image's mean-free luminance, zero frequency centred: (N, H, W)."""
    luma = images[..., :3].astype(np.float32) @ _LUMA
    luma -= luma.mean(axis=(1, 2), keepdims=True)
    amplitude = np.abs(np.fft.fft2(luma))
    return np.fft.fftshift(np.log1p(amplitude), axes=(1, 2))
