"""How far per-image colour statistics get on the synthetic demo set (the CNN must beat this).

Features: each image's per-channel mean and std. Classifiers: nearest class
centroid and a multinomial logistic regression (numpy, full-batch gradient
descent), both on standardized features, scored on the validation split. A
third line adds four local-texture features per channel (the kind of cue a
CNN's first layer computes) to show the artifacts are there to be learned.

Measured on the default demo set (1500/300/300, 32x32 RGB, 5 classes, seed 0),
validation accuracy, majority class 0.200:
    colour mean/std  nearest centroid 0.263   logistic regression 0.257
    + local texture  nearest centroid 0.550   logistic regression 0.647

Usage:
    python bench/pixel_baseline.py                  # default demo set, in a temp folder
    python bench/pixel_baseline.py --data DIR       # any competition folder
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from cnntune.data import load_dataset, synthesize


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="default: a fresh demo set")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dataset = load_dataset(args.data or synthesize(Path(tmp) / "demo"))
    train, validation = dataset.train, dataset.validation
    chance = np.bincount(validation.labels).max() / len(validation)
    print(
        f"{len(train)} train / {len(validation)} validation images, "
        f"{dataset.num_classes} classes, majority class {chance:.3f}"
    )
    for name, features in (("colour mean/std", _colour), ("+ local texture", _texture)):
        x_train, x_val = _standardize(features(train.images), features(validation.images))
        centroid = _nearest_centroid(x_train, train.labels, x_val, dataset.num_classes)
        logistic = _logistic(x_train, train.labels, x_val, dataset.num_classes)
        print(
            f"{name:16s} nearest centroid {np.mean(centroid == validation.labels):.3f}   "
            f"logistic regression {np.mean(logistic == validation.labels):.3f}"
        )


def _colour(images: np.ndarray) -> np.ndarray:
    pixels = images.astype(np.float64)
    return np.concatenate([pixels.mean(axis=(1, 2)), pixels.std(axis=(1, 2))], axis=1)


def _texture(images: np.ndarray) -> np.ndarray:
    """Colour stats plus per-channel |dx|, |dy|, 2x2-alternation energy and 8-px block edges."""
    x = images[..., :3].astype(np.float64)
    dx, dy = np.abs(np.diff(x, axis=2)), np.abs(np.diff(x, axis=1))
    checker = (x[:, :-1, :-1] - x[:, 1:, :-1] - x[:, :-1, 1:] + x[:, 1:, 1:]) / 4
    block_edges = dx[:, :, 7::8].mean(axis=(1, 2)) - dx.mean(axis=(1, 2))
    texture = [dx.mean(axis=(1, 2)), dy.mean(axis=(1, 2)), np.abs(checker).mean(axis=(1, 2))]
    return np.concatenate([_colour(images), *texture, block_edges], axis=1)


def _standardize(train: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, std = train.mean(axis=0), train.std(axis=0) + 1e-9
    return (train - mean) / std, (other - mean) / std


def _nearest_centroid(x: np.ndarray, y: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    centroids = np.stack([x[y == c].mean(axis=0) for c in range(k)])
    return np.argmin(((query[:, None, :] - centroids[None]) ** 2).sum(axis=-1), axis=1)


def _logistic(x: np.ndarray, y: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    """Softmax regression, L2 1e-3, 2000 full-batch steps of lr 0.5: converged on these sizes."""
    x1, q1 = np.c_[x, np.ones(len(x))], np.c_[query, np.ones(len(query))]
    weights = np.zeros((x1.shape[1], k))
    onehot = np.eye(k)[y]
    for _ in range(2000):
        logits = x1 @ weights
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        weights -= 0.5 * (x1.T @ (p - onehot) / len(x1) + 1e-3 * weights)
    return np.argmax(q1 @ weights, axis=1)


if __name__ == "__main__":
    main()
