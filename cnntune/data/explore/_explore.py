"""`explore`: every figure's data for `tune data explore`, bounded on the competition's size.

Measured on a competition-size synthetic set (`synthesize(train=12500,
validation=1250, test=100, size=100, alpha=True)`, images cached), on 2 CPU
cores shared with other work (load average 3), `tune data explore` end to
end: 17.2 s (histograms 4.5 s, embedding 9.9 s - mostly t-SNE -, spectra
1.6 s, means 0.4 s), a 7.8 MB page, peak RSS 0.81 GB of which the
memory-mapped 0.5 GB train split is most. The caps in `Limits` bound each
section, and each section records how many images it used so its figure
can say so.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from cnntune.data._dataset import Dataset
from cnntune.data.explore._balance import ClassBalance, class_balance
from cnntune.data.explore._embedding import Embeddings, embed
from cnntune.data.explore._histograms import ChannelHistograms, channel_histograms
from cnntune.data.explore._means import MeanImages, mean_images
from cnntune.data.explore._samples import SampleImages, sample_images
from cnntune.data.explore._spectra import Spectra, spectra
from cnntune.errors import DataError


class Limits(NamedTuple):
    """How many images each section reads at most (per class where it says so)."""

    samples_per_class: int = 6  # thumbnails per class: enough to see the variety, a glance to scan
    histogram_images_per_class: int = 200  # 2 M pixels per class at 100x100: smooth 64-bin histograms
    histogram_bins: int = 64
    embedding_images: int = 2000  # a randomized SVD of 2000 x 1024 features: well under a second
    tsne_images: int = 1000  # t-SNE grows as n log n per iteration: ~10 s on 2 cores here
    embedding_side: int = 16  # pixels block-averaged to 16x16 (x channels) features
    spectrum_images_per_class: int = 500  # the mean of 500 log spectra is already smooth


class Exploration(NamedTuple):
    root: Path
    image_shape: tuple[int, int, int]  # (H, W, C)
    channels: str  # "rgb" or "rgba"
    num_classes: int
    fingerprint: str
    balance: ClassBalance
    samples: SampleImages
    histograms: ChannelHistograms
    embeddings: Embeddings
    means: MeanImages
    spectra: Spectra
    seconds: dict[str, float]  # section -> seconds it took to compute


def explore(dataset: Dataset, *, limits: Limits = Limits(), seed: int = 0) -> Exploration:
    """Compute every section's data from the train split (class balance: every split).

    Args:
        dataset: a loaded data set; its train split must be labeled (it always is).
        limits: caps on the images each section reads.
        seed: seeds every random subset, so the same data gives the same report.

    Raises:
        DataError: a cap is below 1.
    """
    _check(limits)
    train, classes = dataset.train, dataset.num_classes
    seconds: dict[str, float] = {}

    def timed(name, compute):
        start = time.perf_counter()
        result = compute()
        seconds[name] = time.perf_counter() - start
        return result

    def rng(section: int) -> np.random.Generator:
        return np.random.default_rng([seed, section])  # one stream per section: each stands alone

    return Exploration(
        root=dataset.root,
        image_shape=dataset.image_shape,
        channels=dataset.channels,
        num_classes=classes,
        fingerprint=dataset.fingerprint,
        balance=timed("balance", lambda: class_balance(dataset)),
        samples=timed("samples", lambda: sample_images(train, classes, limits.samples_per_class, rng(1))),
        histograms=timed(
            "histograms",
            lambda: channel_histograms(
                train,
                classes,
                per_class=limits.histogram_images_per_class,
                bins=limits.histogram_bins,
                rng=rng(2),
            ),
        ),
        embeddings=timed(
            "embedding",
            lambda: embed(
                train,
                side=limits.embedding_side,
                pca_images=limits.embedding_images,
                tsne_images=limits.tsne_images,
                seed=seed,
            ),
        ),
        means=timed("means", lambda: mean_images(train, classes)),
        spectra=timed(
            "spectra",
            lambda: spectra(train, classes, per_class=limits.spectrum_images_per_class, rng=rng(4)),
        ),
        seconds=seconds,
    )


def _check(limits: Limits) -> None:
    for name, value in limits._asdict().items():
        if value < 1:
            raise DataError(f"explore limit {name} must be at least 1, but got {value}")
